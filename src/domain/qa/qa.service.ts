/**
 * QA (issue 10, point 4), written the way docs/resources.md says: scorecards are company
 * configuration (`qaScorecard`, type-level decisions); evaluations are records (`qaEvaluation`)
 * read through the seam, scoped by their call's agent, team and project. An evaluation is made
 * only of a call the evaluator may `recording.play` — QA hears the calls of its scope and scores
 * them — and is decided again on the evaluation as it would be.
 */
import type { Readable } from 'node:stream'
import type { AttrOf, Decision, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { authorize, decisionFor } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { callRecords } from '../calls/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { Page, PageRequest } from '../page.js'
import {
  createThrough,
  defineResource,
  exportCsv,
  updateThrough,
  type Narrow,
} from '../seam/index.js'
import { weightedScore, type QaCriterion, type QaEvaluation, type QaScorecard } from './qa.js'
import {
  evaluationRowToEvaluation,
  findScorecard,
  insertEvaluation,
  insertScorecard,
  listScorecardRows,
  updateEvaluationRow,
  updateScorecardRow,
} from './qa.repo.js'

export type QaEvaluationView = Projected<QaEvaluation>

export const qaEvaluationRecords = defineResource({
  type: 'qaEvaluation',
  table: 'qa_evaluations',
  toItem: evaluationRowToEvaluation,
  columns: {
    id: 'id',
    agentId: 'agent_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    score: 'score',
  },
  search: { comments: 'comments' },
})

export function qaEvaluationResource(
  e: Pick<QaEvaluation, 'id' | AttrOf<'qaEvaluation'>>,
): Resource {
  const attrs: Record<AttrOf<'qaEvaluation'>, string | number | null> = {
    id: e.id,
    agentId: e.agentId,
    orgUnitId: e.orgUnitId,
    projectId: e.projectId,
    score: e.score,
  }
  return { type: 'qaEvaluation', id: e.id, attrs }
}

const invalid = (what: string, errors: ErrorDetail[]) =>
  new AppError('validation_failed', `the ${what} is not valid`, { errors })
const noSuchEvaluation = () => new AppError('not_found', 'no such evaluation')
const noSuchScorecard = (path: string) =>
  new AppError('not_found', 'no such scorecard', {
    errors: [{ path, message: 'no such scorecard' }],
  })

// --- scorecards ----------------------------------------------------------------------------------

/** Each key once, `[a-z][a-z0-9_]*`; weights and maxima 1 to 100. */
export function normaliseCriteria(criteria: readonly QaCriterion[]): QaCriterion[] {
  const errors: ErrorDetail[] = []
  const seen = new Set<string>()
  const out = criteria.map((c, i) => {
    const key = c.key.trim()
    if (!/^[a-z][a-z0-9_]{0,39}$/.test(key)) {
      errors.push({ path: `body/criteria/${i}/key`, message: 'a-z, 0-9 and _, starting a-z' })
    } else if (seen.has(key)) {
      errors.push({ path: `body/criteria/${i}/key`, message: `"${key}" twice` })
    }
    seen.add(key)
    const label = c.label.trim()
    if (label === '')
      errors.push({ path: `body/criteria/${i}/label`, message: 'must not be blank' })
    return { key, label, weight: c.weight, max: c.max }
  })
  if (errors.length > 0) throw invalid('scorecard', errors)
  return out
}

/** A write that breaks the unique name is 409 on `body/name`. */
async function nameTaken<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new AppError('conflict', 'a scorecard of this name exists', {
        errors: [{ path: 'body/name', message: 'taken' }],
      })
    }
    throw error
  }
}

/** A scorecard's name, not blank once trimmed. */
function scorecardName(name: string): string {
  const trimmed = name.trim()
  if (trimmed === '')
    throw invalid('scorecard', [{ path: 'body/name', message: 'must not be blank' }])
  return trimmed
}

export async function createScorecard(
  ctx: Ctx,
  input: { name: string; criteria: readonly QaCriterion[] },
): Promise<QaScorecard> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'qaScorecard.create', undefined, { recorded: true })
    const name = scorecardName(input.name)
    const criteria = normaliseCriteria(input.criteria)
    const card = await nameTaken(() =>
      insertScorecard(tx.db, tx.actor.companyId, { name, criteria }, tx.now),
    )
    await recordAudit(tx, {
      action: 'qaScorecard.created',
      targetType: 'qaScorecard',
      targetId: card.id,
      after: card,
    })
    return card
  })
}

