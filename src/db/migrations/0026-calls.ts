import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// The call log and its recordings (issue 10, point 3; P9, P11, G2). A call is the agent's
// (`own` scope: agent_id), of their team and of the project of the pool it was dialled from.
// Its status moves ringing → answered → ended (the simulator or a telephony adapter reports
// each step); a call not ended holds one of the agent's lines, which the partial index
// `calls_live` counts while the dial holds the agent's user row FOR UPDATE (P9: the limit holds
// across connections and server processes). `blacklisted` is whether the number was on the
// blacklist when the call was placed. A recording is metadata (the audio is the telephony
// provider's): one per answered call, carrying the call's scope columns so the `recording`
// scopes read them like any column.
const E164 = `~ '^\\+[1-9][0-9]{6,14}$'`
const statements = [
  `CREATE TABLE calls (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    agent_id text NOT NULL,
    org_unit_id text,
    project_id text,
    pool_id text,
    customer_id text,
    direction text NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'inbound')),
    phone text NOT NULL CHECK (phone ${E164}),
    status text NOT NULL DEFAULT 'ringing' CHECK (status IN ('ringing', 'answered', 'ended')),
    blacklisted boolean NOT NULL DEFAULT false,
    duration_sec integer NOT NULL DEFAULT 0 CHECK (duration_sec >= 0),
    notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 10000),
    provider_ref text CHECK (length(provider_ref) <= 200),
    started_at timestamptz NOT NULL,
    answered_at timestamptz,
    ended_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    CHECK ((status = 'ended') = (ended_at IS NOT NULL)),
    CHECK (status <> 'answered' OR answered_at IS NOT NULL),
    FOREIGN KEY (company_id, agent_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id),
    FOREIGN KEY (company_id, pool_id) REFERENCES number_pools (company_id, id)
      ON DELETE SET NULL (pool_id),
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id)
      ON DELETE SET NULL (customer_id)
  )`,
  'CREATE INDEX calls_agent ON calls (company_id, agent_id, id)',
  'CREATE INDEX calls_org_unit ON calls (company_id, org_unit_id, id)',
  'CREATE INDEX calls_project ON calls (company_id, project_id, id)',
  'CREATE INDEX calls_customer ON calls (company_id, customer_id, id)',
  `CREATE INDEX calls_live ON calls (company_id, agent_id) WHERE status <> 'ended'`,
  ...tenantIsolation('calls', READ_WRITE),
  `CREATE TABLE recordings (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    call_id text NOT NULL,
    agent_id text NOT NULL,
    org_unit_id text,
    project_id text,
    duration_sec integer NOT NULL CHECK (duration_sec >= 0),
    storage_key text NOT NULL CHECK (length(storage_key) BETWEEN 1 AND 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, call_id),
    FOREIGN KEY (company_id, call_id) REFERENCES calls (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, agent_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id)
  )`,
  'CREATE INDEX recordings_agent ON recordings (company_id, agent_id, id)',
  'CREATE INDEX recordings_org_unit ON recordings (company_id, org_unit_id, id)',
  ...tenantIsolation('recordings', 'SELECT, INSERT, DELETE'),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
