import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../database.js'
import type { AuditEvent, AuditFilter } from './audit.js'
import type { AuditEventRow } from './audit.table.js'

/** Advisory-lock namespace for per-company audit appends. */
const AUDIT_LOCK = 7_301

/** Serialises appends per company until the transaction ends, then reads the chain head. */
export async function lockChainHead(
  trx: Transaction<Database>,
  companyId: string,
): Promise<{ seq: number; hash: string } | undefined> {
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK}, hashtext(${companyId}))`.execute(trx)
  return trx
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .where('company_id', '=', companyId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
}

export async function insertAuditEvent(trx: Transaction<Database>, e: AuditEvent): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({
      id: e.id,
      company_id: e.companyId,
      seq: e.seq,
      occurred_at: e.occurredAt,
      actor_user_id: e.actorUserId,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      before: e.before === null ? null : JSON.stringify(e.before),
      after: e.after === null ? null : JSON.stringify(e.after),
      ip: e.ip,
      session_id: e.sessionId,
      request_id: e.requestId,
      client_request_id: e.clientRequestId,
      prev_hash: e.prevHash,
      hash: e.hash,
    })
    .execute()
}

/** Newest first; `beforeSeq` is the cursor (exclusive). */
export async function listAuditEvents(
  db: Kysely<Database>,
  companyId: string,
  filter: AuditFilter,
  page: { limit: number; beforeSeq?: number | undefined },
): Promise<AuditEvent[]> {
  let query = db.selectFrom('audit_events').selectAll().where('company_id', '=', companyId)
  if (filter.action !== undefined) query = query.where('action', '=', filter.action)
  if (filter.actorId !== undefined) query = query.where('actor_user_id', '=', filter.actorId)
  if (filter.targetType !== undefined) query = query.where('target_type', '=', filter.targetType)
  if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId)
  if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from)
  if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to)
  if (page.beforeSeq !== undefined) query = query.where('seq', '<', page.beforeSeq)
  const rows = await query.orderBy('seq', 'desc').limit(page.limit).execute()
  return rows.map(auditRowToEvent)
}

/** The chain in order, `afterSeq` exclusive, for verification in batches. */
export async function readChain(
  db: Kysely<Database>,
  companyId: string,
  afterSeq: number,
  limit: number,
): Promise<AuditEvent[]> {
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('seq', '>', afterSeq)
    .orderBy('seq', 'asc')
    .limit(limit)
    .execute()
  return rows.map(auditRowToEvent)
}

export function auditRowToEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    companyId: row.company_id,
    seq: row.seq,
    occurredAt: row.occurred_at,
    actorUserId: row.actor_user_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    before: row.before,
    after: row.after,
    ip: row.ip,
    sessionId: row.session_id,
    requestId: row.request_id,
    clientRequestId: row.client_request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}

export interface CheckpointRow {
  readonly seq: number
  readonly hash: string
  readonly signedAt: Date
  readonly signature: string
}

export async function insertCheckpoint(
  trx: Transaction<Database>,
  companyId: string,
  c: CheckpointRow,
): Promise<void> {
  await trx
    .insertInto('audit_checkpoints')
    .values({
      company_id: companyId,
      seq: c.seq,
      hash: c.hash,
      signed_at: c.signedAt,
      signature: c.signature,
    })
    .onConflict((oc) => oc.doNothing())
    .execute()
}

/** Every checkpoint of the company, oldest first. */
export async function listCheckpoints(
  db: Kysely<Database>,
  companyId: string,
): Promise<CheckpointRow[]> {
  const rows = await db
    .selectFrom('audit_checkpoints')
    .select(['seq', 'hash', 'signed_at', 'signature'])
    .where('company_id', '=', companyId)
    .orderBy('seq')
    .orderBy('signed_at')
    .execute()
  return rows.map((r) => ({
    seq: Number(r.seq),
    hash: r.hash,
    signedAt: r.signed_at,
    signature: r.signature,
  }))
}
