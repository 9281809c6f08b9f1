import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  addToBlacklist,
  getBlacklistEntry,
  listBlacklist,
  removeFromBlacklist,
  type BlacklistView,
} from '../../domain/blacklist/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'
import { Country, PhoneInput } from './number-pools.routes.js'

const EntryJson = Type.Object(
  {
    id: Type.String(),
    companyId: Type.Optional(Type.String()),
    phone: Type.Optional(Type.String({ description: 'E.164, or masked' })),
    reason: Type.Optional(Type.String()),
    createdBy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    createdAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)
function entryJson(e: BlacklistView): Static<typeof EntryJson> {
  const { createdAt, ...rest } = e
  return {
    ...rest,
    id: e.id as string,
    ...(createdAt !== undefined && { createdAt: createdAt.toISOString() }),
  } as Static<typeof EntryJson>
}
const NewEntryBody = Type.Object(
  {
    phone: PhoneInput,
    country: Type.Optional(Country),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)
const Query = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'a number (any format) or part of the reason',
      }),
    ),
  },
  { additionalProperties: false },
)
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['blacklist']

// P11: numbers nobody dials, admin-managed (`blacklist.*`: only Admin and Supervisor hold it
// among the presets). A dial of a listed number is refused whoever dials (`number_blacklisted`).
export function blacklistRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/blacklist',
    {
      schema: {
        summary: 'The blacklisted numbers, one page by id',
        tags,
        security,
        querystring: Query,
        response: { 200: PageJson(EntryJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, q } = req.query
      const page = await listBlacklist(deps.ctx(req), { q }, { limit, cursor })
      return { items: page.items.map(entryJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/blacklist',
    {
      schema: {
        summary: 'Blacklist a number (P11, audited)',
        description:
          'The number is stored in E.164, so every way of writing it is the same entry: one ' +
          'listed already is 409. From then on nobody of the company dials it.',
        tags,
        security,
        body: NewEntryBody,
        response: { 201: EntryJson, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const entry = await addToBlacklist(deps.ctx(req), req.body)
      return reply.code(201).send(entryJson(entry))
    },
  )

  app.get(
    '/blacklist/:id',
    {
      schema: {
        summary: 'A blacklist entry',
        tags,
        security,
        params: IdParams,
        response: { 200: EntryJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => entryJson(await getBlacklistEntry(deps.ctx(req), req.params.id)),
  )

  app.delete(
    '/blacklist/:id',
    {
      schema: {
        summary: 'Take a number off the blacklist (audited)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await removeFromBlacklist(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )
}
