import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'

// R1: a company can never lose its last active Admin — whatever path removes the role or
// deactivates the person (role edits, bulk assignment, offboarding, suspension). Checked at
// commit (deferred), so a swap inside one transaction is fine; only changes that touch an
// Admin trigger the check.
const isAdminRole = `EXISTS (SELECT 1 FROM roles r WHERE r.company_id = OLD.company_id AND r.id = OLD.role_id
      AND r.kind = 'builtin' AND r.name = 'Admin')`
const heldAdmin = `EXISTS (SELECT 1 FROM user_roles ur JOIN roles r ON r.company_id = ur.company_id AND r.id = ur.role_id
      WHERE ur.company_id = OLD.company_id AND ur.user_id = OLD.id AND r.kind = 'builtin' AND r.name = 'Admin')`

const check = (company: string) => `IF NOT EXISTS (
      SELECT 1 FROM users u
        JOIN user_roles ur ON ur.company_id = u.company_id AND ur.user_id = u.id
        JOIN roles r ON r.company_id = ur.company_id AND r.id = ur.role_id
      WHERE u.company_id = ${company} AND u.status = 'active'
        AND r.kind = 'builtin' AND r.name = 'Admin'
    ) THEN
      RAISE EXCEPTION 'the company would lose its last active Admin'
        USING ERRCODE = 'P0001', HINT = 'last_admin';
    END IF;`

// One function per table: PL/pgSQL resolves OLD's fields per trigger table.
const statements = [
  `CREATE FUNCTION tessera_last_admin_role() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF ${isAdminRole} THEN
      ${check('OLD.company_id')}
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE FUNCTION tessera_last_admin_status() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF OLD.status = 'active' AND NEW.status <> 'active' AND ${heldAdmin} THEN
      ${check('OLD.company_id')}
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE CONSTRAINT TRIGGER last_admin_role AFTER DELETE OR UPDATE ON user_roles
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tessera_last_admin_role()`,
  `CREATE CONSTRAINT TRIGGER last_admin_status AFTER UPDATE OF status ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tessera_last_admin_status()`,
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, statements)
}
