import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// Login rate limiting shared by every server process (issue 6): one row per key (client address
// or account) holding the current window's start and its attempts, counted by one atomic upsert
// (domain/accounts/login-limiter.ts). Not a tenant table: keys exist before any company is known,
// and tessera_app is granted nothing on it.
const statements = [
  `CREATE TABLE login_attempts (
    key text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    attempts integer NOT NULL
  )`,
  'CREATE INDEX login_attempts_window ON login_attempts (window_start)',
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
