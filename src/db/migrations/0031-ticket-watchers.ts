import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// W6, notification instead of access (issue 10 part 2). A ticket's watchers are people or whole
// teams (org units) told of its status changes and new replies, whether or not they may open it;
// a notification carries the ticket's id and the change, never its content. One row per
// recipient, written in the transaction of the change (so a rolled-back change tells nobody).
// The app role may not delete notifications (a person marks them read) nor rewrite their
// content: UPDATE is granted on read_at only.
const statements = [
  `CREATE TABLE ticket_watchers (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    ticket_id text NOT NULL,
    user_id text,
    org_unit_id text,
    added_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    CHECK ((user_id IS NULL) <> (org_unit_id IS NULL)),
    FOREIGN KEY (company_id, ticket_id) REFERENCES tickets (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, added_by) REFERENCES users (company_id, id)
      ON DELETE SET NULL (added_by)
  )`,
  `CREATE UNIQUE INDEX ticket_watchers_user ON ticket_watchers (company_id, ticket_id, user_id)
    WHERE user_id IS NOT NULL`,
  `CREATE UNIQUE INDEX ticket_watchers_unit ON ticket_watchers (company_id, ticket_id, org_unit_id)
    WHERE org_unit_id IS NOT NULL`,
  ...tenantIsolation('ticket_watchers', READ_WRITE),
  `CREATE TABLE notifications (
    id text PRIMARY KEY,
    -- the order notifications were written in (newest first is seq descending)
    seq bigint GENERATED ALWAYS AS IDENTITY,
    company_id text NOT NULL REFERENCES companies (id),
    recipient_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('ticket.status_changed', 'ticket.replied')),
    ticket_id text NOT NULL,
    from_status text,
    to_status text,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at timestamptz,
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, recipient_id) REFERENCES users (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, ticket_id) REFERENCES tickets (company_id, id) ON DELETE CASCADE
  )`,
  'CREATE INDEX notifications_recipient ON notifications (company_id, recipient_id, seq)',
  ...tenantIsolation('notifications', 'SELECT, INSERT'),
  'GRANT UPDATE (read_at) ON notifications TO tessera_app',
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
