export const roleKinds = ['builtin', 'preset', 'custom'] as const
export type RoleKind = (typeof roleKinds)[number]

/** R1: the three built-in roles every company starts with. */
export const builtinRoleNames = ['Admin', 'Supervisor', 'Operator'] as const
export type BuiltinRoleName = (typeof builtinRoleNames)[number]

export interface Role {
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

export interface PermissionGroup {
  readonly id: string
  readonly companyId: string
  readonly name: string
  readonly description: string
  readonly definition: Record<string, unknown>
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** A temporary grant: extra permissions for a user, for a time window, maybe on one record. */
export interface Grant {
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
