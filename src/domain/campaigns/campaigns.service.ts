/**
 * Campaigns ([000] 营销活动, [002] 市场团队 管理营销活动, P10 [004]), written the way
 * docs/resources.md says: the read seam (owner and project are the scope attributes, status an
 * attribute conditions may read; `q` searches the name), the shared write helpers, and only what
 * is the campaign's own here: its references and its workflow.
 *
 * - A campaign belongs to one project for good (set at creation: a project the caller may view,
 *   404 otherwise; never changed). Its queue and dialer, when named, must be visible to the
 *   caller (404 on their path otherwise) and of the same project (400; the table's three-column
 *   foreign keys say the same).
 * - draft → running (`launch`) → paused (`pause`) → running (`launch`) … → ended (`end`), each
 *   move needing `campaign.launch` and done by one UPDATE conditional on the status it moves
 *   from (a concurrent move answers 409). An ended campaign never changes (409).
 * - The owner (the creator unless named) is a scope attribute: naming another owner is decided
 *   on the campaign as it would be (a delegation), and must be a person the caller may view.
 */
import type { AttrOf, Decision, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { dialerRecords } from '../dialers/index.js'
import type { Page, PageRequest } from '../page.js'
import { visibleProject } from '../projects/index.js'
import { queueRecords } from '../queues/index.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  requiredText,
  updateThrough,
  writeProblem,
  defineListFilter,
} from '../seam/index.js'
import { visibleUser } from '../users/index.js'
import {
  campaignLimits,
  type Campaign,
  type CampaignInput,
  type CampaignStatus,
} from './campaigns.js'
import {
  campaignRowToCampaign,
  deleteCampaignRow,
  insertCampaign,
  updateCampaignRow,
  type CampaignChanges,
} from './campaigns.repo.js'

/** A campaign as the caller may see it: hidden fields absent, masked ones listed. */
export type CampaignView = Projected<Campaign>

/** The campaigns read seam: the catalog's attributes from their columns; `q` searches the name. */
export const campaignRecords = defineResource({
  type: 'campaign',
  table: 'campaigns',
  toItem: campaignRowToCampaign,
  columns: { id: 'id', ownerId: 'owner_id', projectId: 'project_id', status: 'status' },
  search: { name: 'name' },
})

/** A campaign as the engine sees one: the same attributes the seam reads from the row. */
export function campaignResource(c: Pick<Campaign, 'id' | AttrOf<'campaign'>>): Resource {
  const attrs: Record<AttrOf<'campaign'>, string | null> = {
    id: c.id,
    ownerId: c.ownerId,
    projectId: c.projectId,
    status: c.status,
  }
  return { type: 'campaign', id: c.id, attrs }
}

const noSuchCampaign = () => new AppError('not_found', 'no such campaign')
const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the campaign is not valid', { errors })

/** Name trimmed, not blank, within its limit and storable; the references as sent. */
export function normaliseCampaign(input: CampaignInput): CampaignInput {
  const errors: ErrorDetail[] = []
  const out: {
    name?: string
    ownerId?: string | null
    queueId?: string | null
    dialerId?: string | null
  } = {}
  if (input.name !== undefined) {
    out.name = requiredText(input.name, 'body/name', campaignLimits.name, errors)
  }
  for (const key of ['ownerId', 'queueId', 'dialerId'] as const) {
    if (input[key] !== undefined) out[key] = input[key]
  }
  if (errors.length > 0) throw invalid(errors)
  return out
}

/**
 * The owner, queue and dialer a write names: a person the caller may view (the caller
 * themselves always), a queue and a dialer the caller may view (404 on the path otherwise, as an
 * id never issued), both of the campaign's project (400).
 */
async function checkReferences(
  tx: TenantCtx,
  projectId: string,
  refs: Readonly<Record<string, unknown>>,
): Promise<void> {
  const ownerId = refs['ownerId']
  if (typeof ownerId === 'string' && ownerId !== tx.actor.userId) {
    await visibleUser(tx, ownerId, 'body/ownerId')
  }
  for (const [key, seam, what] of [
    ['queueId', queueRecords, 'queue'],
    ['dialerId', dialerRecords, 'dialer'],
  ] as const) {
    const id = refs[key]
    if (typeof id !== 'string') continue
    const found = await seam.visible(tx, id, `${what}.view`)
    if (found === undefined) {
      throw new AppError('not_found', `no such ${what}`, {
        errors: [{ path: `body/${key}`, message: `no such ${what}` }],
      })
    }
    if (found.item.projectId !== projectId) {
      throw invalid([
        { path: `body/${key}`, message: `must be a ${what} of the campaign's project` },
      ])
    }
  }
}

