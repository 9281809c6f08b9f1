// The campaigns table, private to this module: only campaigns.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely, Updateable } from 'kysely'
import type { Database } from '../database.js'
import type { Campaign, CampaignStatus } from './campaigns.js'
import type { CampaignRow, CampaignsTable } from './campaigns.table.js'

type Db = Kysely<Database>

export function campaignRowToCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    status: row.status,
    ownerId: row.owner_id,
    queueId: row.queue_id,
    dialerId: row.dialer_id,
    launchedAt: row.launched_at,
    endedAt: row.ended_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The columns of a change (domain names → columns), for the keys it holds. */
export interface CampaignChanges {
  readonly name?: string
  readonly ownerId?: string | null
  readonly queueId?: string | null
  readonly dialerId?: string | null
  readonly status?: CampaignStatus
  readonly launchedAt?: Date | null
  readonly endedAt?: Date | null
}

function columnsOf(c: CampaignChanges): Updateable<CampaignsTable> {
  return {
    ...(c.name !== undefined && { name: c.name }),
    ...(c.ownerId !== undefined && { owner_id: c.ownerId }),
    ...(c.queueId !== undefined && { queue_id: c.queueId }),
    ...(c.dialerId !== undefined && { dialer_id: c.dialerId }),
    ...(c.status !== undefined && { status: c.status }),
    ...(c.launchedAt !== undefined && { launched_at: c.launchedAt }),
    ...(c.endedAt !== undefined && { ended_at: c.endedAt }),
  }
}

export async function insertCampaign(
  db: Db,
  companyId: string,
  input: {
    projectId: string
    name: string
    ownerId: string | null
    queueId: string | null
    dialerId: string | null
  },
  now: Date,
): Promise<Campaign> {
  const row = await db
    .insertInto('campaigns')
    .values({
      id: randomUUID(),
      company_id: companyId,
      project_id: input.projectId,
      name: input.name,
      status: 'draft',
      owner_id: input.ownerId,
      queue_id: input.queueId,
      dialer_id: input.dialerId,
      launched_at: null,
      ended_at: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return campaignRowToCampaign(row)
}

/**
 * Changes a campaign; with `from`, only while its status is one of them: one conditional UPDATE,
 * so a concurrent move makes it answer undefined rather than move the row twice.
 */
export async function updateCampaignRow(
  db: Db,
  companyId: string,
  id: string,
  changes: CampaignChanges,
  now: Date,
  from?: readonly CampaignStatus[],
): Promise<Campaign | undefined> {
  const row = await db
    .updateTable('campaigns')
    .set({ ...columnsOf(changes), updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .$if(from !== undefined, (q) => q.where('status', 'in', [...(from ?? [])]))
    .returningAll()
    .executeTakeFirst()
  return row && campaignRowToCampaign(row)
}

export async function deleteCampaignRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('campaigns')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}
