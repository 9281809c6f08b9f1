import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { presetRoles, vipTeamGroup, type Grant, type RoleKind } from '../../authz/index.js'
import type { Database } from '../database.js'
import {
  builtinRoleNames,
  type BuiltinRoleName,
  type GrantRecord,
  type PermissionGroupRecord,
  type RoleRecord,
} from './roles.js'
import type { GrantRow, PermissionGroupRow, RoleRow } from './roles.table.js'

// Plain storage for roles, groups, assignments and grants. Every function takes the tenant
// transaction (withCompany) and the company id, and filters by it as well as RLS does.
type Db = Kysely<Database>

export interface NewRole {
  readonly name: string
  readonly description?: string
  readonly kind: RoleKind
  readonly definition?: Record<string, unknown>
  readonly mfaRequired?: boolean
}

export async function insertRole(db: Db, companyId: string, role: NewRole, now: Date) {
  const row = await db
    .insertInto('roles')
    .values({
      id: randomUUID(),
      company_id: companyId,
      name: role.name,
      description: role.description ?? '',
      kind: role.kind,
      definition: JSON.stringify(role.definition ?? {}),
      mfa_required: role.mfaRequired ?? false,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return roleRowToRecord(row)
}

/**
 * R1: creates Admin, Supervisor and Operator (kind 'builtin') for a new company and returns
 * their ids by name. Their definitions are filled in by the engine's catalog.
 */
export async function seedBuiltinRoles(
  db: Db,
  companyId: string,
  now: Date,
): Promise<Record<BuiltinRoleName, string>> {
  const ids = {} as Record<BuiltinRoleName, string>
  for (const name of builtinRoleNames) {
    const definition = { builtin: name.toLowerCase() }
    ids[name] = (await insertRole(db, companyId, { name, kind: 'builtin', definition }, now)).id
  }
  return ids
}

/**
 * R2: the preset positions (clonable, editable) and the VIP-team group (R4), copied from the
 * engine's presets so each company can change its own.
 */
export async function seedPresets(db: Db, companyId: string, now: Date): Promise<void> {
  for (const role of presetRoles) {
    const definition = { preset: role.id, grants: role.grants }
    await insertRole(
      db,
      companyId,
      { name: role.name, description: role.description ?? '', kind: 'preset', definition },
      now,
    )
  }
  await insertPermissionGroup(
    db,
    companyId,
    {
      name: vipTeamGroup.name,
      description: vipTeamGroup.description,
      definition: { grants: vipTeamGroup.grants },
    },
    now,
  )
}

export async function findRole(
  db: Db,
  companyId: string,
  id: string,
): Promise<RoleRecord | undefined> {
  const row = await db
    .selectFrom('roles')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && roleRowToRecord(row)
}

/** The id of the company's role named `name`, if any (names are unique per company). */
export async function findRoleIdByName(
  db: Db,
  companyId: string,
  name: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('roles')
    .select('id')
    .where('company_id', '=', companyId)
    .where('name', '=', name)
    .executeTakeFirst()
  return row?.id
}

export async function findRolesByIds(db: Db, companyId: string, ids: readonly string[]) {
  if (ids.length === 0) return []
  const rows = await db
    .selectFrom('roles')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', 'in', ids)
    .execute()
  return rows.map(roleRowToRecord)
}

export async function findBuiltinRole(db: Db, companyId: string, name: BuiltinRoleName) {
  const row = await db
    .selectFrom('roles')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('kind', '=', 'builtin')
    .where('name', '=', name)
    .executeTakeFirst()
  return row && roleRowToRecord(row)
}

export async function listRoles(db: Db, companyId: string): Promise<RoleRecord[]> {
  const rows = await db
    .selectFrom('roles')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('name')
    .execute()
  return rows.map(roleRowToRecord)
}

export async function updateRole(
  db: Db,
  companyId: string,
  id: string,
  patch: Partial<Pick<RoleRecord, 'name' | 'description' | 'definition' | 'mfaRequired'>>,
  now: Date,
): Promise<RoleRecord | undefined> {
  const row = await db
    .updateTable('roles')
    .set({
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.description !== undefined && { description: patch.description }),
      ...(patch.definition !== undefined && { definition: JSON.stringify(patch.definition) }),
      ...(patch.mfaRequired !== undefined && { mfa_required: patch.mfaRequired }),
      updated_at: now,
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && roleRowToRecord(row)
}

export async function deleteRole(db: Db, companyId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('roles')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function insertPermissionGroup(
  db: Db,
  companyId: string,
  group: { name: string; description?: string; definition?: Record<string, unknown> },
  now: Date,
): Promise<PermissionGroupRecord> {
  const row = await db
    .insertInto('permission_groups')
    .values({
      id: randomUUID(),
      company_id: companyId,
      name: group.name,
      description: group.description ?? '',
      definition: JSON.stringify(group.definition ?? {}),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return groupRowToRecord(row)
}

export async function findPermissionGroup(db: Db, companyId: string, id: string) {
  const row = await db
    .selectFrom('permission_groups')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && groupRowToRecord(row)
}

export async function listPermissionGroups(db: Db, companyId: string) {
  const rows = await db
    .selectFrom('permission_groups')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('name')
    .execute()
  return rows.map(groupRowToRecord)
}

export async function updatePermissionGroup(
  db: Db,
  companyId: string,
  id: string,
  patch: Partial<Pick<PermissionGroupRecord, 'name' | 'description' | 'definition'>>,
  now: Date,
): Promise<PermissionGroupRecord | undefined> {
  const row = await db
    .updateTable('permission_groups')
    .set({
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.description !== undefined && { description: patch.description }),
      ...(patch.definition !== undefined && { definition: JSON.stringify(patch.definition) }),
      updated_at: now,
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && groupRowToRecord(row)
}

export async function deletePermissionGroup(db: Db, companyId: string, id: string) {
  const result = await db
    .deleteFrom('permission_groups')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function assignRole(
  db: Db,
  companyId: string,
  userId: string,
  roleId: string,
  now: Date,
) {
  await db
    .insertInto('user_roles')
    .values({ company_id: companyId, user_id: userId, role_id: roleId, created_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'role_id']).doNothing())
    .execute()
}

export async function unassignRole(db: Db, companyId: string, userId: string, roleId: string) {
  const result = await db
    .deleteFrom('user_roles')
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .where('role_id', '=', roleId)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function listUserRoleIds(db: Db, companyId: string, userId: string) {
  const rows = await db
    .selectFrom('user_roles')
    .select('role_id')
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .orderBy('role_id')
    .execute()
  return rows.map((r) => r.role_id)
}

export async function listRoleUserIds(db: Db, companyId: string, roleId: string) {
  const rows = await db
    .selectFrom('user_roles')
    .select('user_id')
    .where('company_id', '=', companyId)
    .where('role_id', '=', roleId)
    .orderBy('user_id')
    .execute()
  return rows.map((r) => r.user_id)
}

export async function addUserToGroup(
  db: Db,
  companyId: string,
  userId: string,
  groupId: string,
  now: Date,
) {
  await db
    .insertInto('user_groups')
    .values({ company_id: companyId, user_id: userId, group_id: groupId, created_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'group_id']).doNothing())
    .execute()
}

export async function removeUserFromGroup(
  db: Db,
  companyId: string,
  userId: string,
  groupId: string,
) {
  const result = await db
    .deleteFrom('user_groups')
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .where('group_id', '=', groupId)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function listUserGroupIds(db: Db, companyId: string, userId: string) {
  const rows = await db
    .selectFrom('user_groups')
    .select('group_id')
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .orderBy('group_id')
    .execute()
  return rows.map((r) => r.group_id)
}

export interface NewGrant {
  readonly userId: string
  readonly definition: Record<string, unknown>
  readonly validFrom: Date
  readonly validUntil: Date
  readonly recordType?: string | null
  readonly recordId?: string | null
  readonly reason?: string | null
  readonly createdBy?: string | null
}

export async function insertGrant(db: Db, companyId: string, grant: NewGrant, now: Date) {
  const row = await db
    .insertInto('grants')
    .values({
      id: randomUUID(),
      company_id: companyId,
      user_id: grant.userId,
      definition: JSON.stringify(grant.definition),
      valid_from: grant.validFrom,
      valid_until: grant.validUntil,
      record_type: grant.recordType ?? null,
      record_id: grant.recordId ?? null,
      reason: grant.reason ?? null,
      created_by: grant.createdBy ?? null,
      created_at: now,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return grantRowToRecord(row)
}

export async function findGrant(db: Db, companyId: string, id: string) {
  const row = await db
    .selectFrom('grants')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && grantRowToRecord(row)
}

/** Grants of a user in force at `now`: started, not ended, not revoked. */
export async function listActiveGrants(db: Db, companyId: string, userId: string, now: Date) {
  const rows = await db
    .selectFrom('grants')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .where('valid_from', '<=', now)
    .where('valid_until', '>', now)
    .where('revoked_at', 'is', null)
    .orderBy('valid_until')
    .execute()
  return rows.map(grantRowToRecord)
}

/** Every personal grant not yet expired nor revoked (including future ones), as definitions. */
export async function listUnexpiredGrantDefinitions(
  db: Db,
  companyId: string,
  now: Date,
): Promise<Grant[]> {
  const rows = await db
    .selectFrom('grants')
    .select('definition')
    .where('company_id', '=', companyId)
    .where('valid_until', '>', now)
    .where('revoked_at', 'is', null)
    .execute()
  return rows.map((r) => r.definition as unknown as Grant)
}

export async function revokeGrant(db: Db, companyId: string, id: string, now: Date) {
  const row = await db
    .updateTable('grants')
    .set({ revoked_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
  return row && grantRowToRecord(row)
}

export function roleRowToRecord(row: RoleRow): RoleRecord {
  return {
    id: row.id,
    companyId: row.company_id,
    name: row.name,
    description: row.description,
    kind: row.kind,
    definition: row.definition,
    mfaRequired: row.mfa_required,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function groupRowToRecord(row: PermissionGroupRow): PermissionGroupRecord {
  return {
    id: row.id,
    companyId: row.company_id,
    name: row.name,
    description: row.description,
    definition: row.definition,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function grantRowToRecord(row: GrantRow): GrantRecord {
  return {
    id: row.id,
    companyId: row.company_id,
    userId: row.user_id,
    definition: row.definition,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    recordType: row.record_type,
    recordId: row.record_id,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  }
}

export async function listGroupUserIds(db: Db, companyId: string, groupId: string) {
  const rows = await db
    .selectFrom('user_groups')
    .select('user_id')
    .where('company_id', '=', companyId)
    .where('group_id', '=', groupId)
    .orderBy('user_id')
    .execute()
  return rows.map((r) => r.user_id)
}
