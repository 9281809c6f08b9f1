import { decide, type Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { authorize, decisionFor, envOf, listPlan, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { authorizeList, authorizeRecord } from '../authorize-record.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { decodeCursor, pageOf, type Page, type PageRequest } from '../page.js'
import { projectUser, userResource, visibleUser, type UserView } from '../users/index.js'
import type { Project } from './projects.js'
import {
  addProjectMember as addMemberRow,
  deleteProject as deleteProjectRow,
  findProject,
  insertProject,
  listMemberUsers,
  listProjectMemberIds,
  listProjects as listProjectRows,
  removeProjectMember as removeMemberRow,
} from './projects.repo.js'

// The project catalog entry has no fields, so a project the caller may view is shown whole.
// Membership is read per request (loadSubject), so it needs no policy-version bump.

/** A project as the engine sees it: its scope attribute is its own id (catalog: project = 'id'). */
export function projectResource(project: Pick<Project, 'id'>): Resource {
  return { type: 'project', id: project.id, attrs: { id: project.id } }
}

const noSuchProject = () => new AppError('not_found', 'no such project')

async function projectForAction(
  tx: TenantCtx,
  id: string,
  action: 'view' | 'delete' | 'manageMembers',
): Promise<Project> {
  const project = await findProject(tx.db, tx.actor.companyId, id)
  if (project === undefined) throw noSuchProject()
  await authorizeRecord(tx, `project.${action}`, projectResource(project), noSuchProject)
  return project
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === '23505'

/**
 * Creates a project. A new project has no members yet, so only a company-wide `project.create`
 * reaches it (a project-scoped grant covers the projects one is already in).
 */
export async function createProject(
  ctx: Ctx,
  input: { name: string; description?: string | undefined },
): Promise<Project> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'project.create')
    if (
      !(await decisionFor(tx, 'project.create', { type: 'project', attrs: { id: null } })).allowed
    )
      throw new AppError(
        'forbidden',
        'not allowed: project.create (only company-wide rules create)',
      )
    try {
      const project = await insertProject(
        tx.db,
        tx.actor.companyId,
        {
          name: input.name,
          ...(input.description !== undefined && { description: input.description }),
        },
        tx.now,
      )
      await recordAudit(tx, {
        action: 'project.created',
        targetType: 'project',
        targetId: project.id,
        after: project,
      })
      return project
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      throw new AppError('conflict', `a project named "${input.name}" exists`, {
        cause: error,
        errors: [{ path: 'body/name', message: 'is taken' }],
      })
    }
  })
}

export async function getProject(ctx: Ctx, id: string): Promise<Project> {
  return inCompany(ctx, (tx) => projectForAction(tx, id, 'view'))
}

/** The projects the caller may view (SQL-filtered by the engine's plan), by id, one page. */
export async function listProjects(
  ctx: Ctx,
  page: PageRequest = { limit: 50 },
): Promise<Page<Project>> {
  const afterId = decodeCursor(page.cursor)
  return inCompany(ctx, async (tx) => {
    await authorizeList(tx, 'project.view')
    const plan = await listPlan(tx, 'project.view')
    const rows = await listProjectRows(tx.db, tx.actor.companyId, plan, {
      limit: page.limit + 1,
      afterId,
    })
    return pageOf(rows, page.limit, (p) => p)
  })
}

/** Deletes a project and its memberships, audited with the members it had. */
export async function deleteProject(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, async (tx) => {
    const before = await projectForAction(tx, id, 'delete')
    const members = await listProjectMemberIds(tx.db, tx.actor.companyId, id)
    try {
      await deleteProjectRow(tx.db, tx.actor.companyId, id)
    } catch (error) {
      if ((error as { code?: string }).code === '23503') {
        throw new AppError('conflict', 'the project still has records', { cause: error })
      }
      throw error
    }
    await recordAudit(tx, {
      action: 'project.deleted',
      targetType: 'project',
      targetId: id,
      before: { ...before, members },
    })
  })
}

/**
 * P10: the members of a project the caller may view, as the caller may see them (each user
 * projected with its own decision); members outside the caller's user scope are left out by
 * the SQL plan, not afterwards.
 */
export async function listProjectMembers(
  ctx: Ctx,
  projectId: string,
  page: PageRequest = { limit: 50 },
): Promise<Page<UserView>> {
  const afterId = decodeCursor(page.cursor)
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    await projectForAction(tx, projectId, 'view')
    const plan = await listPlan(tx, 'user.view')
    const rows = await listMemberUsers(tx.db, companyId, projectId, plan, {
      limit: page.limit + 1,
      afterId,
    })
    const me = await subjectOf(tx)
    const env = envOf(tx)
    return pageOf(rows, page.limit, (u) =>
      projectUser(decide(me, 'user.view', { companyId, ...userResource(u) }, env), u),
    )
  })
}

/**
 * P10: adds (`member` true) or removes a member; membership decides who may know a project's
 * records exist. Needs `project.manageMembers` on the project; the user must be one the caller
 * may view (another company's user is not found, on `path`). Adding twice is a no-op; removing
 * someone who is not a member is not found. Returns the member ids after the change.
 */
export async function setProjectMember(
  ctx: Ctx,
  projectId: string,
  userId: string,
  member: boolean,
  path = 'params/userId',
): Promise<string[]> {
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    await projectForAction(tx, projectId, 'manageMembers')
    await visibleUser(tx, userId, path)
    const before = await listProjectMemberIds(tx.db, companyId, projectId)
    if (member) {
      if (before.includes(userId)) return before
      await addMemberRow(tx.db, companyId, projectId, userId, tx.now)
    } else if (!(await removeMemberRow(tx.db, companyId, projectId, userId))) {
      throw new AppError('not_found', 'not a member of this project', {
        errors: [{ path, message: 'is not a member' }],
      })
    }
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
