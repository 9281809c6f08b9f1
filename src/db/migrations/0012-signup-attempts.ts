import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// S12: sign-up rate limiting shared by every server process, as login_attempts (0009) is for
// logins: one row per key (`address:<ip>`, or `all` for the global bound) with its window's start
// and count, counted by one atomic upsert (domain/accounts/signup-limiter.ts). A table of its own
// because its window (an hour) is not the login window: one sweep must not cut the other short.
// Not a tenant table; tessera_app is granted nothing on it.
const statements = [
  `CREATE TABLE signup_attempts (
    key text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    attempts integer NOT NULL
  )`,
  'CREATE INDEX signup_attempts_window ON signup_attempts (window_start)',
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
