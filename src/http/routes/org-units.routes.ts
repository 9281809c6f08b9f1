import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  createOrgUnit,
  deleteOrgUnit,
  getOrgUnit,
  listOrgUnits,
  orgUnitSubtree,
  updateOrgUnit,
  type OrgUnit,
} from '../../domain/org-units/index.js'
import { Id, NameSearch, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import { OrgUnitKey } from '../policy-schemas.js'
import type { App, RouteDeps } from '../types.js'

const Kind = Type.Union([
  Type.Literal('region'),
  Type.Literal('branch'),
  Type.Literal('department'),
  Type.Literal('team'),
])
const Name = Type.String({ minLength: 1, maxLength: 200 })

const OrgUnitJson = Type.Object({
  id: Type.String(),
  companyId: Type.String(),
  parentId: Type.Union([Type.String(), Type.Null()]),
  kind: Kind,
  name: Type.String(),
  key: Type.String({
    description:
      'its stable key, unique in the company: a move or a rename keeps it (policy documents name the unit by it)',
  }),
  createdAt: Timestamp,
})

function orgUnitJson(unit: OrgUnit): Static<typeof OrgUnitJson> {
  return {
    id: unit.id,
    companyId: unit.companyId,
    parentId: unit.parentId,
    kind: unit.kind,
    name: unit.name,
    key: unit.key,
    createdAt: unit.createdAt.toISOString(),
  }
}

const OrgUnitQuery = Type.Object(
  { ...PageQuery, ...NameSearch, parentId: Type.Optional(Id), kind: Type.Optional(Kind) },
  { additionalProperties: false },
)

const NewOrgUnitBody = Type.Object(
  {
    parentId: Type.Optional(Type.Union([Id, Type.Null()])),
    kind: Kind,
    name: Name,
    key: Type.Optional(OrgUnitKey),
  },
  { additionalProperties: false },
)

const OrgUnitPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    kind: Type.Optional(Kind),
    parentId: Type.Optional(Type.Union([Id, Type.Null()])),
    key: Type.Optional(OrgUnitKey),
  },
  { additionalProperties: false, minProperties: 1 },
)

const IdParams = Type.Object({ id: Id }, { additionalProperties: false })
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['org-units']

// P3. The tree is part of the compiled policy: create, move and delete take effect for subtree
// scopes on the next request. A `parentId` that is not a unit I may view answers 404 with
// errors[].path `body/parentId` (another company's unit is exactly a unit that does not exist).

export function orgUnitsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/org-units',
    {
      schema: {
        summary: 'The org units I may view, one page by id',
        tags,
        security,
        querystring: OrgUnitQuery,
        response: { 200: PageJson(OrgUnitJson), ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listOrgUnits(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(orgUnitJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/org-units',
    {
      schema: {
        summary: 'Create an org unit at the root or under a unit',
        description:
          'Without `key` the unit gets a random one. A `key` another unit of the company has is ' +
          '409 at `body/key`; one that is not a slug (letters, digits, `.`, `_`, `-`, at most 64, ' +
          'starting with a letter or digit) is 400.',
        tags,
        security,
        body: NewOrgUnitBody,
        response: { 201: OrgUnitJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { parentId = null, ...rest } = req.body
      const unit = await createOrgUnit(deps.ctx(req), { ...rest, parentId })
      return reply.code(201).send(orgUnitJson(unit))
    },
  )

  app.get(
    '/org-units/:id',
    {
      schema: {
        summary: 'One org unit',
        tags,
        security,
        params: IdParams,
        response: { 200: OrgUnitJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => orgUnitJson(await getOrgUnit(deps.ctx(req), req.params.id)),
  )

  app.get(
    '/org-units/:id/subtree',
    {
      schema: {
        summary: 'A unit and every unit below it that I may view, root first, by depth',
        tags,
        security,
        params: IdParams,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({ ...OrgUnitJson.properties, depth: Type.Integer({ minimum: 0 }) }),
            ),
          }),
          ...problems(400, 401, 404),
        },
      },
    },
    async (req) => {
      const units = await orgUnitSubtree(deps.ctx(req), req.params.id)
      return { items: units.map((u) => ({ ...orgUnitJson(u), depth: u.depth })) }
    },
  )

  app.patch(
    '/org-units/:id',
    {
      schema: {
        summary: 'Rename, re-kind or move an org unit (with its subtree)',
        description:
          'A move needs `orgUnit.edit` on the unit and on its new parent (company-wide for the ' +
          'root), and never goes under the unit itself or a unit below it (409). A move changes ' +
          'who reaches the unit through subtree scopes, so it is also a delegation (S17): every ' +
          'action any role, permission group, personal grant or restriction in the company gives ' +
          "at a subtree scope the move changes must be the caller's to give at the nearest unit " +
          'above both the old and the new parent (company-wide when there is none); else 403 at ' +
          '`body/parentId`, naming the actions. A new `key` another unit of the company has is ' +
          '409 at `body/key`.',
        tags,
        security,
        params: IdParams,
        body: OrgUnitPatchBody,
        response: { 200: OrgUnitJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => orgUnitJson(await updateOrgUnit(deps.ctx(req), req.params.id, req.body)),
  )

  app.delete(
    '/org-units/:id',
    {
      schema: {
        summary: 'Delete an empty org unit (no units, users or records in it; else 409)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404, 409),
      },
    },
    async (req, reply) => {
      await deleteOrgUnit(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )
}
