export type { AuditEntry, AuditEvent, AuditFilter, ChainVerification } from './audit.js'
export {
  appendAudit,
  auditEventAt,
  checkpointMyAuditChain,
  listAudit,
  recordAudit,
  recordSystemAudit,
  verifyAuditChain,
  verifyMyAuditChain,
  type AuditCheckpoint,
  type AuditPage,
  type UserDataLens,
} from './audit.service.js'
export { createAuditSigner, type AuditSigner } from './audit-signer.js'
export { canonicalJson } from './canonical-json.js'
