import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  createScorecard,
  evaluateCall,
  exportEvaluations,
  getEvaluation,
  listEvaluations,
  listScorecards,
  updateEvaluation,
  updateScorecard,
  type QaEvaluationView,
  type QaScorecard,
} from '../../domain/qa/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import { sendCsv } from '../send-csv.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['qa']

const Criterion = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 40, description: 'a-z, 0-9 and _' }),
    label: Type.String({ minLength: 1, maxLength: 100 }),
    weight: Type.Integer({ minimum: 1, maximum: 100 }),
    max: Type.Integer({ minimum: 1, maximum: 100, description: 'the highest score' }),
  },
  { additionalProperties: false },
)

const ScorecardName = Type.String({ minLength: 1, maxLength: 100 })
const Criteria = Type.Array(Criterion, { minItems: 1, maxItems: 30 })

/** What the evaluation list (and its export) may be narrowed by, besides my scope. */
const evaluationFilters = {
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  agentId: Type.Optional(Id),
  callId: Type.Optional(Id),
}

const ScorecardJson = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    criteria: Type.Array(Criterion),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
)

function scorecardJson(c: QaScorecard): Static<typeof ScorecardJson> {
  return {
    ...c,
    criteria: [...c.criteria],
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  }
}

const Scores = Type.Record(Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 }), {
  description: 'one integer per criterion key, 0 to its max',
})

/** An evaluation as the caller may see it: hidden fields absent, masked ones named. */
const EvaluationJson = Type.Object(
  {
    id: Type.String(),
    scorecardId: Type.Optional(Type.String()),
    callId: Type.Optional(Type.String()),
    agentId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    orgUnitId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    projectId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    evaluatorId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    scores: Type.Optional(Type.Record(Type.String(), Type.Number())),
    score: Type.Optional(
      Type.Union([Type.Number({ description: 'weighted, 0 to 100' }), Type.String()]),
    ),
    comments: Type.Optional(Type.String()),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

function evaluationJson(e: QaEvaluationView): Static<typeof EvaluationJson> {
  const { createdAt, updatedAt, ...rest } = e
  return {
    ...rest,
    id: e.id as string,
    ...(createdAt !== undefined && { createdAt: createdAt.toISOString() }),
    ...(updatedAt !== undefined && { updatedAt: updatedAt.toISOString() }),
  } as Static<typeof EvaluationJson>
}

export function qaRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/qa/scorecards',
    {
      schema: {
        summary: 'The company’s QA scorecards',
        description: 'Needs `qaScorecard.view`.',
        tags,
        security,
        response: {
          200: Type.Object({ items: Type.Array(ScorecardJson) }, { additionalProperties: false }),
          ...problems(401, 403),
        },
      },
    },
    async (req) => ({ items: (await listScorecards(deps.ctx(req))).map(scorecardJson) }),
  )

  app.post(
    '/qa/scorecards',
    {
      schema: {
        summary: 'Create a QA scorecard (criteria with weights)',
        description: 'Needs `qaScorecard.create`. Audited.',
        tags,
        security,
        body: Type.Object(
          { name: ScorecardName, criteria: Criteria },
          { additionalProperties: false },
        ),
        response: { 201: ScorecardJson, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(scorecardJson(await createScorecard(deps.ctx(req), req.body))),
  )

  app.patch(
    '/qa/scorecards/:id',
    {
      schema: {
        summary: 'Rename a QA scorecard or replace its criteria (items and weights)',
        description:
          'Needs `qaScorecard.edit`. `criteria` replaces the whole list (each key once). ' +
          'Evaluations made before keep their scores; a re-score is checked against the ' +
          'scorecard as it is now. Another company’s scorecard is 404; a name taken 409. ' +
          'Audited `qaScorecard.updated` before → after.',
        tags,
        security,
        params: Type.Object({ id: Id }, { additionalProperties: false }),
        body: Type.Object(
          {
            name: Type.Optional(ScorecardName),
            criteria: Type.Optional(Criteria),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ScorecardJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => scorecardJson(await updateScorecard(deps.ctx(req), req.params.id, req.body)),
  )

  app.get(
    '/qa/evaluations',
    {
      schema: {
        summary: 'The QA evaluations I may view, one page by id',
        description:
          'Scoped by the evaluated call’s agent, team and project (an agent’s own, a lead’s ' +
          'team, QA’s company). `q` searches the comments where I read them in clear.',
        tags,
        security,
        querystring: Type.Object(
          { ...PageQuery, ...evaluationFilters },
          { additionalProperties: false },
        ),
        response: { 200: PageJson(EvaluationJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listEvaluations(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(evaluationJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/qa/evaluations/export',
    {
      schema: {
        summary: 'Export the QA evaluations I may export, as CSV (streamed)',
        description:
          '`qaEvaluation.export` (P2: high-risk, the Admin’s by default) over the same filters, ' +
          'scope and field rules as the list: a field I may not see exports as an empty cell. ' +
          'Refusals (403, 400 `reason_required`, 409 `approval_required`, 429 `quota_exceeded`) ' +
          'come before any row. Audited before the first row (`qaEvaluation.export.started`) ' +
          'and at the end with the row count (`qaEvaluation.exported`).',
        tags,
        security,
        querystring: Type.Object(evaluationFilters, { additionalProperties: false }),
        response: {
          200: {
            description: 'CSV (RFC 4180): a header line, then one line per evaluation',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...problems(400, 401, 403, 409, 429),
        },
      },
    },
    async (req, reply) =>
      sendCsv(reply, await exportEvaluations(deps.ctx(req), req.query), 'qa-evaluations.csv'),
  )

  app.post(
    '/qa/evaluations',
    {
      schema: {
        summary: 'Score a call against a scorecard',
        description:
          'The call must be one I may `recording.play` (404 on `body/callId` otherwise); every ' +
          'criterion scored once, 0 to its max (400 with the path). The score is weighted, 0 ' +
          'to 100. Needs `qaEvaluation.create` on the evaluation as it would be. Audited.',
        tags,
        security,
        body: Type.Object(
          {
            callId: Id,
            scorecardId: Id,
            scores: Scores,
            comments: Type.Optional(Type.String({ maxLength: 5000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: EvaluationJson, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(evaluationJson(await evaluateCall(deps.ctx(req), req.body))),
  )

  app.get(
    '/qa/evaluations/:id',
    {
      schema: {
        summary: 'One QA evaluation',
        tags,
        security,
        params: Type.Object({ id: Id }, { additionalProperties: false }),
        response: { 200: EvaluationJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => evaluationJson(await getEvaluation(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/qa/evaluations/:id',
    {
      schema: {
        summary: 'Change an evaluation’s scores or comments',
        description: 'Needs `qaEvaluation.edit`; new scores recompute the score. Audited.',
        tags,
        security,
        params: Type.Object({ id: Id }, { additionalProperties: false }),
        body: Type.Object(
          {
            scores: Type.Optional(Scores),
            comments: Type.Optional(Type.String({ maxLength: 5000 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: EvaluationJson, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (req) => evaluationJson(await updateEvaluation(deps.ctx(req), req.params.id, req.body)),
  )
}
