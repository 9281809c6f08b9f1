export {
  authorize,
  decisionFor,
  envOf,
  listPlan,
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
  builtinDefinition,
  bumpPolicyVersion,
  isShareGrant,
  loadPolicy,
  loadSubject,
  POLICY_CHANNEL,
  policyVersion,
  shareGrantId,
  storedRole,
  subjectColumns,
  subjectOfRow,
  type LoadedSubject,
  type PolicyNotice,
  type StoredDefinition,
  type SubjectRow,
} from './policy.repo.js'
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
