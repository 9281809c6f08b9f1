import type { Generated, Selectable } from 'kysely'

export interface TicketWatchersTable {
  id: string
  company_id: string
  ticket_id: string
  user_id: string | null
  org_unit_id: string | null
  added_by: string | null
  created_at: Generated<Date>
}

export type TicketWatcherRow = Selectable<TicketWatchersTable>
