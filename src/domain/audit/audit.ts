/** One audited change (G1): who did what to which record, from where, before → after. */
export interface AuditEntry {
  readonly companyId: string
  readonly occurredAt: Date
  readonly actorUserId: string | null
  /** `<thing>.<verb>`, e.g. `auth.login_failed`, `session.revoked`, `mfa.enabled`. */
  readonly action: string
  readonly targetType?: string | null
  readonly targetId?: string | null
  readonly before?: unknown
  readonly after?: unknown
  readonly ip?: string | null
  readonly sessionId?: string | null
  readonly requestId?: string | null
  readonly clientRequestId?: string | null
}

export interface AuditEvent {
  readonly id: string
  readonly companyId: string
  readonly seq: number
  readonly occurredAt: Date
  readonly actorUserId: string | null
  readonly action: string
  readonly targetType: string | null
  readonly targetId: string | null
  readonly before: unknown
  readonly after: unknown
  readonly ip: string | null
  readonly sessionId: string | null
  readonly requestId: string | null
  /** The client's own x-request-id (S22); `requestId` is always the server's. */
  readonly clientRequestId: string | null
  readonly prevHash: string
  readonly hash: string
}

export interface AuditFilter {
  readonly action?: string | undefined
  readonly actorId?: string | undefined
  readonly targetType?: string | undefined
  readonly targetId?: string | undefined
  readonly from?: Date | undefined
  readonly to?: Date | undefined
}

export type ChainVerification =
  | {
      readonly ok: true
      readonly count: number
      /** S14: the seq of the latest signed checkpoint (0 without one). */
      readonly anchoredTo: number
      /** Events after it: held together by the unkeyed chain only, not yet anchored. */
      readonly unanchored: number
    }
  | {
      readonly ok: false
      readonly count: number
      readonly brokenAt: number
      readonly reason: string
    }

export const GENESIS_HASH = '0'.repeat(64)
