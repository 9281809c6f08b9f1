import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// Queue routing (issue 10, workspace item 3). `calls.queue_id`: which queue an inbound call came
// through, set when a queue rings an agent (at once, or handing on a waiting call when a line
// frees); fewest-calls counts each member's calls of the queue today, and deleting the queue
// leaves its calls without one. `queues.last_member_id`: whom the queue last rang on a call's
// arrival (round-robin starts after them), written under the queue's row lock. `queued_calls.seq`:
// the order calls arrived in, so "oldest first" holds between calls of the same instant.
const statements = [
  'ALTER TABLE queues ADD COLUMN last_member_id text',
  'ALTER TABLE queued_calls ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY',
  'DROP INDEX queued_calls_queue',
  'CREATE INDEX queued_calls_queue ON queued_calls (company_id, queue_id, created_at, seq)',
  'ALTER TABLE calls ADD COLUMN queue_id text',
  `ALTER TABLE calls ADD FOREIGN KEY (company_id, queue_id) REFERENCES queues (company_id, id)
    ON DELETE SET NULL (queue_id)`,
  `CREATE INDEX calls_queue ON calls (company_id, queue_id, started_at) WHERE queue_id IS NOT NULL`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
