export {
  authorize,
  decisionFor,
  envOf,
  listPlan,
  resourceRef,
  subjectOf,
  type ResourceRef,
} from './authorize.js'
export {
  enforceListObligations,
  enforceObligations,
  REASON_HEADER,
  type GateOptions,
} from './obligations.js'
export { PolicyCache } from './policy-cache.js'
export {
  builtinDefinition,
  bumpPolicyVersion,
  loadPolicy,
  loadSubject,
  policyVersion,
  storedRole,
  type StoredDefinition,
} from './policy.repo.js'
export {
  checkAccess,
  explainAccess,
  permissionCatalog,
  whoAmI,
  type CheckRequest,
  type Me,
} from './decision-api.service.js'
