import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// The chat log (issue 10; R1 [004]): a conversation over a text channel is the agent's (`own`
// scope: agent_id), of their team and of a project, like a call. Its messages are its
// transcript, numbered in order (`seq`: the chat's `message_count` after the update that adds
// the message, made under the chat row's lock, so two replies at once never share a number).
// Closing sets `closed_at` and the duration; a closed chat takes no message: the service adds a
// message only through an UPDATE of an open chat's row, which also serialises two replies.
const statements = [
  `CREATE TABLE chats (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    agent_id text NOT NULL,
    org_unit_id text,
    project_id text,
    customer_id text,
    channel text NOT NULL
      CHECK (channel IN ('web', 'app', 'wechat', 'telegram', 'whatsapp', 'sms', 'email')),
    phone text CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    duration_sec integer NOT NULL DEFAULT 0 CHECK (duration_sec >= 0),
    notes text NOT NULL DEFAULT '' CHECK (length(notes) <= 10000),
    message_count integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    started_at timestamptz NOT NULL,
    closed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    FOREIGN KEY (company_id, agent_id) REFERENCES users (company_id, id),
    FOREIGN KEY (company_id, org_unit_id) REFERENCES org_units (company_id, id),
    FOREIGN KEY (company_id, project_id) REFERENCES projects (company_id, id),
    FOREIGN KEY (company_id, customer_id) REFERENCES customers (company_id, id)
      ON DELETE SET NULL (customer_id)
  )`,
  'CREATE INDEX chats_agent ON chats (company_id, agent_id, id)',
  'CREATE INDEX chats_org_unit ON chats (company_id, org_unit_id, id)',
  'CREATE INDEX chats_project ON chats (company_id, project_id, id)',
  'CREATE INDEX chats_customer ON chats (company_id, customer_id, id)',
  ...tenantIsolation('chats', READ_WRITE),
  `CREATE TABLE chat_messages (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    chat_id text NOT NULL,
    seq integer NOT NULL CHECK (seq >= 1),
    author text NOT NULL CHECK (author IN ('customer', 'agent')),
    author_id text,
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, chat_id, seq),
    CHECK ((author = 'agent') = (author_id IS NOT NULL)),
    FOREIGN KEY (company_id, chat_id) REFERENCES chats (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, author_id) REFERENCES users (company_id, id)
  )`,
  ...tenantIsolation('chat_messages', 'SELECT, INSERT, DELETE'),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
