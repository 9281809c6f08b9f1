import {
  decide,
  project,
  uneditableFields,
  type Action,
  type Decision,
  type Projected,
  type Resource,
} from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { decisionFor, envOf, listPlan, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { authorizeList, authorizeRecord } from '../authorize-record.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { existingOrgUnit, visibleOrgUnit } from '../org-units/index.js'
import { decodeCursor, pageOf, type Page, type PageRequest } from '../page.js'
import type { User, UserPatch } from './users.js'
import {
  findUser,
  listUsers as listUserRows,
  updateUser as updateUserRow,
  type UserListFilter,
} from './users.repo.js'

/** A user as the caller may see them (P4): hidden fields absent, masked ones in `maskedFields`. */
export type UserView = Projected<User>

/** What PATCH /users/{id} changes besides the status (status is the accounts module's). */
export type UserProfilePatch = Omit<UserPatch, 'status'>

/** A user as the engine sees one: scope attributes `id` (owner) and `orgUnitId` (catalog). */
export function userResource(user: Pick<User, 'id' | 'orgUnitId'>): Resource {
  return { type: 'user', id: user.id, attrs: { id: user.id, orgUnitId: user.orgUnitId } }
}

export function projectUser(decision: Decision, user: User): UserView {
  return project(decision, 'user', { ...user })
}

const noSuchUser = (path?: string) =>
  new AppError(
    'not_found',
    'no such user',
    path ? { errors: [{ path, message: 'no such user' }] } : {},
  )

/**
 * The user at a path id, authorized for `action`: another company's user, a missing one and one
 * outside the caller's view scope are all 404 (authorize() decides 404 vs 403).
 */
export async function userForAction(
  tx: TenantCtx,
  id: string,
  action: Extract<Action, `user.${string}`>,
): Promise<{ user: User; decision: Decision }> {
  const user = await findUser(tx.db, tx.actor.companyId, id)
  if (user === undefined) throw noSuchUser()
  return { user, decision: await authorizeRecord(tx, action, userResource(user), noSuchUser) }
}

/**
 * A user named in a write (manager, project member, …): they must exist in the caller's company
 * and be visible to the caller; otherwise 404 with `path`, exactly as for an id never issued.
 */
export async function visibleUser(tx: TenantCtx, id: string, path: string): Promise<User> {
  const user = await findUser(tx.db, tx.actor.companyId, id)
  if (user === undefined || !(await decisionFor(tx, 'user.view', userResource(user))).allowed)
    throw noSuchUser(path)
  return user
}

export async function getUser(ctx: Ctx, id: string): Promise<UserView> {
  return inCompany(ctx, async (tx) => {
    const { user, decision } = await userForAction(tx, id, 'user.view')
    return projectUser(decision, user)
  })
}

/**
 * The users the caller may view, filtered in SQL by the engine's plan for `user.view` (a scope
 * of `none` selects nothing), narrowed by `filter`, one page by id. A filter naming an org unit
 * or manager that is not in the caller's company answers 404 on that query parameter.
 */
export async function listUsers(
  ctx: Ctx,
  filter: UserListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<UserView>> {
  const afterId = decodeCursor(page.cursor)
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    await authorizeList(tx, 'user.view')
    const plan = await listPlan(tx, 'user.view')
    if (filter.orgUnitId !== undefined) {
      await existingOrgUnit(tx, filter.orgUnitId, 'querystring/orgUnitId')
    }
    if (filter.managerId !== undefined) {
      if ((await findUser(tx.db, companyId, filter.managerId)) === undefined)
        throw noSuchUser('querystring/managerId')
    }
    const rows = await listUserRows(tx.db, companyId, plan, filter, {
      limit: page.limit + 1,
      afterId,
    })
    const me = await subjectOf(tx)
    const env = envOf(tx)
    const view = (u: User) =>
      projectUser(decide(me, 'user.view', { companyId, ...userResource(u) }, env), u)
    const result = pageOf(rows, page.limit, view)
    if (filter.q === undefined) return result
    // `q` also searches emails; a row found only by an email the caller may not read in clear
    // would be an oracle for that email, so it is left out (the page may come out shorter).
    const q = filter.q.toLowerCase()
    const found = (u: UserView) =>
      u.name?.toLowerCase().includes(q) ||
      (u.email !== undefined && !u.maskedFields?.includes('email'))
    return { ...result, items: result.items.filter(found) }
  })
}

/**
 * Changes a user's profile, org unit or manager in the caller's transaction, audited before →
 * after. Needs `user.edit` on the user as they are, field-level edit rights on the fields it
 * changes and, when the org unit changes, `user.edit` on the user as they would be (nobody
 * places users where they could not edit them). The new unit and manager must be visible to the
 * caller: another company's ids are not found, and the composite foreign keys refuse them again.
 */
export async function patchUserProfile(
  tx: TenantCtx,
  before: User,
  patch: UserProfilePatch,
): Promise<User> {
  const decision = await authorizeRecord(tx, 'user.edit', userResource(before), noSuchUser)
  const changes = Object.fromEntries(
    Object.entries(patch).filter(
      ([key, value]) => value !== undefined && value !== before[key as keyof User],
    ),
  )
  const locked = uneditableFields(decision, changes)
  if (locked.length > 0) {
    throw new AppError('forbidden', `not allowed to change: ${locked.join(', ')}`, {
      errors: locked.map((f) => ({ path: `body/${f}`, message: 'you may not change this field' })),
    })
  }
  if (changes['managerId'] === before.id) {
    throw new AppError('validation_failed', 'a user cannot manage themselves', {
      errors: [{ path: 'body/managerId', message: 'cannot be the user themselves' }],
    })
  }
  if (typeof changes['orgUnitId'] === 'string') {
    await visibleOrgUnit(tx, changes['orgUnitId'], 'body/orgUnitId')
  }
  if ('orgUnitId' in changes) {
    const moved = userResource({ id: before.id, orgUnitId: patch.orgUnitId ?? null })
    if (!(await decisionFor(tx, 'user.edit', moved)).allowed) {
      throw new AppError('forbidden', 'not allowed: user.edit in that org unit', {
        errors: [{ path: 'body/orgUnitId', message: 'you may not place users in this org unit' }],
      })
    }
  }
  if (typeof changes['managerId'] === 'string') {
    await visibleUser(tx, changes['managerId'], 'body/managerId')
  }
  if (Object.keys(changes).length === 0) return before
  try {
    const after = await updateUserRow(
      tx.db,
      tx.actor.companyId,
      before.id,
      changes as UserProfilePatch,
      tx.now,
    )
    if (after === undefined) throw noSuchUser()
    await recordAudit(tx, {
      action: 'user.updated',
      targetType: 'user',
      targetId: before.id,
      before,
      after,
    })
    return after
  } catch (error) {
    if ((error as { code?: string }).code === '23503') {
      throw new AppError('not_found', 'the org unit or manager does not exist', { cause: error })
    }
    throw error
  }
}

/** PATCH without a status change: see patchUserProfile. Answers the user as the caller saw them. */
export async function updateUser(ctx: Ctx, id: string, patch: UserProfilePatch): Promise<UserView> {
  return inCompany(ctx, async (tx) => {
    const { user, decision } = await userForAction(tx, id, 'user.view')
    return projectUser(decision, await patchUserProfile(tx, user, patch))
  })
}
