import { Type, type Static } from '@fastify/type-provider-typebox'
import { offerQueueCalls } from '../../domain/calls/index.js'
import {
  countQueues,
  createQueue,
  deleteQueue,
  getQueue,
  listQueues,
  queueLimits,
  queueStrategies,
  updateQueue,
  type QueueView,
} from '../../domain/queues/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['queues']

const Strategy = Type.Union(
  queueStrategies.map((s) => Type.Literal(s)),
  { description: 'how the next call picks an agent among the members' },
)
const Name = Type.String({ minLength: 1, maxLength: queueLimits.name })
const MemberIds = Type.Array(Id, {
  maxItems: queueLimits.members,
  description: 'the agents the queue hands calls to, in order: people I may view',
})

/** A queue as the caller may see it: hidden fields absent, masked ones named. */
const QueueJson = Type.Object(
  {
    id: Type.String(),
    projectId: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    strategy: Type.Optional(Strategy),
    // a masked `memberIds` (a field rule may mask it) is its masked string
    memberIds: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()])),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

const iso = (d: Date | undefined) => d?.toISOString()

function queueJson(q: QueueView): Static<typeof QueueJson> {
  const { createdAt, updatedAt, memberIds, ...rest } = q
  return {
    ...rest,
    id: q.id as string,
    ...(memberIds !== undefined && {
      memberIds: typeof memberIds === 'string' ? memberIds : [...memberIds],
    }),
    ...(createdAt !== undefined && { createdAt: iso(createdAt) }),
    ...(updatedAt !== undefined && { updatedAt: iso(updatedAt) }),
  } as Static<typeof QueueJson>
}

const filters = {
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'part of the name' })),
  projectId: Type.Optional(Id),
}
const ListQuery = Type.Object({ ...PageQuery, ...filters }, { additionalProperties: false })
const CountQuery = Type.Object(filters, { additionalProperties: false })
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

// P10: a queue of a project I am not in (under a project scope), or of another company, is 404
// like an id never issued; one I may see but not change is 403.

export function queuesRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/queues',
    {
      schema: {
        summary: 'The queues I may view (scope applied in the query), one page by id',
        description: '`q` searches names where I read them in clear.',
        tags,
        security,
        querystring: ListQuery,
        response: { 200: PageJson(QueueJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listQueues(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(queueJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/queues/count',
    {
      schema: {
        summary: 'How many queues the list shows with these filters (over all pages)',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: Type.Object({ count: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => ({ count: await countQueues(deps.ctx(req), req.query) }),
  )

  app.post(
    '/queues',
    {
      schema: {
        summary: 'Create a queue in a project',
        description:
          '`queue.create` decided on the queue as it would be (its project). A project I may ' +
          'not see is 404 on `body/projectId`, a member I may not see 404 on ' +
          '`body/memberIds/<i>`; a blank name is 400 and nothing is written. The project never ' +
          'changes afterwards.',
        tags,
        security,
        body: Type.Object(
          {
            projectId: Id,
            name: Name,
            strategy: Type.Optional(Strategy),
            memberIds: Type.Optional(MemberIds),
          },
          { additionalProperties: false },
        ),
        response: { 201: QueueJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(queueJson(await createQueue(deps.ctx(req), req.body))),
  )

  app.get(
    '/queues/:id',
    {
      schema: {
        summary: 'One queue, as I may see it',
        tags,
        security,
        params: IdParams,
        response: { 200: QueueJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => queueJson(await getQueue(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/queues/:id',
    {
      schema: {
        summary: 'Change a queue’s name, strategy or members',
        description:
          '`queue.edit` on the queue; audited before → after. In the same transaction, the calls ' +
          'waiting in the queue ring the members it gains who may take them (oldest first, one ' +
          'new member after another), each audited `call.routed`.',
        tags,
        security,
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            strategy: Type.Optional(Strategy),
            memberIds: Type.Optional(MemberIds),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: QueueJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) =>
      queueJson(await updateQueue(deps.ctx(req), req.params.id, req.body, offerQueueCalls)),
  )

  app.delete(
    '/queues/:id',
    {
      schema: {
        summary: 'Delete a queue (audited); a campaign that used it is left without one',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await deleteQueue(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )
}
