import type { JSONColumnType, Selectable } from 'kysely'

type RequestType =
  'temporaryGrant' | 'customerTags' | 'poolNumbers' | 'dataSupplement' | 'scriptChange'
type Route = 'lead' | 'admin' | 'publisher' | `role:${string}` | `user:${string}`

/** A row of `approval_requests` (migrations 0028, 0039, 0044, 0047). */
export interface ApprovalRequestsTable {
  id: string
  company_id: string
  type: RequestType
  requester_id: string
  org_unit_id: string | null
  /** The route of the step waiting for a decision (`steps[step]`). */
  route: Route
  payload: JSONColumnType<Record<string, unknown>>
  reason: string
  status: 'pending' | 'approved' | 'rejected' | 'cancelled'
  expires_at: Date
  created_at: Date
  decided_by: string | null
  decided_at: Date | null
  decision_reason: string | null
  grant_id: string | null
  /** What an approved change did (the W3 types); null for a grant request. */
  effect: JSONColumnType<Record<string, unknown> | null, string | null, string | null>
  /** W2: the steps resolved when the request was made, in order (at least one). */
  steps: Route[]
  /** W2: the index in `steps` of the step waiting for a decision (the last one once closed). */
  step: number
}

export type ApprovalRequestRow = Selectable<ApprovalRequestsTable>

/** A row of `approval_steps` (migration 0044): one decided step of a request. */
export interface ApprovalStepsTable {
  company_id: string
  approval_id: string
  step: number
  route: Route
  decision: 'approved' | 'rejected'
  decided_by: string
  decided_at: Date
  reason: string | null
}

export type ApprovalStepRow = Selectable<ApprovalStepsTable>

/** A row of `approval_routes` (migration 0044): a company's steps for one request type. */
export interface ApprovalRoutesTable {
  company_id: string
  type: RequestType
  steps: Route[]
  updated_by: string | null
  updated_at: Date
}

export type ApprovalRouteRow = Selectable<ApprovalRoutesTable>
