import type { Generated, Selectable } from 'kysely'
import type { QueueStrategy } from './queues.js'

export interface QueuesTable {
  id: string
  company_id: string
  project_id: string
  name: string
  strategy: QueueStrategy
  member_ids: string[]
  /** Whom the queue last rang on a call's arrival (round-robin; migration 0050). */
  last_member_id: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type QueueRow = Selectable<QueuesTable>
