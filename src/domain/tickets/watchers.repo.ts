import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'

type Db = Kysely<Database>
import type { TicketWatcher } from './tickets.js'
import type { TicketWatcherRow } from './watchers.table.js'

function rowToWatcher(row: TicketWatcherRow): TicketWatcher {
  return {
    id: row.id,
    ticketId: row.ticket_id,
    userId: row.user_id,
    orgUnitId: row.org_unit_id,
    addedBy: row.added_by,
    createdAt: row.created_at,
  }
}

export async function listWatcherRows(
  db: Db,
  companyId: string,
  ticketId: string,
): Promise<TicketWatcher[]> {
  const rows = await db
    .selectFrom('ticket_watchers')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('ticket_id', '=', ticketId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map(rowToWatcher)
}

export async function findWatcherRow(
  db: Db,
  companyId: string,
  ticketId: string,
  id: string,
): Promise<TicketWatcher | undefined> {
  const row = await db
    .selectFrom('ticket_watchers')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('ticket_id', '=', ticketId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row === undefined ? undefined : rowToWatcher(row)
}

/** Adds a watcher; undefined when that person or unit already watches the ticket. */
export async function insertWatcher(
  db: Db,
  companyId: string,
  watcher: Pick<TicketWatcher, 'ticketId' | 'userId' | 'orgUnitId' | 'addedBy'>,
  now: Date,
): Promise<TicketWatcher | undefined> {
  const row = await db
    .insertInto('ticket_watchers')
    .values({
      id: randomUUID(),
      company_id: companyId,
      ticket_id: watcher.ticketId,
      user_id: watcher.userId,
      org_unit_id: watcher.orgUnitId,
      added_by: watcher.addedBy,
      created_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? undefined : rowToWatcher(row)
}

export async function deleteWatcherRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('ticket_watchers')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
