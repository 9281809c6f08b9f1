import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { tenantIsolation } from './tenant-isolation.js'

// G1: append-only and hash-chained per company. The application role may only INSERT and
// SELECT; UNIQUE (company_id, seq) keeps the chain from forking under concurrent appends.
const tables = [
  `CREATE TABLE audit_events (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    seq bigint NOT NULL CHECK (seq > 0),
    occurred_at timestamptz NOT NULL,
    actor_user_id text,
    action text NOT NULL,
    target_type text,
    target_id text,
    before jsonb,
    after jsonb,
    ip text,
    session_id text,
    request_id text,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    UNIQUE (company_id, seq)
  )`,
  'CREATE INDEX audit_events_time ON audit_events (company_id, occurred_at)',
  'CREATE INDEX audit_events_target ON audit_events (company_id, target_type, target_id)',
  'CREATE INDEX audit_events_actor ON audit_events (company_id, actor_user_id)',
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, [...tables, ...tenantIsolation('audit_events', 'SELECT, INSERT')])
}
