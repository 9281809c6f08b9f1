// The reports module's public face: its repository stays private (docs/resources.md).
export * from './reports.js'
export {
  exportTeamMetrics,
  maxReportDays,
  reportWindow,
  teamMetrics,
  teamReportResource,
} from './reports.service.js'
