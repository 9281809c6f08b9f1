import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// Issue 11, policy as code: an org unit's stable key. A policy document knows a unit by its
// path of names, which a move or a rename changes; the key does not, so an import can tell a
// unit moved to another parent (or renamed) from one removed and another added. Unique in a
// company, never an id: a document imported into another company creates its units with the
// document's keys, and its export then writes the same keys again. A unit made through the API
// gets a random one (the default); existing units get one here.
const keyDefault = `substr(md5(random()::text || clock_timestamp()::text), 1, 12)`
const statements = [
  `ALTER TABLE org_units ADD COLUMN key text`,
  `UPDATE org_units SET key = substr(md5(id || random()::text), 1, 12)`,
  `ALTER TABLE org_units ALTER COLUMN key SET DEFAULT ${keyDefault}`,
  `ALTER TABLE org_units ALTER COLUMN key SET NOT NULL`,
  `ALTER TABLE org_units ADD CONSTRAINT org_units_key_format
    CHECK (key ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')`,
  `ALTER TABLE org_units ADD CONSTRAINT org_units_company_key UNIQUE (company_id, key)`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
