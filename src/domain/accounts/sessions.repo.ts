import type { Kysely } from 'kysely'
import type { Database } from '../../db/index.js'
import type { SessionRow } from './sessions.table.js'

type Db = Kysely<Database>

export async function insertSession(db: Db, session: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(session).execute()
}

/** Pre-tenant lookup by the presented token's hash: only what is needed to open withCompany. */
export async function findSessionCompany(db: Db, tokenHash: string) {
  return db
    .selectFrom('sessions')
    .select(['id', 'company_id'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst()
}

export async function findSession(db: Db, companyId: string, id: string) {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/**
 * The user's role ids and whether each requires MFA (G10), in one query: resolving a session
 * needs both on every request (role changes are in force on the next request).
 */
export async function listSessionRoles(db: Db, companyId: string, userId: string) {
  return db
    .selectFrom('user_roles')
    .innerJoin('roles', (join) =>
      join
        .onRef('roles.company_id', '=', 'user_roles.company_id')
        .onRef('roles.id', '=', 'user_roles.role_id'),
    )
    .select(['user_roles.role_id', 'roles.mfa_required'])
    .where('user_roles.company_id', '=', companyId)
    .where('user_roles.user_id', '=', userId)
    .orderBy('user_roles.role_id')
    .execute()
}

export async function touchSession(db: Db, companyId: string, id: string, now: Date) {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .execute()
}

/** Revokes sessions of the company matching `where`; returns the ids it ended. */
export async function revokeSessions(
  db: Db,
  companyId: string,
  where: { id: string; userId?: string } | { userId: string },
  now: Date,
  reason: string,
): Promise<string[]> {
  let query = db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('company_id', '=', companyId)
    .where('revoked_at', 'is', null)
  if ('id' in where) query = query.where('id', '=', where.id)
  if (where.userId !== undefined) query = query.where('user_id', '=', where.userId)
  const rows = await query.returning('id').execute()
  return rows.map((r) => r.id)
}

/** A user's sessions that still work at `now`: not revoked, not past either expiry. */
export async function listLiveSessions(
  db: Db,
  companyId: string,
  userId: string,
  now: Date,
  idleMs: number,
) {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('last_seen_at', '>', new Date(now.getTime() - idleMs))
    .orderBy('created_at', 'desc')
    .execute()
}
