import type { ColumnType, Selectable } from 'kysely'

/** A nullable column an insert may leave out (null by default). */
type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>

export interface SessionsTable {
  id: string
  company_id: string
  user_id: string
  /** sha256 of the opaque token; the token itself is never stored. */
  token_hash: string
  created_at: Date
  last_seen_at: Date
  /** Absolute expiry; idle expiry is last_seen_at + the idle timeout. */
  expires_at: Date
  revoked_at: Date | null
  revoked_reason: string | null
  ip: string | null
  user_agent: string | null
  /** G4 (migration 0038): the role previewed by this session, if a role preview is open. */
  preview_role_id: Nullable<string>
  /** G4: the person previewed, if a person preview is open. */
  preview_user_id: Nullable<string>
  /** G4: where a role preview places its subject (null: the viewer's own unit). */
  preview_org_unit_id: Nullable<string>
  preview_started_at: Nullable<Date>
  /** G4: the preview is over at this time at the latest. */
  preview_expires_at: Nullable<Date>
}

export type SessionRow = Selectable<SessionsTable>
