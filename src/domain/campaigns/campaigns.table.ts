import type { Generated, Selectable } from 'kysely'
import type { CampaignStatus } from './campaigns.js'

export interface CampaignsTable {
  id: string
  company_id: string
  project_id: string
  name: string
  status: CampaignStatus
  owner_id: string | null
  queue_id: string | null
  dialer_id: string | null
  launched_at: Date | null
  ended_at: Date | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type CampaignRow = Selectable<CampaignsTable>

export type CampaignContactStatus = 'pending' | 'called' | 'skipped'

export interface CampaignContactsTable {
  company_id: string
  campaign_id: string
  customer_id: string
  status: Generated<CampaignContactStatus>
  reason: string | null
  call_id: string | null
  added_by: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type CampaignContactRow = Selectable<CampaignContactsTable>
