import type { Generated, Selectable } from 'kysely'

export interface ApiKeysTable {
  id: string
  company_id: string
  name: string
  /** sha256 of the key; the key is shown once at creation. */
  key_hash: string
  role_id: string
  created_by: string | null
  created_at: Generated<Date>
  last_used_at: Date | null
  expires_at: Date | null
  revoked_at: Date | null
}

export type ApiKeyRow = Selectable<ApiKeysTable>
