import { AppError } from '../../errors.js'
import { authorize } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx } from '../context.js'
import { findUser } from '../users/index.js'
import type { Project } from './projects.js'
import {
  addProjectMember as addMemberRow,
  findProject,
  insertProject,
  listProjectMemberIds,
  listProjects as listProjectRows,
  removeProjectMember as removeMemberRow,
} from './projects.repo.js'

export async function createProject(
  ctx: Ctx,
  input: { name: string; description?: string },
): Promise<Project> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'project.create')
    const exists = (await listProjectRows(tx.db, tx.actor.companyId)).some(
      (p) => p.name === input.name,
    )
    if (exists) throw new AppError('conflict', `a project named "${input.name}" exists`)
    const project = await insertProject(tx.db, tx.actor.companyId, input, tx.now)
    await recordAudit(tx, {
      action: 'project.created',
      targetType: 'project',
      targetId: project.id,
      after: project,
    })
    return project
  })
}

export async function listProjects(ctx: Ctx): Promise<Project[]> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'project.view')
    return listProjectRows(tx.db, tx.actor.companyId)
  })
}

/** P10: membership decides who may know a project's records exist. */
export async function setProjectMember(
  ctx: Ctx,
  projectId: string,
  userId: string,
  member: boolean,
): Promise<string[]> {
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    if ((await findProject(tx.db, companyId, projectId)) === undefined) {
      throw new AppError('not_found', 'no such project')
    }
    await authorize(tx, 'project.manageMembers', { type: 'project', id: projectId })
    if ((await findUser(tx.db, companyId, userId)) === undefined) {
      throw new AppError('not_found', 'no such user', {
        errors: [{ path: 'body/userId', message: 'no such user' }],
      })
    }
    const before = await listProjectMemberIds(tx.db, companyId, projectId)
    if (member) await addMemberRow(tx.db, companyId, projectId, userId, tx.now)
    else await removeMemberRow(tx.db, companyId, projectId, userId)
    const after = await listProjectMemberIds(tx.db, companyId, projectId)
    await recordAudit(tx, {
      action: member ? 'project.member_added' : 'project.member_removed',
      targetType: 'project',
      targetId: projectId,
      before: { members: before },
      after: { members: after },
    })
    return after
  })
}
