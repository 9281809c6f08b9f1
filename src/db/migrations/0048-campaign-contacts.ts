import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Campaign contacts (issue 10, workspace item 2): a campaign's contact list, customers of the
// same company, each at most once. A dialer run places calls to the contacts still `pending`
// (through the same dial as a manual one) and marks each `called` (with its call) or `skipped`
// (with the reason); a contact skipped only because every line was busy stays `pending` for the
// next run. The contact goes with its campaign or its customer.
const statements = [
  `CREATE TABLE campaign_contacts (
    company_id text NOT NULL REFERENCES companies (id),
    campaign_id text NOT NULL,
    customer_id text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'called', 'skipped')),
    reason text CHECK (length(reason) <= 60),
    call_id text,
    added_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, campaign_id, customer_id),
    CHECK ((status = 'called') = (call_id IS NOT NULL)),
    CHECK ((status = 'skipped') = (reason IS NOT NULL)),
    FOREIGN KEY (company_id, campaign_id) REFERENCES campaigns (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id),
    FOREIGN KEY (company_id, added_by) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX campaign_contacts_customer ON campaign_contacts (company_id, customer_id)',
  ...tenantIsolation('campaign_contacts', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
