// The approvals module's public face (W1–W3): its repository stays private (docs/resources.md).
export * from './approvals.js'
export { addPoolNumberOrAsk, updateCustomerOrAsk, type Asked } from './ask.service.js'
export type { CustomerTagsInput, EffectInput, PoolNumbersInput } from './effects.js'
export {
  approveRequest,
  cancelRequest,
  cancelRequestsOf,
  createApprovalRequest,
  DEFAULT_REQUEST_TTL_MINUTES,
  getApprovalRequest,
  listApprovalRequests,
  MAX_REQUEST_TTL_MINUTES,
  rejectRequest,
  type ApprovalListRequest,
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
