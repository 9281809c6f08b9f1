import type { Generated, Selectable } from 'kysely'

export interface BlacklistTable {
  id: string
  company_id: string
  /** E.164 (a CHECK refuses anything else); each number once per company. */
  phone: string
  reason: string
  created_by: string | null
  created_at: Generated<Date>
}

export type BlacklistRow = Selectable<BlacklistTable>
