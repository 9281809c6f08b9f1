import { sql, type Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// Issue 11: an approval step may name a role (`role:<id>`) or a person (`user:<id>`) of the
// company instead of `lead` / `admin` / `publisher`; only the people named decide it. The 0044
// checks listed the three words: they now take the two named forms too. That the id names a
// role or a person of the same company is checked by the service when a route is configured
// (a role or a person removed later leaves the step undecidable by anyone: it expires).
const step = `(lead|admin|publisher|role:[A-Za-z0-9_-]{1,64}|user:[A-Za-z0-9_-]{1,64})`
const list = (column: string) => `array_to_string(${column}, ',') ~ '^${step}(,${step})*$'`

const statements = [
  `ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_route CHECK (route ~ '^${step}$')`,
  `ALTER TABLE approval_requests ADD CONSTRAINT approval_requests_steps CHECK (
    cardinality(steps) BETWEEN 1 AND 5
    AND ${list('steps')}
    AND step >= 0 AND step < cardinality(steps)
    AND route = steps[step + 1])`,
  `ALTER TABLE approval_steps ADD CONSTRAINT approval_steps_route_check
    CHECK (route ~ '^${step}$')`,
  `ALTER TABLE approval_routes ADD CONSTRAINT approval_routes_steps_check CHECK (
    cardinality(steps) BETWEEN 1 AND 5
    AND ${list('steps')}
    AND (type = 'scriptChange' OR NOT 'publisher' = ANY (steps)))`,
]

/** The 0028 / 0044 checks that list the three words, found by their definition. */
async function dropOldChecks(db: Kysely<unknown>): Promise<void> {
  for (const table of ['approval_requests', 'approval_steps', 'approval_routes']) {
    const checks = await sql<{ name: string; definition: string }>`
      SELECT conname AS name, pg_get_constraintdef(oid) AS definition
      FROM pg_constraint
      WHERE conrelid = ${table}::regclass AND contype = 'c'`.execute(db)
    const old = checks.rows.filter((c) => c.definition.includes("'publisher'"))
    if (old.length === 0) throw new Error(`0047: no route check found on ${table}`)
    for (const check of old)
      await sql.raw(`ALTER TABLE ${table} DROP CONSTRAINT "${check.name}"`).execute(db)
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await dropOldChecks(db)
  await runStatements(db, statements)
}
