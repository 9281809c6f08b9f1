import type { AttrOf } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { revokeGrantsOf } from '../approvals/index.js'
import { authorize, decisionFor } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { authorizeRecord } from '../authorize-record.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { visibleOrgUnit } from '../org-units/index.js'
import { defaultsOf, positionNamed, type Position } from '../positions/index.js'
import {
  assertCanChangeStanding,
  assertReachChange,
  boundUser,
  giveRoles,
  resetToPositionDefaults,
  rolesByIds,
  type RoleView,
} from '../roles/index.js'
import {
  addUser,
  lockUser,
  patchUserProfile,
  projectUser,
  setUserStatus,
  userForAction,
  userResource,
  visibleUser,
  type User,
  type UserLevel,
  type UserPatch,
  type UserStatus,
  type UserView,
} from '../users/index.js'
import { hashPassword, passwordProblems } from './password.js'
import { revokeAllAccess } from './offboarding.service.js'
import { revokeSessions } from './sessions.repo.js'

// The account side of user administration: creating a person with a password and roles (R5),
// and status changes that end sessions (G6). They live here, not in users/, because they need
// credentials and sessions, and this module already depends on users (no cycle back).

export interface NewUserInput {
  readonly email: string
  readonly name: string
  readonly password: string
  /** R8: the position, by id … */
  readonly positionId?: string | null | undefined
  /** … or by its name (both given: they must name the same position). */
  readonly position?: string | null | undefined
  readonly level?: UserLevel | undefined
  readonly orgUnitId?: string | null | undefined
  readonly managerId?: string | null | undefined
  /** R5: roles given at creation, each a delegation the caller must be able to make. */
  readonly roleIds?: readonly string[] | undefined
}

/**
 * R8: the position a create or a change names by `positionId` or `position` (its name), in the
 * caller's company: null for none, undefined when neither is given. Another company's id or an
 * unknown name is 404 at its path; both given and naming different positions is 400.
 */
async function namedPosition(
  tx: TenantCtx,
  input: { positionId?: string | null | undefined; position?: string | null | undefined },
): Promise<Position | null | undefined> {
  const { positionId, position } = input
  if (positionId === undefined && position === undefined) return undefined
  if (positionId !== undefined && position !== undefined) {
    const byId =
      positionId === null ? null : await positionNamed(tx, { id: positionId }, 'body/positionId')
    if ((byId?.name ?? null) !== position)
      throw new AppError('validation_failed', 'positionId and position name different positions', {
        errors: [{ path: 'body/position', message: 'is not the name of positionId' }],
      })
    return byId
  }
  if (positionId !== undefined)
    return positionId === null ? null : positionNamed(tx, { id: positionId }, 'body/positionId')
  return position === null || position === undefined
    ? null
    : positionNamed(tx, { name: position }, 'body/position')
}

/**
 * Creates a user with a password (the password policy applies) and, optionally, roles. Needs
 * `user.create` for a user placed in that org unit, `user.assignRole` and `role.assign` when
 * roles are given, and every role must be delegable by the caller (the engine's canDelegate:
 * nobody hands out more than they hold). Referenced ids (org unit, manager, roles) of another
 * company are not found, with the body path. All in one transaction, audited; nothing is
 * written when any check fails.
 */
