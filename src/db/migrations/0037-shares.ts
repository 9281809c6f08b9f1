import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// W5 (issue 10): a ticket or a customer shared with another team, limited to chosen fields. A
// share is a grant of `<type>.view` on that one record (`definition`, the engine's Grant, its
// field rules hiding every field not chosen) that every member of the team carries: it is read
// with each member as the engine's subject (access/policy.repo.ts, subjectColumns), ends at
// `valid_until` by the clock (compared with the request's time; no job) or at once when revoked.
// The trigger of migration 0012 moves the company's subject counter on every change, so callers
// kept in memory are read again on their next request. A share follows its record and its team:
// deleting either deletes it.
const statements = [
  `CREATE TABLE shares (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    ticket_id text,
    customer_id text,
    org_unit_id text NOT NULL,
    definition jsonb NOT NULL,
    valid_until timestamptz,
    created_by text,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_by text,
    UNIQUE (company_id, id),
    CHECK ((ticket_id IS NULL) <> (customer_id IS NULL)),
    CHECK (valid_until IS NULL OR valid_until > created_at),
    FOREIGN KEY (company_id, ticket_id) REFERENCES tickets (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, created_by) REFERENCES users (company_id, id)
      ON DELETE SET NULL (created_by),
    FOREIGN KEY (company_id, revoked_by) REFERENCES users (company_id, id)
      ON DELETE SET NULL (revoked_by)
  )`,
  // what a member of the team carries: read with every request's subject
  'CREATE INDEX shares_team ON shares (company_id, org_unit_id) WHERE revoked_at IS NULL',
  'CREATE INDEX shares_ticket ON shares (company_id, ticket_id, id) WHERE ticket_id IS NOT NULL',
  'CREATE INDEX shares_customer ON shares (company_id, customer_id, id) WHERE customer_id IS NOT NULL',
  ...tenantIsolation('shares', READ_WRITE),
  `CREATE TRIGGER shares_subject_changed AFTER INSERT OR UPDATE OR DELETE ON shares
    FOR EACH ROW EXECUTE FUNCTION tessera_subject_changed()`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
