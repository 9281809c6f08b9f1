import {
  catalog,
  project,
  uneditableFields,
  type Action,
  type AttrOf,
  type Decision,
  type Projected,
  type Resource,
  decide,
} from '../../authz/index.js'
import { sql, type Kysely } from 'kysely'
import { AppError } from '../../errors.js'
import {
  decisionFor,
  envOf,
  subjectColumns,
  subjectOf,
  subjectOfRow,
  type LoadedSubject,
  type SubjectRow,
} from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { authorizeRecord } from '../authorize-record.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { Database } from '../database.js'
import { existingOrgUnit, visibleOrgUnit } from '../org-units/index.js'
import type { Page, PageRequest } from '../page.js'
import { defineResource } from '../seam/index.js'
import {
  userLevels,
  userStatuses,
  type NewUser,
  type User,
  type UserPatch,
  type UserStatus,
} from './users.js'
import {
  findUser,
  insertUser,
  lockUser as lockUserRow,
  lockUsers as lockUserRows,
  updateUser as updateUserRow,
  userIdsInOrgUnit,
  userRowToUser,
  type UserListFilter,
} from './users.repo.js'

export type { UserListFilter }

/** A user as the caller may see them (P4): hidden fields absent, masked ones in `maskedFields`. */
export type UserView = Projected<User>

/** What PATCH /users/{id} changes besides the status (status is the accounts module's). */
export type UserProfilePatch = Omit<UserPatch, 'status'>

/** The attributes that define a person's reach (S5): scopes and `subject.*` conditions read them. */
const reachFields = ['orgUnitId', 'level', 'position', 'managerId'] as const

/**
 * The users read seam: every attribute the catalog declares for `user`, read from its column
 * (S1: credentials, MFA secrets and token hashes are columns of this table but never
 * attributes, so no condition and no list plan can reach them).
 */
export const userRecords = defineResource({
  type: 'user',
  table: 'users',
  toItem: userRowToUser,
  columns: {
    id: 'id',
    orgUnitId: 'org_unit_id',
    managerId: 'manager_id',
    status: 'status',
    level: 'level',
    position: 'position',
  },
  search: { name: 'name', email: 'email' },
})

/**
 * A user as the engine sees one, from the domain object: the same attributes the seam reads
 * from the row (typed against the catalog; a test proves the two agree).
 */
export function userResource(user: User): Resource {
  const attrs: Record<AttrOf<'user'>, string | null> = {
    id: user.id,
    orgUnitId: user.orgUnitId,
    managerId: user.managerId,
    status: user.status,
    level: user.level,
    position: user.position,
  }
  return { type: 'user', id: user.id, attrs }
}

export function projectUser(decision: Decision, user: User): UserView {
  return positionIdLens(project(decision, 'user', { ...user }))
}

/** R8: the position's id says what its name would: hidden or masked with `position`. */
export function positionIdLens<T extends object>(view: T): T {
  if (!('positionId' in view)) return view
  const masked = (view as { maskedFields?: readonly string[] }).maskedFields ?? []
  if ('position' in view && !masked.includes('position')) return view
  const { positionId: _hidden, ...rest } = view as T & { positionId?: unknown }
  return rest as T
}

const noSuchUser = (path?: string) =>
  new AppError(
    'not_found',
    'no such user',
    path ? { errors: [{ path, message: 'no such user' }] } : {},
  )

/**
 * The user at a path id, authorized for `action`: another company's user, a missing one and one
 * outside the caller's view scope are all 404 (the seam decides 404 vs 403).
 */
export async function userForAction(
  tx: TenantCtx,
  id: string,
  action: Extract<Action, `user.${string}`>,
): Promise<{ user: User; decision: Decision }> {
  const { item, decision } = await userRecords.get(tx, id, action, () => noSuchUser())
  return { user: item, decision }
}

/**
 * A user named in a write (manager, project member, …): they must exist in the caller's company
 * and be visible to the caller; otherwise 404 with `path`, exactly as for an id never issued.
 */
export async function visibleUser(tx: TenantCtx, id: string, path: string): Promise<User> {
  const found = await userRecords.visible(tx, id, 'user.view')
  if (found === undefined) throw noSuchUser(path)
  return found.item
}

/** S23: of these user ids, the ones the caller may view, in the order given. */
export async function visibleUserIds(tx: TenantCtx, ids: readonly string[]): Promise<string[]> {
  const shown: string[] = []
  for (const id of ids) {
    if ((await userRecords.visible(tx, id, 'user.view')) !== undefined) shown.push(id)
  }
  return shown
}

/** One person a change would affect, as the caller may see them (GET /users/{id} rules). */
export interface AffectedPerson {
  readonly id: string
  readonly name: string
  /** Absent when hidden from the caller; masked when masked (then `maskedFields: ['email']`). */
  readonly email?: string
  readonly maskedFields?: string[]
}

