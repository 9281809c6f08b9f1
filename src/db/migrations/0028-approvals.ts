import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// W1–W3 (issue 11): access requests and the temporary grants they lead to.
//
// A request is pending until someone decides it, its requester cancels it, or its clock runs out:
// `expires_at` is compared with the request's time wherever it matters (no job has to run for a
// request to expire). Deciding is one conditional UPDATE (`WHERE status = 'pending' AND
// expires_at > now`) after a row lock, in the same transaction as the grant it creates; the
// grant names its request, and at most one grant may (unique index), so two approvers deciding
// at once, on two processes, apply the effect exactly once. `org_unit_id` is where the requester
// was when they asked (the route's unit), a snapshot with no foreign key: an old request does
// not keep an emptied unit from being deleted.
const statements = [
  `CREATE TABLE approval_requests (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    type text NOT NULL CHECK (type IN ('temporaryGrant')),
    requester_id text NOT NULL,
    org_unit_id text,
    route text NOT NULL CHECK (route IN ('lead', 'admin')),
    payload jsonb NOT NULL,
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    status text NOT NULL DEFAULT 'pending'
      CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    decided_by text,
    decided_at timestamptz,
    decision_reason text CHECK (decision_reason IS NULL OR length(decision_reason) <= 500),
    grant_id text,
    UNIQUE (company_id, id),
    CHECK (expires_at > created_at),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status <> 'approved' OR grant_id IS NOT NULL),
    CHECK (status <> 'rejected' OR decision_reason IS NOT NULL),
    CHECK (decided_by IS NULL OR decided_by <> requester_id),
    FOREIGN KEY (company_id, requester_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, decided_by) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX approval_requests_requester ON approval_requests (company_id, requester_id, id)',
  `CREATE INDEX approval_requests_pending ON approval_requests (company_id, route, org_unit_id, id)
    WHERE status = 'pending'`,
  'ALTER TABLE grants ADD COLUMN approval_id text',
  'ALTER TABLE grants ADD COLUMN revoked_by text',
  'ALTER TABLE grants ADD CONSTRAINT grants_company_id UNIQUE (company_id, id)',
  `ALTER TABLE grants ADD CONSTRAINT grants_approval
    FOREIGN KEY (company_id, approval_id) REFERENCES approval_requests (company_id, id)`,
  // exactly once: an approval creates at most one grant, whoever decides and however often
  'CREATE UNIQUE INDEX grants_one_per_approval ON grants (company_id, approval_id) WHERE approval_id IS NOT NULL',
  ...tenantIsolation('approval_requests', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
