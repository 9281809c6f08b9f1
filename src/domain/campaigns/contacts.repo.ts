// The campaign_contacts table, private to this module: only contacts.service.ts imports it.
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { CampaignContactRow } from './campaigns.table.js'

type Db = Kysely<Database>

export interface CampaignContact {
  readonly customerId: string
  readonly status: CampaignContactRow['status']
  readonly reason: string | null
  readonly callId: string | null
  readonly addedBy: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

const toContact = (row: CampaignContactRow): CampaignContact => ({
  customerId: row.customer_id,
  status: row.status,
  reason: row.reason,
  callId: row.call_id,
  addedBy: row.added_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

/** One page of a campaign's contacts, by customer id. */
export async function contactsOf(
  db: Db,
  companyId: string,
  campaignId: string,
  page: { limit: number; after?: string | undefined; status?: string | undefined },
): Promise<CampaignContact[]> {
  let q = db
    .selectFrom('campaign_contacts')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('campaign_id', '=', campaignId)
  if (page.after !== undefined) q = q.where('customer_id', '>', page.after)
  if (page.status !== undefined) {
    q = q.where('status', '=', page.status as CampaignContactRow['status'])
  }
  const rows = await q.orderBy('customer_id').limit(page.limit).execute()
  return rows.map(toContact)
}

/** Adds contacts (a customer already on the list stays as it is); how many were new. */
export async function insertContacts(
  db: Db,
  companyId: string,
  campaignId: string,
  customerIds: readonly string[],
  addedBy: string | null,
  now: Date,
): Promise<number> {
  const rows = await db
    .insertInto('campaign_contacts')
    .values(
      customerIds.map((customerId) => ({
        company_id: companyId,
        campaign_id: campaignId,
        customer_id: customerId,
        added_by: addedBy,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['company_id', 'campaign_id', 'customer_id']).doNothing())
    .returning('customer_id')
    .execute()
  return rows.length
}

export async function deleteContact(
  db: Db,
  companyId: string,
  campaignId: string,
  customerId: string,
): Promise<boolean> {
  const res = await db
    .deleteFrom('campaign_contacts')
    .where('company_id', '=', companyId)
    .where('campaign_id', '=', campaignId)
    .where('customer_id', '=', customerId)
    .executeTakeFirst()
  return Number(res.numDeletedRows) > 0
}

/** The campaign's row locked FOR UPDATE: two runs of one campaign go one after the other. */
export async function lockCampaign(db: Db, companyId: string, campaignId: string): Promise<void> {
  await db
    .selectFrom('campaigns')
    .select('id')
    .where('company_id', '=', companyId)
    .where('id', '=', campaignId)
    .forUpdate()
    .execute()
}

/** The contacts still to call, oldest first. */
export async function pendingContacts(
  db: Db,
  companyId: string,
  campaignId: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('campaign_contacts')
    .select('customer_id')
    .where('company_id', '=', companyId)
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'pending')
    .orderBy('created_at')
    .orderBy('customer_id')
    .limit(limit)
    .execute()
  return rows.map((r) => r.customer_id)
}

export async function markContact(
  db: Db,
  companyId: string,
  campaignId: string,
  customerId: string,
  outcome: { status: 'called'; callId: string } | { status: 'skipped'; reason: string },
  now: Date,
): Promise<void> {
  await db
    .updateTable('campaign_contacts')
    .set({
      status: outcome.status,
      call_id: outcome.status === 'called' ? outcome.callId : null,
      reason: outcome.status === 'skipped' ? outcome.reason : null,
      updated_at: now,
    })
    .where('company_id', '=', companyId)
    .where('campaign_id', '=', campaignId)
    .where('customer_id', '=', customerId)
    .execute()
}
