import type { JSONColumnType, Selectable } from 'kysely'

export interface CompaniesTable {
  id: string
  slug: string
  name: string
  time_zone: string
  settings: JSONColumnType<Record<string, unknown>>
  created_at: Date
}

export type CompanyRow = Selectable<CompaniesTable>
