import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { withCompany, type Database } from '../../db/index.js'
import { AppError } from '../../errors.js'
import { authorize } from '../access/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import {
  GENESIS_HASH,
  type AuditEntry,
  type AuditEvent,
  type AuditFilter,
  type ChainVerification,
} from './audit.js'
import { hashAuditEvent } from './audit-hash.js'
import { insertAuditEvent, listAuditEvents, lockChainHead, readChain } from './audit.repo.js'

/**
 * Appends one event to the company's hash chain, in the caller's transaction, so the event
 * commits or rolls back with the change it records (G1). Appends of one company are
 * serialised by a transaction-scoped advisory lock; other companies do not wait.
 */
export async function appendAudit(
  trx: Transaction<Database>,
  entry: AuditEntry,
): Promise<AuditEvent> {
  const head = await lockChainHead(trx, entry.companyId)
  const unhashed = {
    id: randomUUID(),
    companyId: entry.companyId,
    seq: (head?.seq ?? 0) + 1,
    occurredAt: entry.occurredAt,
    actorUserId: entry.actorUserId,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    before: asStoredJson(entry.before),
    after: asStoredJson(entry.after),
    ip: entry.ip ?? null,
    sessionId: entry.sessionId ?? null,
    requestId: entry.requestId ?? null,
    clientRequestId: entry.clientRequestId ?? null,
    prevHash: head?.hash ?? GENESIS_HASH,
  }
  const event = { ...unhashed, hash: hashAuditEvent(unhashed) }
  await insertAuditEvent(trx, event)
  return event
}

/** appendAudit with who/when/where taken from the request context. */
export function recordAudit(
  ctx: TenantCtx,
  change: Pick<AuditEntry, 'action' | 'targetType' | 'targetId' | 'before' | 'after'>,
): Promise<AuditEvent> {
  return appendAudit(ctx.db, {
    ...change,
    companyId: ctx.actor.companyId,
    occurredAt: ctx.now,
    actorUserId: ctx.actor.userId,
    ip: ctx.meta.ip,
    sessionId: ctx.actor.sessionId,
    requestId: ctx.meta.requestId,
    clientRequestId: ctx.meta.clientRequestId ?? null,
  })
}

/**
 * S24: how the caller may see a user's data inside a payload (users module's userDataLens,
 * passed in: audit cannot import users, which records its changes here).
 */
export type UserDataLens = (tx: TenantCtx, userId: string) => Promise<(data: unknown) => unknown>

export interface AuditPage {
  readonly items: AuditEvent[]
  readonly nextCursor: string | null
}

/** GET /api/v1/audit: newest first, filtered, cursor-paginated. */
export async function listAudit(
  ctx: Ctx,
  filter: AuditFilter,
  page: { limit: number; cursor?: string | undefined },
  userData: UserDataLens,
): Promise<AuditPage> {
  const beforeSeq = page.cursor === undefined ? undefined : decodeCursor(page.cursor)
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'audit.view')
    const items = await listAuditEvents(tx.db, tx.actor.companyId, filter, {
      limit: page.limit + 1,
      beforeSeq,
    })
    const more = items.length > page.limit
    const shown = more ? items.slice(0, page.limit) : items
    const last = shown.at(-1)
    return {
      items: await applyUserLens(tx, shown, userData),
      nextCursor: more && last ? encodeCursor(last.seq) : null,
    }
  })
}

/**
 * S24: the before/after of events about a user, as the caller may see that user. The stored
 * event (and its hash) is untouched; the chain is verified on the stored rows, not on this view.
 */
async function applyUserLens(
  tx: TenantCtx,
  events: AuditEvent[],
  userData: UserDataLens,
): Promise<AuditEvent[]> {
  const lenses = new Map<string, (data: unknown) => unknown>()
  const shown: AuditEvent[] = []
  for (const event of events) {
    if (event.targetType !== 'user' || event.targetId === null) {
      shown.push(event)
      continue
    }
    let lens = lenses.get(event.targetId)
    if (lens === undefined) {
      lens = await userData(tx, event.targetId)
      lenses.set(event.targetId, lens)
    }
    shown.push({ ...event, before: lens(event.before), after: lens(event.after) })
  }
  return shown
}

/** GET /api/v1/audit/verify for the actor's company. */
export async function verifyMyAuditChain(ctx: Ctx): Promise<ChainVerification> {
  await inCompany(ctx, (tx) => authorize(tx, 'audit.verify'))
  return verifyAuditChain(ctx.db, ctx.actor.companyId)
}

/**
 * Re-computes the company's chain from its first event: every seq present in order, every
 * prev_hash equal to the previous hash, every hash equal to the recomputed one. An edited,
 * inserted or deleted event breaks it at the first seq that no longer fits. (Removing the
 * newest events leaves a shorter valid chain: anchoring the head outside is not done here.)
 */
export async function verifyAuditChain(
  db: Kysely<Database>,
  companyId: string,
): Promise<ChainVerification> {
  return withCompany(db, companyId, async (trx) => {
    let prev = { seq: 0, hash: GENESIS_HASH }
    for (;;) {
      const batch = await readChain(trx, companyId, prev.seq, 500)
      for (const event of batch) {
        const broken = (reason: string): ChainVerification => ({
          ok: false,
          count: prev.seq,
          brokenAt: prev.seq + 1,
          reason,
        })
        if (event.seq !== prev.seq + 1) return broken(`event ${prev.seq + 1} is missing`)
        if (event.prevHash !== prev.hash) return broken('prev_hash does not match')
        if (hashAuditEvent(event) !== event.hash) return broken('hash does not match its content')
        prev = { seq: event.seq, hash: event.hash }
      }
      if (batch.length < 500) return { ok: true, count: prev.seq }
    }
  })
}

/** What jsonb will give back: JSON types only, Dates as ISO strings, undefined as null. */
function asStoredJson(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown)
}

function encodeCursor(seq: number): string {
  return Buffer.from(String(seq)).toString('base64url')
}

function decodeCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString())
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new AppError('validation_failed', 'cursor is not valid', {
      errors: [{ path: 'querystring/cursor', message: 'not a cursor this list returned' }],
    })
  }
  return seq
}
