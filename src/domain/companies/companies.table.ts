import type { Generated, JSONColumnType, Selectable } from 'kysely'

export interface CompaniesTable {
  id: string
  slug: string
  name: string
  time_zone: string
  settings: JSONColumnType<Record<string, unknown>>
  policy_version: Generated<number>
  /** Moved by triggers on every change that shapes a subject (migration 0012). */
  subject_version: Generated<number>
  created_at: Generated<Date>
}

export type CompanyRow = Selectable<CompaniesTable>
