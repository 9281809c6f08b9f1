/**
 * Chats (issue 10; R1 [004]): the chat log through the read seam, notes and deletion through the
 * shared write helpers, and what is the chat's own: opening one (`chat.create` on the chat as it
 * would be: the opener's, in their team, of a project they may see), replies (`chat.reply`, only
 * while open, and only by someone who may write the transcript), closing (`chat.reply`: whoever
 * handles the conversation ends it). The transcript (catalog field `transcript`, confidential) is
 * shown on one chat's read, hidden or masked per the reader's field rules like any field.
 */
import type { Readable } from 'node:stream'
import {
  maskValue,
  uneditableFields,
  type AttrOf,
  type Decision,
  type Projected,
  type Resource,
} from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { allowedOnlyByShares, decisionFor, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { customerRecords } from '../customers/index.js'
import { phoneOf } from '../number-pools/index.js'
import type { Page, PageRequest } from '../page.js'
import { phoneSearchTerm } from '../phone.js'
import { visibleProject } from '../projects/index.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  exportCsv,
  updateThrough,
  defineListFilter,
} from '../seam/index.js'
import type { Chat, ChatChannel, ChatMessage, ChatStatus } from './chats.js'
import {
  addMessage,
  chatRowToChat,
  closeChat,
  deleteChat,
  insertChat,
  messagesOf,
  updateChatNotes,
} from './chats.repo.js'

/** A chat as the caller may see it; one chat's read adds its transcript (per the field rule). */
export type ChatView = Projected<Chat> & { transcript?: ChatMessage[] }

/** The chats read seam; `q` finds a number in any format, or words of the notes. */
export const chatRecords = defineResource({
  type: 'chat',
  table: 'chats',
  toItem: chatRowToChat,
  columns: {
    id: 'id',
    agentId: 'agent_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    channel: 'channel',
    status: 'status',
    durationSec: 'duration_sec',
    customerId: 'customer_id',
  },
  search: { phone: { column: 'phone', term: phoneSearchTerm }, notes: 'notes' },
})

/** A chat as the engine sees it: the same attributes the seam reads from the row. */
export function chatResource(c: Pick<Chat, 'id' | AttrOf<'chat'>>): Resource {
  const attrs: Record<AttrOf<'chat'>, string | number | null> = {
    id: c.id,
    agentId: c.agentId,
    orgUnitId: c.orgUnitId,
    projectId: c.projectId,
    channel: c.channel,
    status: c.status,
    durationSec: c.durationSec,
    customerId: c.customerId,
  }
  return { type: 'chat', id: c.id, attrs }
}

const noSuchChat = () => new AppError('not_found', 'no such chat')

// --- reads -------------------------------------------------------------------------------------

export interface ChatListFilter {
  /** A number in any format, or part of the notes; found only through a field read in clear. */
  readonly q?: string | undefined
  readonly status?: ChatStatus | undefined
  readonly channel?: ChatChannel | undefined
  readonly agentId?: string | undefined
  readonly orgUnitId?: string | undefined
  readonly projectId?: string | undefined
  readonly customerId?: string | undefined
  /** This number, in any format (with `country` for a national one). */
  readonly phone?: string | undefined
  readonly country?: string | undefined
}

/** Narrowings on catalog fields (channel, customer, phone) keep only what is read in clear. */
const listFilter = defineListFilter<'chats', ReturnType<typeof chatRowToChat>, ChatListFilter>(
  'chats',
  {
    status: 'status',
    agentId: 'agent_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    channel: { column: 'channel', field: 'channel' },
    customerId: { column: 'customer_id', field: 'customerId' },
    phone: { column: 'phone', field: 'phone', match: 'phone' },
  },
)

/** The chat log the caller may view (scope in the query), one page by id, each projected. */
export async function listChats(
  ctx: Ctx,
  filter: ChatListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<ChatView>> {
  return inCompany(ctx, (tx) =>
    chatRecords.list(tx, 'chat.view', {
      limit: page.limit,
      cursor: page.cursor,
      ...listFilter(filter),
    }),
  )
}

/** How many chats `listChats` would show with this filter, over all pages. */
export async function countChats(ctx: Ctx, filter: ChatListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) => chatRecords.countMatching(tx, 'chat.view', listFilter(filter)))
}

