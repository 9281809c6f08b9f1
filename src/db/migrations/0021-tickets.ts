import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Tickets and their replies (docs/resources.md; issue 10 part 2). Every reference is a composite
// (company_id, id) foreign key, so the database itself refuses another company's customer, unit,
// user or project. `escalated` is the attribute W4 turns on (escalate) and off (close): the tech
// preset's grants read it. `customer_level` is the customer's level when the ticket was opened
// (or re-linked), kept on the row so that conditions and field rules read it like any column.
// Deleting a customer keeps their tickets and forgets the link (SET NULL on that column only).
const statements = [
  `CREATE TABLE tickets (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    status text NOT NULL DEFAULT 'new'
      CHECK (status IN ('new', 'processing', 'escalated', 'resolved', 'closed', 'reopened')),
    category text CHECK (length(category) BETWEEN 1 AND 50),
    priority integer NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 4),
    fault_code text CHECK (fault_code ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'),
    customer_level text CHECK (customer_level IN ('regular', 'silver', 'gold', 'vip')),
    escalated boolean NOT NULL DEFAULT false,
    assignee_id text,
    customer_id text,
    org_unit_id text,
    project_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    CHECK (status <> 'closed' OR NOT escalated),
    FOREIGN KEY (company_id, assignee_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id)
      ON DELETE SET NULL (customer_id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id)
  )`,
  'CREATE INDEX tickets_org_unit ON tickets (company_id, org_unit_id, id)',
  'CREATE INDEX tickets_assignee ON tickets (company_id, assignee_id, id)',
  'CREATE INDEX tickets_project ON tickets (company_id, project_id, id)',
  'CREATE INDEX tickets_customer ON tickets (company_id, customer_id, id)',
  'CREATE INDEX tickets_status ON tickets (company_id, status, id)',
  'CREATE INDEX tickets_escalated ON tickets (company_id, id) WHERE escalated',
  ...tenantIsolation('tickets', READ_WRITE),
  // a reply (or a return visit: P5's way to write on a closed ticket) carries its ticket's unit and project (kept in step by the ticket's writes), so the
  // ticketReply scopes read them like any column; the author is the `own` scope
  `CREATE TABLE ticket_replies (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    ticket_id text NOT NULL,
    author_id text,
    org_unit_id text,
    project_id text,
    kind text NOT NULL DEFAULT 'reply' CHECK (kind IN ('reply', 'return_visit')),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, ticket_id) REFERENCES tickets (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, author_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id)
  )`,
  'CREATE INDEX ticket_replies_ticket ON ticket_replies (company_id, ticket_id, id)',
  ...tenantIsolation('ticket_replies', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
