import type { JSONColumnType, Selectable } from 'kysely'

/** A row of `approval_requests` (migrations 0028, 0039). */
export interface ApprovalRequestsTable {
  id: string
  company_id: string
  type: 'temporaryGrant' | 'customerTags' | 'poolNumbers'
  requester_id: string
  org_unit_id: string | null
  route: 'lead' | 'admin'
  payload: JSONColumnType<Record<string, unknown>>
  reason: string
  status: 'pending' | 'approved' | 'rejected' | 'cancelled'
  expires_at: Date
  created_at: Date
  decided_by: string | null
  decided_at: Date | null
  decision_reason: string | null
  grant_id: string | null
  /** What an approved change did (`customerTags`, `poolNumbers`); null for a grant request. */
  effect: JSONColumnType<Record<string, unknown> | null, string | null, string | null>
}

export type ApprovalRequestRow = Selectable<ApprovalRequestsTable>
