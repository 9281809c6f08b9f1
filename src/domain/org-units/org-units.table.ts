import type { Generated, Selectable } from 'kysely'

export interface OrgUnitsTable {
  id: string
  company_id: string
  parent_id: string | null
  kind: 'region' | 'branch' | 'department' | 'team'
  name: string
  /** Issue 11: stable, unique in the company; a random default (migration 0054). */
  key: Generated<string>
  created_at: Generated<Date>
}

export type OrgUnitRow = Selectable<OrgUnitsTable>
