// The QA module's public face: its repository stays private (docs/resources.md).
export * from './qa.js'
export {
  createScorecard,
  evaluateCall,
  exportEvaluations,
  getEvaluation,
  listEvaluations,
  listScorecards,
  normaliseCriteria,
  qaEvaluationRecords,
  qaEvaluationResource,
  updateEvaluation,
  updateScorecard,
  type QaEvaluationFilter,
  type QaEvaluationView,
} from './qa.service.js'
