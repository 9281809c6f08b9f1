import { Type } from '@fastify/type-provider-typebox'
import { checkpointMyAuditChain, listAudit, verifyMyAuditChain } from '../../domain/audit/index.js'
import { userDataLens } from '../../domain/users/index.js'
import { PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const AuditEventJson = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  occurredAt: Timestamp,
  actorUserId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  ip: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  clientRequestId: Type.Union([Type.String(), Type.Null()]),
  prevHash: Type.String(),
  hash: Type.String(),
})

const AuditQuery = Type.Object(
  {
    ...PageQuery,
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    targetType: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
)

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['audit']

export function auditRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/audit',
    {
      schema: {
        summary: 'Audit events of my company, newest first (G1)',
        tags,
        security,
        querystring: AuditQuery,
        response: {
          200: Type.Object({
            items: Type.Array(AuditEventJson),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => {
      const { limit = 50, cursor, from, to, ...filter } = req.query
      const page = await listAudit(
        deps.ctx(req),
        {
          ...filter,
          from: from === undefined ? undefined : new Date(from),
          to: to === undefined ? undefined : new Date(to),
        },
        { limit, cursor },
        userDataLens,
      )
      return {
        items: page.items.map(({ companyId: _, ...e }) => ({
          ...e,
          occurredAt: e.occurredAt.toISOString(),
        })),
        nextCursor: page.nextCursor,
      }
    },
  )

  app.get(
    '/audit/verify',
    {
      schema: {
        summary: "Re-compute my company's audit hash chain",
        tags,
        security,
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            count: Type.Integer(),
            anchoredTo: Type.Optional(
              Type.Integer({ description: 'seq of the latest signed checkpoint (0: none)' }),
            ),
            unanchored: Type.Optional(
              Type.Integer({
                description:
                  'events after the latest checkpoint: not anchored yet; a deleted or rewritten tail among them goes unnoticed',
              }),
            ),
            brokenAt: Type.Optional(Type.Integer()),
            reason: Type.Optional(Type.String()),
          }),
          ...problems(401, 403),
        },
      },
    },
    async (req) => verifyMyAuditChain(deps.ctx(req), deps.auditSigner),
  )

  app.get(
    '/audit/checkpoint',
    {
      schema: {
        summary: "Sign my company's audit chain head (S14): keep the answer outside the database",
        description:
          'Stores the checkpoint, so verify holds the chain to it, and returns it signed (Ed25519 over `payload`) with the public key, to check offline.',
        tags,
        security,
        response: {
          200: Type.Object({
            companyId: Type.String(),
            seq: Type.Integer(),
            hash: Type.String(),
            signedAt: Timestamp,
            payload: Type.String(),
            algorithm: Type.Literal('Ed25519'),
            signature: Type.String(),
            publicKey: Type.String(),
          }),
          ...problems(401, 403),
        },
      },
    },
    async (req) => checkpointMyAuditChain(deps.ctx(req), deps.auditSigner),
  )
}
