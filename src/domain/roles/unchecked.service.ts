import type { Kysely } from 'kysely'
import { roleKinds } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import type { TenantCtx } from '../context.js'
import type { Database } from '../database.js'
import {
  builtinRoleNames,
  type BuiltinRoleName,
  type GrantRecord,
  type PermissionGroupRecord,
  type RoleRecord,
} from './roles.js'
import * as repo from './roles.repo.js'
import { roleView, type RoleView } from './roles.service.js'

// Roles, assignments and grants read or written with no decision on a caller: for the callers
// that made theirs (sign-up's first Admin, login's MFA question, API keys standing on a role,
// force offline, policy-as-code import) and for seeded companies (the demo, tests). A request
// path reaches them only after its own checks; the checked operations are in roles.service.ts.

type Db = Kysely<Database>

export type { NewGrant, NewRole } from './roles.repo.js'

const invalid = (path: string, message: string) =>
  new AppError('validation_failed', message, { errors: [{ path, message }] })

/**
 * R1, R2, in sign-up's transaction of the new company: the built-in roles Admin, Supervisor and
 * Operator (defined in code), the preset positions and the VIP-team group, copied from the
 * engine's presets so the company can change its own. Answers the built-in roles' ids by name.
 */
export async function setUpCompanyRoles(
  db: Db,
  companyId: string,
  now: Date,
): Promise<Record<BuiltinRoleName, string>> {
  const ids = await repo.seedBuiltinRoles(db, companyId, now)
  await repo.seedPresets(db, companyId, now)
  return ids
}

/** The id of the company's built-in role `name` (Admin, Supervisor, Operator), if it has it. */
export async function builtinRoleId(
  db: Db,
  companyId: string,
  name: BuiltinRoleName,
): Promise<string | undefined> {
  if (!builtinRoleNames.includes(name)) throw invalid('role', `"${name}" is no built-in role`)
  return (await repo.findBuiltinRole(db, companyId, name))?.id
}

/**
 * A role stored as given, definition and all, with no check that it compiles and no policy
 * version bump (the caller bumps it: access/bumpPolicyVersion). For seeds and tests that need a
 * role the roles API would refuse or that the test is not about.
 */
export async function storeRole(
  db: Db,
  companyId: string,
  role: repo.NewRole,
  now: Date,
): Promise<RoleRecord> {
  if (role.name.trim() === '') throw invalid('body/name', 'must not be empty')
  if (!roleKinds.includes(role.kind)) throw invalid('body/kind', `unknown kind "${role.kind}"`)
  return repo.insertRole(db, companyId, role, now)
}

/**
 * Gives person `userId` role `roleId` (both of company `companyId`; the composite foreign keys
 * refuse another company's), with no delegation check: sign-up's first Admin, seeded people.
 * Giving a role the person holds already changes nothing.
 */
export async function assignRoleUnchecked(
  db: Db,
  companyId: string,
  userId: string,
  roleId: string,
  now: Date,
): Promise<void> {
  await repo.assignRole(db, companyId, userId, roleId, now)
}

/** Puts person `userId` in permission group `groupId`, with no delegation check (seeds, tests). */
export async function addToGroupUnchecked(
  db: Db,
  companyId: string,
  userId: string,
  groupId: string,
  now: Date,
): Promise<void> {
  await repo.addUserToGroup(db, companyId, userId, groupId, now)
}

/**
 * A temporary grant stored as given, with no delegation check and no audit (tests that need a
 * grant the caller could not have given). It must end after it starts.
 */
export async function storeGrant(
  db: Db,
  companyId: string,
  grant: repo.NewGrant,
  now: Date,
): Promise<GrantRecord> {
  if (grant.validUntil <= grant.validFrom)
    throw invalid('body/validUntil', 'must be after validFrom')
  return repo.insertGrant(db, companyId, grant, now)
}

/** A role of company `companyId` as the API shows it (grants in force), with no decision. */
export async function roleById(
  db: Db,
  companyId: string,
  id: string,
): Promise<RoleView | undefined> {
  const role = await repo.findRole(db, companyId, id)
  return role && roleView(role)
}

/** The people holding role `roleId` in the caller's company, by id, with no decision. */
export async function roleHolderIds(tx: TenantCtx, roleId: string): Promise<string[]> {
  return repo.listRoleUserIds(tx.db, tx.actor.companyId, roleId)
}

/** G10: whether any of these roles of company `companyId` requires MFA. */
export async function rolesRequireMfa(
  db: Db,
  companyId: string,
  roleIds: readonly string[],
): Promise<boolean> {
  return (await repo.findRolesByIds(db, companyId, roleIds)).some((r) => r.mfaRequired)
}

/** G10: whether a role person `userId` holds requires MFA. */
export async function userRequiresMfa(db: Db, companyId: string, userId: string): Promise<boolean> {
  return rolesRequireMfa(db, companyId, await repo.listUserRoleIds(db, companyId, userId))
}

/** Every role of the caller's company as the API shows it, by name, with no decision. */
export async function companyRoles(tx: TenantCtx): Promise<RoleView[]> {
  return (await repo.listRoles(tx.db, tx.actor.companyId)).map(roleView)
}

/**
 * R8: the company's preset roles (not built-ins) by their preset key (`team-lead`, …), with no
 * decision: sign-up seeds the preset positions with them as defaults.
 */
export async function presetRoleIds(db: Db, companyId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const r of await repo.listRoles(db, companyId)) {
    const preset = (r.definition as { preset?: unknown }).preset
    if (r.kind !== 'builtin' && typeof preset === 'string' && !out.has(preset))
      out.set(preset, r.id)
  }
  return out
}

/** Every permission group of the caller's company, by name, with no decision. */
export async function companyGroups(tx: TenantCtx): Promise<PermissionGroupRecord[]> {
  return repo.listPermissionGroups(tx.db, tx.actor.companyId)
}

/** The members of permission group `groupId` in the caller's company, by id, with no decision. */
export async function groupMemberIds(tx: TenantCtx, groupId: string): Promise<string[]> {
  return repo.listGroupUserIds(tx.db, tx.actor.companyId, groupId)
}
