import { createHash } from 'node:crypto'
import type { AuditEvent } from './audit.js'
import { canonicalJson } from './canonical-json.js'

/** sha256 over the previous hash and the canonical JSON of every recorded field but the hash. */
export function hashAuditEvent(event: Omit<AuditEvent, 'hash'>): string {
  const body = canonicalJson({
    id: event.id,
    companyId: event.companyId,
    seq: event.seq,
    occurredAt: event.occurredAt.toISOString(),
    actorUserId: event.actorUserId,
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId,
    before: event.before,
    after: event.after,
    ip: event.ip,
    sessionId: event.sessionId,
    requestId: event.requestId,
    // Left out when null, so events written before this field existed keep their hashes.
    clientRequestId: event.clientRequestId ?? undefined,
  })
  return createHash('sha256').update(event.prevHash).update('\n').update(body).digest('hex')
}