export async function createUser(ctx: Ctx, input: NewUserInput): Promise<UserView> {
  const problems = passwordProblems(input.password, input)
  if (problems.length > 0) {
    throw new AppError('validation_failed', 'the password does not meet the policy', {
      errors: problems.map((message) => ({ path: 'body/password', message })),
    })
  }
  const passwordHash = await hashPassword(input.password)
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    await authorize(tx, 'user.create')
    const orgUnitId = input.orgUnitId ?? null
    if (orgUnitId !== null) await visibleOrgUnit(tx, orgUnitId, 'body/orgUnitId')
    const position = (await namedPosition(tx, input)) ?? null
    // The user to be, with every attribute a condition may read: no id yet (an `own` rule
    // cannot reach it), in the unit, level and position asked for.
    const toBe: Record<AttrOf<'user'>, string | null> = {
      id: null,
      orgUnitId,
      managerId: input.managerId ?? null,
      status: 'active',
      level: input.level ?? 'novice',
      position: position?.name ?? null,
    }
    const create = await decisionFor(tx, 'user.create', { type: 'user', attrs: toBe })
    if (!create.allowed) {
      throw new AppError('forbidden', 'not allowed: user.create in that org unit', {
        errors: [{ path: 'body/orgUnitId', message: 'you may not create users here' }],
      })
    }
    if (input.managerId) await visibleUser(tx, input.managerId, 'body/managerId')
    const roles = await rolesByIds(tx, input.roleIds ?? [], 'body/roleIds')

    let user: User
    try {
      user = await addUser(
        tx.db,
        companyId,
        {
          email: input.email,
          name: input.name,
          passwordHash,
          positionId: position?.id ?? null,
          ...(input.level !== undefined && { level: input.level }),
          orgUnitId,
          managerId: input.managerId ?? null,
        },
        tx.now,
      )
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error
      throw new AppError('conflict', 'a user with this email exists', {
        cause: error,
        errors: [{ path: 'body/email', message: 'is taken' }],
      })
    }
    if (roles.length > 0) await assignAtCreation(tx, user, roles, 'body/roleIds')
    // R8: a position comes with its default roles, given as any assignment is (a delegation)
    const defaults = (
      await rolesByIds(tx, position?.roleIds ?? [], `body/${positionPath(input)}/defaults`)
    ).filter((d) => d.kind !== 'builtin' && !roles.some((r) => r.id === d.id))
    if (defaults.length > 0)
      await assignAtCreation(tx, user, defaults, `body/${positionPath(input)}/defaults`)
    if (position !== null && position.groupIds.length > 0) {
      // and its default groups: the same reset a transfer does, from nothing (delegation-checked)
      await resetToPositionDefaults(
        tx,
        user.id,
        { ...defaultsOf(position), roleIds: [...roles, ...defaults].map((r) => r.id) },
        await boundUser(tx, user.id),
        async () => [],
        `body/${positionPath(input)}`,
      )
    }
    await recordAudit(tx, {
      action: 'user.created',
      targetType: 'user',
      targetId: user.id,
      after: { ...user, roleIds: [...roles, ...defaults].map((r) => r.id) },
    })
    const view = await decisionFor(tx, 'user.view', userResource(user))
    return projectUser(view.allowed ? view : create, user)
  })
}

const positionPath = (input: { positionId?: unknown }) =>
  input.positionId !== undefined ? 'positionId' : 'position'

/**
 * R5 at creation: the same gates as assigning later (roles/ giveRoles: canDelegate per role).
 * A refusal names `path` (`body/roleIds`, or `body/position/defaults` for a position's defaults)
 * and the role; nothing is written.
 */
async function assignAtCreation(
  tx: TenantCtx,
  user: User,
  roles: readonly RoleView[],
  path: string,
) {
  const names = roles.map((r) => r.name).join(', ')
  if (!(await decisionFor(tx, 'user.assignRole', userResource(user))).allowed) {
    throw new AppError('forbidden', 'not allowed: user.assignRole for this user', {
      errors: [{ path, message: `you may not give roles to this user (${names})` }],
    })
  }
  if (!(await decisionFor(tx, 'role.assign')).allowed) {
    throw new AppError('forbidden', 'not allowed: role.assign', {
      errors: [{ path, message: `you may not assign roles (${names})` }],
    })
  }
  await giveRoles(tx, await boundUser(tx, user.id), roles, path)
}

/**
 * PATCH /users/{id}: profile fields through users/ (user.edit), then the status. Leaving
 * `active` (suspended, offboarded: G6) ends every session of the user at once, in the same
 * transaction, audited with the sessions it ended. Any change into or out of `offboarded`
 * needs `user.offboard`; suspending and reactivating need `user.edit`. Answers the user as the
 * caller saw them before the change (a move may take them out of the caller's view).
 */
