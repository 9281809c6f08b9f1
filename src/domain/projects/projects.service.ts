import type { Kysely } from 'kysely'
import type { AttrOf, Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { authorize, decisionFor } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { assertReachChange } from '../roles/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { Database } from '../database.js'
import type { Page, PageRequest } from '../page.js'
import { defineResource } from '../seam/index.js'
import {
  lockUsers,
  positionIdLens,
  userRecords,
  visibleUser,
  type UserView,
} from '../users/index.js'
import type { Project } from './projects.js'
import {
  addProjectMember as addMemberRow,
  deleteProject as deleteProjectRow,
  insertProject,
  listProjectMemberIds,
  projectRowToProject,
  removeProjectMember as removeMemberRow,
  updateProject as updateProjectRow,
} from './projects.repo.js'

// The project catalog entry has no fields, so a project the caller may view is shown whole.
// Membership is read per request (loadSubject), so it needs no policy-version bump.

/** The projects read seam: its scope attribute is its own id (catalog: project = 'id'). */
export const projectRecords = defineResource({
  type: 'project',
  table: 'projects',
  toItem: projectRowToProject,
  columns: { id: 'id' },
  search: { name: 'name' },
})

/** A project as the engine sees it: the same attributes the seam reads from its row. */
export function projectResource(project: Pick<Project, 'id'>): Resource {
  const attrs: Record<AttrOf<'project'>, string | null> = { id: project.id }
  return { type: 'project', id: project.id, attrs }
}

const noSuchProject = () => new AppError('not_found', 'no such project')

/**
 * P10: a project a write names must be one the caller may view (a member's own project, under
 * a project-scoped `project.view`): 404 on `path` otherwise, exactly as an id never issued.
 */
export async function visibleProject(tx: TenantCtx, id: string, path: string): Promise<Project> {
  const found = await projectRecords.visible(tx, id, 'project.view')
  if (found === undefined) {
    throw new AppError('not_found', 'no such project', {
      errors: [{ path, message: 'no such project' }],
    })
  }
  return found.item
}

async function projectForAction(
  tx: TenantCtx,
  id: string,
  action: 'view' | 'delete' | 'manageMembers',
): Promise<Project> {
  const found = await projectRecords.get(tx, id, `project.${action}`, noSuchProject, {
    recorded: action !== 'view',
  })
  return found.item
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
  return inCompany(ctx, (tx) => createProjectIn(tx, input))
}

/** createProject in the caller's transaction (policy import: all or nothing). */
export async function createProjectIn(
  tx: TenantCtx,
  input: { name: string; description?: string | undefined },
): Promise<Project> {
  await authorize(tx, 'project.create')
  if (!(await decisionFor(tx, 'project.create', { type: 'project', attrs: { id: null } })).allowed)
    throw new AppError('forbidden', 'not allowed: project.create (only company-wide rules create)')
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
}

/**
 * Changes a project's description (`project.edit` on it, audited `project.updated`): for policy
 * import, in the caller's transaction. Its name is its identity in a policy document: renaming is
 * not done here.
 */
export async function updateProjectIn(
  tx: TenantCtx,
  id: string,
  patch: { description: string },
): Promise<Project> {
  const before = await projectRecords.get(tx, id, 'project.edit', noSuchProject, {
    recorded: true,
  })
  const row = await updateProjectRow(tx.db, tx.actor.companyId, id, patch)
  if (row === undefined) throw noSuchProject()
  await recordAudit(tx, {
    action: 'project.updated',
    targetType: 'project',
    targetId: id,
    before: before.item,
    after: row,
  })
  return row
}

export async function getProject(ctx: Ctx, id: string): Promise<Project> {
  return inCompany(ctx, (tx) => projectForAction(tx, id, 'view'))
}

/** The projects the caller may view, through the seam, by id, one page. */
export async function listProjects(
  ctx: Ctx,
  page: PageRequest = { limit: 50 },
  filter: { q?: string | undefined } = {},
): Promise<Page<Project>> {
  return inCompany(ctx, async (tx) => {
    // The project type has no catalog fields: a projection leaves a project whole.
    return (await projectRecords.list(tx, 'project.view', {
      limit: page.limit,
      cursor: page.cursor,
      q: filter.q,
    })) as Page<Project>
  })
}

/** Deletes a project and its memberships, audited with the members it had. */
export async function deleteProject(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) => deleteProjectIn(tx, id))
}

/** deleteProject in the caller's transaction (policy import). */
export async function deleteProjectIn(tx: TenantCtx, id: string): Promise<void> {
  const before = await projectForAction(tx, id, 'delete')
  const members = await listProjectMemberIds(tx.db, tx.actor.companyId, id)
  // S7: deleting a project takes it from every member, as removing each of them would
  for (const member of members) {
    await assertReachChange(
      tx,
      member,
      { project: { id, member: false } },
      'project.manageMembers',
      'params/id',
    )
  }
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
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    await projectForAction(tx, projectId, 'view')
    const found = await userRecords.list(tx, 'user.view', {
      limit: page.limit,
      cursor: page.cursor,
      where: (eb) =>
        eb(
          'users.id',
          'in',
          eb
            .selectFrom('project_members')
            .select('project_members.user_id')
            .where('project_members.company_id', '=', companyId)
            .where('project_members.project_id', '=', projectId),
        ),
    })
    return { ...found, items: found.items.map(positionIdLens) }
  })
}

/**
 * P10: adds (`member` true) or removes a member; membership decides who may know a project's
 * records exist. Needs `project.manageMembers` on the project; the user must be one the caller
 * may view (another company's user is not found, on `path`). Adding twice is a no-op; removing
 * someone who is not a member is not found. Returns the member ids after the change. The joining
 * person's row is locked first: their new rights are offered the calls waiting in the project's
 * queues before the change commits (inCompany's `onRightsChanged`), and people's rows come
 * before the audit chain in queue routing's lock order (domain/calls/ring.ts).
 */
export async function setProjectMember(
  ctx: Ctx,
  projectId: string,
  userId: string,
  member: boolean,
  path = 'params/userId',
): Promise<string[]> {
  return inCompany(ctx, async (tx) => {
    if (member) await lockUsers(tx, [userId])
    return setProjectMemberIn(tx, projectId, userId, member, path)
  })
}

/** setProjectMember in the caller's transaction (policy import: all or nothing). */
export async function setProjectMemberIn(
  tx: TenantCtx,
  projectId: string,
  userId: string,
  member: boolean,
  path = 'params/userId',
): Promise<string[]> {
  const { companyId } = tx.actor
  await projectForAction(tx, projectId, 'manageMembers')
  await visibleUser(tx, userId, path)
  const before = await listProjectMemberIds(tx.db, companyId, projectId)
  if (before.includes(userId) === member) {
    if (member) return before
  } else {
    // S5, S7: joining or leaving a project delegates or takes away what membership gives
    await assertReachChange(
      tx,
      userId,
      { project: { id: projectId, member } },
      'project.manageMembers',
      path,
    )
  }
  if (member) {
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
}

/**
 * Makes person `userId` a member of project `projectId` (both of company `companyId`; the
 * composite foreign keys refuse another company's), in `db`, with no decision, no delegation
 * check and no audit: for seeded companies (tests). Requests go through setProjectMember.
 */
export async function addProjectMemberUnchecked(
  db: Kysely<Database>,
  companyId: string,
  projectId: string,
  userId: string,
  now: Date,
): Promise<void> {
  await addMemberRow(db, companyId, projectId, userId, now)
}
