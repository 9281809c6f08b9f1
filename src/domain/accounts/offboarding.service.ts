/**
 * G5, G6: the lifecycle's two sharp tools.
 *
 * Offboarding (G6) takes away everything a person holds, in one transaction: every session, every
 * API key they minted (and keys minted by those), every temporary grant (each recorded with who
 * ended it and audited `grant.revoked`), every permission group, and every open access request
 * of theirs; their status becomes `offboarded` (so no login, and roles confer nothing). POST
 * /users/{id}/offboard does all that and hands what they own (customers they own, tickets not
 * closed that they are assigned) to their manager or a named successor, audited as one
 * `user.offboarded` event with before → after counts. It is a revocation (S7): the caller must be
 * able to give the person each role, group and grant they hold, so a Supervisor cannot offboard
 * an Admin. Any refusal, anywhere, leaves everything as it was.
 *
 * Force offline (G5) for a role or a team: the sessions of every holder / member the caller may
 * force offline end at once, audited with the count.
 */
import { AppError } from '../../errors.js'
import { authorize, decisionFor } from '../access/index.js'
import { revokeApiKeysOf } from '../api-keys/index.js'
import { cancelRequestsOf, revokeGrantsOf } from '../approvals/index.js'
import { revokeSharesMadeBy } from '../shares/index.js'
import { recordAudit } from '../audit/index.js'
import { authorizeRecord } from '../authorize-record.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { handOverCustomers } from '../customers/index.js'
import { visibleOrgUnit } from '../org-units/index.js'
import {
  assertCanChangeStanding,
  assertCanRevokeGrants,
  dropUserGroups,
  roleHolderIds,
  rolesByIds,
} from '../roles/index.js'
import { handOverTickets } from '../tickets/index.js'
import {
  lockUser,
  projectUser,
  setUserStatus,
  userById,
  userForAction,
  userIdsPlacedIn,
  userResource,
  visibleUser,
  type User,
  type UserView,
} from '../users/index.js'
import { revokeSessions } from './sessions.repo.js'

const noSuchUser = () => new AppError('not_found', 'no such user')

/** What offboarding took away, by id. */
export interface AccessRevoked {
  readonly sessionIds: string[]
  readonly apiKeyIds: string[]
  readonly grantIds: string[]
  readonly groupIds: string[]
  readonly requestIds: string[]
  readonly shareIds: string[]
}

/**
 * S7 first, then everything a person holds ends, in the caller's transaction (G6). The caller
 * has checked `user.offboard` on the person. Used by POST /users/{id}/offboard and by a PATCH
 * to status `offboarded`.
 */
export async function revokeAllAccess(
  tx: TenantCtx,
  user: User,
  path: string,
): Promise<AccessRevoked> {
  // S7: every role, group and grant the person holds must be the caller's to take away
  await assertCanChangeStanding(tx, user.id, path)
  await assertCanRevokeGrants(tx, user.id, path)
  const { companyId } = tx.actor
  return {
    sessionIds: await revokeSessions(tx.db, companyId, { userId: user.id }, tx.now, 'offboarded'),
    apiKeyIds: await revokeApiKeysOf(tx, user.id),
    grantIds: await revokeGrantsOf(tx, user.id, 'offboarding'),
    groupIds: await dropUserGroups(tx, user.id),
    requestIds: await cancelRequestsOf(tx, user.id, 'the requester was offboarded'),
    shareIds: await revokeSharesMadeBy(tx, user.id, 'offboarding'),
  }
}

export interface OffboardInput {
  /** Who takes over what the person owns; their manager when absent. */
  readonly successorId?: string | undefined
  /** Why, kept in the audit event. */
  readonly reason?: string | undefined
}

export interface OffboardResult {
  readonly user: UserView
  readonly successorId: string
  readonly revoked: {
    sessions: number
    apiKeys: number
    grants: number
    groups: number
    requests: number
    shares: number
  }
  readonly handedOver: { customers: number; tickets: number }
}

/** The one who takes over: named, or the manager; visible to the caller, active, not the person. */
async function successorOf(tx: TenantCtx, user: User, named: string | undefined): Promise<User> {
  const path = 'body/successorId'
  const id = named ?? user.managerId
  if (id === null || id === undefined) {
    throw new AppError('validation_failed', 'the person has no manager: name a successor', {
      errors: [{ path, message: 'required when the person has no manager' }],
    })
  }
  if (id === user.id) {
    throw new AppError('validation_failed', 'a person cannot succeed themselves', {
      errors: [{ path, message: 'cannot be the person offboarded' }],
    })
  }
  const successor = await visibleUser(tx, id, path)
  if (successor.status !== 'active') {
    throw new AppError('conflict', `the successor is ${successor.status}`, {
      errors: [
        {
          path,
          message:
            named === undefined
              ? `the manager is ${successor.status}: name a successor`
              : `the successor is ${successor.status}`,
        },
      ],
    })
  }
  return successor
}

