import type { Generated, Selectable } from 'kysely'
import type { CustomerLevel } from '../customers/index.js'
import type { TicketReplyKind, TicketStatus } from './tickets.js'

export interface TicketsTable {
  id: string
  company_id: string
  title: string
  description: Generated<string>
  status: Generated<TicketStatus>
  category: string | null
  priority: Generated<number>
  fault_code: string | null
  customer_level: CustomerLevel | null
  escalated: Generated<boolean>
  assignee_id: string | null
  customer_id: string | null
  org_unit_id: string | null
  project_id: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type TicketRow = Selectable<TicketsTable>

export interface TicketRepliesTable {
  id: string
  company_id: string
  ticket_id: string
  author_id: string | null
  org_unit_id: string | null
  project_id: string | null
  kind: Generated<TicketReplyKind>
  body: string
  created_at: Generated<Date>
}

export type TicketReplyRow = Selectable<TicketRepliesTable>
