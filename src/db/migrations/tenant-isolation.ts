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
    `CREATE POLICY system_access ON ${table} USING (current_user <> '${APP_ROLE}') WITH CHECK (current_user <> '${APP_ROLE}')`,
    `GRANT ${privileges} ON ${table} TO ${APP_ROLE}`,
  ]
}

export const READ_WRITE = 'SELECT, INSERT, UPDATE, DELETE'
