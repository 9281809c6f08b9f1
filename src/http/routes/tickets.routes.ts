import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  addTicketWatcher,
  bulkTickets,
  countTickets,
  createTicket,
  deleteTicket,
  exportTickets,
  getTicket,
  listTicketReplies,
  listTickets,
  listTicketWatchers,
  removeTicketWatcher,
  replyToTicket,
  ticketStatuses,
  transitionTicket,
  updateTicket,
  type TicketReplyView,
  type TicketView,
  type TicketWatcher,
} from '../../domain/tickets/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import { sendCsv } from '../send-csv.js'
import type { App, RouteDeps } from '../types.js'

const Status = Type.Union(ticketStatuses.map((s) => Type.Literal(s)))
const Priority = Type.Integer({ minimum: 1, maximum: 4, description: '1 low … 4 urgent' })
const NullableId = Type.Union([Id, Type.Null()])
const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()])

/**
 * A ticket as the caller may see it (P4): a field they may not see is absent (the customer's
 * level, for everyone but the VIP team), a masked one holds its masked string and is named in
 * `maskedFields`. After a write that leaves the ticket out of the caller's view, only `id`.
 */
const TicketViewJson = Type.Object(
  {
    id: Type.String(),
    companyId: Type.Optional(Type.String()),
    title: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    status: Type.Optional(
      Type.String({ description: `${ticketStatuses.join(' | ')} (or masked)` }),
    ),
    category: Type.Optional(Nullable(Type.String())),
    priority: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
    faultCode: Type.Optional(Nullable(Type.String())),
    customerLevel: Type.Optional(Nullable(Type.String())),
    escalated: Type.Optional(
      Type.Boolean({ description: 'escalated to tech (W4): set by escalate, cleared by close' }),
    ),
    assigneeId: Type.Optional(Nullable(Type.String())),
    customerId: Type.Optional(Nullable(Type.String())),
    orgUnitId: Type.Optional(Nullable(Type.String({ description: 'the team' }))),
    projectId: Type.Optional(Nullable(Type.String())),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

function ticketViewJson(t: TicketView): Static<typeof TicketViewJson> {
  const { createdAt, updatedAt, ...rest } = t
  return {
    ...rest,
    id: t.id as string,
    ...(createdAt !== undefined && { createdAt: createdAt.toISOString() }),
    ...(updatedAt !== undefined && { updatedAt: updatedAt.toISOString() }),
  } as Static<typeof TicketViewJson>
}

const ReplyViewJson = Type.Object(
  {
    id: Type.String(),
    companyId: Type.Optional(Type.String()),
    ticketId: Type.Optional(Type.String()),
    authorId: Type.Optional(Nullable(Type.String())),
    orgUnitId: Type.Optional(Nullable(Type.String())),
    projectId: Type.Optional(Nullable(Type.String())),
    kind: Type.Optional(
      Type.Union([Type.Literal('reply'), Type.Literal('return_visit')], {
        description: 'a reply, or a return visit on a closed ticket',
      }),
    ),
    body: Type.Optional(Type.String()),
    createdAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

function replyViewJson(r: TicketReplyView): Static<typeof ReplyViewJson> {
  const { createdAt, ...rest } = r
  return {
    ...rest,
    id: r.id as string,
    ...(createdAt !== undefined && { createdAt: createdAt.toISOString() }),
  } as Static<typeof ReplyViewJson>
}

const Title = Type.String({ minLength: 1, maxLength: 200 })
const fields = {
  description: Type.Optional(Type.String({ maxLength: 10000 })),
  category: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 50 }))),
  priority: Type.Optional(Priority),
  faultCode: Type.Optional(
    Nullable(
      Type.String({
        minLength: 1,
        maxLength: 40,
        description: 'stored upper-case; P4: only tech support may set it',
      }),
    ),
  ),
  assigneeId: Type.Optional(NullableId),
  customerId: Type.Optional(NullableId),
  orgUnitId: Type.Optional(NullableId),
  projectId: Type.Optional(NullableId),
}
const NewTicketBody = Type.Object({ title: Title, ...fields }, { additionalProperties: false })
const TicketPatchBody = Type.Object(
  { title: Type.Optional(Title), ...fields },
  { additionalProperties: false, minProperties: 1 },
)
const StatusBody = Type.Object({ status: Status }, { additionalProperties: false })
const ReplyBody = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: 10000 }) },
  { additionalProperties: false },
)
const BulkBody = Type.Union([
  Type.Object(
    {
      action: Type.Literal('close'),
      ids: Type.Array(Id, { minItems: 1, maxItems: 100 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      action: Type.Literal('assign'),
      ids: Type.Array(Id, { minItems: 1, maxItems: 100 }),
      assigneeId: NullableId,
    },
    { additionalProperties: false },
  ),
])
const BulkResultJson = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Type.String(),
      status: Type.Integer({ description: 'what the single-record route would have answered' }),
      code: Type.String({ description: '`ok`, or the problem code (`not_found`, `forbidden`, …)' }),
      detail: Type.Optional(Type.String()),
    }),
  ),
})

