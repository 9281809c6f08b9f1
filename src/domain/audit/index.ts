export type { AuditEntry, AuditEvent, AuditFilter, ChainVerification } from './audit.js'
export {
  appendAudit,
  listAudit,
  recordAudit,
  verifyAuditChain,
  verifyMyAuditChain,
  type AuditPage,
  type UserDataLens,
} from './audit.service.js'
export { canonicalJson } from './canonical-json.js'
