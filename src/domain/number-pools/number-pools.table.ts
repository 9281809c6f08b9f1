import type { Generated, Selectable } from 'kysely'

export interface NumberPoolsTable {
  id: string
  company_id: string
  name: string
  user_id: string | null
  org_unit_id: string | null
  project_id: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type NumberPoolRow = Selectable<NumberPoolsTable>

export interface PoolNumbersTable {
  id: string
  company_id: string
  pool_id: string
  /** E.164 (a CHECK refuses anything else). */
  phone: string
  added_by: string | null
  created_at: Generated<Date>
}
