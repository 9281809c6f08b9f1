/**
 * QA (issue 10, point 4): an inspector hears the recordings of their scope and scores each call
 * against a scorecard; nobody in QA dials (the presets give QA no `call.dial`).
 */
export interface QaCriterion {
  /** A stable key (`greeting`), the key of its score in an evaluation. */
  readonly key: string
  readonly label: string
  /** Relative weight, 1 to 100. */
  readonly weight: number
  /** The highest score of this criterion, 1 to 100 (a score is 0 … max). */
  readonly max: number
}

export interface QaScorecard {
  readonly id: string
  readonly name: string
  readonly criteria: readonly QaCriterion[]
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** An evaluation of one call (the `qaEvaluation` type). */
export interface QaEvaluation {
  readonly id: string
  readonly scorecardId: string
  readonly callId: string
  /** The call's agent, team and project: the scopes read them. */
  readonly agentId: string | null
  readonly orgUnitId: string | null
  readonly projectId: string | null
  readonly evaluatorId: string | null
  readonly scores: Readonly<Record<string, number>>
  /** Weighted, 0 to 100, one decimal. */
  readonly score: number
  readonly comments: string
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** The weighted score, 0 to 100 with one decimal, of scores against criteria. */
export function weightedScore(
  criteria: readonly QaCriterion[],
  scores: Readonly<Record<string, number>>,
): number {
  const total = criteria.reduce((n, c) => n + c.weight, 0)
  if (total === 0) return 0
  const sum = criteria.reduce((n, c) => n + (c.weight * (scores[c.key] ?? 0)) / c.max, 0)
  return Math.round((sum / total) * 1000) / 10
}
