import { Type } from '@fastify/type-provider-typebox'
import {
  createUser,
  offboardUser,
  PASSWORD_MAX_LENGTH,
  updateUserAccount,
} from '../../domain/accounts/index.js'
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
    'R8: the position by name (novice-agent, team-lead, …; GET /positions); its defaults come with it',
})
const PositionId = Type.Union([Id, Type.Null()], {
  description: 'R8: the position by id (GET /positions); its default roles and groups come with it',
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
    positionId: Type.Optional(PositionId),
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
    positionId: Type.Optional(PositionId),
    position: Type.Optional(Position),
    level: Type.Optional(Level),
    orgUnitId: Type.Optional(NullableId),
    managerId: Type.Optional(NullableId),
  },
  { additionalProperties: false, minProperties: 1 },
)

const OffboardBody = Type.Object(
  {
    successorId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'who takes over what the person owns; their manager when absent',
      }),
    ),
    reason: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'why (kept in the audit event)' }),
    ),
  },
  { additionalProperties: false },
)

const Count = Type.Integer({ minimum: 0 })
const OffboardJson = Type.Object(
  {
    user: UserViewJson,
    successorId: Id,
    revoked: Type.Object({
      sessions: Count,
      apiKeys: Count,
      grants: Count,
      groups: Count,
      requests: Count,
      shares: Count,
    }),
    handedOver: Type.Object({ customers: Count, tickets: Count }),
  },
  { additionalProperties: false },
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
          'Every role given, asked for in `roleIds` or coming with the position (`positionId`, or ' +
          '`position` by name), is a delegation: I need user.assignRole and role.assign and must ' +
          'be able to grant it (and permissionGroup.assign for its default groups). A default I ' +
          'could not grant is 403 at `body/positionId/defaults/<i>` (or `body/position/…`); an ' +
          'unknown position is 404 there; nothing is created.',
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
        summary: 'Change a user: profile, org unit, manager, status; transfer (position, team)',
        description:
          'R8 transfer: a new `positionId` (or `position` by name) or `orgUnitId` resets the ' +
          "user's roles and permission groups to the position's defaults in the same " +
          'transaction (built-in roles stay; temporary grants end), audited ' +
          '`user.permissions_reset` roles before → after. It is a delegation: I must be able to ' +
          'grant every default to them in their new team and to take away what they lose, else ' +
          '403 and nothing changes; a team I cannot reach is refused; nobody transfers ' +
          'themselves without user.edit company-wide. ' +
          'Profile fields need `user.edit`; suspending or reactivating needs `user.edit`, ' +
          'offboarding (or undoing it) `user.offboard` (G6). Leaving `active` ends all the ' +
          "user's sessions at once; becoming `offboarded` also revokes their API keys, " +
          'temporary grants and groups and cancels their open requests, but hands nothing ' +
          'over (POST /users/{id}/offboard does both). Answers the user as I saw them before ' +
          'the change.',
        tags,
        security,
        params: IdParams,
        body: UserPatchBody,
        response: { 200: UserViewJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => userViewJson(await updateUserAccount(deps.ctx(req), req.params.id, req.body)),
  )

  app.post(
    '/users/:id/offboard',
    {
      schema: {
        summary: 'Offboard a person: all access revoked, what they own handed over (G6)',
        description:
          'In one transaction: every session ends, every API key they created (and keys those ' +
          'keys created) is revoked, every temporary grant is revoked, every permission group ' +
          'is removed, their open access requests are cancelled, the records they shared with ' +
          'other teams stop being shared (W5), the customers they own and ' +
          'the tickets not closed that they are assigned go to `successorId` (their manager ' +
          'when absent; 400 when they have neither), and their status becomes `offboarded`. ' +
          'Needs `user.offboard` on them, and (S7) I must be able to give them each role, ' +
          'group and grant they hold: a non-admin cannot offboard an Admin (403). Nobody ' +
          'offboards themselves. Audited as one `user.offboarded` event with before → after ' +
          'counts (each grant also `grant.revoked`, each key `api_key.revoked`, each request ' +
          '`approval.cancelled`, each share `share.revoked`). Any refusal changes nothing.',
        tags,
        security,
        params: IdParams,
        body: OffboardBody,
        response: { 200: OffboardJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const result = await offboardUser(deps.ctx(req), req.params.id, req.body)
      return { ...result, user: userViewJson(result.user) }
    },
  )
}
