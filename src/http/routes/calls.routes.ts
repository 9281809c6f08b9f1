import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  answerCall,
  countCalls,
  dial,
  exportCalls,
  getCall,
  getRecording,
  hangUpCall,
  listCallRecordings,
  listCalls,
  listQueuedCalls,
  listRecordings,
  myLines,
  playRecording,
  routeInbound,
  setCallNotes,
  type CallView,
  type RecordingView,
} from '../../domain/calls/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import { sendCsv } from '../send-csv.js'
import type { App, RouteDeps } from '../types.js'
import { conversationFilters, withIsoDates } from './conversation-schemas.js'
import { Country, PhoneInput } from './number-pools.routes.js'

const Status = Type.Union([
  Type.Literal('ringing'),
  Type.Literal('answered'),
  Type.Literal('ended'),
])
const Direction = Type.Union([Type.Literal('outbound'), Type.Literal('inbound')])
const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()])
const NullableTime = Type.Union([Timestamp, Type.Null()])

/**
 * A call as the caller may see it (P4): a field they may not see is absent, a masked one holds
 * its masked string and is named in `maskedFields`.
 */
const CallJson = Type.Object(
  {
    id: Type.String(),
    companyId: Type.Optional(Type.String()),
    agentId: Type.Optional(Type.String({ description: 'whose line it is' })),
    orgUnitId: Type.Optional(Nullable(Type.String())),
    projectId: Type.Optional(Nullable(Type.String())),
    poolId: Type.Optional(Nullable(Type.String({ description: 'the pool the number is in' }))),
    customerId: Type.Optional(Nullable(Type.String())),
    direction: Type.Optional(Type.String({ description: 'outbound | inbound (or masked)' })),
    phone: Type.Optional(Type.String({ description: 'E.164, or masked' })),
    status: Type.Optional(Status),
    blacklisted: Type.Optional(Type.Boolean()),
    durationSec: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0 }), Type.String({ description: 'masked' })]),
    ),
    notes: Type.Optional(Type.String()),
    startedAt: Type.Optional(Timestamp),
    answeredAt: Type.Optional(NullableTime),
    endedAt: Type.Optional(NullableTime),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)
const callJson = (c: CallView) =>
  withIsoDates<Static<typeof CallJson>>(c, [
    'startedAt',
    'answeredAt',
    'endedAt',
    'createdAt',
    'updatedAt',
  ])

const RecordingJson = Type.Object(
  {
    id: Type.String(),
    companyId: Type.Optional(Type.String()),
    callId: Type.Optional(Type.String()),
    agentId: Type.Optional(Type.String()),
    orgUnitId: Type.Optional(Nullable(Type.String())),
    projectId: Type.Optional(Nullable(Type.String())),
    durationSec: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String()])),
    createdAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)
const recordingJson = (r: RecordingView) =>
  withIsoDates<Static<typeof RecordingJson>>(r, ['createdAt'])
const PlaybackJson = Type.Object({
  id: Type.String(),
  callId: Type.String(),
  url: Type.String({ description: 'a signed playback URL (the simulator: telephony.invalid)' }),
  expiresAt: Timestamp,
})

