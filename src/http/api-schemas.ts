import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox'
import type { User, UserView } from '../domain/users/index.js'

// Shapes shared by several routes; each feeds both validation and /api/v1/openapi.json.

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
)

/** The same problem schema for each listed status, for a route's `response`. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('Problem')]))
}

export const Id = Type.String({ minLength: 1, maxLength: 100 })
export const Timestamp = Type.String({ format: 'date-time' })

/** G4: a preview of a role's or a person's access (domain/previews). */
export const PreviewJson = Type.Object({
  kind: Type.Union([Type.Literal('role'), Type.Literal('user')]),
  roleId: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([Type.String(), Type.Null()]),
  orgUnitId: Type.Union([Type.String(), Type.Null()], {
    description:
      "where the subject previewed is placed (a role preview: the caller's unit or the one chosen)",
  }),
  startedAt: Timestamp,
  expiresAt: Timestamp,
})

export const UserJson = Type.Object({
  id: Type.String(),
  companyId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  status: Type.Union([
    Type.Literal('active'),
    Type.Literal('suspended'),
    Type.Literal('offboarded'),
  ]),
  positionId: Type.Union([Type.String(), Type.Null()], {
    description: 'R8: the position (GET /positions/{id}), or null',
  }),
  position: Type.Union([Type.String(), Type.Null()], { description: "the position's name" }),
  level: Type.Union([
    Type.Literal('novice'),
    Type.Literal('senior'),
    Type.Literal('lead'),
    Type.Literal('admin'),
  ]),
  orgUnitId: Type.Union([Type.String(), Type.Null()]),
  managerId: Type.Union([Type.String(), Type.Null()]),
  mfaEnabled: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})

export function userJson(user: User): Static<typeof UserJson> {
  return {
    ...user,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  }
}

/** `?limit=&cursor=` of every list (docs/api.md: default 50, at most 200). */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
}

/** `?q=` of a list searched by name: part of the name, any case (a picker's typed text). */
export const NameSearch = {
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'part of the name' })),
}

/** `{ items, nextCursor }` of every list (docs/api.md). */
export function PageJson<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  })
}

/**
 * A user as the caller may see them (P4): a field the caller may not see is absent, a masked one
 * holds its masked string and is named in `maskedFields` (so `level` is any string here).
 */
export const UserViewJson = Type.Object({
  id: Type.String(),
  companyId: Type.String(),
  email: Type.Optional(Type.String()),
  name: Type.String(),
  status: UserJson.properties.status,
  positionId: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      description:
        'R8: the position (GET /positions/{id}); absent when `position` is hidden or masked',
    }),
  ),
  position: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: "the position's name" }),
  ),
  level: Type.Optional(Type.String({ description: 'novice | senior | lead | admin (or masked)' })),
  orgUnitId: Type.Union([Type.String(), Type.Null()]),
  managerId: Type.Union([Type.String(), Type.Null()]),
  mfaEnabled: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  maskedFields: Type.Optional(Type.Array(Type.String())),
})

/** Projection only drops or masks catalog fields (email, phone, position, level): the rest stay. */
export function userViewJson(user: UserView): Static<typeof UserViewJson> {
  const { createdAt, updatedAt, ...rest } = user
  return {
    ...rest,
    createdAt: createdAt?.toISOString(),
    updatedAt: updatedAt?.toISOString(),
  } as Static<typeof UserViewJson>
}
