import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// Issue 10: a waiting call is handed on whenever someone may have gained the right to take it,
// by whatever path (domain/context.ts inCompany, domain/calls/ring.ts offerWidened). The database
// notes, in a setting of the transaction (`tessera.rights_changed`, SET LOCAL: it ends with the
// transaction and is undone with a savepoint rolled back), whose rights it changed: the people
// whose roles, groups, projects or temporary grants changed, or whose status, team, level,
// position or manager did ("<id>,<id>,"), or everyone ("*": the policy's version moved, a team
// share changed, or more than a few hundred people changed at once). Like the counters of 0012,
// a trigger cannot be forgotten by a new code path. A removal is noted too: losing a role can
// lift a restriction.
const note = `CREATE FUNCTION tessera_note_rights() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    noted text := coalesce(current_setting('tessera.rights_changed', true), '');
    person text;
  BEGIN
    IF noted = '*' THEN RETURN NULL; END IF;
    IF TG_NARGS = 0 THEN
      person := '*';
    ELSIF TG_OP = 'DELETE' THEN
      person := to_jsonb(OLD) ->> TG_ARGV[0];
    ELSE
      person := to_jsonb(NEW) ->> TG_ARGV[0];
    END IF;
    IF person IS NULL OR position(',' || person || ',' IN ',' || noted) > 0 THEN RETURN NULL; END IF;
    PERFORM set_config('tessera.rights_changed',
      CASE WHEN person = '*' OR length(noted) > 16000 THEN '*' ELSE noted || person || ',' END,
      true);
    RETURN NULL;
  END $$`

const on = (table: string, events: string, column?: string, when = '') =>
  `CREATE TRIGGER ${table}_rights_noted AFTER ${events} ON ${table}
    FOR EACH ROW ${when} EXECUTE FUNCTION tessera_note_rights(${column === undefined ? '' : `'${column}'`})`

const statements = [
  note,
  on('user_roles', 'INSERT OR UPDATE OR DELETE', 'user_id'),
  on('user_groups', 'INSERT OR UPDATE OR DELETE', 'user_id'),
  on('project_members', 'INSERT OR UPDATE OR DELETE', 'user_id'),
  on('grants', 'INSERT OR UPDATE OR DELETE', 'user_id'),
  on('users', 'UPDATE OF status, org_unit_id, level, position, position_id, manager_id', 'id'),
  on('shares', 'INSERT OR UPDATE OR DELETE'),
  on(
    'companies',
    'UPDATE OF policy_version',
    undefined,
    'WHEN (NEW.policy_version IS DISTINCT FROM OLD.policy_version)',
  ),
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
