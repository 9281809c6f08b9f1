import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// G4 (issue 11 item 3): a preview of one role's or one person's access is state of the session
// that opened it, on its row, so every server process reads it with the session (one statement
// per request, domain/accounts/sessions.repo.ts) and it ends with the session. At most one of
// role and user; the org unit places a role preview (null: the viewer's own unit); it ends at
// preview_expires_at at the latest. Starting or ending one moves the company's subject_version
// (the trigger of migration 0012, now listing these columns too), so a caller kept in memory by
// any process is read again on its next request.
const statements = [
  `ALTER TABLE sessions
    ADD COLUMN preview_role_id text,
    ADD COLUMN preview_user_id text,
    ADD COLUMN preview_org_unit_id text,
    ADD COLUMN preview_started_at timestamptz,
    ADD COLUMN preview_expires_at timestamptz,
    ADD CONSTRAINT sessions_one_preview CHECK (preview_role_id IS NULL OR preview_user_id IS NULL),
    ADD CONSTRAINT sessions_preview_bounded CHECK (
      (preview_role_id IS NULL AND preview_user_id IS NULL) OR preview_expires_at IS NOT NULL)`,
  'DROP TRIGGER sessions_subject_changed ON sessions',
  `CREATE TRIGGER sessions_subject_changed AFTER UPDATE OF revoked_at, expires_at, user_id,
    company_id, preview_role_id, preview_user_id, preview_org_unit_id, preview_expires_at
    OR DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION tessera_subject_changed()`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
