import type { Migration } from 'kysely'
import * as appRole from './0001-app-role.js'
import * as tenancy from './0002-tenancy.js'
import * as roles from './0003-roles.js'
import * as audit from './0004-audit.js'
import * as policy from './0005-policy.js'
import * as lastAdmin from './0006-last-admin.js'
import * as usage from './0007-usage.js'
import * as auditClientRequestId from './0008-audit-client-request-id.js'
import * as loginAttempts from './0009-login-attempts.js'
import * as auditCheckpoints from './0011-audit-checkpoints.js'
import * as signupAttempts from './0012-signup-attempts.js'
import * as subjectVersion from './0012-subject-version.js'
import * as systemAccess from './0013-system-access-outside-tenants.js'
import * as customers from './0020-customers.js'
import * as tickets from './0021-tickets.js'
import * as customerHistory from './0024-customer-history.js'
import * as numberPools from './0025-number-pools.js'
import * as calls from './0026-calls.js'
import * as approvals from './0028-approvals.js'
import * as ticketWatchers from './0031-ticket-watchers.js'
import * as qa from './0036-qa.js'
import * as shares from './0037-shares.js'
import * as previews from './0038-previews.js'
import * as approvalEffects from './0039-approval-effects.js'
import * as scripts from './0040-scripts.js'
import * as projectOperations from './0041-project-operations.js'
import * as sales from './0042-sales.js'
import * as operations from './0043-operations.js'
import * as approvalSteps from './0044-approval-steps.js'
import * as positions from './0045-positions.js'
import * as approvalNamedSteps from './0047-approval-named-steps.js'
import * as campaignContacts from './0048-campaign-contacts.js'
import * as queuedCalls from './0049-queued-calls.js'
import * as callQueues from './0050-call-queues.js'
import * as chats from './0052-chats.js'
import * as orgUnitKeys from './0054-org-unit-keys.js'
import * as rightsChanged from './0055-rights-changed.js'

/** Every migration, in order, listed statically (no file-system scanning). Append only. */
export const migrations: Record<string, Migration> = {
  '0001_app_role': appRole,
  '0002_tenancy': tenancy,
  '0003_roles': roles,
  '0004_audit': audit,
  '0005_policy': policy,
  '0006_last_admin': lastAdmin,
  '0007_usage': usage,
  '0008_audit_client_request_id': auditClientRequestId,
  '0009_login_attempts': loginAttempts,
  '0011_audit_checkpoints': auditCheckpoints,
  '0012_signup_attempts': signupAttempts,
  '0012_subject_version': subjectVersion,
  '0013_system_access_outside_tenants': systemAccess,
  '0020_customers': customers,
  '0021_tickets': tickets,
  '0024_customer_history': customerHistory,
  '0025_number_pools': numberPools,
  '0026_calls': calls,
  '0028_approvals': approvals,
  '0031_ticket_watchers': ticketWatchers,
  '0036_qa': qa,
  '0037_shares': shares,
  '0038_previews': previews,
  '0039_approval_effects': approvalEffects,
  '0040_scripts': scripts,
  '0041_project_operations': projectOperations,
  '0042_sales': sales,
  '0043_operations': operations,
  '0044_approval_steps': approvalSteps,
  '0045_positions': positions,
  '0047_approval_named_steps': approvalNamedSteps,
  '0048_campaign_contacts': campaignContacts,
  '0049_queued_calls': queuedCalls,
  '0050_call_queues': callQueues,
  '0052_chats': chats,
  '0054_org_unit_keys': orgUnitKeys,
  '0055_rights_changed': rightsChanged,
}
