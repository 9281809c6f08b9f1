import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// The decision API's hot path keeps callers (sessions, API keys) and subjects in memory, keyed
// on two per-company counters read by one statement per request: policy_version (roles, groups,
// restrictions, the org tree) and subject_version, moved here by the database itself whenever a
// row that shapes a person or a key as the engine sees them changes: their roles, groups,
// projects and temporary grants; their status, unit, level, position, manager or second factor;
// a key's revocation, expiry or role; a session's end. A trigger cannot be forgotten by a new
// code path, and it commits (or rolls back) with the change, so every process sees the new
// count on its very next request. Touching last_seen_at, last_used_at or a password does not
// count: those columns are not listed.
const bump = `CREATE FUNCTION tessera_subject_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE companies SET subject_version = subject_version + 1
      WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.company_id ELSE NEW.company_id END;
    RETURN NULL;
  END $$`

const on = (table: string, events: string) =>
  `CREATE TRIGGER ${table}_subject_changed AFTER ${events} ON ${table}
    FOR EACH ROW EXECUTE FUNCTION tessera_subject_changed()`

const statements = [
  'ALTER TABLE companies ADD COLUMN subject_version bigint NOT NULL DEFAULT 1',
  bump,
  on('user_roles', 'INSERT OR UPDATE OR DELETE'),
  on('user_groups', 'INSERT OR UPDATE OR DELETE'),
  on('project_members', 'INSERT OR UPDATE OR DELETE'),
  on('grants', 'INSERT OR UPDATE OR DELETE'),
  on(
    'users',
    'UPDATE OF status, org_unit_id, level, position, manager_id, mfa_secret, company_id OR DELETE',
  ),
  on('api_keys', 'UPDATE OF revoked_at, expires_at, role_id, company_id OR DELETE'),
  on('sessions', 'UPDATE OF revoked_at, expires_at, user_id, company_id OR DELETE'),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
