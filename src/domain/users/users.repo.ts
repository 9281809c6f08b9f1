import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { NewUser, User, UserPatch, UserStatus } from './users.js'
import type { UserRow } from './users.table.js'

type Db = Kysely<Database>

export async function insertUser(db: Db, companyId: string, user: NewUser, now: Date) {
  const row = await db
    .insertInto('users')
    .values({
      id: randomUUID(),
      company_id: companyId,
      email: user.email.toLowerCase(),
      name: user.name,
      status: user.status ?? 'active',
      position_id: user.positionId ?? null,
      level: user.level ?? 'novice',
      org_unit_id: user.orgUnitId ?? null,
      manager_id: user.managerId ?? null,
      password_hash: user.passwordHash,
      mfa_secret: null,
      mfa_pending_secret: null,
      mfa_last_step: null,
      recovery_code_hashes: [],
      failed_logins: 0,
      locked_until: null,
      login_restrictions: '{}',
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return userRowToUser(row)
}

export async function findUser(db: Db, companyId: string, id: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && userRowToUser(row)
}

/** What a user list may be narrowed by (besides the caller's data scope). */
export interface UserListFilter {
  readonly status?: UserStatus | undefined
  readonly orgUnitId?: string | undefined
  readonly managerId?: string | undefined
  /** Case-insensitive substring of the name or the email. */
  readonly q?: string | undefined
}

export async function updateUser(
  db: Db,
  companyId: string,
  id: string,
  patch: UserPatch,
  now: Date,
): Promise<User | undefined> {
  const row = await db
    .updateTable('users')
    .set({
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.positionId !== undefined && { position_id: patch.positionId }),
      ...(patch.level !== undefined && { level: patch.level }),
      ...(patch.orgUnitId !== undefined && { org_unit_id: patch.orgUnitId }),
      ...(patch.managerId !== undefined && { manager_id: patch.managerId }),
      updated_at: now,
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && userRowToUser(row)
}

export function userRowToUser(row: UserRow): User {
  return {
    id: row.id,
    companyId: row.company_id,
    email: row.email,
    name: row.name,
    status: row.status,
    positionId: row.position_id,
    position: row.position,
    level: row.level,
    orgUnitId: row.org_unit_id,
    managerId: row.manager_id,
    mfaEnabled: row.mfa_secret !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The ids of the people placed in one org unit (not the units under it), by id. */
export async function userIdsInOrgUnit(
  db: Db,
  companyId: string,
  orgUnitId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('company_id', '=', companyId)
    .where('org_unit_id', '=', orgUnitId)
    .orderBy('id')
    .execute()
  return rows.map((r) => r.id)
}

/**
 * Holds several people's rows, locked in the order of their ids in one statement, so two
 * transactions locking overlapping sets (two queues sharing members in different orders) never
 * wait on each other in a circle.
 */
export async function lockUsers(db: Db, companyId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  await db
    .selectFrom('users')
    .select('id')
    .where('company_id', '=', companyId)
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute()
}

/** Locks a person's row for the rest of the transaction (a lifecycle change in progress). */
export async function lockUser(db: Db, companyId: string, id: string): Promise<void> {
  await db
    .selectFrom('users')
    .select('id')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .forUpdate()
    .execute()
}
