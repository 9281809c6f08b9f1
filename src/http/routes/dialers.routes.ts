import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  countDialers,
  createDialer,
  deleteDialer,
  dialerLimits,
  dialerModes,
  dialerStates,
  getDialer,
  listDialers,
  startDialer,
  stopDialer,
  updateDialer,
  type DialerView,
} from '../../domain/dialers/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['dialers']

const Mode = Type.Union(
  dialerModes.map((m) => Type.Literal(m)),
  {
    description:
      'preview: the agent sees the number before the call; progressive: one call per free ' +
      'agent; predictive: more calls than free agents',
  },
)
const State = Type.Union(dialerStates.map((s) => Type.Literal(s)))
const Name = Type.String({ minLength: 1, maxLength: dialerLimits.name })

/** A dialer as the caller may see it: hidden fields absent, masked ones named. */
const DialerJson = Type.Object(
  {
    id: Type.String(),
    projectId: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    mode: Type.Optional(Mode),
    state: Type.Optional(State),
    startedAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    startedBy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

const iso = (d: Date | null | undefined) => (d instanceof Date ? d.toISOString() : d)

function dialerJson(d: DialerView): Static<typeof DialerJson> {
  const { startedAt, createdAt, updatedAt, ...rest } = d
  return {
    ...rest,
    id: d.id as string,
    ...(startedAt !== undefined && { startedAt: iso(startedAt) }),
    ...(createdAt !== undefined && { createdAt: iso(createdAt) }),
    ...(updatedAt !== undefined && { updatedAt: iso(updatedAt) }),
  } as Static<typeof DialerJson>
}

const filters = {
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'part of the name' })),
  projectId: Type.Optional(Id),
  state: Type.Optional(State),
}
const ListQuery = Type.Object({ ...PageQuery, ...filters }, { additionalProperties: false })
const CountQuery = Type.Object(filters, { additionalProperties: false })
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

// P10: a dialer of a project I am not in (under a project scope), or of another company, is 404
// like an id never issued; one I may see but not change (or start, or stop) is 403.

export function dialersRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/dialers',
    {
      schema: {
        summary: 'The auto-dialers I may view (scope applied in the query), one page by id',
        description: '`q` searches names where I read them in clear.',
        tags,
        security,
        querystring: ListQuery,
        response: { 200: PageJson(DialerJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listDialers(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(dialerJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/dialers/count',
    {
      schema: {
        summary: 'How many auto-dialers the list shows with these filters (over all pages)',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: Type.Object({ count: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => ({ count: await countDialers(deps.ctx(req), req.query) }),
  )

  app.post(
    '/dialers',
    {
      schema: {
        summary: 'Create an auto-dialer in a project (idle)',
        description:
          '`dialer.create` decided on the dialer as it would be (its project). A project I may ' +
          'not see is 404 on `body/projectId`; a blank name is 400 and nothing is written. The ' +
          'project never changes afterwards.',
        tags,
        security,
        body: Type.Object(
          { projectId: Id, name: Name, mode: Type.Optional(Mode) },
          { additionalProperties: false },
        ),
        response: { 201: DialerJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(dialerJson(await createDialer(deps.ctx(req), req.body))),
  )

  app.get(
    '/dialers/:id',
    {
      schema: {
        summary: 'One auto-dialer, as I may see it',
        tags,
        security,
        params: IdParams,
        response: { 200: DialerJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => dialerJson(await getDialer(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/dialers/:id',
    {
      schema: {
        summary: 'Change an auto-dialer’s name or mode',
        description: '`dialer.edit` on the dialer; audited before → after.',
        tags,
        security,
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Name), mode: Type.Optional(Mode) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: DialerJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => dialerJson(await updateDialer(deps.ctx(req), req.params.id, req.body)),
  )

  app.delete(
    '/dialers/:id',
    {
      schema: {
        summary: 'Delete an idle auto-dialer (audited); a running one is 409',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404, 409),
      },
    },
    async (req, reply) => {
      await deleteDialer(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )

  for (const [verb, move, what] of [
    ['start', startDialer, 'idle → running'],
    ['stop', stopDialer, 'running → idle'],
  ] as const) {
    app.post(
      `/dialers/:id/${verb}`,
      {
        schema: {
          summary: `${verb === 'start' ? 'Start' : 'Stop'} an auto-dialer (${what})`,
          description:
            `\`dialer.${verb}\` on the dialer (the outbound agent holds it on the dialers of ` +
            'their projects). Already in that state, or moved by another request at the same ' +
            'time: 409 (the move is one UPDATE conditional on the state). Audited.',
          tags,
          security,
          params: IdParams,
          response: { 200: DialerJson, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => dialerJson(await move(deps.ctx(req), req.params.id)),
    )
  }
}
