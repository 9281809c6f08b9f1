import { withCompany } from '../../db/index.js'
import { AppError } from '../../errors.js'
import { authorize } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Actor, type AnonymousCtx, type Ctx } from '../context.js'
import { findUser } from '../users/index.js'
import type { SessionInfo } from './accounts.js'
import { sha256Hex } from './secret-token.js'
import { securityPolicy } from './security-policy.js'
import {
  findSession,
  findSessionCompany,
  listLiveSessions,
  listSessionRoles,
  revokeSessions,
  touchSession,
} from './sessions.repo.js'

/**
 * The actor behind a presented session token, or null when the token is unknown, revoked,
 * idle too long, past its absolute expiry, or its user is no longer active. Role ids are read
 * on every request, so a role change is in force on the next one; so is G10's "a role requires
 * MFA and the user has not enrolled", which confines the session to enrolment.
 */
export async function resolveSession(ctx: AnonymousCtx, token: string): Promise<Actor | null> {
  const found = await findSessionCompany(ctx.db, sha256Hex(token))
  if (found === undefined) return null
  const { now } = ctx
  return withCompany(ctx.db, found.company_id, async (trx) => {
    const session = await findSession(trx, found.company_id, found.id)
    if (session === undefined || session.revoked_at !== null) return null
    const idleSince = now.getTime() - session.last_seen_at.getTime()
    if (session.expires_at <= now || idleSince >= securityPolicy.sessionIdleMs) return null
    const user = await findUser(trx, session.company_id, session.user_id)
    if (user === undefined || user.status !== 'active') return null
    if (idleSince >= securityPolicy.sessionTouchMs) {
      await touchSession(trx, session.company_id, session.id, now)
    }
    const roles = await listSessionRoles(trx, user.companyId, user.id)
    return {
      userId: user.id,
      companyId: user.companyId,
      sessionId: session.id,
      roleIds: roles.map((r) => r.role_id),
      mfaEnrolmentRequired: !user.mfaEnabled && roles.some((r) => r.mfa_required),
    }
  })
}

/** Ends the caller's own session. */
export async function logout(ctx: Ctx): Promise<void> {
  await inCompany(ctx, async (tx) => {
    const { sessionId, companyId } = tx.actor
    await revokeSessions(tx.db, companyId, { id: sessionId }, tx.now, 'logout')
    await recordAudit(tx, { action: 'auth.logout', targetType: 'session', targetId: sessionId })
  })
}

export async function listMySessions(ctx: Ctx): Promise<SessionInfo[]> {
  return inCompany(ctx, async (tx) => {
    const rows = await listLiveSessions(
      tx.db,
      tx.actor.companyId,
      tx.actor.userId,
      tx.now,
      securityPolicy.sessionIdleMs,
    )
    return rows.map((s) => ({
      id: s.id,
      createdAt: s.created_at,
      lastSeenAt: s.last_seen_at,
      expiresAt: s.expires_at,
      ip: s.ip,
      userAgent: s.user_agent,
      current: s.id === tx.actor.sessionId,
    }))
  })
}

/** Revokes one of the caller's own sessions; anyone else's is not found. */
export async function revokeMySession(ctx: Ctx, sessionId: string): Promise<void> {
  await inCompany(ctx, async (tx) => {
    const { companyId, userId } = tx.actor
    const ended = await revokeSessions(tx.db, companyId, { id: sessionId, userId }, tx.now, 'user')
    if (ended.length === 0) throw new AppError('not_found', 'no such session')
    await recordAudit(tx, { action: 'session.revoked', targetType: 'session', targetId: sessionId })
  })
}

/** G5: ends every session of a user of the caller's company at once. */
export async function forceOffline(ctx: Ctx, userId: string): Promise<{ revoked: number }> {
  return inCompany(ctx, async (tx) => {
    const user = await findUser(tx.db, tx.actor.companyId, userId)
    if (user === undefined) throw new AppError('not_found', 'no such user')
    await authorize(tx, 'user.forceOffline', { type: 'user', id: userId })
    const ended = await revokeSessions(tx.db, tx.actor.companyId, { userId }, tx.now, 'forced')
    await recordAudit(tx, {
      action: 'user.forced_offline',
      targetType: 'user',
      targetId: userId,
      after: { revokedSessionIds: ended },
    })
    return { revoked: ended.length }
  })
}
