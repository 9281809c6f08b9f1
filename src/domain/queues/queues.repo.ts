// The queues table, private to this module: only queues.service.ts imports it.
import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { Queue, QueueStrategy } from './queues.js'
import type { QueueRow } from './queues.table.js'

type Db = Kysely<Database>

export function queueRowToQueue(row: QueueRow): Queue {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    strategy: row.strategy,
    memberIds: row.member_ids,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export async function insertQueue(
  db: Db,
  companyId: string,
  input: {
    projectId: string
    name: string
    strategy: QueueStrategy
    memberIds: readonly string[]
  },
  now: Date,
): Promise<Queue> {
  const row = await db
    .insertInto('queues')
    .values({
      id: randomUUID(),
      company_id: companyId,
      project_id: input.projectId,
      name: input.name,
      strategy: input.strategy,
      member_ids: [...input.memberIds],
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return queueRowToQueue(row)
}

export async function updateQueueRow(
  db: Db,
  companyId: string,
  id: string,
  changes: { name?: string; strategy?: QueueStrategy; memberIds?: readonly string[] },
  now: Date,
): Promise<Queue | undefined> {
  const row = await db
    .updateTable('queues')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.strategy !== undefined && { strategy: changes.strategy }),
      ...(changes.memberIds !== undefined && { member_ids: [...changes.memberIds] }),
      updated_at: now,
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && queueRowToQueue(row)
}

export async function deleteQueueRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('queues')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}

/** The queues the user is a member of (ids and projects), for handing on a waiting call. */
export async function queuesWithMember(
  db: Db,
  companyId: string,
  userId: string,
): Promise<{ id: string; projectId: string }[]> {
  const rows = await db
    .selectFrom('queues')
    .select(['id', 'project_id'])
    .where('company_id', '=', companyId)
    .where(sql<boolean>`${userId} = ANY(member_ids)`)
    .orderBy('id')
    .execute()
  return rows.map((r) => ({ id: r.id, projectId: r.project_id }))
}

/** The members of these queues, each once, in the order of their ids. */
export async function membersOfQueues(
  db: Db,
  companyId: string,
  queueIds: readonly string[],
): Promise<string[]> {
  if (queueIds.length === 0) return []
  const rows = await db
    .selectFrom(
      sql<{ member_id: string }>`(
      select distinct unnest(member_ids) as member_id from queues
      where company_id = ${companyId} and id in (${sql.join(queueIds)}))`.as('m'),
    )
    .select('member_id')
    .orderBy('member_id')
    .execute()
  return rows.map((r) => r.member_id)
}

/**
 * Holds the queue's row until the transaction ends (one routing decision or member change of a
 * queue at a time), and returns whom it last rang and its members (none when there is no such
 * queue). FOR NO KEY UPDATE: a call handed on from the queue meanwhile (its `queue_id` key
 * checked FOR KEY SHARE) does not wait for it.
 */
export async function lockQueueRow(
  db: Db,
  companyId: string,
  id: string,
): Promise<{ lastMemberId: string | null; memberIds: readonly string[] }> {
  const row = await db
    .selectFrom('queues')
    .select(['last_member_id', 'member_ids'])
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .forNoKeyUpdate()
    .executeTakeFirst()
  return { lastMemberId: row?.last_member_id ?? null, memberIds: row?.member_ids ?? [] }
}

export async function setLastMember(
  db: Db,
  companyId: string,
  id: string,
  memberId: string,
): Promise<void> {
  await db
    .updateTable('queues')
    .set({ last_member_id: memberId })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .execute()
}
