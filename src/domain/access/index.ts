export {
  authorize,
  decisionFor,
  decisionOfUser,
  decisionUnder,
  envOf,
  listPlan,
  policyInTransaction,
  rebindInTransaction,
  resourceRef,
  subjectOf,
  withoutShares,
  type ResourceRef,
} from './authorize.js'
export {
  enforceListObligations,
  enforceObligations,
  REASON_HEADER,
  type GateOptions,
} from './obligations.js'
export { CallerCache, CALLER_CACHE_SIZE, type CachedCaller } from './caller-cache.js'
export { PolicyCache, POLICY_CACHE_SIZE } from './policy-cache.js'
export { policyChanged } from './policy-change.js'
export { followPolicyChanges } from './policy-notices.js'
export {
  allowedOnlyByShares,
  bumpPolicyVersion,
  isShareGrant,
  loadPolicy,
  loadSubject,
  shareGrantId,
  storedRole,
  subjectColumns,
  subjectOfRow,
  type LoadedSubject,
  type StoredDefinition,
  type SubjectRow,
} from './policy.service.js'
export {
  apiReasonCodes,
  checkAccess,
  type ApiDecision,
  type ApiExplanation,
  explainAccess,
  permissionCatalog,
  whoAmI,
  type CheckRequest,
  type Me,
} from './decision-api.service.js'
