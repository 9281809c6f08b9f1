/**
 * Sales ([002], issue 10 item 4): marketing assigns leads to sales reps; reps follow their team's
 * opportunities and write quotes and contracts, which someone else approves. The `lead`,
 * `opportunity`, `quote` and `contract` types of the catalog.
 */
export const leadStatuses = ['new', 'contacted', 'qualified', 'disqualified', 'converted'] as const
export type LeadStatus = (typeof leadStatuses)[number]

export const opportunityStages = [
  'prospecting',
  'qualification',
  'proposal',
  'negotiation',
  'won',
  'lost',
] as const
export type OpportunityStage = (typeof opportunityStages)[number]

/** A quote or a contract: written as a draft, approved once by someone who did not write it. */
export const approvalStatuses = ['draft', 'approved'] as const
export type ApprovalStatus = (typeof approvalStatuses)[number]

/** Limits the tables also check. */
export const salesLimits = {
  name: 200,
  source: 100,
  email: 254,
  /** numeric(14, 2) */
  amount: 999_999_999_999.99,
} as const

/** What every sales record carries: its scope (owner, unit, project) and who wrote it. */
interface Owned {
  readonly id: string
  readonly ownerId: string | null
  readonly orgUnitId: string | null
  readonly projectId: string | null
  /** Who created it (a user id or `apikey:<id>`): never its approver. */
  readonly createdBy: string
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface Lead extends Owned {
  readonly name: string
  /** E.164 */
  readonly phone: string | null
  readonly email: string | null
  readonly source: string | null
  readonly status: LeadStatus
}

export interface Opportunity extends Owned {
  readonly name: string
  readonly stage: OpportunityStage
  /** confidential (catalog): hidden or masked where a role says so */
  readonly amount: number
  readonly customerId: string | null
}

interface Approvable extends Owned {
  readonly name: string
  readonly amount: number
  readonly status: ApprovalStatus
  readonly approvedBy: string | null
  readonly approvedAt: Date | null
}

export interface Quote extends Approvable {
  readonly opportunityId: string
}

export interface Contract extends Approvable {
  readonly quoteId: string | null
  readonly opportunityId: string | null
}

/** The scope a create or an edit may set on any sales record. */
export interface OwnedInput {
  readonly ownerId?: string | null | undefined
  readonly orgUnitId?: string | null | undefined
  readonly projectId?: string | null | undefined
}

export interface LeadInput extends OwnedInput {
  readonly name?: string | undefined
  readonly phone?: string | null | undefined
  /** ISO 3166 alpha-2 country of a national phone number. */
  readonly country?: string | undefined
  readonly email?: string | null | undefined
  readonly source?: string | null | undefined
  readonly status?: LeadStatus | undefined
}

export interface OpportunityInput extends OwnedInput {
  readonly name?: string | undefined
  readonly stage?: OpportunityStage | undefined
  readonly amount?: number | undefined
  readonly customerId?: string | null | undefined
}

export interface QuoteInput extends OwnedInput {
  readonly name?: string | undefined
  readonly amount?: number | undefined
  readonly opportunityId?: string | undefined
}

export interface ContractInput extends OwnedInput {
  readonly name?: string | undefined
  readonly amount?: number | undefined
  readonly quoteId?: string | null | undefined
  readonly opportunityId?: string | null | undefined
}
