import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'

type Db = Kysely<Database>
import type { Notification, NotificationKind } from './notifications.js'
import type { NotificationRow } from './notifications.table.js'

function rowToNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    kind: row.kind,
    ticketId: row.ticket_id,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    createdAt: row.created_at,
    readAt: row.read_at,
  }
}

/** A page of one recipient's notifications, newest first (keyset on the id, descending). */
export async function listForRecipient(
  db: Db,
  companyId: string,
  recipientId: string,
  options: { limit: number; before?: string | undefined; unread?: boolean | undefined },
): Promise<(Notification & { seq: string })[]> {
  let query = db
    .selectFrom('notifications')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('recipient_id', '=', recipientId)
  if (options.before !== undefined) query = query.where('seq', '<', options.before)
  if (options.unread === true) query = query.where('read_at', 'is', null)
  const rows = await query
    .orderBy('seq', 'desc')
    .limit(options.limit + 1)
    .execute()
  return rows.map((row) => ({ ...rowToNotification(row), seq: String(row.seq) }))
}

export async function countUnread(db: Db, companyId: string, recipientId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', companyId)
    .where('recipient_id', '=', recipientId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Marks one of the recipient's notifications read (once); undefined when it is not theirs. */
export async function markRead(
  db: Db,
  companyId: string,
  recipientId: string,
  id: string,
  now: Date,
): Promise<Notification | undefined> {
  const row = await db
    .updateTable('notifications')
    .set({ read_at: sql<Date>`coalesce(read_at, ${now})` })
    .where('company_id', '=', companyId)
    .where('recipient_id', '=', recipientId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? undefined : rowToNotification(row)
}

/**
 * One notification for each active person who watches the ticket, in person or through their
 * team (the members of a watching org unit), except `actorId`, who made the change.
 */
export async function notifyTicketWatchers(
  db: Db,
  companyId: string,
  event: {
    ticketId: string
    kind: NotificationKind
    fromStatus?: string | null
    toStatus?: string | null
    actorId: string | null
  },
  now: Date,
): Promise<number> {
  const result = await sql`
    insert into notifications
      (id, company_id, recipient_id, kind, ticket_id, from_status, to_status, created_at)
    select gen_random_uuid()::text, ${companyId}, r.id, ${event.kind},
      ${event.ticketId}, ${event.fromStatus ?? null}, ${event.toStatus ?? null}, ${now}
    from (
      select distinct u.id from ticket_watchers w
      join users u on u.company_id = w.company_id
        and (u.id = w.user_id or u.org_unit_id = w.org_unit_id)
      where w.company_id = ${companyId} and w.ticket_id = ${event.ticketId}
        and u.status = 'active' and u.id is distinct from ${event.actorId}
    ) r`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}
