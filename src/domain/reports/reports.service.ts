import { Readable } from 'node:stream'
import type { Action, Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { authorize, decisionFor } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { csvLine } from '../seam/index.js'
import type { TeamMetrics, TeamMetricsReport } from './reports.js'
import { aggregate, listUnits } from './reports.repo.js'

/** The longest window a report covers. */
export const maxReportDays = 366
const day = 86_400_000

/** A team's report as the engine sees it (`report`: orgUnitId, projectId, kind). */
export function teamReportResource(orgUnitId: string | null): Resource {
  const attrs = {
    id: `team-metrics:${orgUnitId ?? 'none'}`,
    orgUnitId,
    projectId: null,
    kind: 'team-metrics',
  }
  return { type: 'report', id: attrs.id, attrs }
}

/**
 * [from, to): by default the 7 days up to now, now included (what happened in this very
 * millisecond too); at most `maxReportDays`.
 */
export function reportWindow(now: Date, from?: string, to?: string): { from: Date; to: Date } {
  const end = to === undefined ? new Date(now.getTime() + 1) : new Date(to)
  const start = from === undefined ? new Date(end.getTime() - 7 * day) : new Date(from)
  const problems = []
  if (start.getTime() >= end.getTime()) {
    problems.push({ path: 'querystring/from', message: 'must be before `to`' })
  }
  if (end.getTime() - start.getTime() > maxReportDays * day) {
    problems.push({
      path: 'querystring/from',
      message: `at most ${maxReportDays} days before \`to\``,
    })
  }
  if (problems.length > 0) {
    throw new AppError('validation_failed', 'the report window is not valid', { errors: problems })
  }
  return { from: start, to: end }
}

/**
 * The teams whose report the caller may `action`, decided by the engine on each team's report
 * (and on the report of work outside any team). None at all when the caller holds the action
 * nowhere: 403, as every type-level refusal.
 */
async function teamsFor(tx: TenantCtx, action: Action) {
  const typeLevel = await decisionFor(tx, action)
  if (
    !typeLevel.allowed &&
    (typeLevel.reason === 'not_granted' || typeLevel.reason === 'restricted')
  ) {
    throw new AppError('forbidden', `not allowed: ${action} (${typeLevel.reason})`)
  }
  const units = await listUnits(tx.db, tx.actor.companyId)
  const allowed = []
  for (const unit of units) {
    if ((await decisionFor(tx, action, teamReportResource(unit.id))).allowed) allowed.push(unit)
  }
  const noTeam = (await decisionFor(tx, action, teamReportResource(null))).allowed
  return { allowed, noTeam }
}

async function metrics(
  tx: TenantCtx,
  action: Action,
  window: { from: Date; to: Date },
): Promise<TeamMetrics[]> {
  const { allowed, noTeam } = await teamsFor(tx, action)
  const rows = await aggregate(
    tx.db,
    tx.actor.companyId,
    allowed.map((u) => u.id),
    noTeam,
    window.from,
    window.to,
  )
  const byUnit = new Map(rows.map((r) => [r.orgUnitId, r]))
  const teams: TeamMetrics[] = allowed.map((unit) => {
    const r = byUnit.get(unit.id)
    return shape(unit.id, unit.name, r)
  })
  const none = byUnit.get(null)
  if (noTeam && none !== undefined) teams.push(shape(null, null, none))
  return teams
}

function shape(
  orgUnitId: string | null,
  orgUnitName: string | null,
  r: Awaited<ReturnType<typeof aggregate>>[number] | undefined,
): TeamMetrics {
  const calls = r?.calls ?? 0
  const connected = r?.connected ?? 0
  return {
    orgUnitId,
    orgUnitName,
    calls,
    connected,
    connectRate: calls === 0 ? null : Math.round((connected / calls) * 1000) / 1000,
    averageHandleSeconds: r?.averageHandleSeconds ?? null,
    ticketsOpened: r?.ticketsOpened ?? 0,
    ticketsOpenNow: r?.ticketsOpenNow ?? 0,
  }
}

/** Team metrics over the window, one row per team the caller may `report.view`. */
export async function teamMetrics(
  ctx: Ctx,
  query: { from?: string | undefined; to?: string | undefined } = {},
): Promise<TeamMetricsReport> {
  const window = reportWindow(ctx.now, query.from, query.to)
  return inCompany(ctx, async (tx) => ({
    ...window,
    teams: await metrics(tx, 'report.view', window),
  }))
}

const exportColumns = [
  'orgUnitId',
  'orgUnitName',
  'calls',
  'connected',
  'connectRate',
  'averageHandleSeconds',
  'ticketsOpened',
  'ticketsOpenNow',
] as const satisfies readonly (keyof TeamMetrics)[]

/**
 * The same report as CSV, for the teams the caller may `report.export` (P2: high-risk; the
 * obligations of the grant — a reason in `x-tessera-reason`, say — are enforced first), audited
 * with the window, the row count and the reason in the same transaction that read it.
 */
export async function exportTeamMetrics(
  ctx: Ctx,
  query: { from?: string | undefined; to?: string | undefined } = {},
): Promise<Readable> {
  const window = reportWindow(ctx.now, query.from, query.to)
  const teams = await inCompany(ctx, async (tx) => {
    await authorize(tx, 'report.export', undefined, { recorded: true })
    const rows = await metrics(tx, 'report.export', window)
    await recordAudit(tx, {
      action: 'report.exported',
      targetType: 'report',
      targetId: 'team-metrics',
      after: {
        kind: 'team-metrics',
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        rows: rows.length,
        ...(tx.meta.reason != null && { reason: tx.meta.reason }),
      },
    })
    return rows
  })
  const lines = [
    csvLine(exportColumns),
    ...teams.map((t) => csvLine(exportColumns.map((c) => t[c]))),
  ]
  return Readable.from(lines)
}
