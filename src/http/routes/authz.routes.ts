import { Type, type Static } from '@fastify/type-provider-typebox'
import type { Decision, Explanation } from '../../authz/index.js'
import { checkAccess, explainAccess, permissionCatalog, whoAmI } from '../../domain/access/index.js'
import { Id, problems } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const strict = { additionalProperties: false } as const
const tags = ['authorization']

const Scalar = Type.Union([
  Type.String({ maxLength: 1000 }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
])
const Question = Type.Object(
  {
    subject: Type.Optional(Type.Object({ userId: Id }, strict)),
    action: Type.String({
      minLength: 3,
      maxLength: 100,
      description: '`resource.action` from GET /permissions',
    }),
    resource: Type.Optional(
      Type.Object(
        {
          type: Type.String({ minLength: 1, maxLength: 60 }),
          id: Type.Optional(Id),
          attrs: Type.Optional(
            Type.Record(
              Type.String({ maxLength: 60 }),
              Type.Union([Scalar, Type.Array(Scalar, { maxItems: 100 })]),
              { maxProperties: 50 },
            ),
          ),
        },
        strict,
      ),
    ),
  },
  strict,
)
type QuestionBody = Static<typeof Question>

const RuleRef = Type.Object({
  kind: Type.String(),
  id: Type.String(),
  index: Type.Integer(),
  label: Type.Optional(Type.String()),
})
const DecisionJson = Type.Object({
  allowed: Type.Boolean(),
  reason: Type.String(),
  matched: Type.Array(RuleRef),
  obligations: Type.Object({
    fields: Type.Record(Type.String(), Type.String()),
    limits: Type.Optional(
      Type.Object({
        perDay: Type.Optional(Type.Integer()),
        concurrent: Type.Optional(Type.Integer()),
      }),
    ),
    audit: Type.Boolean(),
    reasonRequired: Type.Boolean(),
  }),
})
const ExplanationJson = Type.Object({
  ...DecisionJson.properties,
  action: Type.String(),
  trace: Type.Array(Type.Object({ rule: RuleRef, effect: Type.String(), outcome: Type.String() })),
})

const asRequest = (q: QuestionBody) => ({
  userId: q.subject?.userId,
  action: q.action,
  resource: q.resource,
})
const decisionJson = (d: Decision) => ({
  allowed: d.allowed,
  reason: d.reason,
  matched: [...d.matched],
  obligations: d.obligations,
})

/** The permission catalog: public, like the OpenAPI document. */
export function catalogRoutes(app: App): void {
  app.get(
    '/api/v1/permissions',
    {
      schema: {
        summary: 'The permission catalog: resources, actions, fields, scopes',
        tags,
        response: { 200: Type.Unknown() },
      },
    },
    async () => permissionCatalog(),
  )
}

/** The caller's own view and the decision API (authenticated scope, prefix /api/v1). */
export function authzRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/me',
    {
      config: { mfaEnrolment: true },
      schema: {
        summary: 'The caller, their roles, groups, grants and effective permissions',
        tags,
        security,
        response: { 200: Type.Unknown(), ...problems(401) },
      },
    },
    async (req) => whoAmI(deps.ctx(req)),
  )

  app.post(
    '/authz/check',
    {
      schema: {
        summary: 'Decide one question, or a batch (`checks`); the subject defaults to the caller',
        tags,
        security,
        body: Type.Union([
          Question,
          Type.Object({ checks: Type.Array(Question, { minItems: 1, maxItems: 200 }) }, strict),
        ]),
        response: {
          200: Type.Union([DecisionJson, Type.Object({ results: Type.Array(DecisionJson) })]),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const body = req.body
      if ('checks' in body)
        return {
          results: (await checkAccess(deps.ctx(req), body.checks.map(asRequest))).map(decisionJson),
        }
      const [d] = await checkAccess(deps.ctx(req), [asRequest(body)])
      return decisionJson(d as Decision)
    },
  )

  app.post(
    '/authz/explain',
    {
      schema: {
        summary: 'The same decision with every rule considered and why it matched or not',
        tags,
        security,
        body: Question,
        response: { 200: ExplanationJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const e: Explanation = await explainAccess(deps.ctx(req), asRequest(req.body))
      return { ...decisionJson(e), action: e.action, trace: [...e.trace] }
    },
  )
}
