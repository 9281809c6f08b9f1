import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Storage for the engine's policy (R1–R5, R7, R8); `definition` is the engine's to shape.
const tables = [
  `CREATE TABLE roles (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    kind text NOT NULL CHECK (kind IN ('builtin', 'preset', 'custom')),
    definition jsonb NOT NULL DEFAULT '{}',
    mfa_required boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, name)
  )`,
  `CREATE TABLE permission_groups (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    definition jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, name)
  )`,
  `CREATE TABLE user_roles (
    company_id text NOT NULL,
    user_id text NOT NULL,
    role_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, role_id),
    FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, role_id) REFERENCES roles (company_id, id) ON DELETE CASCADE
  )`,
  'CREATE INDEX user_roles_role ON user_roles (company_id, role_id)',
  `CREATE TABLE user_groups (
    company_id text NOT NULL,
    user_id text NOT NULL,
    group_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, group_id),
    FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, group_id) REFERENCES permission_groups (company_id, id) ON DELETE CASCADE
  )`,
  'CREATE INDEX user_groups_group ON user_groups (company_id, group_id)',
  `CREATE TABLE grants (
    id text PRIMARY KEY,
    company_id text NOT NULL,
    user_id text NOT NULL,
    definition jsonb NOT NULL DEFAULT '{}',
    valid_from timestamptz NOT NULL,
    valid_until timestamptz NOT NULL CHECK (valid_until > valid_from),
    record_type text,
    record_id text,
    reason text,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX grants_user ON grants (company_id, user_id, valid_until)',
  `CREATE TABLE api_keys (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    name text NOT NULL,
    key_hash text NOT NULL UNIQUE,
    role_id text NOT NULL,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at timestamptz,
    revoked_at timestamptz,
    FOREIGN KEY (company_id, role_id) REFERENCES roles (company_id, id)
  )`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, [
    ...tables,
    ...tenantIsolation('roles', READ_WRITE),
    ...tenantIsolation('permission_groups', READ_WRITE),
    ...tenantIsolation('user_roles', READ_WRITE),
    ...tenantIsolation('user_groups', READ_WRITE),
    ...tenantIsolation('grants', READ_WRITE),
    ...tenantIsolation('api_keys', READ_WRITE),
  ])
}
