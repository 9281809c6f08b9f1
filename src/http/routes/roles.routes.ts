import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  assignRoleToUsers,
  cloneRole,
  createGroup,
  createRole,
  deleteGroup,
  deleteRole,
  getGroup,
  getRole,
  roleImpact,
  listGroups,
  listRoles,
  sectionAccess,
  sections,
  setSectionAccess,
  setUserGroups,
  setUserRoles,
  updateGroup,
  updateRole,
  userRoleIds,
  type GroupInput,
  type GroupView,
  type RoleInput,
  type RoleImpact,
  type RoleView,
} from '../../domain/roles/index.js'
import { Id, problems, Timestamp } from '../api-schemas.js'
import { policyBody, policyRef } from '../policy-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const strict = { additionalProperties: false } as const
const Name = Type.String({ minLength: 1, maxLength: 100 })
const Description = Type.String({ maxLength: 1000 })

const Grants = Type.Array(policyRef('Grant'), { maxItems: 200 })
const RoleRestrictions = Type.Array(policyRef('RoleRestriction'), { maxItems: 50 })

const RoleJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  kind: Type.Union([Type.Literal('builtin'), Type.Literal('preset'), Type.Literal('custom')]),
  mfaRequired: Type.Boolean(),
  grants: Type.Array(policyRef('Grant')),
  restrictions: Type.Array(policyRef('RoleRestriction')),
  userIds: Type.Optional(Type.Array(Type.String())),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

const GroupJson = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  grants: Type.Array(policyRef('Grant')),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

function roleJson(r: RoleView & { userIds?: string[] }): Static<typeof RoleJson> {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    mfaRequired: r.mfaRequired,
    grants: [...r.grants],
    restrictions: [...(r.restrictions ?? [])],
    ...(r.userIds ? { userIds: r.userIds } : {}),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

function groupJson(g: GroupView): Static<typeof GroupJson> {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    grants: [...g.grants],
    createdAt: g.createdAt.toISOString(),
    updatedAt: g.updatedAt.toISOString(),
  }
}

const IdParams = Type.Object({ id: Id }, strict)
const RoleBody = Type.Unsafe<RoleInput>(
  Type.Object(
    {
      name: Name,
      description: Type.Optional(Description),
      grants: Grants,
      restrictions: Type.Optional(RoleRestrictions),
      mfaRequired: Type.Optional(Type.Boolean()),
    },
    strict,
  ),
)
const RolePatch = Type.Unsafe<Partial<RoleInput>>(
  Type.Object(
    {
      name: Type.Optional(Name),
      description: Type.Optional(Description),
      grants: Type.Optional(Grants),
      restrictions: Type.Optional(RoleRestrictions),
      mfaRequired: Type.Optional(Type.Boolean()),
    },
    { ...strict, minProperties: 1 },
  ),
)
const GroupBody = Type.Unsafe<GroupInput>(
  Type.Object({ name: Name, description: Type.Optional(Description), grants: Grants }, strict),
)
const GroupPatch = Type.Unsafe<Partial<GroupInput>>(
  Type.Object(
    {
      name: Type.Optional(Name),
      description: Type.Optional(Description),
      grants: Type.Optional(Grants),
    },
    { ...strict, minProperties: 1 },
  ),
)
const FieldLevel = Type.Union(['hidden', 'masked', 'read', 'edit'].map((l) => Type.Literal(l)))
const PermissionChange = Type.Object({
  action: Type.String(),
  whole: Type.Boolean({
    description: 'the action itself is gained (lost): not held at all before (after)',
  }),
  scopes: Type.Array(policyRef('Scope'), { description: 'data scopes gained (lost)' }),
  fields: Type.Array(Type.Object({ field: Type.String(), from: FieldLevel, to: FieldLevel }), {
    description: 'fields whose level rises (gained) or falls (lost)',
  }),
})
const ImpactJson = Type.Unsafe<RoleImpact>(
  Type.Object({
    roleId: Type.String(),
    refused: Type.Union(
      [
        Type.Object({
          status: Type.Integer(),
          code: Type.String(),
          detail: Type.String(),
          errors: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
        }),
        Type.Null(),
      ],
      { description: 'the refusal saving this body would answer (403, 409), or null' },
    ),
    holders: Type.Array(
      Type.Object({
        userId: Type.String(),
        name: Type.String(),
        gained: Type.Array(PermissionChange),
        lost: Type.Array(PermissionChange),
      }),
    ),
  }),
)
const Ids = (max: number) => Type.Array(Id, { maxItems: max, uniqueItems: true })

