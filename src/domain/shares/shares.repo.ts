import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ShareableType } from './shares.js'
import type { ShareRow } from './shares.table.js'

type Db = Kysely<Database>

const column = (type: ShareableType) => (type === 'ticket' ? 'ticket_id' : 'customer_id')

export async function insertShareRow(
  db: Db,
  companyId: string,
  s: {
    type: ShareableType
    recordId: string
    orgUnitId: string
    definition: Record<string, unknown>
    until: Date | null
    createdBy: string | null
  },
  now: Date,
): Promise<ShareRow> {
  return db
    .insertInto('shares')
    .values({
      id: randomUUID(),
      company_id: companyId,
      ticket_id: s.type === 'ticket' ? s.recordId : null,
      customer_id: s.type === 'customer' ? s.recordId : null,
      org_unit_id: s.orgUnitId,
      definition: JSON.stringify(s.definition),
      valid_until: s.until,
      created_by: s.createdBy,
      created_at: now,
      revoked_at: null,
      revoked_by: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** A share of this record (undefined for another record's, or none). */
export async function findShareRow(
  db: Db,
  companyId: string,
  type: ShareableType,
  recordId: string,
  id: string,
  forUpdate = false,
): Promise<ShareRow | undefined> {
  let q = db
    .selectFrom('shares')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where(column(type), '=', recordId)
  if (forUpdate) q = q.forUpdate()
  return q.executeTakeFirst()
}

/** The shares of a record in id order; `current`: only those neither revoked nor ended at `now`. */
export async function listShareRows(
  db: Db,
  companyId: string,
  type: ShareableType,
  recordId: string,
  options: { current: boolean; now: Date; after?: string | undefined; limit: number },
): Promise<ShareRow[]> {
  let q = db
    .selectFrom('shares')
    .selectAll()
    .where('company_id', '=', companyId)
    .where(column(type), '=', recordId)
  if (options.current)
    q = q
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', options.now)]))
  if (options.after !== undefined) q = q.where('id', '>', options.after)
  return q.orderBy('id').limit(options.limit).execute()
}

/** Ends a share now (a no-op answering undefined when it was revoked meanwhile). */
export async function revokeShareRow(
  db: Db,
  companyId: string,
  id: string,
  by: string | null,
  now: Date,
): Promise<ShareRow | undefined> {
  return db
    .updateTable('shares')
    .set({ revoked_at: now, revoked_by: by })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}

/** Ends now every share `userId` made that is still in force (offboarding: G6). */
export async function revokeSharesMadeBy(
  db: Db,
  companyId: string,
  userId: string,
  by: string | null,
  now: Date,
): Promise<ShareRow[]> {
  return db
    .updateTable('shares')
    .set({ revoked_at: now, revoked_by: by })
    .where('company_id', '=', companyId)
    .where('created_by', '=', userId)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', now)]))
    .returningAll()
    .execute()
}
