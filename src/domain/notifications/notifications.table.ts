import type { Generated, Selectable } from 'kysely'
import type { NotificationKind } from './notifications.js'

export interface NotificationsTable {
  id: string
  seq: Generated<string>
  company_id: string
  recipient_id: string
  kind: NotificationKind
  ticket_id: string
  from_status: string | null
  to_status: string | null
  created_at: Generated<Date>
  read_at: Date | null
}

export type NotificationRow = Selectable<NotificationsTable>
