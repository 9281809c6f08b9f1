import type { Kysely } from 'kysely'
import { runStatements } from './run-statements.js'
import { SYSTEM_ACCESS } from './tenant-isolation.js'

// S21: `system_access` (the pre-tenant lookups: company by slug, session or API key by token
// hash) admitted any role but tessera_app. Inside a tenant transaction, `RESET ROLE` returns to
// the login role, which that policy then let read every company's rows. It now admits only
// outside a tenant transaction (no company bound), so a RESET ROLE after withCompany() sees
// nothing the tenant policy would not show. Applied to every table that has the policy.
const alterEveryTable = `
DO $$
DECLARE t record;
BEGIN
  FOR t IN SELECT schemaname, tablename FROM pg_policies WHERE policyname = 'system_access' LOOP
    EXECUTE format('ALTER POLICY system_access ON %I.%I USING (%s) WITH CHECK (%s)',
      t.schemaname, t.tablename, $c$${SYSTEM_ACCESS}$c$, $c$${SYSTEM_ACCESS}$c$);
  END LOOP;
END
$$`

export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(db, [alterEveryTable])
}
