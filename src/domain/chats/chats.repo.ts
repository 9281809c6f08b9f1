// The chats and chat_messages tables, private to this module: only its services import it.
import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { Chat, ChatAuthor, ChatChannel, ChatMessage } from './chats.js'
import type { ChatMessageRow, ChatRow } from './chats.table.js'

type Db = Kysely<Database>

export function chatRowToChat(row: ChatRow): Chat {
  return {
    id: row.id,
    companyId: row.company_id,
    agentId: row.agent_id,
    orgUnitId: row.org_unit_id,
    projectId: row.project_id,
    customerId: row.customer_id,
    channel: row.channel,
    phone: row.phone,
    status: row.status,
    durationSec: row.duration_sec,
    notes: row.notes,
    messageCount: row.message_count,
    startedAt: row.started_at,
    closedAt: row.closed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function messageRowToMessage(row: ChatMessageRow): ChatMessage {
  return {
    id: row.id,
    author: row.author,
    authorId: row.author_id,
    body: row.body,
    createdAt: row.created_at,
  }
}

export async function insertChat(
  db: Db,
  companyId: string,
  chat: {
    agentId: string
    orgUnitId: string | null
    projectId: string | null
    customerId: string | null
    channel: ChatChannel
    phone: string | null
  },
  now: Date,
): Promise<Chat> {
  const row = await db
    .insertInto('chats')
    .values({
      id: randomUUID(),
      company_id: companyId,
      agent_id: chat.agentId,
      org_unit_id: chat.orgUnitId,
      project_id: chat.projectId,
      customer_id: chat.customerId,
      channel: chat.channel,
      phone: chat.phone,
      status: 'open',
      started_at: now,
      closed_at: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return chatRowToChat(row)
}

/**
 * Adds a message to an open chat: the chat's row is updated first (its count, under the row's
 * lock, so two replies are numbered one after the other), then the message inserted. Undefined
 * when the chat is not open (closed, or gone).
 */
export async function addMessage(
  db: Db,
  companyId: string,
  chatId: string,
  message: { author: ChatAuthor; authorId: string | null; body: string },
  now: Date,
): Promise<ChatMessage | undefined> {
  const open = await db
    .updateTable('chats')
    .set({ message_count: sql`message_count + 1`, updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', chatId)
    .where('status', '=', 'open')
    .returning('message_count')
    .executeTakeFirst()
  if (open === undefined) return undefined
  const row = await db
    .insertInto('chat_messages')
    .values({
      id: randomUUID(),
      company_id: companyId,
      chat_id: chatId,
      seq: open.message_count,
      author: message.author,
      author_id: message.authorId,
      body: message.body,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return messageRowToMessage(row)
}

/** The chat's messages in the order they were written. */
export async function messagesOf(
  db: Db,
  companyId: string,
  chatId: string,
): Promise<ChatMessage[]> {
  const rows = await db
    .selectFrom('chat_messages')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('chat_id', '=', chatId)
    .orderBy('seq')
    .execute()
  return rows.map(messageRowToMessage)
}

/** open → closed, its duration from its start; undefined when it was not open. */
export async function closeChat(
  db: Db,
  companyId: string,
  id: string,
  now: Date,
): Promise<Chat | undefined> {
  const row = await db
    .updateTable('chats')
    .set({
      status: 'closed',
      closed_at: now,
      duration_sec: sql<number>`greatest(0, floor(extract(epoch from (${now}::timestamptz - started_at))))::int`,
      updated_at: now,
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('status', '=', 'open')
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? undefined : chatRowToChat(row)
}

export async function updateChatNotes(
  db: Db,
  companyId: string,
  id: string,
  notes: string,
  now: Date,
): Promise<Chat | undefined> {
  const row = await db
    .updateTable('chats')
    .set({ notes, updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? undefined : chatRowToChat(row)
}

export async function deleteChat(db: Db, companyId: string, id: string): Promise<boolean> {
  const out = await db
    .deleteFrom('chats')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return out.numDeletedRows > 0n
}
