// Type-only imports: each table's interface lives beside its domain module (STYLE.md layout);
// this file only composes them, so no runtime edge runs from db/ to domain/.
import type { UsageCountersTable } from '../domain/access/usage.table.js'
import type { ApiKeysTable } from '../domain/api-keys/api-keys.table.js'
import type { AuditCheckpointsTable, AuditEventsTable } from '../domain/audit/audit.table.js'
import type { CompaniesTable } from '../domain/companies/companies.table.js'
import type { OrgUnitsTable } from '../domain/org-units/org-units.table.js'
import type { ProjectMembersTable, ProjectsTable } from '../domain/projects/projects.table.js'
import type {
  GrantsTable,
  PermissionGroupsTable,
  RestrictionsTable,
  RolesTable,
  UserGroupsTable,
  UserRolesTable,
} from '../domain/roles/roles.table.js'
import type { SessionsTable } from '../domain/accounts/sessions.table.js'
import type { UsersTable } from '../domain/users/users.table.js'

export interface Database {
  companies: CompaniesTable
  org_units: OrgUnitsTable
  projects: ProjectsTable
  project_members: ProjectMembersTable
  users: UsersTable
  sessions: SessionsTable
  api_keys: ApiKeysTable
  roles: RolesTable
  permission_groups: PermissionGroupsTable
  user_roles: UserRolesTable
  user_groups: UserGroupsTable
  grants: GrantsTable
  restrictions: RestrictionsTable
  audit_events: AuditEventsTable
  audit_checkpoints: AuditCheckpointsTable
  usage_counters: UsageCountersTable
}
