// The calls and recordings tables, private to this module: only its services import it.
import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { Call, CallDirection, Recording } from './calls.js'
import type { CallRow, QueuedCallRow, RecordingRow } from './calls.table.js'

type Db = Kysely<Database>

export function callRowToCall(row: CallRow): Call {
  return {
    id: row.id,
    companyId: row.company_id,
    agentId: row.agent_id,
    orgUnitId: row.org_unit_id,
    projectId: row.project_id,
    poolId: row.pool_id,
    customerId: row.customer_id,
    direction: row.direction,
    phone: row.phone,
    status: row.status,
    blacklisted: row.blacklisted,
    durationSec: row.duration_sec,
    notes: row.notes,
    startedAt: row.started_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function recordingRowToRecording(row: RecordingRow): Recording {
  return {
    id: row.id,
    companyId: row.company_id,
    callId: row.call_id,
    agentId: row.agent_id,
    orgUnitId: row.org_unit_id,
    projectId: row.project_id,
    durationSec: row.duration_sec,
    createdAt: row.created_at,
  }
}

/**
 * P9: holds the agent's user row until the transaction ends, so two dials of one agent (on any
 * connection or server process) count the agent's live calls one after the other.
 */
export async function lockAgent(db: Db, companyId: string, agentId: string): Promise<void> {
  await db
    .selectFrom('users')
    .select('id')
    .where('company_id', '=', companyId)
    .where('id', '=', agentId)
    .forUpdate()
    .execute()
}

/**
 * Locks, of these people, those who are active and whose row no other transaction holds, in the
 * order of their ids, and answers them: a person whose row is held (a call of theirs starting or
 * ending, a change of theirs in progress) is skipped, never waited for (handing calls on after a
 * rights change, the transaction's audit chain lock already held; ring.ts `offerWidened`). Rows
 * this transaction holds already are its own.
 */
export async function lockFreeAgents(
  db: Db,
  companyId: string,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('company_id', '=', companyId)
    .where('id', 'in', ids)
    .where('status', '=', 'active')
    .orderBy('id')
    .forUpdate()
    .skipLocked()
    .execute()
  return rows.map((r) => r.id)
}

/** How many of the agent's calls hold a line (ringing or answered). */
export async function liveCalls(db: Db, companyId: string, agentId: string): Promise<number> {
  const row = await db
    .selectFrom('calls')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', companyId)
    .where('agent_id', '=', agentId)
    .where('status', '<>', 'ended')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function insertCall(
  db: Db,
  companyId: string,
  call: {
    id?: string
    direction?: CallDirection
    agentId: string
    orgUnitId: string | null
    projectId: string | null
    poolId: string | null
    customerId: string | null
    phone: string
    blacklisted: boolean
    providerRef: string | null
    /** The queue an inbound call came through. */
    queueId?: string | null
  },
  now: Date,
): Promise<Call> {
  const row = await db
    .insertInto('calls')
    .values({
      id: call.id ?? randomUUID(),
      company_id: companyId,
      agent_id: call.agentId,
      org_unit_id: call.orgUnitId,
      project_id: call.projectId,
      pool_id: call.poolId,
      customer_id: call.customerId,
      direction: call.direction ?? 'outbound',
      phone: call.phone,
      status: 'ringing',
      blacklisted: call.blacklisted,
      provider_ref: call.providerRef,
      queue_id: call.queueId ?? null,
      started_at: now,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return callRowToCall(row)
}

/** ringing → answered, only from ringing (a concurrent move wins once). */
export async function markAnswered(
  db: Db,
  companyId: string,
  id: string,
  now: Date,
): Promise<Call | undefined> {
  const row = await db
    .updateTable('calls')
    .set({ status: 'answered', answered_at: now, updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('status', '=', 'ringing')
    .returningAll()
    .executeTakeFirst()
  return row && callRowToCall(row)
}

/** ringing | answered → ended, with the seconds since the answer; only once. */
export async function markEnded(
  db: Db,
  companyId: string,
  id: string,
  now: Date,
): Promise<{ call: Call; providerRef: string | null } | undefined> {
  const row = await db
    .updateTable('calls')
    .set({
      status: 'ended',
      ended_at: now,
      updated_at: now,
      duration_sec: sql<number>`CASE WHEN answered_at IS NULL THEN 0
        ELSE greatest(0, floor(extract(epoch FROM (${now}::timestamptz - answered_at))))::integer END`,
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('status', '<>', 'ended')
    .returningAll()
    .executeTakeFirst()
  return row && { call: callRowToCall(row), providerRef: row.provider_ref }
}

export async function updateNotes(
  db: Db,
  companyId: string,
  id: string,
  notes: string,
  now: Date,
): Promise<Call | undefined> {
  const row = await db
    .updateTable('calls')
    .set({ notes, updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && callRowToCall(row)
}

export async function insertRecording(
  db: Db,
  companyId: string,
  call: Call,
  storageKey: string,
  now: Date,
): Promise<Recording> {
  const row = await db
    .insertInto('recordings')
    .values({
      id: randomUUID(),
      company_id: companyId,
      call_id: call.id,
      agent_id: call.agentId,
      org_unit_id: call.orgUnitId,
      project_id: call.projectId,
      duration_sec: call.durationSec,
      storage_key: storageKey,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return recordingRowToRecording(row)
}

export async function recordingRowsOfCall(
  db: Db,
  companyId: string,
  callId: string,
): Promise<RecordingRow[]> {
  return db
    .selectFrom('recordings')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('call_id', '=', callId)
    .orderBy('id')
    .execute()
}

export async function storageKeyOf(
  db: Db,
  companyId: string,
  id: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('recordings')
    .select('storage_key')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row?.storage_key
}

export async function insertQueuedCall(
  db: Db,
  companyId: string,
  call: { id: string; queueId: string; projectId: string; phone: string; blacklisted: boolean },
  now: Date,
): Promise<QueuedCallRow> {
  return db
    .insertInto('queued_calls')
    .values({
      id: call.id,
      company_id: companyId,
      queue_id: call.queueId,
      project_id: call.projectId,
      phone: call.phone,
      blacklisted: call.blacklisted,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** A queue's waiting calls, oldest first, one page. */
export async function queuedCallsOf(
  db: Db,
  companyId: string,
  queueId: string,
  limit: number,
): Promise<QueuedCallRow[]> {
  return db
    .selectFrom('queued_calls')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('queue_id', '=', queueId)
    .orderBy('created_at')
    .orderBy('seq')
    .limit(limit)
    .execute()
}

/** The queues of the company that have a call waiting. */
export async function queuesWithWaiting(db: Db, companyId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('queued_calls')
    .select('queue_id')
    .distinct()
    .where('company_id', '=', companyId)
    .orderBy('queue_id')
    .execute()
  return rows.map((r) => r.queue_id)
}

/**
 * The companies that have a call waiting, read outside any tenant transaction (the queue sweep,
 * as the login role: the `system_access` policy, migration 0013).
 */
export async function companiesWithWaiting(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('queued_calls')
    .select('company_id')
    .distinct()
    .orderBy('company_id')
    .execute()
  return rows.map((r) => r.company_id)
}

/** Whether any call waits in one of these queues for one of these projects. */
export async function anyWaitingIn(
  db: Db,
  companyId: string,
  queueIds: readonly string[],
  projectIds: readonly string[],
): Promise<boolean> {
  if (queueIds.length === 0 || projectIds.length === 0) return false
  const row = await db
    .selectFrom('queued_calls')
    .select('id')
    .where('company_id', '=', companyId)
    .where('queue_id', 'in', queueIds)
    .where('project_id', 'in', projectIds)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** A kind of waiting call an agent may take: of this project, blacklisted or not. */
export interface WaitingKind {
  readonly projectId: string
  readonly blacklisted: boolean
}

/**
 * Takes the oldest call waiting in one of these queues that is of one of these kinds out of its
 * queue, once: its row locked, skipping rows another transaction holds (a concurrent hand-on
 * taking them), then deleted. However many calls of other kinds wait before it, it is found.
 * Undefined when there is none.
 */
export async function claimOldestWaiting(
  db: Db,
  companyId: string,
  queueIds: readonly string[],
  kinds: readonly WaitingKind[],
): Promise<QueuedCallRow | undefined> {
  if (queueIds.length === 0 || kinds.length === 0) return undefined
  const locked = await db
    .selectFrom('queued_calls')
    .select('id')
    .where('company_id', '=', companyId)
    .where('queue_id', 'in', queueIds)
    .where((eb) =>
      eb.or(
        kinds.map((k) =>
          eb.and([eb('project_id', '=', k.projectId), eb('blacklisted', '=', k.blacklisted)]),
        ),
      ),
    )
    .orderBy('created_at')
    .orderBy('seq')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst()
  if (locked === undefined) return undefined
  return db
    .deleteFrom('queued_calls')
    .where('company_id', '=', companyId)
    .where('id', '=', locked.id)
    .returningAll()
    .executeTakeFirst()
}

/** What the queue strategies read of each member: lines held, last call ended, calls today. */
export interface MemberLoad {
  readonly live: number
  readonly lastEndedAt: Date | null
  /** Calls the member took from this queue today (the company's day: `timeZone`). */
  readonly fromQueueToday: number
}

export async function memberLoads(
  db: Db,
  companyId: string,
  queueId: string,
  memberIds: readonly string[],
  now: Date,
  timeZone: string,
): Promise<Map<string, MemberLoad>> {
  const loads = new Map<string, MemberLoad>()
  if (memberIds.length === 0) return loads
  const dayStart = sql<Date>`date_trunc('day', ${now}::timestamptz AT TIME ZONE ${timeZone}) AT TIME ZONE ${timeZone}`
  const rows = await db
    .selectFrom('calls')
    .select((eb) => [
      'agent_id',
      eb.fn.countAll<string>().filterWhere('status', '<>', 'ended').as('live'),
      eb.fn.max('ended_at').as('last_ended_at'),
      eb.fn
        .countAll<string>()
        .filterWhere((w) => w.and([w('queue_id', '=', queueId), w('started_at', '>=', dayStart)]))
        .as('today'),
    ])
    .where('company_id', '=', companyId)
    .where('agent_id', 'in', memberIds)
    .groupBy('agent_id')
    .execute()
  for (const r of rows) {
    loads.set(r.agent_id, {
      live: Number(r.live),
      lastEndedAt: r.last_ended_at === null ? null : new Date(r.last_ended_at),
      fromQueueToday: Number(r.today),
    })
  }
  return loads
}
