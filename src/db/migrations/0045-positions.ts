import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { READ_WRITE, tenantIsolation } from './tenant-isolation.js'

// R8 positions (issue 11, 12; [002] 岗位变动会自动触发权限重置): a company's positions, each with
// default roles and permission groups that a transfer resets a person to. `users.position`
// (free text since 0002) becomes a reference, `users.position_id`; the text column stays as the
// position's name, kept by the database alone (a BEFORE trigger on users, an AFTER trigger on a
// rename), because the engine's `position` attribute and `subject.position` conditions read the
// name. Existing values become positions of their company; every company also gets the preset
// positions (R2) with their preset roles as defaults, as sign-up now does.
const presetKeys = [
  'novice-agent',
  'senior-agent',
  'team-lead',
  'qa-inspector',
  'trainer',
  'telesales-agent',
  'after-sales-agent',
  'data-analyst',
  'marketing',
  'management',
  'tech-support',
  'sales-rep',
  'admin',
]

const presets = presetKeys.map((k) => `('${k}')`).join(', ')

const statements = [
  `CREATE TABLE positions (
    id text PRIMARY KEY,
    company_id text NOT NULL REFERENCES companies (id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (company_id, id),
    UNIQUE (company_id, name)
  )`,
  `CREATE TABLE position_roles (
    company_id text NOT NULL,
    position_id text NOT NULL,
    role_id text NOT NULL,
    PRIMARY KEY (position_id, role_id),
    FOREIGN KEY (company_id, position_id) REFERENCES positions (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, role_id) REFERENCES roles (company_id, id) ON DELETE CASCADE
  )`,
  'CREATE INDEX position_roles_role ON position_roles (company_id, role_id)',
  `CREATE TABLE position_groups (
    company_id text NOT NULL,
    position_id text NOT NULL,
    group_id text NOT NULL,
    PRIMARY KEY (position_id, group_id),
    FOREIGN KEY (company_id, position_id) REFERENCES positions (company_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, group_id) REFERENCES permission_groups (company_id, id) ON DELETE CASCADE
  )`,
  'CREATE INDEX position_groups_group ON position_groups (company_id, group_id)',
  'ALTER TABLE users ADD COLUMN position_id text',
  `ALTER TABLE users ADD CONSTRAINT users_position_fk
    FOREIGN KEY (company_id, position_id) REFERENCES positions (company_id, id)`,
  'CREATE INDEX users_position ON users (company_id, position_id)',
  // the data: every distinct value in use, then the presets every company has
  `INSERT INTO positions (id, company_id, name)
    SELECT gen_random_uuid()::text, company_id, name
    FROM (SELECT DISTINCT company_id, left(btrim(position), 100) AS name FROM users
          WHERE position IS NOT NULL AND btrim(position) <> '') AS used`,
  `INSERT INTO positions (id, company_id, name)
    SELECT gen_random_uuid()::text, c.id, k.name
    FROM companies c CROSS JOIN (VALUES ${presets}) AS k (name)
    WHERE NOT EXISTS (SELECT 1 FROM positions p WHERE p.company_id = c.id AND p.name = k.name)`,
  `INSERT INTO position_roles (company_id, position_id, role_id)
    SELECT p.company_id, p.id, r.id FROM positions p
    JOIN roles r ON r.company_id = p.company_id AND r.kind <> 'builtin'
      AND r.definition->>'preset' = p.name
    WHERE p.name IN (${presetKeys.map((k) => `'${k}'`).join(', ')})`,
  `UPDATE users u SET position_id = p.id FROM positions p
    WHERE p.company_id = u.company_id AND p.name = left(btrim(u.position), 100)`,
  // the name mirror: written by the database only
  `CREATE FUNCTION tessera_user_position_name() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.position := (SELECT p.name FROM positions p
        WHERE p.company_id = NEW.company_id AND p.id = NEW.position_id);
      RETURN NEW;
    END $$`,
  `CREATE TRIGGER users_position_name BEFORE INSERT OR UPDATE OF position_id, position, company_id
    ON users FOR EACH ROW EXECUTE FUNCTION tessera_user_position_name()`,
  // every holder's name from their position (trimmed values; none for those without one)
  'UPDATE users SET position_id = position_id',
  `CREATE FUNCTION tessera_position_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE users SET position = NEW.name
        WHERE company_id = NEW.company_id AND position_id = NEW.id;
      RETURN NULL;
    END $$`,
  `CREATE TRIGGER positions_renamed AFTER UPDATE OF name ON positions
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION tessera_position_renamed()`,
  // 0012: a new position moves the subject version like the old text column did
  `CREATE TRIGGER users_position_subject_changed AFTER UPDATE OF position_id ON users
    FOR EACH ROW EXECUTE FUNCTION tessera_subject_changed()`,
  ...tenantIsolation('positions', READ_WRITE),
  ...tenantIsolation('position_roles', READ_WRITE),
  ...tenantIsolation('position_groups', READ_WRITE),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
