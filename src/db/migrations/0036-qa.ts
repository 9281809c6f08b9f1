import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// QA (issue 10, point 4): scorecards (criteria with weights) and evaluations of calls. An
// evaluation carries its call's agent, team and project, so the `qaEvaluation` scopes read them
// like any column (an agent's own, a lead's team, QA's company); its score is computed from the
// scorecard when written, 0 to 100.
const statements = [
  `CREATE TABLE qa_scorecards (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    criteria jsonb NOT NULL CHECK (jsonb_typeof(criteria) = 'array'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, name)
  )`,
  ...tenantIsolation('qa_scorecards', READ_WRITE),
  `CREATE TABLE qa_evaluations (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    scorecard_id text NOT NULL,
    call_id text NOT NULL,
    agent_id text,
    org_unit_id text,
    project_id text,
    evaluator_id text,
    scores jsonb NOT NULL CHECK (jsonb_typeof(scores) = 'object'),
    score double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
    comments text NOT NULL DEFAULT '' CHECK (length(comments) <= 5000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    FOREIGN KEY (company_id, scorecard_id) REFERENCES qa_scorecards (company_id, id),
    FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, agent_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id),
    FOREIGN KEY (company_id, evaluator_id) REFERENCES users (company_id, id)
      ON DELETE SET NULL (evaluator_id)
  )`,
  'CREATE INDEX qa_evaluations_agent ON qa_evaluations (company_id, agent_id, id)',
  'CREATE INDEX qa_evaluations_org_unit ON qa_evaluations (company_id, org_unit_id, id)',
  'CREATE INDEX qa_evaluations_project ON qa_evaluations (company_id, project_id, id)',
  'CREATE INDEX qa_evaluations_call ON qa_evaluations (company_id, call_id, id)',
  ...tenantIsolation('qa_evaluations', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
