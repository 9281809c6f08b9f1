import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Outbound compliance (issue 10, point 3; P8, P11): number pools and the blacklist.
// A pool is assigned to at most one of a person, a team (org unit) or a project — the engine's
// `own`, `team` and `project` scopes of `numberPool` read those columns. Its numbers are rows of
// `pool_numbers`, E.164 (the CHECK refuses anything else), each at most once per pool. A team
// lead's daily quota of additions is counted in `usage_counters` (migration 0007), atomically.
// The blacklist holds each number at most once per company.
const E164 = `~ '^\\+[1-9][0-9]{6,14}$'`
const statements = [
  `CREATE TABLE number_pools (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    user_id text,
    org_unit_id text,
    project_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, name),
    CHECK (num_nonnulls(user_id, org_unit_id, project_id) <= 1),
    FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id)
  )`,
  'CREATE INDEX number_pools_user ON number_pools (company_id, user_id, id)',
  'CREATE INDEX number_pools_org_unit ON number_pools (company_id, org_unit_id, id)',
  'CREATE INDEX number_pools_project ON number_pools (company_id, project_id, id)',
  ...tenantIsolation('number_pools', READ_WRITE),
  `CREATE TABLE pool_numbers (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    pool_id text NOT NULL,
    phone text NOT NULL CHECK (phone ${E164}),
    added_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, pool_id, phone),
    FOREIGN KEY (company_id, pool_id) REFERENCES number_pools (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, added_by) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX pool_numbers_phone ON pool_numbers (company_id, phone)',
  ...tenantIsolation('pool_numbers', 'SELECT, INSERT, DELETE'),
  `CREATE TABLE blacklist (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    phone text NOT NULL CHECK (phone ${E164}),
    reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, phone),
    FOREIGN KEY (company_id, created_by) REFERENCES users (company_id, id)
  )`,
  ...tenantIsolation('blacklist', 'SELECT, INSERT, DELETE'),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
