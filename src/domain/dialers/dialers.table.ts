import type { Generated, Selectable } from 'kysely'
import type { DialerMode, DialerState } from './dialers.js'

export interface DialersTable {
  id: string
  company_id: string
  project_id: string
  name: string
  mode: DialerMode
  state: DialerState
  started_at: Date | null
  started_by: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type DialerRow = Selectable<DialersTable>
