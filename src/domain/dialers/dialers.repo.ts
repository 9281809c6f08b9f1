// The dialers table, private to this module: only dialers.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { Dialer, DialerMode, DialerState } from './dialers.js'
import type { DialerRow } from './dialers.table.js'

type Db = Kysely<Database>

export function dialerRowToDialer(row: DialerRow): Dialer {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    mode: row.mode,
    state: row.state,
    startedAt: row.started_at,
    startedBy: row.started_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The columns of a change (domain names → columns), for the keys it holds. */
export interface DialerChanges {
  readonly name?: string
  readonly mode?: DialerMode
  readonly state?: DialerState
  readonly startedAt?: Date | null
  readonly startedBy?: string | null
}

export async function insertDialer(
  db: Db,
  companyId: string,
  input: { projectId: string; name: string; mode: DialerMode },
  now: Date,
): Promise<Dialer> {
  const row = await db
    .insertInto('dialers')
    .values({
      id: randomUUID(),
      company_id: companyId,
      project_id: input.projectId,
      name: input.name,
      mode: input.mode,
      state: 'idle',
      started_at: null,
      started_by: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return dialerRowToDialer(row)
}

/**
 * Changes a dialer; with `from`, only while it is still in that state: one conditional UPDATE,
 * so of two starts at once the second finds the row running and changes nothing (undefined).
 */
export async function updateDialerRow(
  db: Db,
  companyId: string,
  id: string,
  c: DialerChanges,
  now: Date,
  from?: DialerState,
): Promise<Dialer | undefined> {
  const row = await db
    .updateTable('dialers')
    .set({
      ...(c.name !== undefined && { name: c.name }),
      ...(c.mode !== undefined && { mode: c.mode }),
      ...(c.state !== undefined && { state: c.state }),
      ...(c.startedAt !== undefined && { started_at: c.startedAt }),
      ...(c.startedBy !== undefined && { started_by: c.startedBy }),
      updated_at: now,
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .$if(from !== undefined, (q) => q.where('state', '=', from as DialerState))
    .returningAll()
    .executeTakeFirst()
  return row && dialerRowToDialer(row)
}

/** Deletes an idle dialer; a running one is left (false), as a missing one. */
export async function deleteIdleDialer(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('dialers')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('state', '=', 'idle')
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}
