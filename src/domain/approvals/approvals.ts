import type { Action, FieldLevel, ResourceType } from '../../authz/index.js'

// W1–W3: temporary grants and the access requests that lead to them, as the API shows them.

/**
 * Request types: a temporary grant for the requester (W1), and two changes that need approval
 * (W3) — a customer's tags (`customerTags`) and numbers added to a pool beyond the day's quota
 * (`poolNumbers`). Script and data-supplement requests are not built yet.
 */
export const approvalTypes = ['temporaryGrant', 'customerTags', 'poolNumbers'] as const
export type ApprovalType = (typeof approvalTypes)[number]
/** The types whose approval applies a change (not a grant). */
export type EffectType = Exclude<ApprovalType, 'temporaryGrant'>

/**
 * Who decides (W1, W2): `lead` — a team lead of the requester's org unit (or a company admin);
 * `admin` — a company admin. Chosen from the requester's level when the request is made.
 */
export type ApprovalRoute = 'lead' | 'admin'

/** `expired` is not stored: a pending request whose `expiresAt` has passed reads as expired. */
export const approvalStatuses = ['pending', 'approved', 'rejected', 'cancelled', 'expired'] as const
export type ApprovalStatus = (typeof approvalStatuses)[number]

/** Data scopes a temporary grant may name (one record is `resource` instead). */
export const grantScopes = ['own', 'team', 'subtree', 'project', 'company'] as const
export type GrantScope = (typeof grantScopes)[number]

/** Record types a temporary grant may be limited to, one record at a time. */
export const grantRecordTypes = ['customer', 'ticket'] as const satisfies readonly ResourceType[]
export type GrantRecordType = (typeof grantRecordTypes)[number]

/** What a temporary grant gives: actions, on one record or a scope, with field levels. */
export interface GrantSpec {
  readonly actions: readonly Action[]
  readonly resource?: { readonly type: GrantRecordType; readonly id: string } | null
  readonly scope?: GrantScope
  readonly fields?: Readonly<Record<string, FieldLevel>>
}

/** The payload of a `temporaryGrant` request: the grant, for the requester, for a while. */
export interface TemporaryGrantPayload extends GrantSpec {
  /** How long the grant lasts once approved, in minutes (at most 30 days). */
  readonly durationMinutes: number
}

/** A `customerTags` request: set this customer's tags to `tags` (the whole list). */
export interface CustomerTagsPayload {
  readonly customerId: string
  readonly tags: readonly string[]
}

/** A `poolNumbers` request: add these numbers (E.164) to this pool. */
export interface PoolNumbersPayload {
  readonly poolId: string
  readonly numbers: readonly string[]
}

export type EffectPayload = CustomerTagsPayload | PoolNumbersPayload
export type ApprovalPayload = TemporaryGrantPayload | EffectPayload

/** What an approved change did: the customer's tags after it, or the numbers added. */
export type ApprovalEffect =
  | { readonly customerId: string; readonly tags: readonly string[] }
  | { readonly poolId: string; readonly numberIds: readonly string[] }

/** A grant's state at the request's time: by the clock, never by a job. */
export type GrantState = 'upcoming' | 'active' | 'ended' | 'revoked'

export interface TemporaryGrantView {
  readonly id: string
  readonly userId: string
  readonly actions: readonly string[]
  readonly scope: GrantScope | { readonly record: string }
  readonly resource: { readonly type: string; readonly id: string } | null
  readonly fields: Readonly<Record<string, FieldLevel>>
  readonly validFrom: Date
  readonly validUntil: Date
  readonly state: GrantState
  readonly reason: string | null
  readonly createdBy: string | null
  readonly createdAt: Date
  readonly revokedAt: Date | null
  readonly revokedBy: string | null
  readonly approvalId: string | null
}

export interface ApprovalRequestView {
  readonly id: string
  readonly type: ApprovalType
  readonly requesterId: string
  readonly orgUnitId: string | null
  readonly route: ApprovalRoute
  readonly payload: ApprovalPayload
  readonly reason: string
  readonly status: ApprovalStatus
  readonly expiresAt: Date
  readonly createdAt: Date
  readonly decidedBy: string | null
  readonly decidedAt: Date | null
  readonly decisionReason: string | null
  readonly grantId: string | null
  /** What the approval changed (`customerTags`, `poolNumbers`), once approved; else null. */
  readonly effect: ApprovalEffect | null
}