export async function updateUserAccount(
  ctx: Ctx,
  id: string,
  patch: UserPatchInput,
): Promise<UserView> {
  return inCompany(ctx, async (tx) => {
    // one change of a person at a time: a second transfer waits and then sees the first's result
    await lockUser(tx, id)
    const { user: before, decision: seen } = await userForAction(tx, id, 'user.view')
    const { status, positionId: _id, position: _name, ...rest } = patch
    const position = await namedPosition(tx, patch)
    const profile: UserPatch = {
      ...rest,
      ...(position !== undefined && {
        positionId: position?.id ?? null,
        position: position?.name ?? null,
      }),
    }
    const reach = Object.fromEntries(
      (['orgUnitId', 'level', 'position', 'managerId'] as const).flatMap((k) =>
        profile[k] !== undefined && profile[k] !== before[k] ? [[k, profile[k]]] : [],
      ),
    )
    const moving = profile.positionId !== undefined && profile.positionId !== before.positionId
    if (moving && !('position' in reach)) reach['position'] = profile.position ?? null
    const at = (k: string) => (k === 'position' ? `body/${positionPath(patch)}` : `body/${k}`)
    // S5: a new place, level, position or manager is a delegation of what comes with it (and
    // nobody changes their own unless user.edit is theirs company-wide)
    if (Object.keys(reach).length > 0) {
      await assertReachChange(tx, before.id, reach, 'user.edit', at(Object.keys(reach)[0]!))
    }
    // the person as they were: what a transfer's reset takes away is checked against them (S7)
    const was = await boundUser(tx, id)
    let user = await patchUserProfile(tx, before, profile)
    // R8: a transfer to another position or team resets permissions to the new defaults
    if (user.positionId !== before.positionId || user.orgUnitId !== before.orgUnitId) {
      const now =
        user.positionId === null
          ? null
          : await positionNamed(tx, { id: user.positionId }, at('position'))
      await resetToPositionDefaults(
        tx,
        user.id,
        now === null ? null : defaultsOf(now),
        was,
        (userId) => revokeGrantsOf(tx, userId, 'transfer'),
        moving ? at('position') : 'body/orgUnitId',
      )
    }
    if (status !== undefined && status !== user.status) user = await changeStatus(tx, user, status)
    return projectUser(seen, user)
  })
}

/** PATCH /users/{id}: the position by id (`positionId`) or by name (`position`). */
export type UserPatchInput = Omit<UserPatch, 'position'> & {
  readonly position?: string | null | undefined
}

async function changeStatus(tx: TenantCtx, before: User, status: UserStatus): Promise<User> {
  const { companyId } = tx.actor
  const offboarding = status === 'offboarded' || before.status === 'offboarded'
  const action = offboarding ? 'user.offboard' : 'user.edit'
  await authorizeRecord(
    tx,
    action,
    userResource(before),
    () => new AppError('not_found', 'no such user'),
  )
  await assertCanChangeStanding(tx, before.id, 'body/status')
  const after = await setUserStatus(tx, before.id, status)
  if (after === undefined) throw new AppError('not_found', 'no such user')
  // G6: offboarding takes away every session, key, grant, group and open request at once;
  // suspending ends the sessions (the rest stays, unusable while suspended: S8, login refused)
  const revoked =
    status === 'offboarded' ? await revokeAllAccess(tx, before, 'body/status') : undefined
  const ended =
    revoked?.sessionIds ??
    (status === 'active'
      ? []
      : await revokeSessions(tx.db, companyId, { userId: before.id }, tx.now, status))
  const event = {
    active: 'user.reactivated',
    suspended: 'user.suspended',
    offboarded: 'user.offboarded',
  }[status]
  await recordAudit(tx, {
    action: event,
    targetType: 'user',
    targetId: before.id,
    before: { status: before.status },
    after: {
      status,
      revokedSessionIds: ended,
      ...(revoked !== undefined && {
        revokedApiKeyIds: revoked.apiKeyIds,
        revokedGrantIds: revoked.grantIds,
        removedGroupIds: revoked.groupIds,
        cancelledRequestIds: revoked.requestIds,
      }),
    },
  })
  // back at work: calls waiting in their queues ring them before this transaction commits
  // (inCompany's onRightsChanged: their status changed; their row was locked first,
  // updateUserAccount)
  return after
}