const filters = {
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'part of the title or description' }),
  ),
  status: Type.Optional(Status),
  priority: Type.Optional(Priority),
  assigneeId: Type.Optional(Id),
  customerId: Type.Optional(Id),
  orgUnitId: Type.Optional(Id),
  projectId: Type.Optional(Id),
}
const TicketQuery = Type.Object({ ...PageQuery, ...filters }, { additionalProperties: false })
const CountQuery = Type.Object(filters, { additionalProperties: false })
const ReplyQuery = Type.Object(PageQuery, { additionalProperties: false })

const IdParams = Type.Object({ id: Id }, { additionalProperties: false })
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['tickets']

// A ticket I may not view (another company's, another team's, no longer escalated to me) is 404
// like an id never issued; one I may view but not change is 403 (a closed ticket, P5). A status
// move the workflow does not list is 409 `conflict`.

export function ticketsRoutes(app: App, deps: RouteDeps): void {
  const View = TicketViewJson

  app.get(
    '/tickets',
    {
      schema: {
        summary: 'The tickets I may view (scope applied in the query), one page by id',
        description:
          'Each ticket is projected with my own field rules (P4: the customer level hidden but ' +
          'for the VIP team). `q` searches titles and descriptions where I read them in clear; ' +
          '`status`, `priority`, `assigneeId` and `customerId` keep only tickets whose field I ' +
          'read in clear.',
        tags,
        security,
        querystring: TicketQuery,
        response: { 200: PageJson(View), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listTickets(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(ticketViewJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/tickets/count',
    {
      schema: {
        summary: 'How many tickets the list shows with these filters (over all its pages)',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: Type.Object({ count: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => ({ count: await countTickets(deps.ctx(req), req.query) }),
  )

  app.get(
    '/tickets/export',
    {
      schema: {
        summary: 'Export the tickets I may export, as CSV (streamed)',
        description:
          '`ticket.export` (P2: high-risk, the Admin’s by default) over the same filters, scope ' +
          'and field rules as the list: a field I may not see exports as an empty cell. Refusals ' +
          'come before any row; audited before the first row (`ticket.export.started`) and at ' +
          'the end with the row count (`ticket.exported`).',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: {
            description: 'CSV (RFC 4180): a header line, then one line per ticket',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...problems(400, 401, 403, 409, 429),
        },
      },
    },
    async (req, reply) => {
      const csv = await exportTickets(deps.ctx(req), req.query)
      return sendCsv(reply, csv, 'tickets.csv')
    },
  )

  app.post(
    '/tickets',
    {
      schema: {
        summary: 'Open a ticket (status `new`)',
        description:
          '`ticket.create` is decided on the ticket as it would be (assignee, team, project, ' +
          'customer level): nobody opens a ticket outside their own reach, and a field the ' +
          'decision does not let me edit (the fault code, P4) is refused (403). Unless I say ' +
          'otherwise the ticket is assigned to me and placed in my unit. The customer must be ' +
          'one I may view (404 on `body/customerId`).',
        tags,
        security,
        body: NewTicketBody,
        response: { 201: View, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const created = await createTicket(deps.ctx(req), req.body)
      return reply.code(201).send(ticketViewJson(created))
    },
  )

  app.post(
    '/tickets/bulk',
    {
      schema: {
        summary: 'Assign or close many tickets, each checked on its own, reported per ticket',
        description:
          'Each id is handled exactly as PATCH (assign) or the close move would handle it, in ' +
          'its own transaction; the answer is 200 with one result per id, in order: `ok`, or the ' +
          'problem the single route would have answered (`not_found` for a ticket I may not ' +
          'view, exactly as for an id never issued; `forbidden`; `conflict`). An assignee I may ' +
          'not name is 404 for the whole request, before anything is written.',
        tags,
        security,
        body: BulkBody,
        response: { 200: BulkResultJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => {
      const body = req.body
      const results = await bulkTickets(
        deps.ctx(req),
        body.ids,
        body.action === 'close'
          ? { action: 'close' }
          : { action: 'assign', assigneeId: body.assigneeId },
      )
      return { results }
    },
  )

  app.get(
    '/tickets/:id',
    {
      schema: {
        summary: 'One ticket, as I may see it (hidden fields absent, masked ones listed)',
        tags,
        security,
        params: IdParams,
        response: { 200: View, ...problems(400, 401, 404) },
      },
    },
    async (req) => ticketViewJson(await getTicket(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/tickets/:id',
    {
      schema: {
        summary: "Change a ticket's fields",
        description:
          'The assignee needs `ticket.assign`, everything else `ticket.edit`, each on the ticket ' +
          'as it is and as it would be, with edit rights on each field (P4: only tech support ' +
          'edits the fault code). A closed ticket refuses both (403, P5: the presets grant them ' +
          'only while `status ≠ closed`). The status moves through POST /tickets/{id}/status.',
        tags,
        security,
        params: IdParams,
        body: TicketPatchBody,
        response: { 200: View, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => ticketViewJson(await updateTicket(deps.ctx(req), req.params.id, req.body)),
  )

  app.post(
    '/tickets/:id/status',
    {
      schema: {
        summary: 'Move a ticket along the workflow',
        description:
          'new → processing → escalated → resolved → closed → reopened (→ processing …); any ' +
          'open ticket may close. Escalating needs `ticket.escalate` and opens the ticket to ' +
          'tech support (W4); closing needs `ticket.close` and shrinks it again; reopening ' +
          'needs `ticket.reopen` (granted on closed tickets only, P5); processing and resolved ' +
          'need `ticket.edit`. A move the workflow does not list is 409 `conflict` (with the ' +
          'moves allowed from the current status on `errors[].path` `body/status`).',
        tags,
        security,
        params: IdParams,
        body: StatusBody,
        response: { 200: View, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) =>
      ticketViewJson(await transitionTicket(deps.ctx(req), req.params.id, req.body.status)),
  )

  app.delete(
    '/tickets/:id',
    {
      schema: {
        summary: 'Delete a ticket and its replies (high-risk, audited)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await deleteTicket(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )

  app.get(
    '/tickets/:id/replies',
    {
      schema: {
        summary: 'The replies on a ticket I may view, one page by id',
        description:
          'The ticket must be one I may view (404 otherwise); each reply is one I may ' +
          '`ticketReply.view`.',
        tags,
        security,
        params: IdParams,
        querystring: ReplyQuery,
        response: { 200: PageJson(ReplyViewJson), ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { limit = 50, cursor } = req.query
      const page = await listTicketReplies(deps.ctx(req), req.params.id, { limit, cursor })
      return { items: page.items.map(replyViewJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/tickets/:id/replies',
    {
      schema: {
        summary: 'Reply on a ticket',
        description:
          'Needs `ticket.reply` on the ticket (404 when I may not view it, 403 when I may but ' +
          'not reply: a closed ticket, P5) and `ticketReply.create` on the reply. Audited.',
        tags,
        security,
        params: IdParams,
        body: ReplyBody,
        response: { 201: ReplyViewJson, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const created = await replyToTicket(deps.ctx(req), req.params.id, req.body.body)
      return reply.code(201).send(replyViewJson(created))
    },
  )

  app.post(
    '/tickets/:id/return-visits',
    {
      schema: {
        summary: 'Record a return visit on a ticket (listed among its replies)',
        description:
          'Needs `ticket.returnVisit` on the ticket, which the presets grant on closed tickets ' +
          'only (P5: a closed ticket is read-only except reopen and return visit); 404 when I ' +
          'may not view the ticket, 403 when I may but not make a return visit.',
        tags,
        security,
        params: IdParams,
        body: ReplyBody,
        response: { 201: ReplyViewJson, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const created = await replyToTicket(
        deps.ctx(req),
        req.params.id,
        req.body.body,
        'return_visit',
      )
      return reply.code(201).send(replyViewJson(created))
    },
  )

  app.get(
    '/tickets/:id/watchers',
    {
      schema: {
        summary: "Who is told of a ticket's changes (W6)",
        description:
          'Needs `ticket.view` on the ticket (404 otherwise). Lists the people and teams I may ' +
          'view, and myself.',
        tags,
        security,
        params: IdParams,
        response: {
          200: Type.Object({ items: Type.Array(WatcherJson) }, { additionalProperties: false }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const items = await listTicketWatchers(deps.ctx(req), req.params.id)
      return { items: items.map(watcherJson) }
    },
  )

  app.post(
    '/tickets/:id/watchers',
    {
      schema: {
        summary: "Have a person or a team told of a ticket's changes (W6)",
        description:
          'Watching is not access: a watcher who may not open the ticket is told only that its ' +
          'status changed (from → to) or that a reply came (`GET /notifications`), never its ' +
          'content. Watching myself needs `ticket.view`; adding someone else or a team needs ' +
          '`ticket.edit` (a closed ticket: 403, P5) and a person or unit I may view (my own ' +
          'unit needs no `orgUnit.view`). 409 when they already watch. Audited.',
        tags,
        security,
        params: IdParams,
        body: WatcherBody,
        response: { 201: WatcherJson, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      const added = await addTicketWatcher(deps.ctx(req), req.params.id, req.body)
      return reply.code(201).send(watcherJson(added))
    },
  )

  app.delete(
    '/tickets/:id/watchers/:watcherId',
    {
      schema: {
        summary: "Stop telling a person or team of a ticket's changes",
        description:
          'Myself with `ticket.view`; anyone else, or a team, with `ticket.edit`. Audited.',
        tags,
        security,
        params: Type.Object({ id: Id, watcherId: Id }, { additionalProperties: false }),
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await removeTicketWatcher(deps.ctx(req), req.params.id, req.params.watcherId)
      return reply.code(204).send()
    },
  )
}

const WatcherJson = Type.Object(
  {
    id: Type.String(),
    ticketId: Type.String(),
    userId: Nullable(Type.String({ description: 'a person watching' })),
    orgUnitId: Nullable(Type.String({ description: 'a team watching: every member is told' })),
    addedBy: Nullable(Type.String()),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
)

const WatcherBody = Type.Object(
  {
    userId: Type.Optional(Id),
    orgUnitId: Type.Optional(Id),
  },
  { additionalProperties: false, description: 'exactly one of userId and orgUnitId' },
)

function watcherJson(w: TicketWatcher): Static<typeof WatcherJson> {
  return { ...w, createdAt: w.createdAt.toISOString() }
}
