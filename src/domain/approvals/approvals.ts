import type { Action, FieldLevel, ResourceType } from '../../authz/index.js'

// W1–W3: temporary grants and the access requests that lead to them, as the API shows them.

/**
 * Request types: a temporary grant for the requester (W1), and the changes that need approval
 * (W3) — a customer's tags (`customerTags`), numbers added to a pool beyond the day's quota
 * (`poolNumbers`), a customer's contact data filled in or corrected by someone who may not edit
 * it (`dataSupplement`), and a call script submitted for publication (`scriptChange`).
 */
export const approvalTypes = [
  'temporaryGrant',
  'customerTags',
  'poolNumbers',
  'dataSupplement',
  'scriptChange',
] as const
export type ApprovalType = (typeof approvalTypes)[number]
/** The types whose approval applies a change (not a grant). */
export type EffectType = Exclude<ApprovalType, 'temporaryGrant'>

/**
 * Who decides one step (W1, W2): `lead` — a team lead of the requester's org unit (or a company
 * admin); `admin` — a company admin; `publisher` (scripts only) — whoever holds `script.approve`
 * on the version. By default a request has one step, chosen from the requester's level when it
 * is made (`publisher` for a script); a company may configure several (approval-routes).
 */
export const approvalRoutes = ['lead', 'admin', 'publisher'] as const
/**
 * Issue 11: a step may instead name a role (`role:<id>`: whoever holds it) or a person
 * (`user:<id>`) of the company; only they decide it.
 */
export type NamedRoute = `role:${string}` | `user:${string}`
export type ApprovalRoute = (typeof approvalRoutes)[number] | NamedRoute

/** At most this many steps per request. */
export const MAX_APPROVAL_STEPS = 5

/** One step of a request, as the API shows it. */
export interface ApprovalStepView {
  readonly route: ApprovalRoute
  /** `waiting`: a step before it is not decided yet; `skipped`: the request closed before it. */
  readonly status: 'approved' | 'rejected' | 'pending' | 'waiting' | 'skipped'
  readonly decidedBy: string | null
  readonly decidedAt: Date | null
  readonly reason: string | null
}

/** A company's steps for one request type; `configured: false` is the default routing. */
export interface ApprovalRouteConfig {
  readonly type: ApprovalType
  readonly configured: boolean
  /** The configured steps; null for the default (one step, by the requester's level). */
  readonly steps: readonly ApprovalRoute[] | null
  readonly updatedBy: string | null
  readonly updatedAt: Date | null
}

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

/** The customer fields a `dataSupplement` request may fill in or correct (contact data). */
export const supplementFields = ['name', 'phone', 'email', 'idNumber', 'bankCard'] as const
export type SupplementField = (typeof supplementFields)[number]

/** A `dataSupplement` request: set these fields of this customer (normalised as PATCH does). */
export interface DataSupplementPayload {
  readonly customerId: string
  readonly fields: Readonly<Partial<Record<SupplementField, string | null>>>
}

/** A `scriptChange` request: publish this pending script version. */
export interface ScriptChangePayload {
  readonly scriptId: string
  readonly seriesId: string
  readonly version: number
  readonly title: string
  /**
   * When the version was submitted (ISO): approving a request whose version was changed since
   * (another submission) is 409. Absent on requests made before issue 11.
   */
  readonly submittedAt?: string
}

export type EffectPayload =
  CustomerTagsPayload | PoolNumbersPayload | DataSupplementPayload | ScriptChangePayload
export type ApprovalPayload = TemporaryGrantPayload | EffectPayload

/**
 * What an approved change did: the customer's tags after it, the numbers added, the fields a
 * supplement set (secret ones masked, as in the audit), or the script version published.
 */
export type ApprovalEffect =
  | { readonly customerId: string; readonly tags: readonly string[] }
  | { readonly poolId: string; readonly numberIds: readonly string[] }
  | { readonly customerId: string; readonly fields: readonly string[] }
  | {
      readonly scriptId: string
      readonly status: 'published'
      readonly archivedIds: readonly string[]
    }

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
  /** The route of the step waiting for a decision (the last step decided, once closed). */
  readonly route: ApprovalRoute
  /** W2: every step, in order; one for the default routing. */
  readonly steps: readonly ApprovalStepView[]
  /** W2: the number (1, 2, …) of the step waiting for a decision; null once closed. */
  readonly step: number | null
  readonly payload: ApprovalPayload
  readonly reason: string
  readonly status: ApprovalStatus
  readonly expiresAt: Date
  readonly createdAt: Date
  readonly decidedBy: string | null
  readonly decidedAt: Date | null
  readonly decisionReason: string | null
  readonly grantId: string | null
  /** What the approval changed (the W3 types), once approved; else null. */
  readonly effect: ApprovalEffect | null
}
