import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  exportTeamMetrics,
  maxReportDays,
  teamMetrics,
  type TeamMetrics,
} from '../../domain/reports/index.js'
import { problems, Timestamp } from '../api-schemas.js'
import { sendCsv } from '../send-csv.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['reports']

const WindowQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
)

const Nullable = <T extends ReturnType<typeof Type.Number>>(s: T) => Type.Union([s, Type.Null()])

const TeamMetricsJson = Type.Object(
  {
    orgUnitId: Type.Union([Type.String(), Type.Null()], {
      description: 'the team; null for work done outside any team',
    }),
    orgUnitName: Type.Union([Type.String(), Type.Null()]),
    calls: Type.Integer({ description: 'calls started in the window' }),
    connected: Type.Integer({ description: 'of those, answered' }),
    connectRate: Nullable(Type.Number({ description: 'connected / calls' })),
    averageHandleSeconds: Nullable(
      Type.Number({ description: 'mean seconds from answer to hang-up' }),
    ),
    ticketsOpened: Type.Integer({ description: 'tickets opened in the window' }),
    ticketsOpenNow: Type.Integer({ description: 'tickets open now (not resolved or closed)' }),
  },
  { additionalProperties: false },
)

function teamJson(t: TeamMetrics): Static<typeof TeamMetricsJson> {
  return { ...t }
}

export function reportsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/reports/team-metrics',
    {
      schema: {
        summary: 'Team metrics over exactly my scope (calls, connect rate, handle time, tickets)',
        description:
          "One row per team whose report I may `report.view`: a lead's team scope gives their " +
          'team, a company scope every team (and the work outside any team). Without ' +
          '`report.view` anywhere, 403. The window is `[from, to)`, by default the 7 days ' +
          `before now, at most ${maxReportDays} days. Satisfaction is not measured yet.`,
        tags,
        security,
        querystring: WindowQuery,
        response: {
          200: Type.Object(
            { from: Timestamp, to: Timestamp, teams: Type.Array(TeamMetricsJson) },
            { additionalProperties: false },
          ),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => {
      const report = await teamMetrics(deps.ctx(req), req.query)
      return {
        from: report.from.toISOString(),
        to: report.to.toISOString(),
        teams: report.teams.map(teamJson),
      }
    },
  )

  app.get(
    '/reports/team-metrics/export',
    {
      schema: {
        summary: 'The team metrics as CSV (P2: high-risk, audited)',
        description:
          'The teams whose report I may `report.export`, with the same figures. Audited ' +
          '(`report.exported`, with the window, the row count and any reason from ' +
          '`x-tessera-reason`) before the file is sent.',
        tags,
        security,
        querystring: WindowQuery,
        response: {
          200: {
            description: 'CSV (RFC 4180): a header line, then one line per team',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...problems(400, 401, 403, 409, 429),
        },
      },
    },
    async (req, reply) => {
      const csv = await exportTeamMetrics(deps.ctx(req), req.query)
      return sendCsv(reply, csv, 'team-metrics.csv')
    },
  )
}
