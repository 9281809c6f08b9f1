import { Type } from '@fastify/type-provider-typebox'
import { createUser, PASSWORD_MAX_LENGTH, updateUserAccount } from '../../domain/accounts/index.js'
import { getUser, listUsers } from '../../domain/users/index.js'
import {
  Id,
  PageJson,
  PageQuery,
  problems,
  UserJson,
  UserViewJson,
  userViewJson,
} from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const Status = UserJson.properties.status
const Level = UserJson.properties.level
const Name = Type.String({ minLength: 1, maxLength: 200 })
const Position = Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
  description:
    "R8: a position's default roles come with it (novice-agent, team-lead, …; docs/roles.md)",
})
const NullableId = Type.Union([Id, Type.Null()])

const UserQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(Status),
    orgUnitId: Type.Optional(Id),
    managerId: Type.Optional(Id),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'part of the name or email' }),
    ),
  },
  { additionalProperties: false },
)

const NewUserBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    name: Name,
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
    position: Type.Optional(Position),
    level: Type.Optional(Level),
    orgUnitId: Type.Optional(NullableId),
    managerId: Type.Optional(NullableId),
    roleIds: Type.Optional(Type.Array(Id, { maxItems: 50, uniqueItems: true })),
  },
  { additionalProperties: false },
)

const UserPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    status: Type.Optional(Status),
    position: Type.Optional(Position),
    level: Type.Optional(Level),
    orgUnitId: Type.Optional(NullableId),
    managerId: Type.Optional(NullableId),
  },
  { additionalProperties: false, minProperties: 1 },
)

const IdParams = Type.Object({ id: Id }, { additionalProperties: false })
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['users']

// Ids in the path that the caller may not know (another company's, outside their scope) are
// 404 like ids never issued; ids in a body or query (orgUnitId, managerId, roleIds) that do not
// resolve in the caller's company answer 404 `not_found` with `errors[].path` naming the field.

export function usersRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/users',
    {
      schema: {
        summary: 'The users I may view (data scope applied in the query), one page by id',
        description:
          'Filters narrow the scope, never widen it. An `orgUnitId` or `managerId` that is not ' +
          'in my company answers 404 on that parameter. `q` searches names, and emails only where I may read them in clear; a page may then hold fewer than `limit` items.',
        tags,
        security,
        querystring: UserQuery,
        response: { 200: PageJson(UserViewJson), ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listUsers(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(userViewJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/users',
    {
      schema: {
        summary: 'Create a user with roles (R5) and their position’s default roles (R8)',
        description:
          'Every role given, asked for in `roleIds` or coming with `position`, is a delegation: ' +
          'I need user.assignRole and role.assign and must be able to grant it. A default role I ' +
          'could not grant is 403 at `body/position/defaults/<i>`; nothing is created.',
        tags,
        security,
        body: NewUserBody,
        response: { 201: UserViewJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const user = await createUser(deps.ctx(req), req.body)
      return reply.code(201).send(userViewJson(user))
    },
  )

  app.get(
    '/users/:id',
    {
      schema: {
        summary: 'One user, as I may see them (hidden fields absent, masked ones listed)',
        tags,
        security,
        params: IdParams,
        response: { 200: UserViewJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => userViewJson(await getUser(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/users/:id',
    {
      schema: {
        summary: 'Change a user: profile, org unit, manager, status',
        description:
          'Profile fields need `user.edit`; suspending or reactivating needs `user.edit`, ' +
          'offboarding (or undoing it) `user.offboard` (G6). Leaving `active` ends all the ' +
          "user's sessions at once. Answers the user as I saw them before the change.",
        tags,
        security,
        params: IdParams,
        body: UserPatchBody,
        response: { 200: UserViewJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => userViewJson(await updateUserAccount(deps.ctx(req), req.params.id, req.body)),
  )
}