/** Whom a change would affect: a preview's `impact`. */
export interface AffectedPeople {
  /** How many people it affects, those the caller may not view included. */
  readonly users: number
  /** The ids of those the caller may view (`user.view`), sorted. */
  readonly userIds: string[]
  /** The first of them by name (then id), at most `affectedPeopleShown`. */
  readonly people: AffectedPerson[]
  /** How many of `users` are not in `people` (beyond the cap, or not the caller's to view). */
  readonly more: number
}

/** How many people an impact names; the rest are counted in `more`. */
export const affectedPeopleShown = 50

/**
 * S23: the people of `ids` (the caller's company only: another company's ids count as nobody)
 * as a preview of a change names them: the count of all, and those the caller may view, each
 * with their name and email as GET /users/{id} shows it (hidden absent, masked masked).
 */
export async function affectedPeople(
  tx: TenantCtx,
  ids: Iterable<string>,
  shown = affectedPeopleShown,
): Promise<AffectedPeople> {
  const wanted = [...new Set(ids)].sort()
  if (wanted.length === 0) return { users: 0, userIds: [], people: [], more: 0 }
  const rows = await tx.db
    .selectFrom('users')
    .selectAll()
    .where('company_id', '=', tx.actor.companyId)
    .where('id', 'in', wanted)
    .execute()
  const allowed = await userRecords.keepAllowed(tx, 'user.view', rows)
  const people = allowed
    .map(({ row, decision }): AffectedPerson => {
      const { email, maskedFields } = project(decision, 'user', { email: row.email })
      return {
        id: row.id,
        name: row.name,
        ...(typeof email === 'string' && { email }),
        ...(maskedFields !== undefined && { maskedFields }),
      }
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1))
    .slice(0, shown)
  return {
    users: rows.length,
    userIds: allowed.map((f) => f.row.id).sort(),
    people,
    more: rows.length - people.length,
  }
}

/** A person as the engine sees them, with their name: what an access review lists. */
export type Person = LoadedSubject & { readonly name: string }

/**
 * S23: the people of the caller's company the caller may view (the same user.view decision as
 * GET /users, on the attributes the seam reads), each as the engine sees them: roles, groups,
 * projects, temporary grants and shares read in ONE statement, whatever their number. `ids`
 * narrows to those people (absent: everyone). Ordered by name.
 */
export async function visiblePeople(tx: TenantCtx, ids?: readonly string[]): Promise<Person[]> {
  if (ids !== undefined && ids.length === 0) return []
  const narrow = ids === undefined ? sql`` : sql`and u.id in (${sql.join(ids)})`
  const result = await sql<SubjectRow & { name: string }>`
    select ${subjectColumns(tx.now)}, u.name
    from users u where u.company_id = ${tx.actor.companyId} ${narrow}
    order by u.name, u.id`.execute(tx.db)
  const me = await subjectOf(tx)
  const env = envOf(tx)
  return result.rows
    .filter((row) => {
      // the seam's own mapping of a users row (the subject row carries the same columns)
      const resource = userRecords.resourceOf(
        row as unknown as Parameters<typeof userRecords.resourceOf>[0],
      )
      return decide(me, 'user.view', { companyId: tx.actor.companyId, ...resource }, env).allowed
    })
    .map((row) => ({ ...subjectOfRow(row), name: row.name }))
}

/** A person's data as a payload may carry it: the catalog's user fields, and their name. */
const personFields = [...Object.keys(catalog.user.fields), 'name']

/**
 * S24: how the caller may see user `userId`'s data inside another record (an audit payload): the
 * same decision and projection as GET /users/{id} (hidden fields removed, masked ones masked and
 * named in `maskedFields`); of a user the caller may not view, or one who is gone, no personal
 * field is shown. Values that are not objects pass as they are.
 */
export async function userDataLens(
  tx: TenantCtx,
  userId: string,
): Promise<(data: unknown) => unknown> {
  const found = await userRecords.visible(tx, userId, 'user.view')
  return (data) => {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return data
    if (found !== undefined) return positionIdLens(project(found.decision, 'user', { ...data }))
    return Object.fromEntries(Object.entries(data).filter(([k]) => !personFields.includes(k)))
  }
}

export async function getUser(ctx: Ctx, id: string): Promise<UserView> {
  return inCompany(ctx, async (tx) => {
    const { user, decision } = await userForAction(tx, id, 'user.view')
    return projectUser(decision, user)
  })
}

/**
 * The users the caller may view, through the seam (list plan in SQL, the same decision per
 * row, projection), narrowed by `filter`, one page by id. `q` searches names and emails but
 * finds a user only through a field the caller reads in clear (S11). A filter naming an org unit
 * or manager that is not in the caller's company answers 404 on that query parameter.
 */
