import type { Generated, JSONColumnType, Selectable } from 'kysely'

export interface CompaniesTable {
  id: string
  slug: string
  name: string
  time_zone: string
  settings: JSONColumnType<Record<string, unknown>>
  policy_version: Generated<number>
  created_at: Generated<Date>
}

export type CompanyRow = Selectable<CompaniesTable>
