// Type-only imports: each table's interface lives beside its domain module;
// this file composes them. db/ is generic over the schema and never imports domain/.
import type { UsageCountersTable } from './access/usage.table.js'
import type { ApiKeysTable } from './api-keys/api-keys.table.js'
import type {
  ApprovalRequestsTable,
  ApprovalRoutesTable,
  ApprovalStepsTable,
} from './approvals/approvals.table.js'
import type { AuditCheckpointsTable, AuditEventsTable } from './audit/audit.table.js'
import type { BlacklistTable } from './blacklist/blacklist.table.js'
import type { CallsTable, RecordingsTable, QueuedCallsTable } from './calls/calls.table.js'
import type { ChatMessagesTable, ChatsTable } from './chats/chats.table.js'
import type { CompaniesTable } from './companies/companies.table.js'
import type {
  CustomerComplaintsTable,
  CustomerOrdersTable,
  CustomersTable,
} from './customers/customers.table.js'
import type { NumberPoolsTable, PoolNumbersTable } from './number-pools/number-pools.table.js'
import type { OrgUnitsTable } from './org-units/org-units.table.js'
import type {
  PositionGroupsTable,
  PositionRolesTable,
  PositionsTable,
} from './positions/positions.table.js'
import type { ProjectMembersTable, ProjectsTable } from './projects/projects.table.js'
import type {
  GrantsTable,
  PermissionGroupsTable,
  RestrictionsTable,
  RolesTable,
  UserGroupsTable,
  UserRolesTable,
} from './roles/roles.table.js'
import type { SessionsTable } from './accounts/sessions.table.js'
import type { SharesTable } from './shares/shares.table.js'
import type { TicketRepliesTable, TicketsTable } from './tickets/tickets.table.js'
import type { TicketWatchersTable } from './tickets/watchers.table.js'
import type { NotificationsTable } from './notifications/notifications.table.js'
import type { UsersTable } from './users/users.table.js'
import type { QaEvaluationsTable, QaScorecardsTable } from './qa/qa.table.js'
import type { ScriptsTable } from './scripts/scripts.table.js'
import type { IvrMenusTable } from './ivr-menus/ivr-menus.table.js'
import type { ShiftsTable } from './schedules/shifts.table.js'
import type {
  ContractsTable,
  LeadsTable,
  OpportunitiesTable,
  QuotesTable,
} from './sales/sales.table.js'
import type { QueuesTable } from './queues/queues.table.js'
import type { DialersTable } from './dialers/dialers.table.js'
import type { CampaignContactsTable, CampaignsTable } from './campaigns/campaigns.table.js'

export interface Database {
  companies: CompaniesTable
  org_units: OrgUnitsTable
  projects: ProjectsTable
  project_members: ProjectMembersTable
  users: UsersTable
  positions: PositionsTable
  position_roles: PositionRolesTable
  position_groups: PositionGroupsTable
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
  customers: CustomersTable
  customer_complaints: CustomerComplaintsTable
  customer_orders: CustomerOrdersTable
  tickets: TicketsTable
  ticket_replies: TicketRepliesTable
  ticket_watchers: TicketWatchersTable
  notifications: NotificationsTable
  number_pools: NumberPoolsTable
  pool_numbers: PoolNumbersTable
  blacklist: BlacklistTable
  calls: CallsTable
  recordings: RecordingsTable
  chats: ChatsTable
  chat_messages: ChatMessagesTable
  approval_requests: ApprovalRequestsTable
  approval_steps: ApprovalStepsTable
  approval_routes: ApprovalRoutesTable
  qa_scorecards: QaScorecardsTable
  qa_evaluations: QaEvaluationsTable
  scripts: ScriptsTable
  leads: LeadsTable
  opportunities: OpportunitiesTable
  quotes: QuotesTable
  contracts: ContractsTable
  queues: QueuesTable
  dialers: DialersTable
  campaigns: CampaignsTable
  campaign_contacts: CampaignContactsTable
  queued_calls: QueuedCallsTable
  shares: SharesTable
  ivr_menus: IvrMenusTable
  shifts: ShiftsTable
}
