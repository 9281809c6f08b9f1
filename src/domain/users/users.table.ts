import type { Generated, JSONColumnType, Selectable } from 'kysely'

export interface UsersTable {
  id: string
  company_id: string
  /** Stored lower-cased; unique per company. */
  email: string
  name: string
  status: 'active' | 'suspended' | 'offboarded'
  /** R8: the person's position (migration 0045). */
  position_id: string | null
  /** The position's name, written by the database only (0045 triggers): never set it. */
  position: Generated<string | null>
  level: 'novice' | 'senior' | 'lead' | 'admin'
  org_unit_id: string | null
  manager_id: string | null
  password_hash: string
  /** The confirmed TOTP secret; null while MFA is off. */
  mfa_secret: string | null
  /** A secret being enrolled, not yet confirmed with a code. */
  mfa_pending_secret: string | null
  /** The last TOTP time step accepted, so a code is never accepted twice. */
  mfa_last_step: number | null
  recovery_code_hashes: string[]
  failed_logins: number
  locked_until: Date | null
  /** P6/P7 per-user login restrictions, same shape as the company's. */
  login_restrictions: JSONColumnType<Record<string, unknown>>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type UserRow = Selectable<UsersTable>
