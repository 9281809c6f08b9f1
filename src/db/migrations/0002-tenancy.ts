import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Every reference between tenant rows is a composite (company_id, id) foreign key, so the
// database itself refuses to link a row to another company's row.
const tables = [
  `CREATE TABLE companies (
    id text PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text NOT NULL,
    time_zone text NOT NULL DEFAULT 'UTC',
    settings jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE org_units (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    parent_id text,
    kind text NOT NULL CHECK (kind IN ('region', 'branch', 'department', 'team')),
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, parent_id) REFERENCES org_units (company_id, id)
  )`,
  'CREATE INDEX org_units_parent ON org_units (company_id, parent_id)',
  `CREATE TABLE users (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    email text NOT NULL CHECK (email = lower(email)),
    name text NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'offboarded')),
    position text,
    level text NOT NULL DEFAULT 'novice' CHECK (level IN ('novice', 'senior', 'lead', 'admin')),
    org_unit_id text,
    manager_id text,
    password_hash text NOT NULL,
    mfa_secret text,
    mfa_pending_secret text,
    mfa_last_step bigint,
    recovery_code_hashes text[] NOT NULL DEFAULT '{}',
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    login_restrictions jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, email),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, manager_id) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX users_org_unit ON users (company_id, org_unit_id)',
  `CREATE TABLE projects (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, name)
  )`,
  `CREATE TABLE project_members (
    company_id text NOT NULL,
    project_id text NOT NULL,
    user_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX project_members_user ON project_members (company_id, user_id)',
  `CREATE TABLE sessions (
    id text PRIMARY KEY,
    company_id text NOT NULL,
    user_id text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text,
    ip text,
    user_agent text,
    FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX sessions_user ON sessions (company_id, user_id)',
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, [
    ...tables,
    ...tenantIsolation('companies', 'SELECT, INSERT, UPDATE', 'id'),
    ...tenantIsolation('org_units', READ_WRITE),
    ...tenantIsolation('users', READ_WRITE),
    ...tenantIsolation('projects', READ_WRITE),
    ...tenantIsolation('project_members', READ_WRITE),
    ...tenantIsolation('sessions', READ_WRITE),
  ])
}
