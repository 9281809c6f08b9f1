/**
 * The policy model: roles, permission groups, temporary grants and restrictions. All of it is
 * plain serialisable data (policy as code); `compilePolicy` validates it once, at load.
 */
import type { Action, ResourceType } from './catalog.js'
import type { Condition } from './condition.js'

/** Field access, from least to most revealing (P4). */
export const fieldLevels = ['hidden', 'masked', 'read', 'edit'] as const
export type FieldLevel = (typeof fieldLevels)[number]

/**
 * Data scope (P3, P10): which records of a type a rule reaches.
 * - `own`: the subject owns the record (the catalog names the owner attribute)
 * - `team`: the record belongs to the subject's own org unit
 * - `subtree`: the record belongs to the subject's org unit or any unit below it (or below `unit`)
 * - `project`: the record belongs to a project the subject is a member of
 * - `company`: every record of the subject's company
 * - `record`: one record, by id (temporary grants, shares)
 */
export type Scope =
  | 'own'
  | 'team'
  | 'subtree'
  | 'project'
  | 'company'
  | { readonly subtree: string }
  | { readonly record: string }

/** A limit the decision reports for the caller to enforce (P8, P9). */
export interface Limits {
  /** at most this many per day (e.g. a team lead adds 5 outbound numbers a day) */
  readonly perDay?: number
  /** at most this many at once (e.g. novice 2 outbound lines, senior 5) */
  readonly concurrent?: number
}

/** Field rules: field name (or `*` for every field of the type) → level. */
export type FieldRules = Readonly<Record<string, FieldLevel>>

/** One allow rule: actions on a data scope, under an optional condition. */
export interface Grant {
  /** Actions granted; `ticket.*` grants every action of the type. */
  readonly actions: readonly (Action | `${ResourceType}.*`)[]
  readonly scope: Scope
  readonly when?: Condition
  readonly fields?: FieldRules
  readonly limits?: Limits
  /** G2: record this access in the audit log. */
  readonly audit?: boolean
  /** The caller must give a reason (e.g. unmasking a customer's ID number). */
  readonly reasonRequired?: boolean
  /**
   * The action needs someone else's approval before it takes effect (W2, W3: a tag change by
   * marketing, a script change): the service answers `approval_required` instead of acting.
   */
  readonly approvalRequired?: boolean
  /** A label for explanations ("closed tickets are read-only"). */
  readonly label?: string
}

/** A deny rule that overrides every allow (restrictions always win). */
export interface Restriction {
  readonly id: string
  readonly actions: readonly (Action | `${ResourceType}.*`)[]
  /** Who it applies to; omitted = everyone in the company. */
  readonly appliesTo?: { readonly roles?: readonly string[]; readonly users?: readonly string[] }
  /** Which records; omitted = all of them. */
  readonly scope?: Scope
  readonly when?: Condition
  /**
   * A field-only restriction: instead of denying, it caps these fields (e.g. complaint records
   * hidden from sales). The action stays allowed.
   */
  readonly fields?: FieldRules
  readonly label?: string
}

export const roleKinds = ['builtin', 'preset', 'custom'] as const
export type RoleKind = (typeof roleKinds)[number]

export interface Role {
  readonly id: string
  readonly name: string
  readonly kind: RoleKind
  readonly description?: string
  readonly grants: readonly Grant[]
  /** Restrictions that come with the role, applying to its holders. */
  readonly restrictions?: readonly Omit<Restriction, 'appliesTo'>[]
  /** G10: holders must use TOTP. */
  readonly mfaRequired?: boolean
}

/** R4: an add-on bundle given on top of roles. */
export interface PermissionGroup {
  readonly id: string
  readonly name: string
  readonly description?: string
  readonly grants: readonly Grant[]
}

/** W1: a time-boxed grant to one user, optionally for one record. */
export interface TemporaryGrant extends Grant {
  readonly id: string
  /** Epoch milliseconds, inclusive. */
  readonly validFrom: number
  /** Epoch milliseconds, exclusive. */
  readonly validUntil: number
}

/** A company's whole setup, the input of `compilePolicy`. */
export interface Policy {
  /** Changes whenever anything below changes; compiled structures are keyed on it. */
  readonly version: string | number
  /** IANA zone of the company: time-of-day and weekday conditions use it (P6). */
  readonly timeZone: string
  /** Org-unit tree: unit id → parent id (null for a root). */
  readonly orgUnits: Readonly<Record<string, string | null>>
  readonly roles: readonly Role[]
  readonly groups?: readonly PermissionGroup[]
  readonly restrictions?: readonly Restriction[]
}

/** The person (or API key) asking. Attributes come from the platform, not from the request. */
export interface Subject {
  readonly id: string
  readonly companyId: string
  readonly orgUnitId?: string | null
  readonly projectIds?: readonly string[]
  readonly roles: readonly string[]
  readonly groups?: readonly string[]
  readonly grants?: readonly TemporaryGrant[]
  /** Anything a condition may read as `subject.<name>` (level, position, teamTags, …). */
  readonly attrs?: Readonly<Record<string, Scalar | readonly Scalar[]>>
}

export type Scalar = string | number | boolean | null

/** A record being checked: its type, id, company and attributes (column values). */
export interface Resource {
  readonly type: ResourceType
  readonly id?: string
  readonly companyId?: string
  readonly attrs?: Readonly<Record<string, Scalar | readonly Scalar[] | undefined>>
}

/** Request environment: the time and network the request comes from (P6, P7). */
export interface Env {
  /** Epoch milliseconds. */
  readonly now: number
  readonly ip?: string
}
