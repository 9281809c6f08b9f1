import type { Generated, JSONColumnType, Selectable } from 'kysely'
import type { QaCriterion } from './qa.js'

export interface QaScorecardsTable {
  id: string
  company_id: string
  name: string
  criteria: JSONColumnType<QaCriterion[]>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface QaEvaluationsTable {
  id: string
  company_id: string
  scorecard_id: string
  call_id: string
  agent_id: string | null
  org_unit_id: string | null
  project_id: string | null
  evaluator_id: string | null
  scores: JSONColumnType<Record<string, number>>
  score: number
  comments: Generated<string>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type QaScorecardRow = Selectable<QaScorecardsTable>
export type QaEvaluationRow = Selectable<QaEvaluationsTable>
