import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import { APP_ROLE } from '../../db/index.js'
import type { Database } from '../database.js'
import type { ApiKey } from './api-keys.js'
import type { ApiKeyRow } from './api-keys.table.js'

type Db = Kysely<Database>

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** Creates a key and returns it in clear text once, with its stored record. */
export async function insertApiKey(
  db: Db,
  companyId: string,
  input: { name: string; roleId: string; createdBy: string | null; expiresAt?: Date | null },
  now: Date,
): Promise<{ key: string; apiKey: ApiKey }> {
  const key = `tsk_${randomBytes(32).toString('base64url')}`
  const row = await db
    .insertInto('api_keys')
    .values({
      id: randomUUID(),
      company_id: companyId,
      name: input.name,
      key_hash: hashApiKey(key),
      role_id: input.roleId,
      created_by: input.createdBy,
      created_at: now,
      expires_at: input.expiresAt ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return { key, apiKey: apiKeyRowToApiKey(row) }
}

/**
 * The per-request statement of an API key, in the request's transaction: finds the key by its
 * hash, keeps it only while live at `now` (not revoked, not expired), returns it with the
 * company's policy version, and binds the transaction to the key's company as `tessera_app`
 * (see sessions.repo.ts findLiveSession for why the reads come before the role switch).
 */
export async function findLiveApiKey(db: Db, key: string, now: Date) {
  const result = await sql<{
    id: string
    company_id: string
    role_id: string
    last_used_at: Date | null
    policy_version: number | string
    subject_version: number | string
  }>`
    with live as materialized (
      select k.id, k.company_id, k.role_id, k.last_used_at, c.policy_version, c.subject_version
      from api_keys k join companies c on c.id = k.company_id
      where k.key_hash = ${hashApiKey(key)} and k.revoked_at is null
        and (k.expires_at is null or k.expires_at > ${now})
    )
    select live.*, set_config('tessera.company_id', live.company_id, true) as bound_company,
      set_config('role', ${APP_ROLE}, true) as bound_role
    from live`.execute(db)
  return result.rows[0]
}

export async function findApiKey(db: Db, companyId: string, id: string) {
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && apiKeyRowToApiKey(row)
}

/** The company's keys ordered by id, after `afterId`. */
export async function listApiKeys(
  db: Db,
  companyId: string,
  page: { limit: number; afterId?: string | undefined },
): Promise<ApiKey[]> {
  let query = db.selectFrom('api_keys').selectAll().where('company_id', '=', companyId)
  if (page.afterId !== undefined) query = query.where('id', '>', page.afterId)
  const rows = await query.orderBy('id').limit(page.limit).execute()
  return rows.map(apiKeyRowToApiKey)
}

export async function touchApiKey(db: Db, companyId: string, id: string, now: Date) {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .execute()
}

export async function revokeApiKey(db: Db, companyId: string, id: string, now: Date) {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
  return row && apiKeyRowToApiKey(row)
}

export function apiKeyRowToApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    companyId: row.company_id,
    name: row.name,
    roleId: row.role_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  }
}

/** The keys not yet revoked that any of `creators` minted (a person's id or `apikey:<id>`). */
export async function unrevokedKeysCreatedBy(
  db: Db,
  companyId: string,
  creators: readonly string[],
): Promise<ApiKey[]> {
  if (creators.length === 0) return []
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('created_by', 'in', creators)
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute()
  return rows.map(apiKeyRowToApiKey)
}
