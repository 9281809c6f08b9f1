/**
 * Campaigns ([000] 营销活动, [002] 市场团队 管理营销活动, P10 [004]): an outbound campaign of one
 * project, run through that project's queue and auto-dialer. draft → running (`launch`) ⇄
 * paused → ended; an ended campaign never changes again.
 */
export const campaignStatuses = ['draft', 'running', 'paused', 'ended'] as const
export type CampaignStatus = (typeof campaignStatuses)[number]

/** A campaign (the `campaign` type of the catalog). */
export interface Campaign {
  readonly id: string
  readonly projectId: string
  readonly name: string
  readonly status: CampaignStatus
  /** Who runs it (the creator unless named; null when an API key created it). */
  readonly ownerId: string | null
  /** The queue and dialer of the same project it uses, if any. */
  readonly queueId: string | null
  readonly dialerId: string | null
  readonly launchedAt: Date | null
  readonly endedAt: Date | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** What a create or an edit may set (the project only at creation). */
export interface CampaignInput {
  readonly name?: string | undefined
  readonly ownerId?: string | null | undefined
  readonly queueId?: string | null | undefined
  readonly dialerId?: string | null | undefined
}

export const campaignLimits = { name: 200 } as const