/**
 * A new name or a new list of criteria (replacing the whole list): `qaScorecard.edit`, checked
 * before the scorecard is looked up (another company's is 404). Evaluations made before keep
 * their scores; a re-score is checked against the scorecard as it is now. Audited before → after.
 */
export async function updateScorecard(
  ctx: Ctx,
  id: string,
  input: { name?: string | undefined; criteria?: readonly QaCriterion[] | undefined },
): Promise<QaScorecard> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'qaScorecard.edit', undefined, { recorded: true })
    const before = await findScorecard(tx.db, tx.actor.companyId, id)
    if (before === undefined) throw new AppError('not_found', 'no such scorecard')
    const changes = {
      ...(input.name !== undefined && { name: scorecardName(input.name) }),
      ...(input.criteria !== undefined && { criteria: normaliseCriteria(input.criteria) }),
    }
    const after = await nameTaken(() =>
      updateScorecardRow(tx.db, tx.actor.companyId, id, changes, tx.now),
    )
    if (after === undefined) throw new AppError('not_found', 'no such scorecard')
    await recordAudit(tx, {
      action: 'qaScorecard.updated',
      targetType: 'qaScorecard',
      targetId: id,
      before,
      after,
    })
    return after
  })
}

export async function listScorecards(ctx: Ctx): Promise<QaScorecard[]> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'qaScorecard.view')
    return listScorecardRows(tx.db, tx.actor.companyId)
  })
}

// --- evaluations ---------------------------------------------------------------------------------

/** Every criterion scored once, an integer 0 … its max; nothing else. */
function checkScores(
  criteria: readonly QaCriterion[],
  scores: Readonly<Record<string, number>>,
): void {
  const errors: ErrorDetail[] = []
  const keys = new Set(criteria.map((c) => c.key))
  for (const key of Object.keys(scores)) {
    if (!keys.has(key)) errors.push({ path: `body/scores/${key}`, message: 'not on the scorecard' })
  }
  for (const c of criteria) {
    const v = scores[c.key]
    if (v === undefined) errors.push({ path: `body/scores/${c.key}`, message: 'missing' })
    else if (!Number.isInteger(v) || v < 0 || v > c.max) {
      errors.push({ path: `body/scores/${c.key}`, message: `an integer from 0 to ${c.max}` })
    }
  }
  if (errors.length > 0) throw invalid('evaluation', errors)
}

async function viewNow(tx: TenantCtx, e: QaEvaluation): Promise<QaEvaluationView> {
  const decision: Decision = await decisionFor(tx, 'qaEvaluation.view', qaEvaluationResource(e))
  return decision.allowed ? qaEvaluationRecords.view({ item: e, decision }) : { id: e.id }
}

/**
 * Scores a call: the call must be one the evaluator may `recording.play` (404 on `body/callId`
 * otherwise, as an id never issued — QA may not learn of calls outside its scope), the
 * scorecard one of the company; then `qaEvaluation.create` on the evaluation as it would be.
 */
export async function evaluateCall(
  ctx: Ctx,
  input: {
    callId: string
    scorecardId: string
    scores: Readonly<Record<string, number>>
    comments?: string | undefined
  },
): Promise<QaEvaluationView> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'qaEvaluation.create')
    const call = await callRecords.visible(tx, input.callId, 'recording.play')
    if (call === undefined) {
      throw new AppError('not_found', 'no such call', {
        errors: [{ path: 'body/callId', message: 'no such call' }],
      })
    }
    const card = await findScorecard(tx.db, tx.actor.companyId, input.scorecardId)
    if (card === undefined) throw noSuchScorecard('body/scorecardId')
    checkScores(card.criteria, input.scores)
    const wouldBe = {
      scorecardId: card.id,
      callId: call.item.id,
      agentId: call.item.agentId,
      orgUnitId: call.item.orgUnitId,
      projectId: call.item.projectId,
      evaluatorId: tx.actor.apiKeyId === undefined ? tx.actor.userId : null,
      scores: { ...input.scores },
      score: weightedScore(card.criteria, input.scores),
      comments: (input.comments ?? '').trim(),
    }
    const created = await createThrough(tx, {
      type: 'qaEvaluation',
      record: qaEvaluationResource({ ...wouldBe, id: '' }),
      fields: ['score', ...(wouldBe.comments === '' ? [] : ['comments'])],
      insert: () => insertEvaluation(tx.db, tx.actor.companyId, wouldBe, tx.now),
    })
    return viewNow(tx, created)
  })
}

