import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  createPosition,
  deletePosition,
  getPosition,
  listPositions,
  updatePosition,
  type Position,
} from '../../domain/positions/index.js'
import { Id, NameSearch, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

// R8 positions (issue 12's positions page): a company's positions and their default roles and
// permission groups. Reading needs role.view; creating, editing and deleting role.create,
// role.edit and role.delete. Defaults apply to later transfers and creations only.

const Name = Type.String({ minLength: 1, maxLength: 100 })
const Description = Type.String({ maxLength: 2000 })
const RoleIds = Type.Array(Id, {
  maxItems: 50,
  description: 'default roles (preset or custom; built-ins are refused)',
})
const GroupIds = Type.Array(Id, { maxItems: 50, description: 'default permission groups' })

const PositionJson = Type.Object(
  {
    id: Type.String(),
    companyId: Type.String(),
    name: Type.String(),
    description: Type.String(),
    roleIds: Type.Array(Type.String()),
    groupIds: Type.Array(Type.String()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
)

function positionJson(p: Position): Static<typeof PositionJson> {
  return {
    ...p,
    roleIds: [...p.roleIds],
    groupIds: [...p.groupIds],
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  }
}

const NewPosition = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    roleIds: Type.Optional(RoleIds),
    groupIds: Type.Optional(GroupIds),
  },
  { additionalProperties: false },
)

const PositionPatch = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    roleIds: Type.Optional(RoleIds),
    groupIds: Type.Optional(GroupIds),
  },
  { additionalProperties: false, minProperties: 1 },
)

const IdParams = Type.Object({ id: Id }, { additionalProperties: false })
const ListQuery = Type.Object({ ...PageQuery, ...NameSearch }, { additionalProperties: false })
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['positions']

export function positionsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/positions',
    {
      schema: {
        summary: "My company's positions and their defaults (R8), one page by id",
        tags,
        security,
        querystring: ListQuery,
        response: { 200: PageJson(PositionJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, q } = req.query
      const page = await listPositions(deps.ctx(req), { limit, cursor }, { q })
      return { items: page.items.map(positionJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/positions',
    {
      schema: {
        summary: 'Create a position with default roles and groups (R8)',
        description:
          'Needs role.create. Names are unique per company (409). A role or group id not of my ' +
          'company is 404 at `body/roleIds/<i>` / `body/groupIds/<i>`; a built-in role is 400. ' +
          'Audited `position.created`.',
        tags,
        security,
        body: NewPosition,
        response: { 201: PositionJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(positionJson(await createPosition(deps.ctx(req), req.body))),
  )

  app.get(
    '/positions/:id',
    {
      schema: {
        summary: 'One position',
        tags,
        security,
        params: IdParams,
        response: { 200: PositionJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => positionJson(await getPosition(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/positions/:id',
    {
      schema: {
        summary: 'Change a position: name, description, defaults',
        description:
          'Needs role.edit. New defaults apply to later transfers and creations only: the ' +
          'people in the position keep what they hold (a transfer is where the delegation is ' +
          'checked). Audited `position.updated` before → after.',
        tags,
        security,
        params: IdParams,
        body: PositionPatch,
        response: { 200: PositionJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => positionJson(await updatePosition(deps.ctx(req), req.params.id, req.body)),
  )

  app.delete(
    '/positions/:id',
    {
      schema: {
        summary: 'Delete a position nobody holds (409 while someone does)',
        tags,
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await deletePosition(deps.ctx(req), req.params.id)
      return reply.code(204).send(null)
    },
  )
}
