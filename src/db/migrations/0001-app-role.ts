import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

/**
 * Roles are cluster-wide: many databases (CI runs one per test file) share `tessera_app`.
 * Creating it is idempotent and tolerates a concurrent creator in another database; the
 * connecting user becomes a member so it may `SET ROLE tessera_app` (superusers already may).
 */
const createAppRole = `
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tessera_app') THEN
    BEGIN
      CREATE ROLE tessera_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'tessera_app', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT tessera_app TO %I', current_user);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;
END
$$`

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, [createAppRole, 'GRANT USAGE ON SCHEMA public TO tessera_app'])
}
