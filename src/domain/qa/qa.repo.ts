// The QA tables, private to this module: only qa.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { QaCriterion, QaEvaluation, QaScorecard } from './qa.js'
import type { QaEvaluationRow, QaScorecardRow } from './qa.table.js'

type Db = Kysely<Database>

export function scorecardRowToScorecard(row: QaScorecardRow): QaScorecard {
  return {
    id: row.id,
    name: row.name,
    criteria: row.criteria,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function evaluationRowToEvaluation(row: QaEvaluationRow): QaEvaluation {
  return {
    id: row.id,
    scorecardId: row.scorecard_id,
    callId: row.call_id,
    agentId: row.agent_id,
    orgUnitId: row.org_unit_id,
    projectId: row.project_id,
    evaluatorId: row.evaluator_id,
    scores: row.scores,
    score: Number(row.score),
    comments: row.comments,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export async function insertScorecard(
  db: Db,
  companyId: string,
  input: { name: string; criteria: readonly QaCriterion[] },
  now: Date,
): Promise<QaScorecard> {
  const row = await db
    .insertInto('qa_scorecards')
    .values({
      id: randomUUID(),
      company_id: companyId,
      name: input.name,
      criteria: JSON.stringify(input.criteria),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return scorecardRowToScorecard(row)
}

export async function findScorecard(
  db: Db,
  companyId: string,
  id: string,
): Promise<QaScorecard | undefined> {
  const row = await db
    .selectFrom('qa_scorecards')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row === undefined ? undefined : scorecardRowToScorecard(row)
}

/** Writes a scorecard's new name or criteria; undefined when it is not the company's. */
export async function updateScorecardRow(
  db: Db,
  companyId: string,
  id: string,
  changes: { name?: string; criteria?: readonly QaCriterion[] },
  now: Date,
): Promise<QaScorecard | undefined> {
  const row = await db
    .updateTable('qa_scorecards')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.criteria !== undefined && { criteria: JSON.stringify(changes.criteria) }),
      updated_at: now,
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? undefined : scorecardRowToScorecard(row)
}

export async function listScorecardRows(db: Db, companyId: string): Promise<QaScorecard[]> {
  const rows = await db
    .selectFrom('qa_scorecards')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('name')
    .limit(500)
    .execute()
  return rows.map(scorecardRowToScorecard)
}

export async function insertEvaluation(
  db: Db,
  companyId: string,
  e: Omit<QaEvaluation, 'id' | 'createdAt' | 'updatedAt'>,
  now: Date,
): Promise<QaEvaluation> {
  const row = await db
    .insertInto('qa_evaluations')
    .values({
      id: randomUUID(),
      company_id: companyId,
      scorecard_id: e.scorecardId,
      call_id: e.callId,
      agent_id: e.agentId,
      org_unit_id: e.orgUnitId,
      project_id: e.projectId,
      evaluator_id: e.evaluatorId,
      scores: JSON.stringify(e.scores),
      score: e.score,
      comments: e.comments,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return evaluationRowToEvaluation(row)
}

export async function updateEvaluationRow(
  db: Db,
  companyId: string,
  id: string,
  patch: { scores?: Record<string, number>; score?: number; comments?: string },
  now: Date,
): Promise<QaEvaluation | undefined> {
  const row = await db
    .updateTable('qa_evaluations')
    .set({
      ...(patch.scores !== undefined && { scores: JSON.stringify(patch.scores) }),
      ...(patch.score !== undefined && { score: patch.score }),
      ...(patch.comments !== undefined && { comments: patch.comments }),
      updated_at: now,
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row === undefined ? undefined : evaluationRowToEvaluation(row)
}
