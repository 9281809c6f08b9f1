/**
 * Chats (issue 10; R1 [004]: the chat log beside the call log): a conversation with a customer
 * over a text channel, the agent's (`own` scope: agent_id) and of their team and project, like a
 * call. Its messages are the `transcript` field (confidential: a role may hide or mask it).
 */

export const chatChannels = [
  'web',
  'app',
  'wechat',
  'telegram',
  'whatsapp',
  'sms',
  'email',
] as const
export type ChatChannel = (typeof chatChannels)[number]

/** open → closed; a closed chat takes no reply. */
export const chatStatuses = ['open', 'closed'] as const
export type ChatStatus = (typeof chatStatuses)[number]

export const chatAuthors = ['customer', 'agent'] as const
export type ChatAuthor = (typeof chatAuthors)[number]

export interface Chat {
  readonly id: string
  readonly companyId: string
  /** The agent handling it: the `own` scope reads it. */
  readonly agentId: string
  /** The agent's team when the chat was opened: `team` / `subtree` scopes read it. */
  readonly orgUnitId: string | null
  readonly projectId: string | null
  readonly customerId: string | null
  readonly channel: ChatChannel
  /** The customer's number (E.164) when the channel carries one. */
  readonly phone: string | null
  readonly status: ChatStatus
  /** Seconds from opening to closing (0 while open). */
  readonly durationSec: number
  readonly notes: string
  readonly messageCount: number
  readonly startedAt: Date
  readonly closedAt: Date | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface ChatMessage {
  readonly id: string
  readonly author: ChatAuthor
  /** The agent who wrote it; null for the customer's. */
  readonly authorId: string | null
  readonly body: string
  readonly createdAt: Date
}
