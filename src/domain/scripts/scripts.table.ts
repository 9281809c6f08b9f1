import type { Generated, Selectable } from 'kysely'
import type { ScriptStatus } from './scripts.js'

export interface ScriptsTable {
  id: string
  company_id: string
  series_id: string
  version: number
  title: string
  body: string
  project_id: string | null
  author_id: string | null
  editor_ids: string[]
  status: ScriptStatus
  submitted_at: Date | null
  published_at: Date | null
  published_by: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type ScriptRow = Selectable<ScriptsTable>
