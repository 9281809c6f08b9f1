import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { tenantIsolation } from './tenant-isolation.js'

// P8/P9 per-day limits: one counter per person, action and local day, incremented atomically
// (INSERT … ON CONFLICT DO UPDATE … RETURNING) so parallel requests on several connections or
// server processes never both pass the last unit of a quota.
const statements = [
  `CREATE TABLE usage_counters (
    company_id text NOT NULL REFERENCES companies (id),
    subject_id text NOT NULL,
    action text NOT NULL,
    day date NOT NULL,
    used integer NOT NULL,
    PRIMARY KEY (company_id, subject_id, action, day)
  )`,
  ...tenantIsolation('usage_counters', 'SELECT, INSERT, UPDATE'),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
