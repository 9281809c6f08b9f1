import type { Generated, JSONColumnType, Selectable } from 'kysely'
import type { RoleKind } from '../../authz/index.js'

export interface RolesTable {
  id: string
  company_id: string
  name: string
  description: string
  kind: RoleKind
  definition: JSONColumnType<Record<string, unknown>>
  mfa_required: boolean
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface PermissionGroupsTable {
  id: string
  company_id: string
  name: string
  description: string
  definition: JSONColumnType<Record<string, unknown>>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface UserRolesTable {
  company_id: string
  user_id: string
  role_id: string
  created_at: Generated<Date>
}

export interface UserGroupsTable {
  company_id: string
  user_id: string
  group_id: string
  created_at: Generated<Date>
}

export interface GrantsTable {
  id: string
  company_id: string
  user_id: string
  definition: JSONColumnType<Record<string, unknown>>
  valid_from: Date
  valid_until: Date
  record_type: string | null
  record_id: string | null
  reason: string | null
  created_by: string | null
  created_at: Generated<Date>
  revoked_at: Date | null
  /** The approval request this grant applies (migration 0028), if any. */
  approval_id: string | null
  revoked_by: string | null
}

export interface RestrictionsTable {
  id: string
  company_id: string
  name: string
  definition: JSONColumnType<Record<string, unknown>>
  created_at: Generated<Date>
}

export type RestrictionRow = Selectable<RestrictionsTable>
export type RoleRow = Selectable<RolesTable>
export type PermissionGroupRow = Selectable<PermissionGroupsTable>
export type UserRoleRow = Selectable<UserRolesTable>
export type UserGroupRow = Selectable<UserGroupsTable>
export type GrantRow = Selectable<GrantsTable>
