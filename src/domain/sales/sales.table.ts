import type { ColumnType, Generated, Selectable } from 'kysely'
import type { ApprovalStatus, LeadStatus, OpportunityStage } from './sales.js'

/** numeric(14, 2): read as its decimal text (exact), written as a number. */
type Amount = ColumnType<string, number, number>

interface Owned {
  owner_id: string | null
  org_unit_id: string | null
  project_id: string | null
  created_by: string
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface LeadsTable extends Owned {
  id: string
  company_id: string
  name: string
  phone: string | null
  email: string | null
  source: string | null
  status: LeadStatus
}

export interface OpportunitiesTable extends Owned {
  id: string
  company_id: string
  name: string
  stage: OpportunityStage
  amount: Amount
  customer_id: string | null
}

interface Approvable {
  status: ApprovalStatus
  approved_by: string | null
  approved_at: Date | null
}

export interface QuotesTable extends Owned, Approvable {
  id: string
  company_id: string
  name: string
  amount: Amount
  opportunity_id: string
}

export interface ContractsTable extends Owned, Approvable {
  id: string
  company_id: string
  name: string
  amount: Amount
  quote_id: string | null
  opportunity_id: string | null
}

export type LeadRow = Selectable<LeadsTable>
export type OpportunityRow = Selectable<OpportunitiesTable>
export type QuoteRow = Selectable<QuotesTable>
export type ContractRow = Selectable<ContractsTable>
