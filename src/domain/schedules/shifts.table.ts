import type { Generated, Selectable } from 'kysely'
import type { ShiftKind } from './shifts.js'

export interface ShiftsTable {
  id: string
  company_id: string
  user_id: string
  org_unit_id: string | null
  kind: ShiftKind
  starts_at: Date
  /** After `starts_at`, at most 24 hours later; no two shifts of one person overlap (0043). */
  ends_at: Date
  note: string
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type ShiftRow = Selectable<ShiftsTable>
