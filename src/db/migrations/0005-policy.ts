import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// The engine's inputs that are not roles: a per-company policy version (bumped in the same
// transaction as any change to roles, groups, restrictions or the org tree, so every server
// recompiles on its very next request) and company-wide restrictions (deny rules).
const statements = [
  'ALTER TABLE companies ADD COLUMN policy_version bigint NOT NULL DEFAULT 1',
  `CREATE TABLE restrictions (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    name text NOT NULL,
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id)
  )`,
  ...tenantIsolation('restrictions', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
