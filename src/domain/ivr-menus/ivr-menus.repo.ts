// The IVR menus table, private to this module: only ivr-menus.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely, Updateable } from 'kysely'
import type { Database } from '../database.js'
import type { IvrMenu, IvrMenuInput } from './ivr-menus.js'
import type { IvrMenuRow, IvrMenusTable } from './ivr-menus.table.js'

type Db = Kysely<Database>

export function ivrMenuRowToMenu(row: IvrMenuRow): IvrMenu {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    options: row.options,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function columnsOf(c: IvrMenuInput): Updateable<IvrMenusTable> {
  return {
    ...(c.name !== undefined && { name: c.name }),
    ...(c.projectId !== undefined && { project_id: c.projectId }),
    ...(c.options !== undefined && { options: JSON.stringify(c.options) }),
  }
}

export async function insertIvrMenu(
  db: Db,
  companyId: string,
  input: Required<IvrMenuInput>,
  now: Date,
): Promise<IvrMenu> {
  const row = await db
    .insertInto('ivr_menus')
    .values({
      id: randomUUID(),
      company_id: companyId,
      project_id: input.projectId,
      name: input.name,
      options: JSON.stringify(input.options),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return ivrMenuRowToMenu(row)
}

export async function updateIvrMenuRow(
  db: Db,
  companyId: string,
  id: string,
  changes: IvrMenuInput,
  now: Date,
): Promise<IvrMenu | undefined> {
  const row = await db
    .updateTable('ivr_menus')
    .set({ ...columnsOf(changes), updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && ivrMenuRowToMenu(row)
}

export async function deleteIvrMenuRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('ivr_menus')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}
