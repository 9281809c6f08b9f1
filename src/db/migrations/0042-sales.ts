import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Sales (issue 10, item 4, [002]): leads marketing assigns to sales reps, and the reps'
// opportunities, quotes and contracts. Each is owned (owner, org unit, project: the catalog's
// `owned` scope); every reference is a composite (company_id, id) foreign key, so the database
// itself refuses another company's user, unit, project, customer, opportunity or quote. A quote
// or a contract moves draft → approved once, by someone other than its owner or creator (the
// service's four-eyes rule); `created_by` keeps who wrote it for that rule.
const owned = `
    owner_id text,
    org_unit_id text,
    project_id text,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, owner_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id)`
const name = 'name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200)'
const amount = 'amount numeric(14, 2) NOT NULL CHECK (amount >= 0)'
const approval = `status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved')),
    approved_by text,
    approved_at timestamptz,
    CHECK ((status = 'approved') = (approved_at IS NOT NULL))`

const indexes = (table: string) => [
  `CREATE INDEX ${table}_owner ON ${table} (company_id, owner_id, id)`,
  `CREATE INDEX ${table}_org_unit ON ${table} (company_id, org_unit_id, id)`,
  `CREATE INDEX ${table}_project ON ${table} (company_id, project_id, id)`,
]

const statements = [
  `CREATE TABLE leads (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    ${name},
    phone text CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
    email text CHECK (email = lower(email) AND length(email) <= 254),
    source text CHECK (length(source) BETWEEN 1 AND 100),
    status text NOT NULL DEFAULT 'new'
      CHECK (status IN ('new', 'contacted', 'qualified', 'disqualified', 'converted')),
    ${owned}
  )`,
  ...indexes('leads'),
  'CREATE INDEX leads_status ON leads (company_id, status, id)',
  ...tenantIsolation('leads', READ_WRITE),
  `CREATE TABLE opportunities (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    ${name},
    stage text NOT NULL DEFAULT 'prospecting'
      CHECK (stage IN ('prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost')),
    ${amount},
    customer_id text,
    ${owned},
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id)
  )`,
  ...indexes('opportunities'),
  'CREATE INDEX opportunities_stage ON opportunities (company_id, stage, id)',
  ...tenantIsolation('opportunities', READ_WRITE),
  `CREATE TABLE quotes (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    ${name},
    ${amount},
    opportunity_id text NOT NULL,
    ${approval},
    ${owned},
    FOREIGN KEY (company_id, opportunity_id) REFERENCES opportunities (company_id, id),
    FOREIGN KEY (company_id, approved_by) REFERENCES users (company_id, id)
  )`,
  ...indexes('quotes'),
  'CREATE INDEX quotes_opportunity ON quotes (company_id, opportunity_id)',
  ...tenantIsolation('quotes', READ_WRITE),
  `CREATE TABLE contracts (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    ${name},
    ${amount},
    quote_id text,
    opportunity_id text,
    ${approval},
    ${owned},
    CHECK (quote_id IS NOT NULL OR opportunity_id IS NOT NULL),
    FOREIGN KEY (company_id, quote_id) REFERENCES quotes (company_id, id),
    FOREIGN KEY (company_id, opportunity_id) REFERENCES opportunities (company_id, id),
    FOREIGN KEY (company_id, approved_by) REFERENCES users (company_id, id)
  )`,
  ...indexes('contracts'),
  'CREATE INDEX contracts_quote ON contracts (company_id, quote_id)',
  'CREATE INDEX contracts_opportunity ON contracts (company_id, opportunity_id)',
  ...tenantIsolation('contracts', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
