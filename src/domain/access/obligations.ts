import { sql } from 'kysely'
import type { Action, Decision, Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { recordAudit } from '../audit/index.js'
import type { TenantCtx } from '../context.js'

/** What a service tells the gate about the action it is about to take. */
export interface GateOptions {
  /**
   * The service writes its own audit event for this change (before → after), so the gate adds
   * no separate access event for it.
   */
  readonly recorded?: boolean
  /** A reason given in the request body (else the `x-tessera-reason` header is used). */
  readonly reason?: string | null | undefined
  /** For a `concurrent` limit: how many are in use right now (e.g. the caller's live calls). */
  readonly inUse?: () => Promise<number>
  /** The records a list showed, named in its access event. */
  readonly ids?: readonly string[]
}

export const REASON_HEADER = 'x-tessera-reason'
const MAX_REASON = 500

/** Obligations already applied in this request (per actor object): each applies once. */
const applied = new WeakMap<object, Set<string>>()

/** Seconds from `now` to the next midnight in `timeZone` (a per-day limit's reset). */
export function secondsToLocalMidnight(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(now)
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const elapsed = part('hour') * 3600 + part('minute') * 60 + part('second')
  return Math.max(1, 86_400 - elapsed)
}

function localDay(now: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(now)
}

/**
 * THE obligations gate: every allowed decision a service acts on passes here, through
 * authorize() or the read seam, so no route can forget one (G2, P8, P9, W2).
 * - `approvalRequired` → 409 `approval_required` (nothing happens);
 * - `reasonRequired` → 400 `reason_required` without a reason;
 * - `limits.perDay` → counted atomically per person, action and company-local day; over it,
 *   429 `quota_exceeded` (the count rolls back with a failed request);
 * - `limits.concurrent` → the service's `inUse()` count must be below it; an action with such a
 *   limit on a path that cannot count is refused (fail closed);
 * - `audit` → an access event with the reason, unless the service records the change itself.
 */
export async function enforceObligations(
  tx: TenantCtx,
  action: Action,
  decision: Decision,
  resource: Resource | undefined,
  timeZone: string,
  options: GateOptions = {},
): Promise<void> {
  const o = decision.obligations
  if (!decision.allowed) return
  if (o.approvalRequired) {
    throw new AppError('approval_required', `${action} needs approval before it takes effect`)
  }
  const reason = (options.reason ?? tx.meta.reason ?? '').trim()
  if (o.reasonRequired && reason === '') {
    throw new AppError('reason_required', `${action} needs a reason`, {
      errors: [{ path: `header/${REASON_HEADER}`, message: 'say why (at most 500 characters)' }],
    })
  }
  if (reason.length > MAX_REASON) {
    throw new AppError('validation_failed', 'the reason is too long', {
      errors: [{ path: `header/${REASON_HEADER}`, message: 'at most 500 characters' }],
    })
  }
  let done = applied.get(tx.actor)
  if (done === undefined) applied.set(tx.actor, (done = new Set()))
  const key = `${action}:${resource?.id ?? ''}`
  if (done.has(key)) return
  done.add(key)
  const perDay = o.limits?.perDay
  if (perDay !== undefined) {
    const day = localDay(tx.now, timeZone)
    const { companyId, userId } = tx.actor
    const counted = await sql<{ used: number }>`
      insert into usage_counters (company_id, subject_id, action, day, used)
      values (${companyId}, ${userId}, ${action}, ${day}, 1)
      on conflict (company_id, subject_id, action, day)
      do update set used = usage_counters.used + 1 where usage_counters.used < ${perDay}
      returning used`.execute(tx.db)
    if (perDay === 0 || counted.rows.length === 0) {
      throw new AppError('quota_exceeded', `${action}: at most ${perDay} a day`, {
        retryAfter: secondsToLocalMidnight(tx.now, timeZone),
      })
    }
  }
  const concurrent = o.limits?.concurrent
  if (concurrent !== undefined) {
    if (options.inUse === undefined) {
      throw new AppError(
        'quota_exceeded',
        `${action} has a concurrent limit this path cannot count`,
      )
    }
    if ((await options.inUse()) >= concurrent) {
      throw new AppError('quota_exceeded', `${action}: at most ${concurrent} at once`)
    }
  }
  if (o.audit && options.recorded !== true) {
    await recordAudit(tx, {
      action: `access.${action}`,
      targetType: resource?.type ?? null,
      targetId: resource?.id ?? null,
      after:
        reason === '' && options.ids === undefined
          ? null
          : { ...(reason === '' ? {} : { reason }), ...(options.ids ? { ids: options.ids } : {}) },
    })
  }
}

/**
 * The gate for a list page: one check for the page as a whole (any shown record that needs a
 * reason or an approval needs it for the list; a per-day limit counts the list once) and one
 * access event naming the records shown, not one per row.
 */
export async function enforceListObligations(
  tx: TenantCtx,
  action: Action,
  decisions: readonly Decision[],
  target: { type: Resource['type'] },
  timeZone: string,
  ids: readonly string[],
): Promise<void> {
  if (decisions.length === 0) return
  const some = (f: (d: Decision) => boolean) => decisions.some(f)
  const perDays = decisions.flatMap((d) =>
    d.obligations.limits?.perDay === undefined ? [] : [d.obligations.limits.perDay],
  )
  const merged: Decision = {
    allowed: true,
    reason: 'granted',
    matched: [],
    obligations: {
      fields: {},
      audit: some((d) => d.obligations.audit),
      reasonRequired: some((d) => d.obligations.reasonRequired),
      approvalRequired: some((d) => d.obligations.approvalRequired),
      ...(perDays.length > 0 ? { limits: { perDay: Math.min(...perDays) } } : {}),
    },
  }
  await enforceObligations(tx, action, merged, { type: target.type }, timeZone, { ids })
}