const referencePaths = ['body/projectId', 'body/ownerId', 'body/queueId', 'body/dialerId']

// --- reads ---------------------------------------------------------------------------------------

export async function getCampaign(ctx: Ctx, id: string): Promise<CampaignView> {
  return inCompany(ctx, async (tx) =>
    campaignRecords.view(await campaignRecords.get(tx, id, 'campaign.view', noSuchCampaign)),
  )
}

/** What a campaign list may be narrowed by, besides the caller's scope. */
export interface CampaignListFilter {
  /** Part of the name, where the caller reads it in clear. */
  readonly q?: string | undefined
  readonly projectId?: string | undefined
  readonly status?: CampaignStatus | undefined
  readonly ownerId?: string | undefined
}

const listFilter = defineListFilter<
  'campaigns',
  ReturnType<typeof campaignRowToCampaign>,
  CampaignListFilter
>('campaigns', {
  projectId: 'project_id',
  status: 'status',
  ownerId: 'owner_id',
})

/** The campaigns the caller may view (P10: of their projects, under a project scope), one page. */
export async function listCampaigns(
  ctx: Ctx,
  filter: CampaignListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<CampaignView>> {
  return inCompany(ctx, (tx) =>
    campaignRecords.list(tx, 'campaign.view', {
      limit: page.limit,
      cursor: page.cursor,
      ...listFilter(filter),
    }),
  )
}

/** How many campaigns `listCampaigns` would show with this filter, over all pages. */
export async function countCampaigns(ctx: Ctx, filter: CampaignListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) =>
    campaignRecords.countMatching(tx, 'campaign.view', listFilter(filter)),
  )
}

async function viewNow(tx: TenantCtx, campaign: Campaign): Promise<CampaignView> {
  const decision: Decision = await decisionFor(tx, 'campaign.view', campaignResource(campaign))
  return decision.allowed ? campaignRecords.view({ item: campaign, decision }) : { id: campaign.id }
}

// --- writes --------------------------------------------------------------------------------------

/**
 * A new campaign, a draft of a project the caller may view, owned by the caller unless named:
 * `campaign.create` decided on it as it would be (its project, its owner).
 */
export async function createCampaign(
  ctx: Ctx,
  request: CampaignInput & { name: string; projectId: string },
): Promise<CampaignView> {
  return inCompany(ctx, async (tx) => {
    const input = normaliseCampaign(request)
    const projectId = request.projectId
    const ownerId =
      input.ownerId !== undefined
        ? input.ownerId
        : tx.actor.apiKeyId === undefined
          ? tx.actor.userId
          : null
    const created = await createThrough(tx, {
      type: 'campaign',
      record: {
        type: 'campaign',
        attrs: campaignResource({ id: '', ownerId, projectId, status: 'draft' }).attrs ?? {},
      },
      fields: [...Object.keys(input), 'projectId'],
      checkReferences: async () => {
        await visibleProject(tx, projectId, 'body/projectId')
        await checkReferences(tx, projectId, { ...input })
      },
      insert: async () => {
        try {
          return await insertCampaign(
            tx.db,
            tx.actor.companyId,
            {
              projectId,
              name: input.name as string,
              ownerId,
              queueId: input.queueId ?? null,
              dialerId: input.dialerId ?? null,
            },
            tx.now,
          )
        } catch (error) {
          throw writeProblem(error, 'a project, owner, queue or dialer named', referencePaths)
        }
      },
    })
    return viewNow(tx, created)
  })
}

const ended = () =>
  new AppError('conflict', 'an ended campaign does not change', {
    errors: [{ path: 'status', message: 'is ended' }],
  })

const raced = (): never => {
  throw new AppError('conflict', 'the campaign changed meanwhile; read it and try again')
}

/**
 * Changes a campaign's name, owner, queue or dialer (`campaign.edit` on it as it is and as it
 * would be: naming an owner out of the writer's reach is a delegation, refused). Not once ended.
 */