export async function getEvaluation(ctx: Ctx, id: string): Promise<QaEvaluationView> {
  return inCompany(ctx, async (tx) =>
    qaEvaluationRecords.view(
      await qaEvaluationRecords.get(tx, id, 'qaEvaluation.view', noSuchEvaluation),
    ),
  )
}

export interface QaEvaluationFilter {
  readonly q?: string | undefined
  readonly agentId?: string | undefined
  readonly callId?: string | undefined
}

/** The evaluation list's filter as the seam reads it (the list and the export share it). */
function evaluationFilter(filter: QaEvaluationFilter): {
  q: string | undefined
  where: Narrow<'qa_evaluations'> | undefined
} {
  const { agentId, callId } = filter
  return {
    q: filter.q,
    where:
      agentId === undefined && callId === undefined
        ? undefined
        : (eb) =>
            eb.and([
              ...(agentId === undefined ? [] : [eb('qa_evaluations.agent_id', '=', agentId)]),
              ...(callId === undefined ? [] : [eb('qa_evaluations.call_id', '=', callId)]),
            ]),
  }
}

export async function listEvaluations(
  ctx: Ctx,
  filter: QaEvaluationFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<QaEvaluationView>> {
  return inCompany(ctx, (tx) =>
    qaEvaluationRecords.list(tx, 'qaEvaluation.view', {
      limit: page.limit,
      cursor: page.cursor,
      ...evaluationFilter(filter),
    }),
  )
}

/** The columns of an evaluation export, in order (a hidden field exports as an empty cell). */
export const evaluationExportColumns = [
  'id',
  'callId',
  'scorecardId',
  'agentId',
  'orgUnitId',
  'projectId',
  'evaluatorId',
  'score',
  'comments',
] as const satisfies readonly (keyof QaEvaluation)[]

/**
 * CSV of every evaluation the caller may `qaEvaluation.export` under the list's filter, each
 * projected as the list shows it (P2: high-risk, the Admin's by default); traced as
 * seam/export.ts says.
 */
export async function exportEvaluations(
  ctx: Ctx,
  filter: QaEvaluationFilter = {},
  reason?: string,
): Promise<Readable> {
  return exportCsv(ctx, {
    seam: qaEvaluationRecords,
    action: 'qaEvaluation.export',
    filter: evaluationFilter(filter),
    columns: evaluationExportColumns,
    described: { ...filter },
    reason,
  })
}

/** New scores (the score is computed again) or comments: `qaEvaluation.edit`, as updateThrough. */
export async function updateEvaluation(
  ctx: Ctx,
  id: string,
  request: { scores?: Readonly<Record<string, number>> | undefined; comments?: string | undefined },
): Promise<QaEvaluationView> {
  return inCompany(ctx, async (tx) => {
    const patch: Record<string, unknown> = {}
    if (request.comments !== undefined) patch['comments'] = request.comments.trim()
    if (request.scores !== undefined) {
      // the right first: scores checked against a scorecard would tell a caller who may not see
      // the evaluation that it exists (400 instead of 404)
      const { item } = await qaEvaluationRecords.get(tx, id, 'qaEvaluation.edit', noSuchEvaluation)
      const card = await findScorecard(tx.db, tx.actor.companyId, item.scorecardId)
      if (card === undefined) throw noSuchEvaluation()
      checkScores(card.criteria, request.scores)
      patch['scores'] = { ...request.scores }
      patch['score'] = weightedScore(card.criteria, request.scores)
    }
    const { after } = await updateThrough(tx, {
      seam: qaEvaluationRecords,
      id,
      missing: noSuchEvaluation,
      patch,
      actionFor: () => 'qaEvaluation.edit',
      resourceOf: qaEvaluationResource,
      update: (changes) =>
        updateEvaluationRow(
          tx.db,
          tx.actor.companyId,
          id,
          changes as { scores?: Record<string, number>; score?: number; comments?: string },
          tx.now,
        ),
    })
    return viewNow(tx, after)
  })
}
