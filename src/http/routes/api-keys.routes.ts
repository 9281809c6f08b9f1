import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  createApiKey,
  listApiKeys,
  revokeApiKey,
  type ApiKey,
} from '../../domain/api-keys/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const NullableTime = Type.Union([Timestamp, Type.Null()])

const ApiKeyJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  roleId: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  lastUsedAt: NullableTime,
  expiresAt: NullableTime,
  revokedAt: NullableTime,
})

const iso = (d: Date | null) => d && d.toISOString()

function apiKeyJson(k: ApiKey): Static<typeof ApiKeyJson> {
  return {
    id: k.id,
    name: k.name,
    roleId: k.roleId,
    createdBy: k.createdBy,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    expiresAt: iso(k.expiresAt),
    revokedAt: iso(k.revokedAt),
  }
}

const NewApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    roleId: Id,
    expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
)

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['api-keys']

// Keys for integrations: `Authorization: Bearer tsk_…`. A key acts with exactly one role of its
// company (the engine decides with that role alone, company-wide rules only) and cannot use the
// session and MFA routes. Managing keys needs `role.assign`, as handing out a role does.

export function apiKeysRoutes(app: App, deps: RouteDeps): void {
  app.post(
    '/api-keys',
    {
      schema: {
        summary: 'Create an API key acting with one role; the key is shown this once',
        description:
          'Only a hash of the key is stored. The role must be one I could assign (canDelegate); ' +
          'a `roleId` not of my company answers 404 on `body/roleId`.',
        tags,
        security,
        body: NewApiKeyBody,
        response: {
          201: Type.Object({ key: Type.String(), apiKey: ApiKeyJson }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      const { expiresAt, ...rest } = req.body
      const created = await createApiKey(deps.ctx(req), {
        ...rest,
        expiresAt: expiresAt ? new Date(expiresAt) : null,
      })
      return reply.code(201).send({ key: created.key, apiKey: apiKeyJson(created.apiKey) })
    },
  )

  app.get(
    '/api-keys',
    {
      schema: {
        summary: "My company's API keys (never the keys themselves), revoked ones included",
        tags,
        security,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: PageJson(ApiKeyJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor } = req.query
      const page = await listApiKeys(deps.ctx(req), { limit, cursor })
      return { items: page.items.map(apiKeyJson), nextCursor: page.nextCursor }
    },
  )

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        summary: 'Revoke an API key; it stops working on the next request',
        tags,
        security,
        params: Type.Object({ id: Id }, { additionalProperties: false }),
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await revokeApiKey(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )
}