export async function updateCampaign(
  ctx: Ctx,
  id: string,
  request: CampaignInput,
): Promise<CampaignView> {
  return inCompany(ctx, async (tx) => {
    const patch = normaliseCampaign(request)
    // the campaign as updateThrough read it (once it is known to be visible: 404 first)
    let current = { status: 'draft' as CampaignStatus, projectId: '' }
    const { after } = await updateThrough(tx, {
      seam: campaignRecords,
      id,
      missing: noSuchCampaign,
      patch: patch as Readonly<Record<string, unknown>>,
      actionFor: () => 'campaign.edit',
      resourceOf: campaignResource,
      // an ended campaign does not change: 409, even for an edit that would change nothing
      expect: (now) => {
        current = { status: now.status, projectId: now.projectId }
        if (now.status === 'ended') throw ended()
      },
      checkReferences: (changes) => checkReferences(tx, current.projectId, changes),
      update: async (changes) => {
        try {
          return (
            (await updateCampaignRow(
              tx.db,
              tx.actor.companyId,
              id,
              changes as CampaignChanges,
              tx.now,
              [current.status],
            )) ?? raced()
          )
        } catch (error) {
          throw writeProblem(error, 'an owner, queue or dialer named', referencePaths)
        }
      },
    })
    return viewNow(tx, after)
  })
}

const moves = {
  launch: { from: ['draft', 'paused'], to: 'running', verb: 'launched' },
  pause: { from: ['running'], to: 'paused', verb: 'paused' },
  end: { from: ['draft', 'running', 'paused'], to: 'ended', verb: 'ended' },
} as const satisfies Record<
  string,
  { from: readonly CampaignStatus[]; to: CampaignStatus; verb: string }
>

/**
 * Moves a campaign along its workflow (`campaign.launch`, audited as `campaign.updated`): 404 when
 * the caller may not know it exists, 403 when they may see it but not run it, 409 from a status
 * the move does not start from, or when another request moved it first.
 */
async function moveCampaign(ctx: Ctx, id: string, move: keyof typeof moves): Promise<CampaignView> {
  const { from, to, verb } = moves[move]
  return inCompany(ctx, async (tx) => {
    // the decision alone first (the write below enforces its obligations, once)
    const found = await campaignRecords.visible(tx, id, 'campaign.launch')
    if (found === undefined) {
      if ((await campaignRecords.visible(tx, id, 'campaign.view')) === undefined) {
        throw noSuchCampaign()
      }
      const d = await decisionFor(tx, 'campaign.launch')
      throw new AppError(
        'forbidden',
        `not allowed: campaign.launch (${d.allowed ? 'denied' : d.reason})`,
      )
    }
    const status = found.item.status
    if (!(from as readonly CampaignStatus[]).includes(status)) {
      throw new AppError('conflict', `a ${status} campaign cannot be ${verb}`, {
        errors: [{ path: 'status', message: `is ${status}` }],
      })
    }
    const changes: CampaignChanges = {
      status: to,
      ...(to === 'running' && found.item.launchedAt === null && { launchedAt: tx.now }),
      ...(to === 'ended' && { endedAt: tx.now }),
    }
    const { after } = await updateThrough(tx, {
      seam: campaignRecords,
      id,
      missing: noSuchCampaign,
      patch: changes as Readonly<Record<string, unknown>>,
      actionFor: () => 'campaign.launch',
      resourceOf: campaignResource,
      workflow: ['status'],
      expect: (now) => {
        if (now.status !== status) raced()
      },
      update: async (c) =>
        (await updateCampaignRow(tx.db, tx.actor.companyId, id, c as CampaignChanges, tx.now, [
          status,
        ])) ?? raced(),
    })
    return viewNow(tx, after)
  })
}

/** draft or paused → running (`campaign.launch`). */
export const launchCampaign = (ctx: Ctx, id: string) => moveCampaign(ctx, id, 'launch')
/** running → paused (`campaign.launch`). */
export const pauseCampaign = (ctx: Ctx, id: string) => moveCampaign(ctx, id, 'pause')
/** draft, running or paused → ended, for good (`campaign.launch`). */
export const endCampaign = (ctx: Ctx, id: string) => moveCampaign(ctx, id, 'end')

/** Deletes a campaign (`campaign.delete`, audited). */
export async function deleteCampaign(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: campaignRecords,
      id,
      missing: noSuchCampaign,
      remove: () => deleteCampaignRow(tx.db, tx.actor.companyId, id),
    }),
  )
}
