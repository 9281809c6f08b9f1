/**
 * Sales opportunities ([002] 跟进商机, 隐藏其他团队的商机数据): a rep sees the team's and changes
 * their own; other teams' are 404. The amount is `confidential`: hidden or masked where a role
 * says so, like any catalog field. Built as docs/resources.md says; the opportunity's own part is
 * its optional customer (a customer the caller may view, 404 otherwise).
 */
import type { Readable } from 'node:stream'
import type { AttrOf, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { customerRecords } from '../customers/index.js'
import type { Page, PageRequest } from '../page.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  exportCsv,
  updateThrough,
  writeProblem,
} from '../seam/index.js'
import type { SalesListFilter } from './leads.service.js'
import {
  checkAmount,
  checkScope,
  defaultScope,
  invalid,
  normaliseName,
  scopePaths,
  viewNow,
  visibleReference,
  writerOf,
} from './owned.js'
import type { Opportunity, OpportunityInput } from './sales.js'
import {
  deleteSalesRow,
  insertSalesRow,
  opportunityRowToOpportunity,
  updateSalesRow,
} from './sales.repo.js'

export type OpportunityView = Projected<Opportunity>

/** The opportunities read seam; `q` searches the name. */
export const opportunityRecords = defineResource({
  type: 'opportunity',
  table: 'opportunities',
  toItem: opportunityRowToOpportunity,
  columns: {
    id: 'id',
    ownerId: 'owner_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    stage: 'stage',
  },
  search: { name: 'name' },
})

export function opportunityResource(o: Pick<Opportunity, 'id' | AttrOf<'opportunity'>>): Resource {
  const attrs: Record<AttrOf<'opportunity'>, string | null> = {
    id: o.id,
    ownerId: o.ownerId,
    orgUnitId: o.orgUnitId,
    projectId: o.projectId,
    stage: o.stage,
  }
  return { type: 'opportunity', id: o.id, attrs }
}

const noSuchOpportunity = () => new AppError('not_found', 'no such opportunity')

export function normaliseOpportunity(request: OpportunityInput): OpportunityInput {
  const errors: ErrorDetail[] = []
  const out: Record<string, unknown> = { ...request }
  if (request.name !== undefined) out['name'] = normaliseName(request.name, errors)
  if (request.amount !== undefined) checkAmount(request.amount, errors)
  if (errors.length > 0) throw invalid('opportunity', errors)
  return out as OpportunityInput
}

/** A customer an opportunity names: one the caller may view (404 on `body/customerId`). */
async function checkCustomer(tx: TenantCtx, id: string | null | undefined): Promise<void> {
  if (typeof id !== 'string') return
  await visibleReference(tx, customerRecords, id, 'body/customerId')
}

const paths = [...scopePaths, 'body/customerId']
const what = 'an owner, unit, project or customer named'

// --- reads -----------------------------------------------------------------------------------------

export async function getOpportunity(ctx: Ctx, id: string): Promise<OpportunityView> {
  return inCompany(ctx, async (tx) =>
    opportunityRecords.view(
      await opportunityRecords.get(tx, id, 'opportunity.view', noSuchOpportunity),
    ),
  )
}

export async function listOpportunities(
  ctx: Ctx,
  filter: SalesListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<OpportunityView>> {
  return inCompany(ctx, (tx) =>
    opportunityRecords.list(tx, 'opportunity.view', {
      limit: page.limit,
      cursor: page.cursor,
      q: filter.q,
    }),
  )
}

export async function countOpportunities(ctx: Ctx, filter: SalesListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) =>
    opportunityRecords.countMatching(tx, 'opportunity.view', { q: filter.q }),
  )
}

/** The columns of an opportunity export, in order (a hidden field exports empty). */
export const opportunityExportColumns = [
  'id',
  'name',
  'stage',
  'amount',
  'customerId',
  'ownerId',
  'orgUnitId',
  'projectId',
] as const satisfies readonly (keyof Opportunity)[]

