import type { JSONColumnType, Selectable } from 'kysely'

/** W5: a record shared with a team (migration 0037). */
export interface SharesTable {
  id: string
  company_id: string
  ticket_id: string | null
  customer_id: string | null
  org_unit_id: string
  /** The engine's Grant every member of the team carries (`<type>.view` on the record). */
  definition: JSONColumnType<Record<string, unknown>>
  valid_until: Date | null
  created_by: string | null
  created_at: Date
  revoked_at: Date | null
  revoked_by: string | null
}

export type ShareRow = Selectable<SharesTable>
