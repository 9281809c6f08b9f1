import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// S22: request_id is always the server's id for the request; the x-request-id a client sent is
// kept beside it, never in its place (it can name anything, including another request).
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, ['ALTER TABLE audit_events ADD COLUMN client_request_id text'])
}
