// The shifts table, private to this module: only shifts.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely, Updateable } from 'kysely'
import type { Database } from '../database.js'
import type { Shift, ShiftInput, ShiftKind } from './shifts.js'
import type { ShiftRow, ShiftsTable } from './shifts.table.js'

type Db = Kysely<Database>

export function shiftRowToShift(row: ShiftRow): Shift {
  return {
    id: row.id,
    userId: row.user_id,
    orgUnitId: row.org_unit_id,
    kind: row.kind,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    note: row.note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function columnsOf(c: ShiftInput): Updateable<ShiftsTable> {
  return {
    ...(c.userId !== undefined && { user_id: c.userId }),
    ...(c.orgUnitId !== undefined && { org_unit_id: c.orgUnitId }),
    ...(c.kind !== undefined && { kind: c.kind }),
    ...(c.startsAt !== undefined && { starts_at: c.startsAt }),
    ...(c.endsAt !== undefined && { ends_at: c.endsAt }),
    ...(c.note !== undefined && { note: c.note }),
  }
}

/** Refused by the database (23P01 `shifts_no_overlap`) when it overlaps one of the person's. */
export async function insertShift(
  db: Db,
  companyId: string,
  input: {
    userId: string
    orgUnitId: string | null
    kind: ShiftKind
    startsAt: Date
    endsAt: Date
    note: string
  },
  now: Date,
): Promise<Shift> {
  const row = await db
    .insertInto('shifts')
    .values({
      id: randomUUID(),
      company_id: companyId,
      user_id: input.userId,
      org_unit_id: input.orgUnitId,
      kind: input.kind,
      starts_at: input.startsAt,
      ends_at: input.endsAt,
      note: input.note,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return shiftRowToShift(row)
}

export async function updateShiftRow(
  db: Db,
  companyId: string,
  id: string,
  changes: ShiftInput,
  now: Date,
): Promise<Shift | undefined> {
  const row = await db
    .updateTable('shifts')
    .set({ ...columnsOf(changes), updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && shiftRowToShift(row)
}

export async function deleteShiftRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('shifts')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}