/**
 * CSV of every opportunity the caller may `opportunity.export` under this search, the
 * confidential amount hidden or masked as the list shows it (P2: high-risk, the Admin's by
 * default); traced as seam/export.ts says.
 */
export async function exportOpportunities(
  ctx: Ctx,
  filter: SalesListFilter = {},
  reason?: string,
): Promise<Readable> {
  return exportCsv(ctx, {
    seam: opportunityRecords,
    action: 'opportunity.export',
    filter: { q: filter.q },
    columns: opportunityExportColumns,
    described: { ...filter },
    reason,
  })
}

// --- writes ------------------------------------------------------------------------------------------

/** A new opportunity, decided on as it would be (owned by the writer, in their team by default). */
export async function createOpportunity(
  ctx: Ctx,
  request: OpportunityInput & { name: string; amount: number },
): Promise<OpportunityView> {
  return inCompany(ctx, async (tx) =>
    viewNow(tx, opportunityRecords, await createOpportunityIn(tx, request), opportunityResource),
  )
}

/** `createOpportunity` inside the caller's transaction (a lead's conversion). */
export async function createOpportunityIn(
  tx: TenantCtx,
  request: OpportunityInput & { name: string; amount: number },
): Promise<Opportunity> {
  {
    const input = normaliseOpportunity(request) as OpportunityInput & {
      name: string
      amount: number
    }
    const scope = await defaultScope(tx, input)
    const wouldBe = { id: '', ...scope, stage: input.stage ?? 'prospecting' }
    const created = await createThrough(tx, {
      type: 'opportunity',
      record: { type: 'opportunity', attrs: { ...opportunityResource(wouldBe).attrs, id: null } },
      fields: Object.keys(input),
      checkReferences: async () => {
        await checkScope(tx, input)
        await checkCustomer(tx, input.customerId)
      },
      insert: () =>
        insertSalesRow(
          tx.db,
          'opportunities',
          tx.actor.companyId,
          { ...input, ...scope },
          writerOf(tx),
          tx.now,
        ).catch((error: unknown) => {
          throw writeProblem(error, what, paths)
        }),
    })
    return created
  }
}

/** Changes an opportunity: `opportunity.edit` on it as it is and as it would be. */
export async function updateOpportunity(
  ctx: Ctx,
  id: string,
  request: OpportunityInput,
): Promise<OpportunityView> {
  return inCompany(ctx, async (tx) => {
    const patch = normaliseOpportunity(request)
    const { after } = await updateThrough(tx, {
      seam: opportunityRecords,
      id,
      missing: noSuchOpportunity,
      patch: patch as Readonly<Record<string, unknown>>,
      actionFor: () => 'opportunity.edit',
      resourceOf: opportunityResource,
      checkReferences: async (changes) => {
        await checkScope(tx, changes)
        await checkCustomer(tx, changes['customerId'] as string | null | undefined)
      },
      update: (changes) =>
        updateSalesRow(tx.db, 'opportunities', tx.actor.companyId, id, changes, tx.now).catch(
          (error: unknown) => {
            throw writeProblem(error, what, paths)
          },
        ),
    })
    return viewNow(tx, opportunityRecords, after, opportunityResource)
  })
}

/** Deletes an opportunity (`opportunity.delete`); one a quote or contract names is 409. */
export async function deleteOpportunity(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: opportunityRecords,
      id,
      missing: noSuchOpportunity,
      remove: () =>
        deleteSalesRow(tx.db, 'opportunities', tx.actor.companyId, id).catch((error: unknown) => {
          throw referenced(error, 'opportunity')
        }),
    }),
  )
}

/** A delete the database refuses because another record names this one (23503): 409. */
export function referenced(error: unknown, type: string): unknown {
  if ((error as { code?: string }).code === '23503') {
    return new AppError('conflict', `a quote or contract names this ${type}: delete it first`)
  }
  return error
}
