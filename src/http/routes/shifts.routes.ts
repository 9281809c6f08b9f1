import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  createShift,
  deleteShift,
  getShift,
  listShifts,
  shiftKinds,
  shiftLimits,
  updateShift,
  type ShiftView,
} from '../../domain/schedules/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['schedules']

const Kind = Type.Union(shiftKinds.map((k) => Type.Literal(k)))
const Note = Type.String({ maxLength: shiftLimits.note })

const ShiftJson = Type.Object(
  {
    id: Type.String(),
    userId: Type.Optional(Type.String()),
    orgUnitId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    kind: Type.Optional(Kind),
    startsAt: Type.Optional(Timestamp),
    endsAt: Type.Optional(Timestamp),
    note: Type.Optional(Type.String()),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

const iso = (d: Date | undefined) => d?.toISOString()

function shiftJson(s: ShiftView): Static<typeof ShiftJson> {
  const { startsAt, endsAt, createdAt, updatedAt, ...rest } = s
  return {
    ...rest,
    id: s.id as string,
    ...(startsAt !== undefined && { startsAt: iso(startsAt) }),
    ...(endsAt !== undefined && { endsAt: iso(endsAt) }),
    ...(createdAt !== undefined && { createdAt: iso(createdAt) }),
    ...(updatedAt !== undefined && { updatedAt: iso(updatedAt) }),
  } as Static<typeof ShiftJson>
}

const NewShiftBody = Type.Object(
  {
    userId: Id,
    orgUnitId: Type.Optional(
      Type.Union([Id, Type.Null()], { description: "unset: the person's unit now" }),
    ),
    kind: Type.Optional(Kind),
    startsAt: Timestamp,
    endsAt: Type.String({ format: 'date-time', description: 'after startsAt, at most 24 h later' }),
    note: Type.Optional(Note),
  },
  { additionalProperties: false },
)
const PatchShiftBody = Type.Object(
  {
    userId: Type.Optional(Id),
    orgUnitId: Type.Optional(Type.Union([Id, Type.Null()])),
    kind: Type.Optional(Kind),
    startsAt: Type.Optional(Timestamp),
    endsAt: Type.Optional(Timestamp),
    note: Type.Optional(Note),
  },
  { additionalProperties: false, minProperties: 1 },
)
const ListQuery = Type.Object(
  {
    ...PageQuery,
    from: Type.Optional(Type.String({ format: 'date-time', description: 'shifts ending after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'shifts starting before' })),
    userId: Type.Optional(Id),
    orgUnitId: Type.Optional(Id),
    kind: Type.Optional(Kind),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'part of the note' }),
    ),
  },
  { additionalProperties: false },
)
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s))

// [004] смены и расписание (P1): one record per shift, so the routes are `/shifts`; a person's
// or a team's schedule is the list filtered by `from`–`to` (and `userId`, `orgUnitId`). Among
// the presets an agent sees their own shifts, a team lead the team's; Admin and Supervisor plan
// them. One person's shifts never overlap (409).
export function shiftsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/shifts',
    {
      schema: {
        summary: 'The shifts I may view that meet from–to, one page by id',
        tags,
        security,
        querystring: ListQuery,
        response: { 200: PageJson(ShiftJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, from, to, ...filter } = req.query
      const page = await listShifts(
        deps.ctx(req),
        { ...filter, from: date(from), to: date(to) },
        { limit, cursor },
      )
      return { items: page.items.map(shiftJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/shifts',
    {
      schema: {
        summary: "Plan a shift for a person (audited); overlapping one of the person's is 409",
        tags,
        security,
        body: NewShiftBody,
        response: { 201: ShiftJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { startsAt, endsAt, ...rest } = req.body
      const shift = await createShift(deps.ctx(req), {
        ...rest,
        startsAt: new Date(startsAt),
        endsAt: new Date(endsAt),
      })
      return reply.code(201).send(shiftJson(shift))
    },
  )

  app.get(
    '/shifts/:id',
    {
      schema: {
        summary: 'A shift',
        tags,
        security,
        params: IdParams,
        response: { 200: ShiftJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => shiftJson(await getShift(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/shifts/:id',
    {
      schema: {
        summary: 'Change a shift (audited); an overlap with another of the person’s is 409',
        tags,
        security,
        params: IdParams,
        body: PatchShiftBody,
        response: { 200: ShiftJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => {
      const { startsAt, endsAt, ...rest } = req.body
      const shift = await updateShift(deps.ctx(req), req.params.id, {
        ...rest,
        ...(startsAt !== undefined && { startsAt: new Date(startsAt) }),
        ...(endsAt !== undefined && { endsAt: new Date(endsAt) }),
      })
      return shiftJson(shift)
    },
  )

  app.delete(
    '/shifts/:id',
    {
      schema: {
        summary: 'Delete a shift (audited)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await deleteShift(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )
}