/**
 * POST /users/{id}/offboard (G6): see the module comment. Needs `user.offboard` on the person
 * (404 when the caller may not see them, 403 when they see but may not offboard), the S7
 * revocation checks, and a successor (the manager by default; 400 when there is none). Doing it
 * again to someone already offboarded finishes what is left (nothing, usually) and is audited.
 */
export async function offboardUser(
  ctx: Ctx,
  id: string,
  input: OffboardInput,
): Promise<OffboardResult> {
  return inCompany(ctx, async (tx) => {
    // one offboarding of a person at a time, and no status change of theirs meanwhile
    await lockUser(tx, id)
    const { user: before, decision: seen } = await userForAction(tx, id, 'user.view')
    await authorizeRecord(tx, 'user.offboard', userResource(before), noSuchUser)
    if (before.id === tx.actor.userId) {
      throw new AppError('forbidden', 'you cannot offboard yourself', {
        errors: [{ path: 'params/id', message: 'ask another administrator' }],
      })
    }
    const successor = await successorOf(tx, before, input.successorId)
    const revoked = await revokeAllAccess(tx, before, 'params/id')
    const customerIds = await handOverCustomers(tx, before.id, successor.id, 'params/id')
    const ticketIds = await handOverTickets(tx, before.id, successor.id, 'params/id')
    let after = before
    if (before.status !== 'offboarded') {
      after = (await setUserStatus(tx, before.id, 'offboarded')) ?? before
    }
    await recordAudit(tx, {
      action: 'user.offboarded',
      targetType: 'user',
      targetId: before.id,
      before: {
        status: before.status,
        sessions: revoked.sessionIds.length,
        apiKeys: revoked.apiKeyIds.length,
        grants: revoked.grantIds.length,
        groups: revoked.groupIds.length,
        openRequests: revoked.requestIds.length,
        sharesMade: revoked.shareIds.length,
        customersOwned: customerIds.length,
        openTicketsAssigned: ticketIds.length,
      },
      after: {
        status: 'offboarded',
        successorId: successor.id,
        sessions: 0,
        apiKeys: 0,
        grants: 0,
        groups: 0,
        openRequests: 0,
        sharesMade: 0,
        customersOwned: 0,
        openTicketsAssigned: 0,
        revokedSessionIds: revoked.sessionIds,
        revokedApiKeyIds: revoked.apiKeyIds,
        revokedGrantIds: revoked.grantIds,
        removedGroupIds: revoked.groupIds,
        cancelledRequestIds: revoked.requestIds,
        revokedShareIds: revoked.shareIds,
        customerIds,
        ticketIds,
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
      },
    })
    return {
      user: projectUser(seen, after),
      successorId: successor.id,
      revoked: {
        sessions: revoked.sessionIds.length,
        apiKeys: revoked.apiKeyIds.length,
        grants: revoked.grantIds.length,
        groups: revoked.groupIds.length,
        requests: revoked.requestIds.length,
        shares: revoked.shareIds.length,
      },
      handedOver: { customers: customerIds.length, tickets: ticketIds.length },
    }
  })
}

export type ForceOfflineTarget = { readonly roleId: string } | { readonly orgUnitId: string }

/**
 * POST /sessions/revoke (G5): ends the sessions of every holder of a role, or every member of an
 * org unit (that unit, not the units under it), that the caller may force offline
 * (`user.forceOffline` on that person; others are left alone and not counted, nor is the caller).
 * The role or unit must be the caller's company's (404 on the body field otherwise). Audited once,
 * on the role or unit, with the people and the count.
 */
export async function forceOfflineGroup(
  ctx: Ctx,
  target: ForceOfflineTarget,
): Promise<{ users: number; revoked: number }> {
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    await authorize(tx, 'user.forceOffline')
    let ids: string[]
    let on: { targetType: string; targetId: string }
    if ('roleId' in target) {
      await rolesByIds(tx, [target.roleId], 'body/roleId')
      ids = await roleHolderIds(tx, target.roleId)
      on = { targetType: 'role', targetId: target.roleId }
    } else {
      await visibleOrgUnit(tx, target.orgUnitId, 'body/orgUnitId')
      ids = await userIdsPlacedIn(tx, target.orgUnitId)
      on = { targetType: 'org_unit', targetId: target.orgUnitId }
    }
    const userIds: string[] = []
    const sessionIds: string[] = []
    for (const userId of ids) {
      if (userId === tx.actor.userId) continue
      const user = await userById(tx.db, companyId, userId)
      if (user === undefined) continue
      if (!(await decisionFor(tx, 'user.forceOffline', userResource(user))).allowed) continue
      const ended = await revokeSessions(tx.db, companyId, { userId }, tx.now, 'forced')
      userIds.push(userId)
      sessionIds.push(...ended)
    }
    await recordAudit(tx, {
      action: 'sessions.forced_offline',
      ...on,
      after: { userIds, revoked: sessionIds.length, revokedSessionIds: sessionIds },
    })
    return { users: userIds.length, revoked: sessionIds.length }
  })
}
