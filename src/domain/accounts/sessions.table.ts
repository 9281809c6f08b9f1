import type { Selectable } from 'kysely'

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
}

export type SessionRow = Selectable<SessionsTable>
