import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Customers (docs/resources.md: the first workspace resource). Every reference is a composite
// (company_id, id) foreign key, so the database itself refuses another company's unit, user or
// project; phone is stored in E.164, email lower-cased, bank card as digits.
const statements = [
  `CREATE TABLE customers (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    phone text CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
    email text CHECK (email = lower(email)),
    id_number text,
    bank_card text CHECK (bank_card ~ '^[0-9]{12,19}$'),
    region_id text,
    branch_id text,
    org_unit_id text,
    level text NOT NULL DEFAULT 'regular' CHECK (level IN ('regular', 'silver', 'gold', 'vip')),
    tags text[] NOT NULL DEFAULT '{}',
    owner_id text,
    project_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, region_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, branch_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, owner_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id)
  )`,
  'CREATE INDEX customers_org_unit ON customers (company_id, org_unit_id, id)',
  'CREATE INDEX customers_owner ON customers (company_id, owner_id, id)',
  'CREATE INDEX customers_project ON customers (company_id, project_id, id)',
  'CREATE INDEX customers_phone ON customers (company_id, phone)',
  'CREATE INDEX customers_tags ON customers USING gin (tags)',
  ...tenantIsolation('customers', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
