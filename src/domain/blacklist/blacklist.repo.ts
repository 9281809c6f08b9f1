// The blacklist table, private to this module: only blacklist.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { BlacklistEntry } from './blacklist.js'
import type { BlacklistRow } from './blacklist.table.js'

type Db = Kysely<Database>

export function blacklistRowToEntry(row: BlacklistRow): BlacklistEntry {
  return {
    id: row.id,
    companyId: row.company_id,
    phone: row.phone,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
  }
}

export async function insertEntry(
  db: Db,
  companyId: string,
  input: { phone: string; reason: string; createdBy: string },
  now: Date,
): Promise<BlacklistEntry> {
  const row = await db
    .insertInto('blacklist')
    .values({
      id: randomUUID(),
      company_id: companyId,
      phone: input.phone,
      reason: input.reason,
      created_by: input.createdBy,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return blacklistRowToEntry(row)
}

export async function deleteEntryRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('blacklist')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(res.numDeletedRows) > 0
}

/** Is this E.164 number on the company's blacklist? */
export async function phoneListed(db: Db, companyId: string, phone: string): Promise<boolean> {
  const row = await db
    .selectFrom('blacklist')
    .select('id')
    .where('company_id', '=', companyId)
    .where('phone', '=', phone)
    .executeTakeFirst()
  return row !== undefined
}
