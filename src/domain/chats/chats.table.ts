import type { Generated, Selectable } from 'kysely'
import type { ChatAuthor, ChatChannel, ChatStatus } from './chats.js'

export interface ChatsTable {
  id: string
  company_id: string
  agent_id: string
  org_unit_id: string | null
  project_id: string | null
  customer_id: string | null
  channel: ChatChannel
  /** E.164 (a CHECK refuses anything else), or null. */
  phone: string | null
  status: ChatStatus
  duration_sec: Generated<number>
  notes: Generated<string>
  message_count: Generated<number>
  started_at: Date
  closed_at: Date | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type ChatRow = Selectable<ChatsTable>

export interface ChatMessagesTable {
  id: string
  company_id: string
  chat_id: string
  /** 1, 2, … in the order written. */
  seq: number
  author: ChatAuthor
  author_id: string | null
  body: string
  created_at: Generated<Date>
}

export type ChatMessageRow = Selectable<ChatMessagesTable>
