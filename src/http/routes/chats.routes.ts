import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  chatChannels,
  closeChatById,
  countChats,
  exportChats,
  getChat,
  listChats,
  openChat,
  removeChat,
  replyToChat,
  setChatNotes,
  type ChatMessage,
  type ChatView,
} from '../../domain/chats/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import { sendCsv } from '../send-csv.js'
import type { App, RouteDeps } from '../types.js'
import { conversationFilters, withIsoDates } from './conversation-schemas.js'
import { Country, PhoneInput } from './number-pools.routes.js'

const Channel = Type.Union(chatChannels.map((c) => Type.Literal(c)))
const Status = Type.Union([Type.Literal('open'), Type.Literal('closed')])
const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()])
const NullableTime = Type.Union([Timestamp, Type.Null()])
const MessageText = Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S' })

const MessageJson = Type.Object(
  {
    id: Type.String(),
    author: Type.Union([Type.Literal('customer'), Type.Literal('agent')]),
    authorId: Nullable(Type.String({ description: 'the agent who wrote it; null: the customer' })),
    body: Type.String({ description: 'the text, or masked' }),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
)

/**
 * A chat as the caller may see it (P4): a field they may not see is absent, a masked one holds
 * its masked string and is named in `maskedFields`. `transcript` only on one chat's read.
 */
const ChatJson = Type.Object(
  {
    id: Type.String(),
    companyId: Type.Optional(Type.String()),
    agentId: Type.Optional(Type.String({ description: 'who handles it' })),
    orgUnitId: Type.Optional(Nullable(Type.String())),
    projectId: Type.Optional(Nullable(Type.String())),
    customerId: Type.Optional(Nullable(Type.String())),
    channel: Type.Optional(Type.String({ description: 'web | app | wechat | … (or masked)' })),
    phone: Type.Optional(Nullable(Type.String({ description: 'E.164, or masked' }))),
    status: Type.Optional(Status),
    durationSec: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.String({ description: 'masked' })]),
    ),
    notes: Type.Optional(Type.String()),
    messageCount: Type.Optional(Type.Integer({ minimum: 0 })),
    startedAt: Type.Optional(Timestamp),
    closedAt: Type.Optional(NullableTime),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    transcript: Type.Optional(Type.Array(MessageJson)),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)
const messageJson = (m: ChatMessage): Static<typeof MessageJson> => ({
  ...m,
  createdAt: m.createdAt.toISOString(),
})
function chatJson(c: ChatView): Static<typeof ChatJson> {
  const out = withIsoDates<Record<string, unknown>>(c, [
    'startedAt',
    'closedAt',
    'createdAt',
    'updatedAt',
  ])
  if (c.transcript !== undefined) out['transcript'] = c.transcript.map(messageJson)
  return out as Static<typeof ChatJson>
}

const filters = {
  ...conversationFilters,
  status: Type.Optional(Status),
  channel: Type.Optional(Channel),
}
const ChatQuery = Type.Object({ ...PageQuery, ...filters }, { additionalProperties: false })
const CountQuery = Type.Object(filters, { additionalProperties: false })
const OpenBody = Type.Object(
  {
    channel: Channel,
    phone: Type.Optional(Type.Union([PhoneInput, Type.Null()])),
    country: Type.Optional(Country),
    customerId: Type.Optional(Type.Union([Id, Type.Null()])),
    projectId: Type.Optional(Type.Union([Id, Type.Null()])),
    message: Type.Optional({ ...MessageText, description: "the customer's first message" }),
  },
  { additionalProperties: false },
)
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['chats']

