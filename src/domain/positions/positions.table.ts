import type { Generated, Selectable } from 'kysely'

/** R8: a company's positions (migration 0045); names unique per company. */
export interface PositionsTable {
  id: string
  company_id: string
  name: string
  description: string
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

/** A position's default roles. */
export interface PositionRolesTable {
  company_id: string
  position_id: string
  role_id: string
}

/** A position's default permission groups. */
export interface PositionGroupsTable {
  company_id: string
  position_id: string
  group_id: string
}

export type PositionRow = Selectable<PositionsTable>
