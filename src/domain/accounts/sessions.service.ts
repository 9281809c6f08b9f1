import type { Subject } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { subjectOfRow, type LoadedSubject } from '../access/index.js'
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
  type Preview,
} from '../context.js'
import { endPreviewIn, settleExpiredPreview } from '../previews/index.js'
import { userForAction } from '../users/index.js'
import type { SessionInfo } from './accounts.js'
import { sha256Hex } from './secret-token.js'
import { securityPolicy } from './security-policy.js'
import {
  findLiveSession,
  listLiveSessions,
  revokeSessions,
  touchSession,
  type LiveSessionRow,
} from './sessions.repo.js'

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
    async (trx, wrote) => {
      const row = await findLiveSession(trx, hash, now, securityPolicy.sessionIdleMs)
      if (row === undefined) return null
      let seenAt = row.last_seen_at.getTime()
      if (now.getTime() - seenAt >= securityPolicy.sessionTouchMs) {
        const touch = (db: Parameters<typeof touchSession>[0]) =>
          touchSession(db, row.company_id, row.session_id, now)
        await touch(trx)
        // a request whose work dies in a deadlock in this transaction runs again in a new one:
        // the touch is written there too (inCompany), or the kept caller would skip it
        wrote(touch)
        seenAt = now.getTime()
      }
      const { status: _status, policyVersion, subjectVersion, ...subject } = subjectOfRow(row)
      const preview = previewOfRow(row, subject, now)
      const actor: Actor = {
        userId: row.id,
        companyId: row.company_id,
        sessionId: row.session_id,
        roleIds: subject.roles,
        subject,
        policyVersion,
        subjectVersion,
        mfaEnrolmentRequired: !row.mfa_enabled && row.mfa_role,
        ...(preview !== undefined && { preview }),
      }
      // Kept for the next requests, once this one's transaction (a touch included) has ended.
      ctx.callers?.putCaller(key, {
        actor,
        versions: { policy: policyVersion, subject: subjectVersion },
        // a preview ends by the clock: the kept caller is not used past its end
        expiresAt: Math.min(row.expires_at.getTime(), preview?.expiresAt.getTime() ?? Infinity),
        seenAt,
      })
      return actor
    },
    kept.open,
  )
  return found && { actor: { ...found.actor }, tx: found.tx }
}

/**
 * G4: the preview the session row has open at `now`, if any. A role preview's subject is the
 * caller placed where they are (or in the org unit chosen), with their projects, holding that one
 * role and nothing else; a person preview's is that person as the engine sees them (nothing at
 * all once they are no longer active or no longer exist).
 */
function previewOfRow(
  row: LiveSessionRow,
  own: Omit<LoadedSubject, 'status' | 'policyVersion' | 'subjectVersion'>,
  now: Date,
): Preview | undefined {
  const { preview_role_id: roleId, preview_user_id: userId } = row
  const expiresAt = row.preview_expires_at
  if ((roleId === null && userId === null) || expiresAt === null) return undefined
  if (expiresAt.getTime() <= now.getTime()) return undefined
  const startedAt = row.preview_started_at ?? now
  if (roleId !== null) {
    const orgUnitId = row.preview_org_unit_id ?? own.orgUnitId ?? null
    return {
      roleId,
      userId: null,
      orgUnitId,
      startedAt,
      expiresAt,
      subject: { ...own, orgUnitId, roles: [roleId], groups: [], grants: [] },
    }
  }
  const person = row.preview_subject === null ? undefined : subjectOfRow(row.preview_subject)
  const subject: Subject =
    person === undefined
      ? { id: userId as string, companyId: own.companyId, roles: [], groups: [], grants: [] }
      : (({ status, policyVersion: _p, subjectVersion: _s, ...rest }) =>
          status === 'active' ? rest : { ...rest, roles: [], groups: [], grants: [] })(person)
  return {
    roleId: null,
    userId,
    orgUnitId: subject.orgUnitId ?? null,
    startedAt,
    expiresAt,
    subject,
  }
}

/** The actor behind a session token, its transaction ended (for callers outside HTTP). */
export function resolveSession(ctx: AnonymousCtx, token: string): Promise<Actor | null> {
  return releasedActor(authenticateSession(ctx, token))
}

/** Ends the caller's own session. */
export async function logout(ctx: Ctx): Promise<void> {
  await inCompany(ctx, async (tx) => {
    const { sessionId, companyId, preview } = tx.actor
    // G4: a preview ends with its session
    if (preview !== undefined) await endPreviewIn(tx, preview, 'logout')
    else await settleExpiredPreview(tx)
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
