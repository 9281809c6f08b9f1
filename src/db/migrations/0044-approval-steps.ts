import { sql, type Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// W1–W3 (issue 11): two more request types — a customer's data supplemented (`dataSupplement`)
// and a script submitted for publication (`scriptChange`) — and several steps per request.
//
// - `approval_routes`: per company and request type, the ordered steps a request goes through
//   (`lead`, `admin`, and for scripts `publisher`: whoever may publish it). No row: the default,
//   one step chosen by the requester's level (migration 0028), or `publisher` for a script.
// - `approval_requests.steps` / `.step`: the steps resolved when the request was made (a later
//   change of the configuration does not move a request already made) and the index of the one
//   waiting for a decision; `route` stays the current step's route, so the queues read it as
//   before. A rejection at any step closes the request; the last approval applies it.
// - `approval_steps`: one row per decided step. Its keys hold the two rules in the database
//   too: a step is decided once (two approvers of the same step at once: one row, the other
//   transaction fails), and nobody decides two steps of one request.
//
// The 0028 route check was created without a name: it is found by its definition.

const types = `('temporaryGrant', 'customerTags', 'poolNumbers', 'dataSupplement', 'scriptChange')`
const routes = `('lead', 'admin', 'publisher')`

const statements = [
  'ALTER TABLE approval_requests DROP CONSTRAINT approval_requests_type',
  `ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_type CHECK (type IN ${types})`,
  `ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_route CHECK (route IN ${routes})`,
  `ALTER TABLE approval_requests ADD COLUMN steps text[]`,
  `ALTER TABLE approval_requests ADD COLUMN step integer NOT NULL DEFAULT 0`,
  `UPDATE approval_requests SET steps = ARRAY[route]`,
  `ALTER TABLE approval_requests ALTER COLUMN steps SET NOT NULL`,
  `ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_steps CHECK (
    cardinality(steps) BETWEEN 1 AND 5
    AND steps <@ ARRAY['lead', 'admin', 'publisher']::text[]
    AND step >= 0 AND step < cardinality(steps)
    AND route = steps[step + 1])`,
  `CREATE TABLE approval_steps (
    company_id text NOT NULL REFERENCES companies (id),
    approval_id text NOT NULL,
    step integer NOT NULL CHECK (step >= 0 AND step < 5),
    route text NOT NULL CHECK (route IN ${routes}),
    decision text NOT NULL CHECK (decision IN ('approved', 'rejected')),
    decided_by text NOT NULL,
    decided_at timestamptz NOT NULL,
    reason text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    PRIMARY KEY (company_id, approval_id, step),
    UNIQUE (company_id, approval_id, decided_by),
    CHECK (decision <> 'rejected' OR reason IS NOT NULL),
    FOREIGN KEY (company_id, approval_id) REFERENCES approval_requests (company_id, id),
    FOREIGN KEY (company_id, decided_by) REFERENCES users (company_id, id)
  )`,
  ...tenantIsolation('approval_steps', 'SELECT, INSERT'),
  `CREATE TABLE approval_routes (
    company_id text NOT NULL REFERENCES companies (id),
    type text NOT NULL CHECK (type IN ${types}),
    steps text[] NOT NULL CHECK (
      cardinality(steps) BETWEEN 1 AND 5
      AND steps <@ ARRAY['lead', 'admin', 'publisher']::text[]
      AND (type = 'scriptChange' OR NOT 'publisher' = ANY (steps))),
    updated_by text,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (company_id, type),
    FOREIGN KEY (company_id, updated_by) REFERENCES users (company_id, id)
  )`,
  ...tenantIsolation('approval_routes', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  const checks = await sql<{ name: string; definition: string }>`
    SELECT conname AS name, pg_get_constraintdef(oid) AS definition
    FROM pg_constraint
    WHERE conrelid = 'approval_requests'::regclass AND contype = 'c'`.execute(db)
  const compact = (s: string) => s.replace(/[()\s]|::text/g, '')
  const old = checks.rows.filter((c) =>
    compact(c.definition).includes("route=ANYARRAY['lead','admin']"),
  )
  if (old.length !== 1) throw new Error(`0044: found ${old.length} of the one 0028 route check`)
  for (const check of old)
    await sql.raw(`ALTER TABLE approval_requests DROP CONSTRAINT "${check.name}"`).execute(db)
  await runStatements(db, statements)
}