export async function listUsers(
  ctx: Ctx,
  filter: UserListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<UserView>> {
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    if (filter.orgUnitId !== undefined) {
      await existingOrgUnit(tx, filter.orgUnitId, 'querystring/orgUnitId')
    }
    if (filter.managerId !== undefined) {
      if ((await findUser(tx.db, companyId, filter.managerId)) === undefined)
        throw noSuchUser('querystring/managerId')
    }
    const found = await userRecords.list(tx, 'user.view', {
      limit: page.limit,
      cursor: page.cursor,
      q: filter.q,
      where: (eb) =>
        eb.and([
          ...(filter.status !== undefined ? [eb('users.status', '=', filter.status)] : []),
          ...(filter.orgUnitId !== undefined
            ? [eb('users.org_unit_id', '=', filter.orgUnitId)]
            : []),
          ...(filter.managerId !== undefined
            ? [eb('users.manager_id', '=', filter.managerId)]
            : []),
        ]),
    })
    return { ...found, items: found.items.map(positionIdLens) }
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
    const moved = userResource({ ...before, orgUnitId: patch.orgUnitId ?? null })
    if (!(await decisionFor(tx, 'user.edit', moved)).allowed) {
      throw new AppError('forbidden', 'not allowed: user.edit in that org unit', {
        errors: [{ path: 'body/orgUnitId', message: 'you may not place users in this org unit' }],
      })
    }
  }
  // S5: nor where the caller would reach them further (their team, their reports): no action
  // on the user may become allowed to the caller by the change
  const scoped = reachFields.filter((f) => f in changes)
  if (scoped.length > 0) {
    const moved = userResource({ ...before, ...(changes as UserProfilePatch) })
    for (const a of catalog.user.actions) {
      const action = `user.${a}` as const
      if (
        (await decisionFor(tx, action, moved)).allowed &&
        !(await decisionFor(tx, action, userResource(before))).allowed
      ) {
        throw new AppError('forbidden', `the change would widen your ${action} on this user`, {
          errors: scoped.map((f) => ({ path: `body/${f}`, message: `widens your ${action}` })),
        })
      }
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
      throw new AppError('not_found', 'the org unit, manager or position does not exist', {
        cause: error,
      })
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

// Writes with no decision of their own, for the callers that made theirs (the accounts module:
// sign-up's first user, createUser, status changes, offboarding) and for seeded people (the
// demo, tests). Every request path reaches them only after its checks.

/**
 * Writes a new person in `db` (a transaction bound to company `companyId`), as given: no
 * decision on a caller. The email is stored lower-cased. Refuses (400, nothing written) an
 * email without `@`, an empty name or password hash, an unknown level or status.
 */
export async function addUser(
  db: Kysely<Database>,
  companyId: string,
  user: NewUser,
  now: Date,
): Promise<User> {
  const problems: { path: string; message: string }[] = []
  if (!user.email.includes('@')) problems.push({ path: 'body/email', message: 'is not an email' })
  if (user.name === '') problems.push({ path: 'body/name', message: 'must not be empty' })
  if (user.passwordHash === '') problems.push({ path: 'body/password', message: 'is missing' })
  if (user.level !== undefined && !userLevels.includes(user.level)) {
    problems.push({ path: 'body/level', message: `must be one of ${userLevels.join(', ')}` })
  }
  if (user.status !== undefined && !userStatuses.includes(user.status)) {
    problems.push({ path: 'body/status', message: `must be one of ${userStatuses.join(', ')}` })
  }
  if (problems.length > 0) {
    throw new AppError('validation_failed', 'the user is not valid', { errors: problems })
  }
  return insertUser(db, companyId, user, now)
}

/** A person of company `companyId` by id, read in `db` with no decision (login, offboarding). */
export async function userById(
  db: Kysely<Database>,
  companyId: string,
  id: string,
): Promise<User | undefined> {
  return findUser(db, companyId, id)
}

/**
 * Locks the person's row until the caller's transaction ends: one lifecycle change (an
 * offboarding, a status change) of a person at a time. A missing id locks nothing.
 */
export async function lockUser(tx: TenantCtx, id: string): Promise<void> {
  await lockUserRow(tx.db, tx.actor.companyId, id)
}

/**
 * Locks several people's rows until the caller's transaction ends, in the order of their ids
 * (whatever order they are given in): the lock order every transaction locking more than one
 * person keeps (queue routing, domain/calls/ring.ts). Missing ids lock nothing.
 */
export async function lockUsers(tx: TenantCtx, ids: readonly string[]): Promise<void> {
  await lockUserRows(tx.db, tx.actor.companyId, ids)
}

/**
 * Sets a person's status in the caller's transaction, with no decision and no audit of its own
 * (the accounts module decides `user.edit` / `user.offboard`, ends sessions and audits).
 * Undefined when there is no such person.
 */
export async function setUserStatus(
  tx: TenantCtx,
  id: string,
  status: UserStatus,
): Promise<User | undefined> {
  if (!userStatuses.includes(status)) {
    throw new AppError('validation_failed', `unknown status "${status}"`, {
      errors: [{ path: 'body/status', message: `must be one of ${userStatuses.join(', ')}` }],
    })
  }
  return updateUserRow(tx.db, tx.actor.companyId, id, { status }, tx.now)
}

/**
 * The ids of the people placed in one org unit of the caller's company (not the units under
 * it), by id, with no decision: the caller decides on each (force offline, G5).
 */
export async function userIdsPlacedIn(tx: TenantCtx, orgUnitId: string): Promise<string[]> {
  return userIdsInOrgUnit(tx.db, tx.actor.companyId, orgUnitId)
}
