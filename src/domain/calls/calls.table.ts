import type { Generated, Selectable } from 'kysely'
import type { CallDirection, CallStatus } from './calls.js'

export interface CallsTable {
  id: string
  company_id: string
  agent_id: string
  org_unit_id: string | null
  project_id: string | null
  pool_id: string | null
  customer_id: string | null
  direction: CallDirection
  /** E.164 (a CHECK refuses anything else). */
  phone: string
  status: CallStatus
  blacklisted: boolean
  duration_sec: Generated<number>
  notes: Generated<string>
  provider_ref: string | null
  /** The queue an inbound call came through (migration 0050); null otherwise. */
  queue_id: string | null
  started_at: Date
  answered_at: Date | null
  ended_at: Date | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type CallRow = Selectable<CallsTable>

export interface RecordingsTable {
  id: string
  company_id: string
  call_id: string
  agent_id: string
  org_unit_id: string | null
  project_id: string | null
  duration_sec: number
  storage_key: string
  created_at: Generated<Date>
}

export type RecordingRow = Selectable<RecordingsTable>

export interface QueuedCallsTable {
  id: string
  company_id: string
  queue_id: string
  project_id: string
  /** E.164. */
  phone: string
  blacklisted: boolean
  created_at: Generated<Date>
  /** Arrival order (an identity column, migration 0050). */
  seq: Generated<string>
}

export type QueuedCallRow = Selectable<QueuedCallsTable>