/** The columns of the chat-log export, in order (the transcript stays out of the log's export). */
export const chatExportColumns = [
  'id',
  'startedAt',
  'closedAt',
  'channel',
  'status',
  'phone',
  'durationSec',
  'messageCount',
  'agentId',
  'orgUnitId',
  'projectId',
  'customerId',
  'notes',
] as const satisfies readonly (keyof Chat)[]

/**
 * The chat log as CSV: `chat.export` (high-risk; the Admin's by default) over the same filters,
 * scope and field rules as the list, each row projected, audited before the first row and at the
 * end (seam/export.ts).
 */
export async function exportChats(
  ctx: Ctx,
  filter: ChatListFilter = {},
  reason?: string,
): Promise<Readable> {
  return exportCsv(ctx, {
    seam: chatRecords,
    action: 'chat.export',
    filter: listFilter(filter),
    columns: chatExportColumns,
    described: { ...filter },
    reason,
  })
}

/**
 * The transcript as the decision lets the reader see it: absent when the field is hidden, each
 * message's text masked (and `transcript` named in `maskedFields`) when it is masked.
 */
async function withTranscript(
  tx: TenantCtx,
  found: { item: Chat; decision: Decision },
): Promise<ChatView> {
  const view: ChatView = chatRecords.view(found)
  const level = found.decision.obligations.fields['transcript']
  if (level === 'hidden') return view
  const messages = await messagesOf(tx.db, tx.actor.companyId, found.item.id)
  if (level !== 'masked') return { ...view, transcript: messages }
  return {
    ...view,
    transcript: messages.map((m) => ({
      ...m,
      body: maskValue(m.body, { keepStart: 0, keepEnd: 0 }),
    })),
    maskedFields: [...(view.maskedFields ?? []), 'transcript'],
  }
}

/** One chat with its transcript, as the caller may see it (404 when they may not). */
export async function getChat(ctx: Ctx, id: string): Promise<ChatView> {
  return inCompany(ctx, async (tx) =>
    withTranscript(tx, await chatRecords.get(tx, id, 'chat.view', noSuchChat)),
  )
}

async function viewNow(tx: TenantCtx, c: Chat): Promise<ChatView> {
  const decision = await decisionFor(tx, 'chat.view', chatResource(c))
  return decision.allowed ? withTranscript(tx, { item: c, decision }) : { id: c.id }
}

// --- writes ------------------------------------------------------------------------------------

export interface OpenChatInput {
  readonly channel: ChatChannel
  readonly phone?: string | null | undefined
  readonly country?: string | undefined
  readonly customerId?: string | null | undefined
  readonly projectId?: string | null | undefined
  /** The customer's first message, as the channel delivered it. */
  readonly message?: string | undefined
}

/**
 * Opens a chat, the caller's, in their team: `chat.create` decided on the chat as it would be
 * (a project-scoped agent opens chats of their projects only), every field sent editable, the
 * customer one the caller may view (not only through a share: 404 on `body/customerId`), the
 * project one they may view (404 on `body/projectId`); a person, not an API key (403).
 * Audited `chat.created`; the customer's first message, if sent, is its transcript's first line.
 */
