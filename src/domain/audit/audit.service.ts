import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { withCompany } from '../../db/index.js'
import type { Database } from '../database.js'
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
import type { AuditSigner } from './audit-signer.js'
import {
  insertAuditEvent,
  insertCheckpoint,
  listAuditEvents,
  listCheckpoints,
  lockChainHead,
  readChain,
} from './audit.repo.js'

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

/**
 * appendAudit with who/when/where taken from the request context; the transaction is then one
 * that changed something (`noteChange`: inCompany looks whether it changed anyone's rights).
 */
export function recordAudit(
  ctx: TenantCtx,
  change: Pick<AuditEntry, 'action' | 'targetType' | 'targetId' | 'before' | 'after'>,
): Promise<AuditEvent> {
  ctx.noteChange?.()
  return appendAudit(ctx.db, {
    ...change,
    after: withPreview(ctx, change.action, change.after),
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
 * An event the system records, not a person: something that happened by the clock (a request
 * that expired undecided) and is recorded in the transaction of whichever request noticed it
 * first. `actorUserId` is null — the person whose request noticed it did not do it — and so are
 * their session and address; `requestId` names that request, and `clientRequestId` keeps the
 * client's own `X-Request-Id` of it (as recordAudit does), so the event can be traced to the
 * moment it was recorded from either side. Never marked with a preview (the system previews
 * nothing).
 */
export function recordSystemAudit(
  ctx: TenantCtx,
  change: Pick<AuditEntry, 'action' | 'targetType' | 'targetId' | 'before' | 'after'>,
): Promise<AuditEvent> {
  ctx.noteChange?.()
  return appendAudit(ctx.db, {
    ...change,
    companyId: ctx.actor.companyId,
    occurredAt: ctx.now,
    actorUserId: null,
    ip: null,
    sessionId: null,
    requestId: ctx.meta.requestId,
    clientRequestId: ctx.meta.clientRequestId ?? null,
  })
}

/**
 * G4: an event recorded inside a preview (an audited read, an export) is the caller's, and names
 * the preview in `after.preview` (`role=<id>` or `user=<id>`); the preview's own events say it.
 */
function withPreview(ctx: TenantCtx, action: string, after: unknown): unknown {
  const p = ctx.actor.preview
  if (p === undefined || action.startsWith('preview.')) return after
  if (after !== null && after !== undefined && (typeof after !== 'object' || Array.isArray(after)))
    return after
  const preview = p.roleId !== null ? `role=${p.roleId}` : `user=${p.userId ?? ''}`
  return { ...(after ?? {}), preview }
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
export async function verifyMyAuditChain(
  ctx: Ctx,
  signer: AuditSigner,
): Promise<ChainVerification> {
  await inCompany(ctx, (tx) => authorize(tx, 'audit.verify'))
  return verifyAuditChain(ctx.db, ctx.actor.companyId, signer)
}

/** A signed statement of the chain head, to keep outside the database (S14). */
export interface AuditCheckpoint {
  readonly companyId: string
  readonly seq: number
  readonly hash: string
  readonly signedAt: string
  /** Exactly the text signed (canonical JSON of the four fields above). */
  readonly payload: string
  readonly algorithm: 'Ed25519'
  /** base64 */
  readonly signature: string
  readonly publicKey: string
}

/**
 * GET /api/v1/audit/checkpoint: signs the company's current head and stores the checkpoint, so
 * later verifications hold the chain to it; the answer can be kept elsewhere and checked offline
 * with the public key (docs/security.md).
 */
export async function checkpointMyAuditChain(
  ctx: Ctx,
  signer: AuditSigner,
): Promise<AuditCheckpoint> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'audit.verify')
    const head = await lockChainHead(tx.db, tx.actor.companyId)
    const claim = {
      companyId: tx.actor.companyId,
      seq: head?.seq ?? 0,
      hash: head?.hash ?? GENESIS_HASH,
      signedAt: tx.now.toISOString(),
    }
    const signature = signer.sign(claim)
    await insertCheckpoint(tx.db, claim.companyId, {
      seq: claim.seq,
      hash: claim.hash,
      signedAt: tx.now,
      signature,
    })
    return {
      ...claim,
      payload: signer.payload(claim),
      algorithm: 'Ed25519',
      signature,
      publicKey: signer.publicKeyPem,
    }
  })
}

/**
 * Re-computes the company's chain from its first event: every seq present in order, every
 * prev_hash equal to the previous hash, every hash equal to the recomputed one. An edited,
 * inserted or deleted event breaks it at the first seq that no longer fits. The hash is unkeyed,
 * so the newest events could be removed, or the tail rewritten with recomputed hashes, leaving a
 * valid chain: signed checkpoints (S14) catch that for every event up to the latest checkpoint.
 */
export async function verifyAuditChain(
  db: Kysely<Database>,
  companyId: string,
  signer: AuditSigner,
): Promise<ChainVerification> {
  return withCompany(db, companyId, async (trx) => {
    // S14: every stored checkpoint must carry our signature and name an event the chain still
    // holds with that hash; so deleted newest events and a rewritten tail are noticed up to the
    // last checkpoint.
    const checkpoints = await listCheckpoints(trx, companyId)
    const pending = new Map<number, string[]>()
    for (const c of checkpoints) {
      const claim = { companyId, seq: c.seq, hash: c.hash, signedAt: c.signedAt.toISOString() }
      if (!signer.check(claim, c.signature)) {
        return {
          ok: false,
          count: 0,
          brokenAt: c.seq,
          reason: 'a checkpoint signature is not ours',
        }
      }
      pending.set(c.seq, [...(pending.get(c.seq) ?? []), c.hash])
    }
    const genesis = pending.get(0)
    if (genesis?.some((h) => h !== GENESIS_HASH)) {
      return { ok: false, count: 0, brokenAt: 1, reason: 'checkpoint 0 does not match' }
    }
    pending.delete(0)
    const anchoredTo = Math.max(0, ...checkpoints.map((c) => c.seq))
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
        const anchored = pending.get(event.seq)
        if (anchored?.some((h) => h !== event.hash)) {
          return {
            ok: false,
            count: prev.seq,
            brokenAt: event.seq,
            reason: 'differs from a signed checkpoint',
          }
        }
        pending.delete(event.seq)
        prev = { seq: event.seq, hash: event.hash }
      }
      if (batch.length < 500) {
        if (pending.size > 0) {
          const lost = Math.max(...pending.keys())
          return {
            ok: false,
            count: prev.seq,
            brokenAt: prev.seq + 1,
            reason: `events up to checkpoint ${lost} are missing`,
          }
        }
        return { ok: true, count: prev.seq, anchoredTo, unanchored: prev.seq - anchoredTo }
      }
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

/**
 * The event at `seq` of a company's chain, as it is stored and hashed, read in `db` with no
 * decision (forensics on the root handle, tests that tamper with the chain); undefined when
 * there is none.
 */
export async function auditEventAt(
  db: Kysely<Database>,
  companyId: string,
  seq: number,
): Promise<AuditEvent | undefined> {
  if (!Number.isSafeInteger(seq) || seq < 1) return undefined
  const [event] = await readChain(db, companyId, seq - 1, 1)
  return event?.seq === seq ? event : undefined
}
