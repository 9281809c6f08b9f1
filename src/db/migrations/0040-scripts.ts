import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Call scripts (issue 10, [000] 话术, W3): versioned rows of one series (`series_id`, the first
// version's id). A version moves draft → pending → published → archived; at most one version of
// a series is published and at most one is open (draft or pending) at a time, so an edit of the
// published script is a new draft beside it and publishing that draft archives the old one.
// `editor_ids` holds everyone who wrote the version's text: the four-eyes rule reads it.
const statements = [
  `CREATE TABLE scripts (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    series_id text NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    project_id text,
    author_id text,
    editor_ids text[] NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'draft'
      CHECK (status IN ('draft', 'pending', 'published', 'archived')),
    submitted_at timestamptz,
    published_at timestamptz,
    published_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, series_id, version),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id),
    FOREIGN KEY (company_id, author_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, published_by) REFERENCES users (company_id, id)
  )`,
  `CREATE UNIQUE INDEX scripts_one_published ON scripts (company_id, series_id)
    WHERE status = 'published'`,
  `CREATE UNIQUE INDEX scripts_one_open ON scripts (company_id, series_id)
    WHERE status IN ('draft', 'pending')`,
  'CREATE INDEX scripts_project ON scripts (company_id, project_id, id)',
  'CREATE INDEX scripts_author ON scripts (company_id, author_id, id)',
  'CREATE INDEX scripts_status ON scripts (company_id, status, id)',
  ...tenantIsolation('scripts', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
