import type { Generated, JSONColumnType, Selectable } from 'kysely'
import type { IvrOption } from './ivr-menus.js'

export interface IvrMenusTable {
  id: string
  company_id: string
  project_id: string
  name: string
  /** The option tree, validated by the service (ivr-menus.ts `validateIvrOptions`). */
  options: JSONColumnType<IvrOption[], string, string>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type IvrMenuRow = Selectable<IvrMenusTable>