// A chat I may not view (another company's, another agent's or team's) is 404 like an id never
// issued; one I may view but not act on is 403.
export function chatsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/chats',
    {
      schema: {
        summary: 'The chat log I may view (scope applied in the query), one page by id',
        description:
          'Each chat is projected with my own field rules (P4); the transcript is on one ' +
          'chat’s read only. `q` finds a number written in any format, or words of the notes, ' +
          'but only through a field I read in clear; `channel`, `customerId` and `phone` keep ' +
          'only chats whose field I read in clear.',
        tags,
        security,
        querystring: ChatQuery,
        response: { 200: PageJson(ChatJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listChats(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(chatJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/chats/count',
    {
      schema: {
        summary: 'How many chats the log shows with these filters (over all its pages)',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: Type.Object({ count: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => ({ count: await countChats(deps.ctx(req), req.query) }),
  )

  app.get(
    '/chats/export',
    {
      schema: {
        summary: 'Export the chat log I may export, as CSV (streamed; no transcripts)',
        description:
          '`chat.export` (P2: high-risk, the Admin’s by default) over the same filters, scope ' +
          'and field rules as the list: a field I may not see exports as an empty cell, a ' +
          'masked one masked. Refusals come before any row; audited before the first row ' +
          '(`chat.export.started`) and at the end with the row count (`chat.exported`).',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: {
            description: 'CSV (RFC 4180): a header line, then one line per chat',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...problems(400, 401, 403, 409, 429),
        },
      },
    },
    async (req, reply) => sendCsv(reply, await exportChats(deps.ctx(req), req.query), 'chats.csv'),
  )

  app.post(
    '/chats',
    {
      schema: {
        summary: 'Open a chat: mine, in my team (`chat.create` on the chat as it would be)',
        description:
          'A project-scoped `chat.create` opens chats of my projects only (403 naming ' +
          '`body/projectId` otherwise). The customer must be one I may view (404 on ' +
          '`body/customerId`), the project one I may see (404 on `body/projectId`). `message` ' +
          'is the customer’s first message as the channel delivered it. A person opens a chat, ' +
          'not an API key (403). Audited `chat.created`.',
        tags,
        security,
        body: OpenBody,
        response: { 201: ChatJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(chatJson(await openChat(deps.ctx(req), req.body))),
  )

  app.get(
    '/chats/:id',
    {
      schema: {
        summary: 'A chat of the log, with its transcript as my field rules let me see it',
        tags,
        security,
        params: IdParams,
        response: { 200: ChatJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => chatJson(await getChat(deps.ctx(req), req.params.id)),
  )

  app.post(
    '/chats/:id/messages',
    {
      schema: {
        summary: 'Reply in an open chat (`chat.reply`, the transcript writable to me)',
        description:
          '404 when I may not see the chat, 403 without ' +
          '`chat.reply` on it or when my rules do not let me write its transcript, 409 once ' +
          'closed. Audited `chat.replied` with the message’s id and length, not its text.',
        tags,
        security,
        params: IdParams,
        body: Type.Object({ body: MessageText }, { additionalProperties: false }),
        response: { 201: MessageJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(messageJson(await replyToChat(deps.ctx(req), req.params.id, req.body.body))),
  )

  app.post(
    '/chats/:id/close',
    {
      schema: {
        summary: 'End a chat (open → closed, its duration set): `chat.reply` on it',
        description: '409 `conflict` once closed. Audited `chat.updated` before → after.',
        tags,
        security,
        params: IdParams,
        response: { 200: ChatJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => chatJson(await closeChatById(deps.ctx(req), req.params.id)),
  )

  app.put(
    '/chats/:id/notes',
    {
      schema: {
        summary: "Write a chat's notes (`chat.note`, audited before → after)",
        tags,
        security,
        params: IdParams,
        body: Type.Object(
          { notes: Type.String({ maxLength: 10000 }) },
          { additionalProperties: false },
        ),
        response: { 200: ChatJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => chatJson(await setChatNotes(deps.ctx(req), req.params.id, req.body.notes)),
  )

  app.delete(
    '/chats/:id',
    {
      schema: {
        summary: 'Delete a chat and its transcript (`chat.delete`, high-risk; audited)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await removeChat(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )
}
