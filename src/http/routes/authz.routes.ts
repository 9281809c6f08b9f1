import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  type ApiDecision,
  type ApiExplanation,
  checkAccess,
  explainAccess,
  permissionCatalog,
  whoAmI,
  type Me,
} from '../../domain/access/index.js'
import { reviewableTypes, whoCanSee, type WhoCanSee } from '../../domain/oversight/index.js'
import { Id, PreviewJson, problems, Timestamp } from '../api-schemas.js'
import { policyRef } from '../policy-schemas.js'
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
    approvalRequired: Type.Boolean(),
  }),
})
const ExplanationJson = Type.Object({
  ...DecisionJson.properties,
  action: Type.String(),
  trace: Type.Array(
    Type.Object({
      rule: RuleRef,
      effect: Type.String(),
      outcome: Type.String(),
      by: Type.Optional(
        Type.Literal('previewer', {
          description:
            'G4: in a preview, a rule of the person previewing (their own decision bounds ' +
            "the preview's); absent on the rules of the subject previewed",
        }),
      ),
    }),
  ),
})

/** domain/oversight `WhoCanSee`. */
const WhoCanSeeJson = Type.Unsafe<WhoCanSee>(
  Type.Object({
    type: Type.String(),
    id: Type.String(),
    action: Type.String(),
    people: Type.Array(
      Type.Object({
        userId: Type.String(),
        name: Type.String(),
        effect: Type.Literal('allow'),
        reason: Type.String(),
        masks: Type.Record(
          Type.String(),
          Type.Union([Type.Literal('hidden'), Type.Literal('masked')]),
          { description: 'fields this person does not read in clear: hidden (absent) or masked' },
        ),
        why: Type.Array(
          Type.Object({
            kind: Type.Union(
              ['role', 'group', 'grant', 'restriction', 'share'].map((k) => Type.Literal(k)),
            ),
            id: Type.String(),
            name: Type.String(),
          }),
        ),
        reasonRequired: Type.Boolean(),
        approvalRequired: Type.Boolean(),
        audited: Type.Boolean(),
      }),
    ),
  }),
)

/** GET /me (domain/access `Me`); fields added there pass through untyped until listed here. */
const MeJson = Type.Unsafe<Me>(
  Type.Object(
    {
      apiKeyId: Type.Union([Type.String(), Type.Null()], {
        description: 'set when the caller is an API key (then `user` is null)',
      }),
      mfaEnrolmentRequired: Type.Boolean(),
      company: Type.Object(
        {
          id: Type.String(),
          name: Type.String(),
          slug: Type.String({ description: 'the sign-in name colleagues type in "Company"' }),
          timeZone: Type.String({
            description:
              'IANA zone of the company: time-of-day and weekday conditions, daily quotas and ' +
              "the console's dates use it",
          }),
        },
        { description: "the caller's company" },
      ),
      user: Type.Union([
        Type.Object(
          {
            id: Type.String(),
            companyId: Type.String(),
            name: Type.String(),
            email: Type.String(),
            orgUnitId: Type.Union([Type.String(), Type.Null()]),
            level: Type.String(),
            position: Type.Union([Type.String(), Type.Null()]),
          },
          { additionalProperties: true },
        ),
        Type.Null(),
      ]),
      roles: Type.Array(
        Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String() }),
      ),
      groups: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
      grants: Type.Array(
        Type.Object({
          id: Type.String(),
          actions: Type.Array(Type.String()),
          scope: policyRef('Scope'),
          validFrom: Timestamp,
          validUntil: Timestamp,
        }),
        {
          description:
            'temporary grants not yet ended at this request (W1; upcoming ones included): ' +
            'GET /api/v1/grants has the details',
        },
      ),
      permissions: Type.Array(
        Type.Object({
          action: Type.String(),
          scopes: Type.Array(policyRef('Scope')),
          conditional: Type.Boolean({
            description:
              'true when a condition (`when`), a validity window or a restriction can still ' +
              'deny a record within the scopes; a data scope alone is not a condition',
          }),
        }),
      ),
      policyVersion: Type.Union([Type.String(), Type.Number()]),
      preview: Type.Union([PreviewJson, Type.Null()], {
        description:
          'G4: the preview the session has open (then roles, groups, grants and permissions ' +
          "are the preview's, bounded by the caller's own), or null",
      }),
    },
    { additionalProperties: true },
  ),
)

const asRequest = (q: QuestionBody) => ({
  userId: q.subject?.userId,
  action: q.action,
  resource: q.resource,
})
const decisionJson = (d: ApiDecision) => ({
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
        response: { 200: MeJson, ...problems(401) },
      },
    },
    async (req) => whoAmI(deps.ctx(req)),
  )

  app.post(
    '/authz/check',
    {
      // on a warm cache this route reads nothing but the company's counters (plugins/auth.ts),
      // and on embedded PGlite not even those while nothing changed (db/local-epoch.ts)
      config: { lazyTransaction: true, inPreview: true },
      schema: {
        summary: 'Decide one question, or a batch (`checks`); the subject defaults to the caller',
        description:
          'One question `{ action, resource?, subject? }` answers one decision; `{ checks: [...] }` ' +
          '(at most 200) answers `{ results }` in the same order. A suspended or offboarded ' +
          'subject is denied everything with reason `subject_inactive`. See docs/api.md.',
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
      return decisionJson(d as ApiDecision)
    },
  )

  app.get(
    '/authz/who-can-see',
    {
      schema: {
        summary: 'Who of my company may act on this record, with their masks and why',
        description:
          'Every person (of those I may view) the engine allows `action` (default: the ' +
          "type's view action) on the record, decided as their own request would be; each " +
          'with the fields hidden or masked to them and the roles, groups, grants or team ' +
          'shares that allow it. Needs audit.view; the record must be visible to me (else ' +
          '404). Audited (`access.reviewed`). See docs/oversight.md.',
        tags,
        security,
        querystring: Type.Object(
          {
            type: Type.String({ enum: [...reviewableTypes] }),
            id: Id,
            action: Type.Optional(Type.String({ minLength: 3, maxLength: 100 })),
          },
          strict,
        ),
        response: { 200: WhoCanSeeJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => whoCanSee(deps.ctx(req), req.query),
  )

  app.post(
    '/authz/explain',
    {
      // a question that changes nothing: answered in a preview too, for the subject previewed
      config: { inPreview: true },
      schema: {
        summary: 'The same decision with every rule considered and why it matched or not',
        tags,
        security,
        body: Question,
        response: { 200: ExplanationJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const e: ApiExplanation = await explainAccess(deps.ctx(req), asRequest(req.body))
      return { ...decisionJson(e), action: e.action, trace: [...e.trace] }
    },
  )
}
