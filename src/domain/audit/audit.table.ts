import type { ColumnType, Selectable } from 'kysely'

type JsonValue = ColumnType<unknown, string | null, never>

/** Append-only: the application role may INSERT and SELECT, never UPDATE or DELETE (G1). */
export interface AuditEventsTable {
  id: ColumnType<string, string, never>
  company_id: ColumnType<string, string, never>
  /** 1, 2, 3… per company; unique, so the chain cannot fork. */
  seq: ColumnType<number, number, never>
  occurred_at: ColumnType<Date, Date, never>
  actor_user_id: ColumnType<string | null, string | null, never>
  action: ColumnType<string, string, never>
  target_type: ColumnType<string | null, string | null, never>
  target_id: ColumnType<string | null, string | null, never>
  before: JsonValue
  after: JsonValue
  ip: ColumnType<string | null, string | null, never>
  session_id: ColumnType<string | null, string | null, never>
  request_id: ColumnType<string | null, string | null, never>
  client_request_id: ColumnType<string | null, string | null, never>
  prev_hash: ColumnType<string, string, never>
  hash: ColumnType<string, string, never>
}

/** S14: signed chain heads; insert-only for the application role. */
export interface AuditCheckpointsTable {
  company_id: ColumnType<string, string, never>
  seq: ColumnType<number, number, never>
  hash: ColumnType<string, string, never>
  signed_at: ColumnType<Date, Date, never>
  signature: ColumnType<string, string, never>
}

export type AuditEventRow = Selectable<AuditEventsTable>
