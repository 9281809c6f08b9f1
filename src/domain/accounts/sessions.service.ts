import { AppError } from '../../errors.js'
import { subjectOfRow } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import {
  inCompany,
  authenticateIn,
  resumeKept,
  releasedActor,
  type Actor,
  type AnonymousCtx,
  type Authenticated,
  type Ctx,
} from '../context.js'
import { userForAction } from '../users/index.js'
import type { SessionInfo } from './accounts.js'
import { sha256Hex } from './secret-token.js'
import { securityPolicy } from './security-policy.js'
import { findLiveSession, listLiveSessions, revokeSessions, touchSession } from './sessions.repo.js'

/**
 * The actor behind a presented session token, with the transaction it was read in (the
 * request's work adopts it), or null when the token is unknown, revoked, idle too long, past
 * its absolute expiry, or its user is no longer active. BEGIN and one statement: the session,
 * the user as the engine's subject (roles, groups, projects, active grants) and the company's
 * policy version, all read on every request, so a role change is in force on the next one; so
 * is G10's "a role requires MFA and the user has not enrolled", which confines the session to
 * enrolment. last_seen_at is written at most once per `sessionTouchMs`.
 */
export async function authenticateSession(
  ctx: AnonymousCtx,
  token: string,
  options: { lazy?: boolean } = {},
): Promise<Authenticated | null> {
  const { now } = ctx
  const hash = sha256Hex(token)
  const key = `session:${hash}`
  // Kept only while neither expired, idle nor due for its touch: else the full statement runs.
  const kept = await resumeKept(
    ctx,
    key,
    (k, t) =>
      (k.expiresAt === null || t < k.expiresAt) &&
      k.seenAt !== null &&
      t - k.seenAt < securityPolicy.sessionTouchMs &&
      t - k.seenAt < securityPolicy.sessionIdleMs,
    options.lazy ?? false,
  )
  if ('resumed' in kept) return kept.resumed
  const found = await authenticateIn(
    ctx.db,
    async (trx) => {
      const row = await findLiveSession(trx, hash, now, securityPolicy.sessionIdleMs)
      if (row === undefined) return null
      let seenAt = row.last_seen_at.getTime()
      if (now.getTime() - seenAt >= securityPolicy.sessionTouchMs) {
        await touchSession(trx, row.company_id, row.session_id, now)
        seenAt = now.getTime()
      }
      const { status: _status, policyVersion, subjectVersion, ...subject } = subjectOfRow(row)
      const actor: Actor = {
        userId: row.id,
        companyId: row.company_id,
        sessionId: row.session_id,
        roleIds: subject.roles,
        subject,
        policyVersion,
        subjectVersion,
        mfaEnrolmentRequired: !row.mfa_enabled && row.mfa_role,
      }
      // Kept for the next requests, once this one's transaction (a touch included) has ended.
      ctx.callers?.putCaller(key, {
        actor,
        versions: { policy: policyVersion, subject: subjectVersion },
        expiresAt: row.expires_at.getTime(),
        seenAt,
      })
      return actor
    },
    kept.open,
  )
  return found && { actor: { ...found.actor }, tx: found.tx }
}

/** The actor behind a session token, its transaction ended (for callers outside HTTP). */
export function resolveSession(ctx: AnonymousCtx, token: string): Promise<Actor | null> {
  return releasedActor(authenticateSession(ctx, token))
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
    // through the users read seam: the record's own attributes decide (team, level, …)
    await userForAction(tx, userId, 'user.forceOffline')
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
