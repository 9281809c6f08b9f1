import type { FieldLevel, Limits } from './model.js'

/** Why a decision came out as it did. Stable: callers and tests assert on it. */
export const reasonCodes = {
  granted: 'a grant allowed it',
  restricted: 'a restriction denied it (restrictions override grants)',
  not_granted: 'nothing grants this action (P12: anything not granted is denied)',
  out_of_scope: 'the action is granted, but not for this record (data scope)',
  condition_not_met: 'the record is in scope, but a condition is not met',
  grant_inactive: 'only a temporary grant outside its validity window would allow it',
  other_company: 'the record belongs to another company',
} as const
export type ReasonCode = keyof typeof reasonCodes

/** Which rule: a role's grant, a group's grant, a temporary grant or a restriction. */
export interface RuleRef {
  readonly kind: 'role' | 'group' | 'grant' | 'restriction'
  readonly id: string
  readonly index: number
  readonly label?: string
}

/** What the caller must do when it acts on an allowed decision. */
export interface Obligations {
  /** Level per field of the resource type: hidden fields removed, masked ones masked. */
  readonly fields: Readonly<Record<string, FieldLevel>>
  /** Limits to enforce (per day, concurrent); absent = none. */
  readonly limits?: Limits
  /** G2: write an audit event for this access. */
  readonly audit: boolean
  /** The caller must collect a reason from the person. */
  readonly reasonRequired: boolean
  /** The action must be approved first (the caller answers `approval_required`). */
  readonly approvalRequired: boolean
}

/** A decision is data: `decide` never throws for "no". */
export interface Decision {
  readonly allowed: boolean
  readonly reason: ReasonCode
  /** The rules that decided: the allowing grants, or the restriction that denied. */
  readonly matched: readonly RuleRef[]
  readonly obligations: Obligations
}

/** One rule as `explain` saw it. */
export interface TraceEntry {
  readonly rule: RuleRef
  readonly effect: 'allow' | 'deny' | 'cap'
  readonly outcome: 'matched' | 'out_of_scope' | 'condition_not_met' | 'inactive' | 'not_evaluated'
  /**
   * G4: set in a preview on the rules of the person previewing (their own decision bounds the
   * preview's); absent on the rules of the subject previewed.
   */
  readonly by?: 'previewer'
}

export interface Explanation extends Decision {
  readonly action: string
  readonly trace: readonly TraceEntry[]
}