export async function openChat(ctx: Ctx, input: OpenChatInput): Promise<ChatView> {
  const phone =
    input.phone === undefined || input.phone === null
      ? null
      : phoneOf(input.phone, input.country, 'body/phone')
  return inCompany(ctx, async (tx) => {
    if (tx.actor.apiKeyId !== undefined) {
      throw new AppError('forbidden', 'a chat is a person’s: an API key does not open one')
    }
    const me = await subjectOf(tx)
    const wouldBe = {
      agentId: tx.actor.userId,
      orgUnitId: me.subject.orgUnitId ?? null,
      projectId: input.projectId ?? null,
      customerId: input.customerId ?? null,
      channel: input.channel,
      phone,
    }
    const record = chatResource({ ...wouldBe, id: '', status: 'open', durationSec: 0 })
    const sent = {
      channel: true,
      phone: phone !== null,
      customerId: wouldBe.customerId !== null,
      projectId: wouldBe.projectId !== null,
      transcript: input.message !== undefined,
    }
    const fields = Object.keys(sent).filter((f) => sent[f as keyof typeof sent])
    const chat = await createThrough(tx, {
      type: 'chat',
      record: { type: 'chat', attrs: { ...record.attrs, id: null } },
      fields,
      checkReferences: async () => {
        if (wouldBe.customerId !== null) {
          const customer = await customerRecords.visible(tx, wouldBe.customerId, 'customer.view')
          if (customer === undefined || allowedOnlyByShares(customer.decision)) {
            throw new AppError('not_found', 'no such customer', {
              errors: [{ path: 'body/customerId', message: 'no such customer' }],
            })
          }
        }
        if (wouldBe.projectId !== null)
          await visibleProject(tx, wouldBe.projectId, 'body/projectId')
      },
      insert: () => insertChat(tx.db, tx.actor.companyId, wouldBe, tx.now),
    })
    if (input.message !== undefined) {
      const body = input.message.trim()
      await addMessage(
        tx.db,
        tx.actor.companyId,
        chat.id,
        { author: 'customer', authorId: null, body },
        tx.now,
      )
    }
    const stored = await chatRecords.findRow(tx, chat.id)
    return viewNow(tx, stored === undefined ? chat : chatRowToChat(stored))
  })
}

const closed = () => new AppError('conflict', 'the chat is closed: it takes no more messages')

/**
 * A reply of the caller's in the chat: `chat.reply` on it (404 when invisible, 403 otherwise),
 * the transcript writable under that decision (403 on `body/body`), the chat open (409).
 * Audited `chat.replied` with the message's id and length, not its text.
 */
export async function replyToChat(ctx: Ctx, id: string, body: string): Promise<ChatMessage> {
  return inCompany(ctx, async (tx) => {
    const found = await chatRecords.get(tx, id, 'chat.reply', noSuchChat, { recorded: true })
    if (uneditableFields(found.decision, { transcript: true }).length > 0) {
      throw new AppError('forbidden', 'not allowed to write this chat’s transcript', {
        errors: [{ path: 'body/body', message: 'you may not write to this transcript' }],
      })
    }
    const text = body.trim()
    const message = await addMessage(
      tx.db,
      tx.actor.companyId,
      id,
      { author: 'agent', authorId: tx.actor.userId, body: text },
      tx.now,
    )
    if (message === undefined) throw closed()
    await recordAudit(tx, {
      action: 'chat.replied',
      targetType: 'chat',
      targetId: id,
      after: { messageId: message.id, length: text.length },
    })
    return message
  })
}

/**
 * Ends a chat (open → closed, its duration from its start): `chat.reply` on it, as for a reply
 * (whoever handles the conversation ends it). 409 once closed. Audited `chat.updated`.
 */
export async function closeChatById(ctx: Ctx, id: string): Promise<ChatView> {
  return inCompany(ctx, async (tx) => {
    const { before, after } = await updateThrough(tx, {
      seam: chatRecords,
      id,
      missing: noSuchChat,
      patch: { status: 'closed' },
      actionFor: () => 'chat.reply',
      resourceOf: chatResource,
      workflow: ['status'],
      update: () => closeChat(tx.db, tx.actor.companyId, id, tx.now),
    })
    if (after === before) throw new AppError('conflict', 'the chat is already closed')
    return viewNow(tx, after)
  })
}

/** Writes a chat's notes (`chat.note`, with `notes` editable), audited before → after. */
export async function setChatNotes(ctx: Ctx, id: string, notes: string): Promise<ChatView> {
  return inCompany(ctx, async (tx) => {
    const { after } = await updateThrough(tx, {
      seam: chatRecords,
      id,
      missing: noSuchChat,
      patch: { notes: notes.trim() },
      actionFor: () => 'chat.note',
      resourceOf: chatResource,
      update: (changes) =>
        updateChatNotes(tx.db, tx.actor.companyId, id, changes['notes'] as string, tx.now),
    })
    return viewNow(tx, after)
  })
}

/** Deletes a chat and its transcript (`chat.delete`, high-risk; the Admin's by default). */
export async function removeChat(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: chatRecords,
      id,
      missing: noSuchChat,
      remove: () => deleteChat(tx.db, tx.actor.companyId, id),
    }),
  )
}
