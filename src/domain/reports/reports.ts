/**
 * Reports (issue 10, point 5): team metrics over exactly the caller's scope. A report on a
 * team is the `report` resource `{ orgUnitId: team, kind: 'team-metrics' }`; the engine decides
 * `report.view` (and `report.export`) on each team's, so a lead's team scope yields their team,
 * a company scope every team, and no grant no report at all.
 */
export interface TeamMetrics {
  /** The team (org unit); null for work done outside any team. */
  readonly orgUnitId: string | null
  readonly orgUnitName: string | null
  /** Calls started in the window. */
  readonly calls: number
  /** Of those, answered. */
  readonly connected: number
  /** connected / calls; null without calls. */
  readonly connectRate: number | null
  /** Mean seconds from answer to hang-up of the answered calls that ended; null without any. */
  readonly averageHandleSeconds: number | null
  /** Tickets opened in the window. */
  readonly ticketsOpened: number
  /** Tickets of the team open now (not resolved, not closed). */
  readonly ticketsOpenNow: number
}

export interface TeamMetricsReport {
  readonly from: Date
  readonly to: Date
  readonly teams: TeamMetrics[]
}
