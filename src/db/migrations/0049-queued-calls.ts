import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Inbound calls waiting in a queue (issue 10, workspace item 3): an inbound call routed to a
// queue with no member free to take it waits here, oldest first, until it is handed to an agent
// (then it becomes a row of `calls`, the agent's) or the caller hangs up. It goes with its queue.
const statements = [
  `CREATE TABLE queued_calls (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    queue_id text NOT NULL,
    project_id text NOT NULL,
    phone text NOT NULL CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
    blacklisted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, queue_id) REFERENCES queues (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id)
  )`,
  'CREATE INDEX queued_calls_queue ON queued_calls (company_id, queue_id, created_at, id)',
  ...tenantIsolation('queued_calls', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
