/** The role tenant transactions switch to (db/with-company.ts). */
const APP_ROLE = 'tessera_app'

/**
 * Row-level security for one tenant table: `tessera_app` sees and writes only the rows of the
 * company set in `tessera.company_id` for the current transaction. FORCE makes the policy bind
 * the table owner too; the `system_access` policy then admits any role other than `tessera_app`
 * (the migrating/owning role, used for the few pre-tenant lookups: company by slug, session by
 * token hash), which is what an owner would have without FORCE. Superusers bypass RLS anyway,
 * so tenant code must run as `tessera_app`: that is what withCompany() guarantees.
 */
/**
 * Who passes `system_access`: any role but `tessera_app`, and only while no company is bound to
 * the transaction (S21, migration 0013): a `RESET ROLE` inside withCompany() returns to the
 * login role, which must not then read other companies' rows. After a tenant transaction the
 * setting reads '' on that connection, hence the coalesce.
 */
export const SYSTEM_ACCESS = `current_user <> '${APP_ROLE}' AND coalesce(current_setting('tessera.company_id', true), '') = ''`

export function tenantIsolation(
  table: string,
  privileges: string,
  companyColumn = 'company_id',
): string[] {
  const sameCompany = `${companyColumn} = current_setting('tessera.company_id', true)`
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY tenant_isolation ON ${table} TO ${APP_ROLE} USING (${sameCompany}) WITH CHECK (${sameCompany})`,
    `CREATE POLICY system_access ON ${table} USING (${SYSTEM_ACCESS}) WITH CHECK (${SYSTEM_ACCESS})`,
    `GRANT ${privileges} ON ${table} TO ${APP_ROLE}`,
  ]
}

export const READ_WRITE = 'SELECT, INSERT, UPDATE, DELETE'