export function rolesRoutes(app: App, deps: RouteDeps): void {
  const tags = ['roles']

  app.get(
    '/roles',
    {
      schema: {
        summary: 'Roles of my company (R1–R3)',
        tags,
        security,
        response: {
          200: Type.Object({ items: Type.Array(RoleJson), nextCursor: Type.Null() }),
          ...problems(401, 403),
        },
      },
    },
    async (req) => ({
      items: (await listRoles(deps.ctx(req))).map(roleJson),
      nextCursor: null,
    }),
  )

  app.post(
    '/roles',
    {
      ...policyBody,
      schema: {
        summary: 'Create a custom role (R3); it holds exactly what it lists (P12)',
        tags,
        security,
        body: RoleBody,
        response: { 201: RoleJson, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(roleJson(await createRole(deps.ctx(req), req.body))),
  )

  app.get(
    '/roles/:id',
    {
      schema: {
        summary: 'A role, with its holders',
        tags,
        security,
        params: IdParams,
        response: { 200: RoleJson, ...problems(401, 403, 404) },
      },
    },
    async (req) => roleJson(await getRole(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/roles/:id',
    {
      ...policyBody,
      schema: {
        summary: 'Change a role (built-ins refuse: 409); in force on the next request',
        tags,
        security,
        params: IdParams,
        body: RolePatch,
        response: { 200: RoleJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => roleJson(await updateRole(deps.ctx(req), req.params.id, req.body)),
  )

  app.post(
    '/roles/:id/impact',
    {
      ...policyBody,
      schema: {
        summary: 'Preview a role change: what each holder gains and loses; writes nothing',
        description:
          "The body is the PATCH /roles/{id} body. Runs the save's own checks: a body that " +
          'does not compile is a 400 as at save; an escalation the save would refuse is ' +
          'reported in `refused` (with the reason), next to the per-holder diff. Needs ' +
          'role.edit on the role, as the save does. See docs/oversight.md.',
        tags,
        security,
        params: IdParams,
        body: RolePatch,
        response: { 200: ImpactJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => roleImpact(deps.ctx(req), req.params.id, req.body),
  )

  app.delete(
    '/roles/:id',
    {
      schema: {
        summary: 'Delete a role (built-ins refuse: 409)',
        tags,
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...problems(401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      await deleteRole(deps.ctx(req), req.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/roles/:id/clone',
    {
      schema: {
        summary: 'Clone any role into a custom one (R3)',
        tags,
        security,
        params: IdParams,
        body: Type.Object({ name: Name, description: Type.Optional(Description) }, strict),
        response: { 201: RoleJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(roleJson(await cloneRole(deps.ctx(req), req.params.id, req.body))),
  )

  app.post(
    '/roles/:id/assignments',
    {
      schema: {
        summary: 'Give a role to many users at once (R5); all or nothing',
        tags,
        security,
        params: IdParams,
        body: Type.Object(
          { userIds: Type.Array(Id, { minItems: 1, maxItems: 500, uniqueItems: true }) },
          strict,
        ),
        response: {
          200: Type.Object({ userIds: Type.Array(Type.String()) }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req) => ({
      userIds: await assignRoleToUsers(deps.ctx(req), req.params.id, req.body.userIds),
    }),
  )

  app.get(
    '/users/:id/roles',
    {
      schema: {
        summary: "A user's roles and permission groups",
        tags,
        security,
        params: IdParams,
        response: {
          200: Type.Object({
            roleIds: Type.Array(Type.String()),
            groupIds: Type.Array(Type.String()),
          }),
          ...problems(401, 403, 404),
        },
      },
    },
    async (req) => userRoleIds(deps.ctx(req), req.params.id),
  )

  app.put(
    '/users/:id/roles',
    {
      schema: {
        summary: "Replace a user's roles; you may give only what you hold",
        tags,
        security,
        params: IdParams,
        body: Type.Object({ roleIds: Ids(50) }, strict),
        response: {
          200: Type.Object({ roleIds: Type.Array(Type.String()) }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req) => ({
      roleIds: await setUserRoles(deps.ctx(req), req.params.id, req.body.roleIds),
    }),
  )

  app.put(
    '/users/:id/groups',
    {
      schema: {
        summary: "Replace a user's permission groups (R4)",
        tags,
        security,
        params: IdParams,
        body: Type.Object({ groupIds: Ids(50) }, strict),
        response: {
          200: Type.Object({ groupIds: Type.Array(Type.String()) }),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => ({
      groupIds: await setUserGroups(deps.ctx(req), req.params.id, req.body.groupIds),
    }),
  )

  const groupTags = ['permission groups']
  app.get(
    '/permission-groups',
    {
      schema: {
        summary: 'Permission groups: add-on bundles (R4)',
        tags: groupTags,
        security,
        response: {
          200: Type.Object({ items: Type.Array(GroupJson), nextCursor: Type.Null() }),
          ...problems(401, 403),
        },
      },
    },
    async (req) => ({
      items: (await listGroups(deps.ctx(req))).map(groupJson),
      nextCursor: null,
    }),
  )
  app.post(
    '/permission-groups',
    {
      ...policyBody,
      schema: {
        summary: 'Create a permission group',
        tags: groupTags,
        security,
        body: GroupBody,
        response: { 201: GroupJson, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(groupJson(await createGroup(deps.ctx(req), req.body))),
  )
  app.get(
    '/permission-groups/:id',
    {
      schema: {
        summary: 'A permission group',
        tags: groupTags,
        security,
        params: IdParams,
        response: { 200: GroupJson, ...problems(401, 403, 404) },
      },
    },
    async (req) => groupJson(await getGroup(deps.ctx(req), req.params.id)),
  )
  app.patch(
    '/permission-groups/:id',
    {
      ...policyBody,
      schema: {
        summary: 'Change a permission group',
        tags: groupTags,
        security,
        params: IdParams,
        body: GroupPatch,
        response: { 200: GroupJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => groupJson(await updateGroup(deps.ctx(req), req.params.id, req.body)),
  )
  app.delete(
    '/permission-groups/:id',
    {
      schema: {
        summary: 'Delete a permission group',
        tags: groupTags,
        security,
        params: IdParams,
        response: { 204: Type.Null(), ...problems(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await deleteGroup(deps.ctx(req), req.params.id)
      return reply.code(204).send(null)
    },
  )

  const SectionParams = Type.Object(
    { section: Type.Union(sections.map((s) => Type.Literal(s))) },
    strict,
  )
  const SectionJson = Type.Object({
    section: Type.String(),
    roles: Type.Array(
      Type.Object({
        id: Type.String(),
        name: Type.String(),
        kind: Type.String(),
        enters: Type.Boolean(),
      }),
    ),
  })
  app.get(
    '/sections/:section/roles',
    {
      schema: {
        summary: 'Which roles may enter a section (R7)',
        description:
          'A role enters when a holder (in a team and a project) is allowed at least one action ' +
          'of the section at type level, as POST /authz/check without a resource answers.',
        tags,
        security,
        params: SectionParams,
        response: { 200: SectionJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => sectionAccess(deps.ctx(req), req.params.section),
  )
  app.put(
    '/sections/:section/roles',
    {
      schema: {
        summary: 'Set which roles may enter a section (R7); built-ins refuse',
        description:
          'Letting a role in adds `view` on the section’s types at the narrowest scope (own, ' +
          'team, project) no broader than what the role already views; when none fits, or a ' +
          'restriction keeps it out, 409 with the role’s path and nothing changes. Shutting a ' +
          'role out removes its actions on the section’s types. See docs/roles.md.',
        tags,
        security,
        params: SectionParams,
        body: Type.Object({ roleIds: Ids(200) }, strict),
        response: { 200: SectionJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => setSectionAccess(deps.ctx(req), req.params.section, req.body.roleIds),
  )
}
