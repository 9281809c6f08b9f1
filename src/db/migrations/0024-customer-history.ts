import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { tenantIsolation } from './tenant-isolation.js'

// A customer's history (issue 10, point 1): complaint records and orders, rows under a customer
// of the same company (composite foreign key). They are the customer's `complaints` and
// `orderHistory` fields for the engine: read and written under those field rules (P4).
// Append-only from the API: the app role may read and insert, never change or delete.
const statements = [
  `CREATE TABLE customer_complaints (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    customer_id text NOT NULL,
    summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, created_by) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX customer_complaints_customer ON customer_complaints (company_id, customer_id, id)',
  `CREATE TABLE customer_orders (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    customer_id text NOT NULL,
    order_no text NOT NULL CHECK (length(order_no) BETWEEN 1 AND 64),
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status text NOT NULL CHECK (status IN ('placed', 'paid', 'shipped', 'cancelled', 'returned')),
    ordered_at timestamptz NOT NULL,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, order_no),
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, created_by) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX customer_orders_customer ON customer_orders (company_id, customer_id, id)',
  ...tenantIsolation('customer_complaints', 'SELECT, INSERT'),
  ...tenantIsolation('customer_orders', 'SELECT, INSERT'),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
