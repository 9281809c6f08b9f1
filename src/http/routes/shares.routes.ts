import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  createShare,
  listShares,
  MAX_SHARE_FIELDS,
  revokeShare,
  type Share,
  type ShareableType,
} from '../../domain/shares/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const strict = { additionalProperties: false } as const
const L = <T extends string>(v: T) => Type.Literal(v)

const ShareJson = Type.Object(
  {
    id: Type.String(),
    resource: Type.Object(
      { type: Type.Union([L('ticket'), L('customer')]), id: Type.String() },
      strict,
    ),
    orgUnitId: Type.String({
      description: 'the team: the members of this unit, not of units below',
    }),
    fields: Type.Array(Type.String(), {
      description: 'what the team sees; every other field hidden',
    }),
    masked: Type.Array(Type.String(), {
      description: 'those of `fields` the team sees masked (the sharer saw them masked)',
    }),
    until: Type.Union([Timestamp, Type.Null()], { description: 'null: until revoked' }),
    state: Type.Union([L('active'), L('ended'), L('revoked')]),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    revokedAt: Type.Union([Timestamp, Type.Null()]),
    revokedBy: Type.Union([Type.String(), Type.Null()]),
  },
  strict,
)

function shareJson(s: Share): Static<typeof ShareJson> {
  return {
    ...s,
    fields: [...s.fields],
    masked: [...s.masked],
    until: s.until?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
    revokedAt: s.revokedAt?.toISOString() ?? null,
  }
}

const ShareBody = Type.Object(
  {
    orgUnitId: Id,
    fields: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      minItems: 1,
      maxItems: MAX_SHARE_FIELDS,
      description: 'catalog fields of the record (`GET /permissions`)',
    }),
    until: Type.Optional(Timestamp),
  },
  strict,
)

const IdParams = Type.Object({ id: Id }, strict)
const ShareParams = Type.Object({ id: Id, shareId: Id }, strict)
const ListQuery = Type.Object(
  { state: Type.Optional(Type.Union([L('current'), L('all')])), ...PageQuery },
  strict,
)

/**
 * W5: `/tickets/{id}/shares` and `/customers/{id}/shares`. A record I may not view through my
 * own access is 404 (another company's, another team's, or one shared with my team: a share is
 * not passed on); one I may view but not share is 403.
 */
export function sharesRoutes(app: App, deps: RouteDeps): void {
  for (const [type, base] of [
    ['ticket', 'tickets'],
    ['customer', 'customers'],
  ] as const satisfies readonly [ShareableType, string][]) {
    const tags = [base]
    app.post(
      `/${base}/:id/shares`,
      {
        schema: {
          summary: `Share a ${type} with another team, limited to chosen fields (W5)`,
          description:
            `Every member of the team (the org unit itself, not the units under it) then sees ` +
            `this ${type} in their list, search, count and single read, with only the chosen ` +
            `fields (each at most as I see it: masked stays masked); a share opens no write and ` +
            `nothing else (not its replies or watchers). In force at once, until \`until\` (by ` +
            `the clock) or its revocation. A delegation: \`${type}.share\` on the record (the ` +
            `Team lead preset: the team's; Admin, Supervisor: every one), and I must see every ` +
            `chosen field (403 \`cannot_grant\` otherwise). A team not of my company is 404 on ` +
            `\`body/orgUnitId\`; an unknown field or an end in the past is 400. Audited ` +
            `\`share.created\`.`,
          tags,
          security,
          params: IdParams,
          body: ShareBody,
          response: { 201: ShareJson, ...problems(400, 401, 403, 404, 429) },
        },
      },
      async (req, reply) => {
        const { until, ...rest } = req.body
        const share = await createShare(deps.ctx(req), type, req.params.id, {
          ...rest,
          ...(until !== undefined && { until: new Date(until) }),
        })
        return reply.code(201).send(shareJson(share))
      },
    )

    app.get(
      `/${base}/:id/shares`,
      {
        schema: {
          summary: `The teams a ${type} is shared with`,
          description:
            `For whoever may view the ${type} through their own access (404 otherwise, a ` +
            `member of a team it is shared with included). \`state=current\` (default): neither ` +
            `ended nor revoked; \`all\`: the history too, each \`state\` read from the clock now.`,
          tags,
          security,
          params: IdParams,
          querystring: ListQuery,
          response: { 200: PageJson(ShareJson), ...problems(400, 401, 403, 404) },
        },
      },
      async (req) => {
        const { limit = 50, cursor, state } = req.query
        const page = await listShares(deps.ctx(req), type, req.params.id, {
          limit,
          cursor,
          state,
        })
        return { items: page.items.map(shareJson), nextCursor: page.nextCursor }
      },
    )

    app.delete(
      `/${base}/:id/shares/:shareId`,
      {
        schema: {
          summary: `End a share of a ${type} now`,
          description:
            `Whoever may share the ${type} (\`${type}.share\` on it) ends any of its shares; the ` +
            `team loses it on its very next request. 409 when it has already ended or been ` +
            `revoked. Audited \`share.revoked\`.`,
          tags,
          security,
          params: ShareParams,
          response: { 200: ShareJson, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) =>
        shareJson(await revokeShare(deps.ctx(req), type, req.params.id, req.params.shareId)),
    )
  }
}
