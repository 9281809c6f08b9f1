import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Operations (issue 10, item 4; P1, D): IVR menus and shifts. Settings sections (finance, KPI,
// security) need no table: each is one document in the company's `settings` (domain/settings).
//
// An IVR menu belongs to one project (P10: non-members never see it); its options are a tree kept
// as one JSON document, validated by the service (unique keys per level, depth ≤ 5, ≤ 100
// options); the CHECKs bound what reaches the table whatever writes it.
//
// A shift is one person's work, break or training from `starts_at` to `ends_at` (at most 24
// hours). Nobody has two overlapping shifts: an exclusion constraint (btree_gist, for the `=` on
// text columns beside the range `&&`) refuses the second of two concurrent inserts on
// PostgreSQL, where a check-then-insert would let both in. PGlite 0.5 ships btree_gist and loads
// it (db/create-db.ts `pgliteExtensions`); on PostgreSQL it is a trusted extension (13+), so the
// database owner that migrates may create it. The range is half-open: one shift may end when
// the next begins.
const statements = [
  'CREATE EXTENSION IF NOT EXISTS btree_gist',
  `CREATE TABLE ivr_menus (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    project_id text NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    options jsonb NOT NULL CHECK (jsonb_typeof(options) = 'array' AND octet_length(options::text) <= 100000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, project_id, name),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id)
  )`,
  'CREATE INDEX ivr_menus_project ON ivr_menus (company_id, project_id, id)',
  ...tenantIsolation('ivr_menus', READ_WRITE),
  `CREATE TABLE shifts (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    user_id text NOT NULL,
    org_unit_id text,
    kind text NOT NULL CHECK (kind IN ('work', 'break', 'training')),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '24 hours'),
    FOREIGN KEY (company_id, user_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    CONSTRAINT shifts_no_overlap EXCLUDE USING gist (
      company_id WITH =, user_id WITH =, tstzrange(starts_at, ends_at) WITH &&
    )
  )`,
  'CREATE INDEX shifts_user ON shifts (company_id, user_id, id)',
  'CREATE INDEX shifts_org_unit ON shifts (company_id, org_unit_id, id)',
  'CREATE INDEX shifts_starts ON shifts (company_id, starts_at)',
  ...tenantIsolation('shifts', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
