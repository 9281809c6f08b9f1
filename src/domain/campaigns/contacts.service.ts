/**
 * A campaign's contact list and the dialer run that calls it (issue 10, workspace item 2).
 *
 * - The list holds customers of the company, each once. Reading it needs `campaign.view` on the
 *   campaign (404 otherwise, P10); changing it `campaign.edit` (403 when the campaign is visible
 *   but not editable), and each customer added must be one the writer may view (404 on
 *   `body/customerIds/<i>` otherwise: a contact list never names a customer its writer could
 *   not). An ended campaign's list does not change (409). Audited with the count.
 * - A run (`runCampaign`) places calls to the contacts still pending through the campaign's
 *   dialer: the campaign running, its dialer running, the runner holding `dialer.start` on it
 *   and a member of the campaign's project (P10). Each contact goes through the same dial as a
 *   manual one (`placeCall`: the customer visible to the runner, a number of one of their pools,
 *   never a blacklisted number, their line limit counted under a row lock in the database) and
 *   the calls are the runner's. A contact refused is reported with the reason (the dial's error
 *   code, or `no_phone`) and marked skipped; one refused only because every line is busy stays
 *   pending for the next run. Runs of one campaign go one after another (its row is locked).
 */
import { AppError, type ErrorDetail } from '../../errors.js'
import { allowedOnlyByShares, decisionFor, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { placeCall } from '../calls/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { customerRecords } from '../customers/index.js'
import { dialerRecords } from '../dialers/index.js'
import type { Page } from '../page.js'
import { campaignRecords } from './campaigns.service.js'
import {
  contactsOf,
  deleteContact,
  insertContacts,
  lockCampaign,
  markContact,
  pendingContacts,
  type CampaignContact,
} from './contacts.repo.js'

export type { CampaignContact } from './contacts.repo.js'

const noSuchCampaign = () => new AppError('not_found', 'no such campaign')
const endedCampaign = () =>
  new AppError('conflict', 'an ended campaign does not change', {
    errors: [{ path: 'status', message: 'is ended' }],
  })

/** At most this many customers are added in one request, and called in one run. */
export const contactLimits = { perRequest: 100, perRun: 100 } as const

/** The customer ids a caller may name: each visible to them, not only through a share. */
async function visibleCustomer(tx: TenantCtx, id: string) {
  const found = await customerRecords.visible(tx, id, 'customer.view')
  return found === undefined || allowedOnlyByShares(found.decision) ? undefined : found
}

/** The contacts of a campaign the caller may view, one page by customer id. */
export async function listCampaignContacts(
  ctx: Ctx,
  campaignId: string,
  page: { limit: number; cursor?: string | undefined; status?: CampaignContact['status'] },
): Promise<Page<CampaignContact>> {
  return inCompany(ctx, async (tx) => {
    await campaignRecords.get(tx, campaignId, 'campaign.view', noSuchCampaign)
    const rows = await contactsOf(tx.db, tx.actor.companyId, campaignId, {
      limit: page.limit + 1,
      after: page.cursor,
      status: page.status,
    })
    const items = rows.slice(0, page.limit)
    const last = items.at(-1)
    return {
      items,
      nextCursor: rows.length > page.limit && last !== undefined ? last.customerId : null,
    }
  })
}

/** The campaign, found for `campaign.edit` (404 / 403) and not ended (409). */
async function editableCampaign(tx: TenantCtx, campaignId: string) {
  const found = await campaignRecords.get(tx, campaignId, 'campaign.edit', noSuchCampaign)
  if (found.item.status === 'ended') throw endedCampaign()
  return found.item
}

/** Adds customers to a campaign's list; answers how many were new. */
export async function addCampaignContacts(
  ctx: Ctx,
  campaignId: string,
  customerIds: readonly string[],
): Promise<{ added: number }> {
  return inCompany(ctx, async (tx) => {
    await editableCampaign(tx, campaignId)
    const unique = [...new Set(customerIds)]
    const errors: ErrorDetail[] = []
    for (const [i, id] of customerIds.entries()) {
      if ((await visibleCustomer(tx, id)) === undefined) {
        errors.push({ path: `body/customerIds/${i}`, message: 'no such customer' })
      }
    }
    if (errors.length > 0) throw new AppError('not_found', 'no such customer', { errors })
    const by = tx.actor.apiKeyId === undefined ? tx.actor.userId : null
    const added = await insertContacts(tx.db, tx.actor.companyId, campaignId, unique, by, tx.now)
    await recordAudit(tx, {
      action: 'campaign.contacts_added',
      targetType: 'campaign',
      targetId: campaignId,
      after: { added, named: unique.length },
    })
    return { added }
  })
}

/** Takes a customer off a campaign's list (404 when they are not on it). Audited. */
export async function removeCampaignContact(
  ctx: Ctx,
  campaignId: string,
  customerId: string,
): Promise<void> {
  await inCompany(ctx, async (tx) => {
    await editableCampaign(tx, campaignId)
    if (!(await deleteContact(tx.db, tx.actor.companyId, campaignId, customerId))) {
      throw new AppError('not_found', 'no such contact on this campaign')
    }
    await recordAudit(tx, {
      action: 'campaign.contact_removed',
      targetType: 'campaign',
      targetId: campaignId,
      before: { customerId },
    })
  })
}

export interface RunOutcome {
  readonly placed: { customerId: string; callId: string }[]
  readonly skipped: { customerId: string; reason: string }[]
}

const notNow = (detail: string, path: string, message: string) =>
  new AppError('conflict', detail, { errors: [{ path, message }] })

/** A dialer run for a campaign: calls to its pending contacts, each dialled as by hand. */
export async function runCampaign(
  ctx: Ctx,
  campaignId: string,
  options: { limit?: number | undefined } = {},
): Promise<RunOutcome> {
  return inCompany(ctx, async (tx) => {
    const { item: campaign } = await campaignRecords.get(
      tx,
      campaignId,
      'campaign.view',
      noSuchCampaign,
    )
    if (campaign.dialerId === null) {
      throw notNow('the campaign has no dialer', 'dialerId', 'is not set')
    }
    const dialer = await dialerRecords.visible(tx, campaign.dialerId, 'dialer.start')
    if (dialer === undefined) {
      const d = await decisionFor(tx, 'dialer.start')
      throw new AppError(
        'forbidden',
        `not allowed: dialer.start (${d.allowed ? 'denied' : d.reason})`,
      )
    }
    if (tx.actor.apiKeyId !== undefined) {
      throw new AppError('forbidden', 'a person runs a dialer on their own lines, not an API key')
    }
    const me = await subjectOf(tx)
    if (!(me.subject.projectIds ?? []).includes(campaign.projectId)) {
      throw new AppError('forbidden', "only a member of the campaign's project runs its dialer")
    }
    if (campaign.status !== 'running') {
      throw notNow(`a ${campaign.status} campaign is not dialled`, 'status', 'is not running')
    }
    if (dialer.item.state !== 'running') {
      throw notNow('the dialer is idle: start it first', 'dialer/state', 'is idle')
    }
    await lockCampaign(tx.db, tx.actor.companyId, campaignId)
    const limit = options.limit ?? contactLimits.perRun
    const pending = await pendingContacts(tx.db, tx.actor.companyId, campaignId, limit)
    const placed: RunOutcome['placed'] = []
    const skipped: RunOutcome['skipped'] = []
    for (const customerId of pending) {
      const skip = async (reason: string, keepPending = false) => {
        skipped.push({ customerId, reason })
        if (keepPending) return
        const outcome = { status: 'skipped' as const, reason }
        await markContact(tx.db, tx.actor.companyId, campaignId, customerId, outcome, tx.now)
      }
      const customer = await visibleCustomer(tx, customerId)
      if (customer === undefined) {
        await skip('customer_not_found')
        continue
      }
      if (customer.item.phone === null) {
        await skip('no_phone')
        continue
      }
      try {
        const made = await placeCall(tx, customer.item.phone, customerId)
        placed.push({ customerId, callId: made.id })
        const outcome = { status: 'called' as const, callId: made.id }
        await markContact(tx.db, tx.actor.companyId, campaignId, customerId, outcome, tx.now)
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        // every line busy: the contact waits for the next run
        await skip(error.code, error.code === 'line_limit_reached')
      }
    }
    await recordAudit(tx, {
      action: 'campaign.dialed',
      targetType: 'campaign',
      targetId: campaignId,
      after: { dialerId: dialer.item.id, placed: placed.length, skipped: skipped.length },
    })
    return { placed, skipped }
  })
}
