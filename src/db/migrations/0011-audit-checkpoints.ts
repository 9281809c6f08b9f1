import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { tenantIsolation } from './tenant-isolation.js'

// S14: signed heads of each company's audit chain. Like audit_events, the application role may
// only INSERT and SELECT; verify checks every checkpoint's signature and that the chain still
// holds the event it names, so deleting the newest events or rewriting the tail is noticed.
const tables = [
  `CREATE TABLE audit_checkpoints (
    company_id text NOT NULL REFERENCES companies (id),
    seq bigint NOT NULL CHECK (seq >= 0),
    hash text NOT NULL,
    signed_at timestamptz NOT NULL,
    signature text NOT NULL,
    PRIMARY KEY (company_id, seq, signed_at)
  )`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, [...tables, ...tenantIsolation('audit_checkpoints', 'SELECT, INSERT')])
}