const filters = {
  ...conversationFilters,
  status: Type.Optional(Status),
  direction: Type.Optional(Direction),
}
const CallQuery = Type.Object({ ...PageQuery, ...filters }, { additionalProperties: false })
const CountQuery = Type.Object(filters, { additionalProperties: false })
const DialBody = Type.Object(
  {
    phone: PhoneInput,
    country: Type.Optional(Country),
    customerId: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  { additionalProperties: false },
)
const NotesBody = Type.Object(
  { notes: Type.String({ maxLength: 10000 }) },
  { additionalProperties: false },
)
const RecordingQuery = Type.Object(
  { ...PageQuery, callId: Type.Optional(Id) },
  { additionalProperties: false },
)
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['calls']

// A call I may not view (another company's, another agent's or team's) is 404 like an id never
// issued; one I may view but not act on is 403.
const QueuedCallJson = Type.Object(
  {
    id: Type.String(),
    queueId: Type.String(),
    phone: Type.Optional(
      Type.String({ description: 'E.164; absent unless I read inbound numbers in clear' }),
    ),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
)
const QueueParams = Type.Object({ id: Id }, { additionalProperties: false })

/** Issue 10 workspace item 3: inbound calls handed to a queue (the simulator's side). */
function inboundRoutes(app: App, deps: RouteDeps): void {
  app.post(
    '/queues/:id/inbound',
    {
      schema: {
        summary: 'An inbound call reaches a queue (telephony simulator / adapter)',
        description:
          '`queue.edit` on the queue (the Admin, or an API key of the telephony adapter; 404 ' +
          'when I may not see the queue). The call rings at the first member of the queue, in ' +
          'its order, who is active, a member of its project, may view the call as theirs and ' +
          'has a free line (their `call.dial` concurrent limit, one line without one, counted ' +
          'under their row lock): 201 `{ routed: true, call }`, the call theirs and in their ' +
          'call log. Nobody free: 202 `{ routed: false, queued }`, waiting in the queue. Audited ' +
          '(`call.routed` / `call.queued`).',
        tags: ['queues'],
        security,
        params: QueueParams,
        body: Type.Object(
          { phone: PhoneInput, country: Type.Optional(Country) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ routed: Type.Literal(true), call: CallJson }),
          202: Type.Object({ routed: Type.Literal(false), queued: QueuedCallJson }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      const out = await routeInbound(deps.ctx(req), req.params.id, req.body)
      if (out.routed) return reply.code(201).send({ routed: true, call: callJson(out.call) })
      const q = out.queued
      return reply
        .code(202)
        .send({ routed: false, queued: { ...q, createdAt: q.createdAt.toISOString() } })
    },
  )

  app.get(
    '/queues/:id/waiting',
    {
      schema: {
        summary: 'The inbound calls waiting in a queue, oldest first',
        description:
          '`queue.view` on the queue (404 otherwise). The number is shown only to a caller who ' +
          'reads the number of an inbound call of the queue’s project in clear.',
        tags: ['queues'],
        security,
        params: QueueParams,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(QueuedCallJson) }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (req) => {
      const items = await listQueuedCalls(deps.ctx(req), req.params.id, req.query.limit ?? 50)
      return { items: items.map((q) => ({ ...q, createdAt: q.createdAt.toISOString() })) }
    },
  )
}

export function callsRoutes(app: App, deps: RouteDeps): void {
  inboundRoutes(app, deps)
  app.get(
    '/calls',
    {
      schema: {
        summary: 'The call log I may view (scope applied in the query), one page by id',
        description:
          'Each call is projected with my own field rules (P4). `q` finds a number written in ' +
          'any format, or words of the notes, but only through a field I read in clear; ' +
          '`direction`, `customerId` and `phone` keep only calls whose field I read in clear.',
        tags,
        security,
        querystring: CallQuery,
        response: { 200: PageJson(CallJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listCalls(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(callJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/calls/count',
    {
      schema: {
        summary: 'How many calls the log shows with these filters (over all its pages)',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: Type.Object({ count: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => ({ count: await countCalls(deps.ctx(req), req.query) }),
  )

  app.get(
    '/calls/lines',
    {
      schema: {
        summary: 'My lines: how many of my calls hold a line now, and my limit (read-only)',
        description:
          '`inUse` counts my calls not ended (ringing or answered); `limit` is my concurrent-line ' +
          'limit from my grants (P9: novice 2, senior 5) as a dial of mine outside any project ' +
          'would be decided, null when none applies; `mayDial` is false without `call.dial` (a ' +
          'QA inspector) or on an API key. `POST /calls` decides again on every dial.',
        tags,
        security,
        response: {
          200: Type.Object(
            {
              inUse: Type.Integer({ minimum: 0 }),
              limit: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
              mayDial: Type.Boolean(),
            },
            { additionalProperties: false },
          ),
          ...problems(401),
        },
      },
    },
    async (req) => myLines(deps.ctx(req)),
  )

  app.get(
    '/calls/export',
    {
      schema: {
        summary: 'Export the call log I may export, as CSV (streamed)',
        description:
          '`call.export` (P2: high-risk, the Admin’s by default) over the same filters, scope ' +
          'and field rules as the list: a field I may not see exports as an empty cell, a ' +
          'masked one masked. Refusals come before any row; audited before the first row ' +
          '(`call.export.started`) and at the end with the row count (`call.exported`).',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: {
            description: 'CSV (RFC 4180): a header line, then one line per call',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...problems(400, 401, 403, 409, 429),
        },
      },
    },
    async (req, reply) => {
      const csv = await exportCalls(deps.ctx(req), req.query)
      return sendCsv(reply, csv, 'calls.csv')
    },
  )

  app.post(
    '/calls',
    {
      schema: {
        summary: 'Dial a number (outbound, through the telephony adapter)',
        description:
          'Needs `call.dial` (403 `forbidden` otherwise: a QA inspector listens but never ' +
          'dials). The number (any format, stored in E.164) must be in a number pool assigned ' +
          'to me, my team or one of my projects that I may use (403 `number_not_in_pool`) and ' +
          'must not be blacklisted (403 `number_blacklisted`). My concurrent lines are ' +
          'limited by my grants (P9: novice 2, senior 5): when all are busy the answer is 429 ' +
          '`line_limit_reached` — hang up a call to free one. The limit is counted in the ' +
          'database under a lock on my user row, so it holds across server processes. The ' +
          'call starts `ringing`; with the built-in simulator, `POST /calls/{id}/answer` and ' +
          '`/hangup` move it on.',
        tags,
        security,
        body: DialBody,
        response: { 201: CallJson, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const call = await dial(deps.ctx(req), req.body)
      return reply.code(201).send(callJson(call))
    },
  )

  app.get(
    '/calls/:id',
    {
      schema: {
        summary: 'A call of the log',
        tags,
        security,
        params: IdParams,
        response: { 200: CallJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => callJson(await getCall(deps.ctx(req), req.params.id)),
  )

  app.post(
    '/calls/:id/answer',
    {
      schema: {
        summary: 'Simulator: the far end answers (ringing → answered)',
        description:
          'My own line, or `call.edit` on the call. 409 `conflict` from any other status.',
        tags,
        security,
        params: IdParams,
        response: { 200: CallJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => callJson(await answerCall(deps.ctx(req), req.params.id)),
  )

  app.post(
    '/calls/:id/hangup',
    {
      schema: {
        summary: 'Hang up (ringing | answered → ended): frees the line',
        description:
          'My own line, or `call.edit` on the call. An answered call leaves a recording ' +
          '(`GET /calls/{id}/recordings`). 409 `conflict` once ended.',
        tags,
        security,
        params: IdParams,
        response: { 200: CallJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => callJson(await hangUpCall(deps.ctx(req), req.params.id)),
  )

  app.put(
    '/calls/:id/notes',
    {
      schema: {
        summary: "Write a call's notes (`call.note`, audited before → after)",
        tags,
        security,
        params: IdParams,
        body: NotesBody,
        response: { 200: CallJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => callJson(await setCallNotes(deps.ctx(req), req.params.id, req.body.notes)),
  )

  app.get(
    '/calls/:id/recordings',
    {
      schema: {
        summary: "A call's recordings that I may view or play",
        tags,
        security,
        params: IdParams,
        response: {
          200: Type.Object({ items: Type.Array(RecordingJson) }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (req) => ({
      items: (await listCallRecordings(deps.ctx(req), req.params.id)).map(recordingJson),
    }),
  )

  app.get(
    '/recordings',
    {
      schema: {
        summary: 'The recordings I may view (`recording.view`), one page by id',
        tags: ['recordings'],
        security,
        querystring: RecordingQuery,
        response: { 200: PageJson(RecordingJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, callId } = req.query
      const page = await listRecordings(deps.ctx(req), { callId }, { limit, cursor })
      return { items: page.items.map(recordingJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/recordings/:id',
    {
      schema: {
        summary: "A recording's metadata",
        tags: ['recordings'],
        security,
        params: IdParams,
        response: { 200: RecordingJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => recordingJson(await getRecording(deps.ctx(req), req.params.id)),
  )

  app.post(
    '/recordings/:id/play',
    {
      schema: {
        summary: 'Play a recording (G2: audited)',
        description:
          '`recording.play` on the recording: 404 when I may neither view nor play it, 403 ' +
          'when I may view but not play it. Every playback is audited (`recording.played`, ' +
          'with the reason of the `x-tessera-reason` header when given); the answer is a ' +
          'signed URL valid for five minutes.',
        tags: ['recordings'],
        security,
        params: IdParams,
        response: { 200: PlaybackJson, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => {
      const played = await playRecording(deps.ctx(req), req.params.id)
      return { ...played, expiresAt: played.expiresAt.toISOString() }
    },
  )
}
