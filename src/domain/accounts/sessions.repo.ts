import { sql, type Insertable, type Kysely } from 'kysely'
import { APP_ROLE } from '../../db/index.js'
import type { Database } from '../database.js'
import { subjectColumns, type SubjectRow } from '../access/index.js'
import type { SessionsTable } from './sessions.table.js'

type Db = Kysely<Database>

export async function insertSession(db: Db, session: Insertable<SessionsTable>): Promise<void> {
  await db.insertInto('sessions').values(session).execute()
}

/** A live session's row, its user as the engine's subject, and G10's inputs. */
export interface LiveSessionRow extends SubjectRow {
  session_id: string
  last_seen_at: Date
  expires_at: Date
  mfa_enabled: boolean
  mfa_role: boolean
  /** G4: the preview this session has open (migration 0038), when not past its end at `now`. */
  preview_role_id: string | null
  preview_user_id: string | null
  preview_org_unit_id: string | null
  preview_started_at: Date | null
  preview_expires_at: Date | null
  /** G4: the person previewed, as the engine sees them (subjectColumns, as JSON). */
  preview_subject: SubjectJson | null
}

/** A SubjectRow as `row_to_json` gives it (the same fields; arrays and numbers as JSON). */
export type SubjectJson = SubjectRow

/**
 * THE per-request statement of a session, in the request's transaction: finds the session by
 * its token's hash, keeps it only while it is live at `now` (not revoked, not past its absolute
 * expiry, used within `idleMs`, its user active), returns the user as the engine's subject
 * (roles, groups, projects, active grants, the company's policy version) and whether a role
 * requires MFA, the preview the session has open (G4, with the person previewed as a subject),
 * and binds the transaction to the session's company as `tessera_app`, so every
 * later statement of the request runs under row-level security.
 *
 * The reads run as the connecting role (like the old pre-tenant lookup by token hash), each
 * joined on the session's own company; the MATERIALIZED CTE is computed before the outer
 * select list switches the role, so no read happens half-way. No live session: no row, and the
 * transaction is left unbound.
 */
export async function findLiveSession(
  db: Db,
  tokenHash: string,
  now: Date,
  idleMs: number,
): Promise<LiveSessionRow | undefined> {
  const result = await sql<LiveSessionRow>`
    with live as materialized (
      select s.id as session_id, s.last_seen_at, s.expires_at, u.mfa_secret is not null as mfa_enabled,
        exists (select 1 from user_roles ur join roles r
            on r.company_id = ur.company_id and r.id = ur.role_id
          where ur.company_id = u.company_id and ur.user_id = u.id and r.mfa_required) as mfa_role,
        s.preview_role_id, s.preview_user_id, s.preview_org_unit_id, s.preview_started_at,
        s.preview_expires_at,
        case when s.preview_user_id is not null then
          (select row_to_json(p) from (select ${subjectColumns(now)} from users u
            where u.company_id = s.company_id and u.id = s.preview_user_id) p)
        end as preview_subject,
        ${subjectColumns(now)}
      from sessions s join users u on u.company_id = s.company_id and u.id = s.user_id
      where s.token_hash = ${tokenHash} and s.revoked_at is null and s.expires_at > ${now}
        and s.last_seen_at > ${new Date(now.getTime() - idleMs)} and u.status = 'active'
    )
    select live.*, set_config('tessera.company_id', live.company_id, true) as bound_company,
      set_config('role', ${APP_ROLE}, true) as bound_role
    from live`.execute(db)
  return result.rows[0]
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
