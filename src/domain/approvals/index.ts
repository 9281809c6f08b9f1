// The approvals module's public face (W1–W3): its repository stays private (docs/resources.md).
import { beforeScriptAccess } from '../scripts/index.js'
import { settleExpiredScriptRequests } from './approvals.service.js'

// issue 11: a script request that expired undecided withdraws its version when scripts are next
// touched (approvals.service.ts settleExpiredScriptRequests)
beforeScriptAccess(settleExpiredScriptRequests)

export * from './approvals.js'
export {
  addPoolNumberOrAsk,
  publishScriptOrApprove,
  submitScriptOrAsk,
  updateCustomerOrAsk,
  updateScriptAndCloseRequest,
  type Asked,
} from './ask.service.js'
export type {
  CustomerTagsInput,
  DataSupplementInput,
  EffectInput,
  PoolNumbersInput,
  ScriptChangeInput,
} from './effects.js'
export {
  approveRequest,
  cancelRequest,
  cancelRequestsOf,
  createApprovalRequest,
  DEFAULT_REQUEST_TTL_MINUTES,
  getApprovalRequest,
  listApprovalRequests,
  listApprovalRoutes,
  MAX_REQUEST_TTL_MINUTES,
  rejectRequest,
  resetApprovalRoute,
  setApprovalRoute,
  type ApprovalListRequest,
  type DecisionInput,
  type NewApprovalRequest,
} from './approvals.service.js'
export {
  createTemporaryGrant,
  getTemporaryGrant,
  listTemporaryGrants,
  MAX_GRANT_MS,
  revokeGrantsOf,
  revokeTemporaryGrant,
  type DirectGrantInput,
  type GrantListRequest,
} from './grants.service.js'
