import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// Queues, auto-dialers and campaigns (issue 10, P10 [004] «очереди, автообзвоны … по проектам»,
// [000] 批量外呼): each belongs to exactly one project, for good (`project_id` is required and
// never changes), so a non-member of the project never learns it exists. A campaign's queue and
// dialer are of the campaign's own project: the three-column foreign keys say so, and deleting
// the queue or dialer leaves the campaign without one (SET NULL on that column only).
// A dialer's `state` moves idle ⇄ running by a conditional UPDATE (start twice → one wins).
const statements = [
  `CREATE TABLE queues (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    project_id text NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    strategy text NOT NULL DEFAULT 'longest-idle'
      CHECK (strategy IN ('longest-idle', 'round-robin', 'ring-all', 'fewest-calls')),
    -- the agents the queue hands calls to, in order: user ids of the company, each checked by
    -- the service when set (users are never deleted, only offboarded), as scripts.editor_ids
    member_ids text[] NOT NULL DEFAULT '{}' CHECK (cardinality(member_ids) <= 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, project_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id)
  )`,
  'CREATE INDEX queues_project ON queues (company_id, project_id, id)',
  ...tenantIsolation('queues', READ_WRITE),
  `CREATE TABLE dialers (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    project_id text NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    mode text NOT NULL DEFAULT 'progressive'
      CHECK (mode IN ('preview', 'progressive', 'predictive')),
    state text NOT NULL DEFAULT 'idle' CHECK (state IN ('idle', 'running')),
    started_at timestamptz,
    started_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, project_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id),
    FOREIGN KEY (company_id, started_by) REFERENCES users (company_id, id)
  )`,
  'CREATE INDEX dialers_project ON dialers (company_id, project_id, id)',
  ...tenantIsolation('dialers', READ_WRITE),
  `CREATE TABLE campaigns (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    project_id text NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status text NOT NULL DEFAULT 'draft'
      CHECK (status IN ('draft', 'running', 'paused', 'ended')),
    owner_id text,
    queue_id text,
    dialer_id text,
    launched_at timestamptz,
    ended_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id),
    FOREIGN KEY (company_id, owner_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, project_id, queue_id) REFERENCES queues (company_id, project_id, id)
      ON DELETE SET NULL (queue_id),
    FOREIGN KEY (company_id, project_id, dialer_id) REFERENCES dialers (company_id, project_id, id)
      ON DELETE SET NULL (dialer_id)
  )`,
  'CREATE INDEX campaigns_project ON campaigns (company_id, project_id, id)',
  'CREATE INDEX campaigns_owner ON campaigns (company_id, owner_id, id)',
  'CREATE INDEX campaigns_status ON campaigns (company_id, status, id)',
  'CREATE INDEX campaigns_queue ON campaigns (company_id, project_id, queue_id)',
  'CREATE INDEX campaigns_dialer ON campaigns (company_id, project_id, dialer_id)',
  ...tenantIsolation('campaigns', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
