import { Type, type Static } from '@fastify/type-provider-typebox'
import { addPoolNumberOrAsk } from '../../domain/approvals/index.js'
import {
  createNumberPool,
  deleteNumberPool,
  getNumberPool,
  listNumberPools,
  listPoolNumbers,
  removePoolNumber,
  updateNumberPool,
  type NumberPoolView,
  type PoolNumber,
} from '../../domain/number-pools/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'
import { PendingApprovalJson, sendPending } from './approvals.routes.js'

const NullableId = Type.Union([Id, Type.Null()])
const Nullable = (s: ReturnType<typeof Type.String>) => Type.Union([s, Type.Null()])
export const Country = Type.String({
  pattern: '^[A-Za-z]{2}$',
  description: 'ISO 3166 alpha-2 country of a national phone number (CN, RU, …)',
})
export const PhoneInput = Type.String({
  minLength: 1,
  maxLength: 40,
  description: 'any format; stored in E.164 (send `country` for a national number)',
})

/** A pool as the caller may see it (P4: a hidden field is absent, a masked one masked). */
const PoolJson = Type.Object(
  {
    id: Type.String(),
    companyId: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    userId: Type.Optional(Nullable(Type.String({ description: 'the person it is assigned to' }))),
    orgUnitId: Type.Optional(Nullable(Type.String({ description: 'the team it is assigned to' }))),
    projectId: Type.Optional(
      Nullable(Type.String({ description: 'the project it is assigned to' })),
    ),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)
function poolJson(p: NumberPoolView): Static<typeof PoolJson> {
  const { createdAt, updatedAt, ...rest } = p
  return {
    ...rest,
    id: p.id as string,
    ...(createdAt !== undefined && { createdAt: createdAt.toISOString() }),
    ...(updatedAt !== undefined && { updatedAt: updatedAt.toISOString() }),
  } as Static<typeof PoolJson>
}
const NumberJson = Type.Object({
  id: Type.String(),
  poolId: Type.String(),
  phone: Type.String({ description: 'E.164' }),
  addedBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
})
const numberJson = (n: PoolNumber) => ({ ...n, createdAt: n.createdAt.toISOString() })

const Name = Type.String({ minLength: 1, maxLength: 100 })
const assignment = {
  userId: Type.Optional(NullableId),
  orgUnitId: Type.Optional(NullableId),
  projectId: Type.Optional(NullableId),
}
const NewPoolBody = Type.Object({ name: Name, ...assignment }, { additionalProperties: false })
const PoolPatchBody = Type.Object(
  { name: Type.Optional(Name), ...assignment },
  { additionalProperties: false, minProperties: 1 },
)
const PoolQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'part of the name' }),
    ),
    userId: Type.Optional(Id),
    orgUnitId: Type.Optional(Id),
    projectId: Type.Optional(Id),
  },
  { additionalProperties: false },
)
const NewNumberBody = Type.Object(
  { phone: PhoneInput, country: Type.Optional(Country) },
  { additionalProperties: false },
)
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })
const NumberParams = Type.Object({ id: Id, numberId: Id }, { additionalProperties: false })
const Page = Type.Object(PageQuery, { additionalProperties: false })

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['number pools']

// P11: pools are admin-managed (numberPool.create / edit / delete); P8: a team lead adds numbers
// to the team's pools within a daily quota (numberPool.addNumber, 5 a day in the preset). A pool
// the caller may not view is 404, like an id never issued.
export function numberPoolsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/number-pools',
    {
      schema: {
        summary: 'The number pools I may view, one page by id',
        tags,
        security,
        querystring: PoolQuery,
        response: { 200: PageJson(PoolJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listNumberPools(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(poolJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/number-pools',
    {
      schema: {
        summary: 'Create a number pool (admin-managed, P11)',
        description:
          'Assigned to at most one of a person (`userId`), a team (`orgUnitId`) or a project ' +
          '(`projectId`); people dial only numbers of pools assigned to them, their team or ' +
          'their project. A name is unique in the company (409).',
        tags,
        security,
        body: NewPoolBody,
        response: { 201: PoolJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const created = await createNumberPool(deps.ctx(req), req.body)
      return reply.code(201).send(poolJson(created))
    },
  )

  app.get(
    '/number-pools/:id',
    {
      schema: {
        summary: 'A number pool',
        tags,
        security,
        params: IdParams,
        response: { 200: PoolJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => poolJson(await getNumberPool(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/number-pools/:id',
    {
      schema: {
        summary: 'Rename or reassign a number pool',
        tags,
        security,
        params: IdParams,
        body: PoolPatchBody,
        response: { 200: PoolJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => poolJson(await updateNumberPool(deps.ctx(req), req.params.id, req.body)),
  )

  app.delete(
    '/number-pools/:id',
    {
      schema: {
        summary: 'Delete a number pool and its numbers (audited)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await deleteNumberPool(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )

  app.get(
    '/number-pools/:id/numbers',
    {
      schema: {
        summary: "A pool's numbers, one page",
        tags,
        security,
        params: IdParams,
        querystring: Page,
        response: { 200: PageJson(NumberJson), ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { limit = 50, cursor } = req.query
      const page = await listPoolNumbers(deps.ctx(req), req.params.id, { limit, cursor })
      return { items: page.items.map(numberJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/number-pools/:id/numbers',
    {
      schema: {
        summary: 'Add a number to a pool (P8: within the daily quota)',
        description:
          '`numberPool.addNumber` on the pool. A per-day limit on that right (the team lead ' +
          'preset: 5 a day) is counted in the database, per person and company-local day. ' +
          'W3: beyond it nothing is added and a `poolNumbers` approval request for the number ' +
          'is opened instead, answered with 202 and a `Location` (the `x-tessera-reason` ' +
          'header becomes its reason); it is routed to a company admin for a lead, and ' +
          'approving it adds the number. An API key beyond its limit still gets 429 ' +
          '`quota_exceeded` with `Retry-After` (the seconds to midnight). An admin-approved ' +
          'temporary grant of `numberPool.addNumber` without the limit lifts it while it lasts. ' +
          'A number already in the pool is 409 and spends nothing. Audited ' +
          '(`numberPool.number_added`).',
        tags,
        security,
        params: IdParams,
        body: NewNumberBody,
        response: {
          201: NumberJson,
          202: PendingApprovalJson,
          ...problems(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (req, reply) => {
      const asked = await addPoolNumberOrAsk(deps.ctx(req), req.params.id, req.body)
      if (asked.pending !== undefined) return sendPending(reply, asked.pending)
      return reply.code(201).send(numberJson(asked.applied))
    },
  )

  app.delete(
    '/number-pools/:id/numbers/:numberId',
    {
      schema: {
        summary: 'Remove a number from a pool (audited)',
        tags,
        security,
        params: NumberParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await removePoolNumber(deps.ctx(req), req.params.id, req.params.numberId)
      return reply.code(204).send()
    },
  )
}
