import type { RoleKind } from '../../authz/index.js'

// The stored records of roles, groups and temporary grants, as the repo maps their rows. They are
// not the engine's `Role`, `PermissionGroup` and `Grant`: a record holds the `definition` the
// engine's objects are read from (built-ins name theirs; access/ builds the engine's policy).

/** R1: the three built-in roles every company starts with. */
export const builtinRoleNames = ['Admin', 'Supervisor', 'Operator'] as const
export type BuiltinRoleName = (typeof builtinRoleNames)[number]

/** A row of `roles`, mapped; its engine `Role` is built from `definition`. */
export interface RoleRecord {
  readonly id: string
  readonly companyId: string
  readonly name: string
  readonly description: string
  readonly kind: RoleKind
  readonly definition: Record<string, unknown>
  readonly mfaRequired: boolean
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** A row of `permission_groups`, mapped; its grants are `definition.grants`. */
export interface PermissionGroupRecord {
  readonly id: string
  readonly companyId: string
  readonly name: string
  readonly description: string
  readonly definition: Record<string, unknown>
  readonly createdAt: Date
  readonly updatedAt: Date
}

/**
 * A row of `grants`, mapped: a temporary grant (W1), extra permissions for a user, for a time
 * window, maybe on one record. The engine reads it as a `TemporaryGrant`.
 */
export interface GrantRecord {
  readonly id: string
  readonly companyId: string
  readonly userId: string
  readonly definition: Record<string, unknown>
  readonly validFrom: Date
  readonly validUntil: Date
  readonly recordType: string | null
  readonly recordId: string | null
  readonly reason: string | null
  readonly createdBy: string | null
  readonly createdAt: Date
  readonly revokedAt: Date | null
}
