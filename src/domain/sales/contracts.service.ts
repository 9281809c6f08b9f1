/**
 * Contracts ([002] 创建合同): a rep writes a contract from a quote or an opportunity they may
 * see; someone else approves it (`contract.approve`, never its owner or writer). The amount is
 * `confidential` (projection).
 */
import type { AttrOf, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { Page, PageRequest } from '../page.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  updateThrough,
  writeProblem,
} from '../seam/index.js'
import type { SalesListFilter } from './leads.service.js'
import { opportunityRecords } from './opportunities.service.js'
import {
  approveRecord,
  checkAmount,
  checkScope,
  defaultScope,
  invalid,
  normaliseName,
  raced,
  reach,
  refuseApproved,
  scopePaths,
  viewNow,
  visibleReference,
  writerOf,
} from './owned.js'
import { quoteRecords } from './quotes.service.js'
import type { Contract, ContractInput } from './sales.js'
import {
  contractRowToContract,
  deleteSalesRow,
  insertSalesRow,
  updateSalesRow,
} from './sales.repo.js'

export type ContractView = Projected<Contract>

/** The contracts read seam; `q` searches the name. */
export const contractRecords = defineResource({
  type: 'contract',
  table: 'contracts',
  toItem: contractRowToContract,
  columns: { id: 'id', ownerId: 'owner_id', orgUnitId: 'org_unit_id', projectId: 'project_id' },
  search: { name: 'name' },
})

export function contractResource(c: Pick<Contract, 'id' | AttrOf<'contract'>>): Resource {
  const attrs: Record<AttrOf<'contract'>, string | null> = {
    id: c.id,
    ownerId: c.ownerId,
    orgUnitId: c.orgUnitId,
    projectId: c.projectId,
  }
  return { type: 'contract', id: c.id, attrs }
}

const noSuchContract = () => new AppError('not_found', 'no such contract')

export function normaliseContract(request: ContractInput): ContractInput {
  const errors: ErrorDetail[] = []
  const out: Record<string, unknown> = { ...request }
  if (request.name !== undefined) out['name'] = normaliseName(request.name, errors)
  if (request.amount !== undefined) checkAmount(request.amount, errors)
  if (errors.length > 0) throw invalid('contract', errors)
  return out as ContractInput
}

const paths = [...scopePaths, 'body/quoteId', 'body/opportunityId']
const what = 'an owner, unit, project, quote or opportunity named'

/**
 * A contract names a quote, an opportunity or both (400 when it would name neither); each must
 * be one the caller may view (404 on its path), and a quote named with an opportunity must be a
 * quote of that opportunity (400).
 */
async function checkDeal(
  tx: TenantCtx,
  quoteId: string | null | undefined,
  opportunityId: string | null | undefined,
  changed: { quote: boolean; opportunity: boolean },
): Promise<void> {
  if (quoteId == null && opportunityId == null) {
    throw invalid('contract', [
      { path: 'body/quoteId', message: 'name a quote or an opportunity' },
      { path: 'body/opportunityId', message: 'name a quote or an opportunity' },
    ])
  }
  const quote =
    typeof quoteId === 'string' && changed.quote
      ? await visibleReference(tx, quoteRecords, quoteId, 'body/quoteId')
      : undefined
  if (typeof opportunityId === 'string' && changed.opportunity) {
    await visibleReference(tx, opportunityRecords, opportunityId, 'body/opportunityId')
  }
  const quoteOf =
    quote?.opportunityId ??
    (typeof quoteId === 'string' ? (await quoteRecords.findRow(tx, quoteId))?.opportunity_id : null)
  if (typeof opportunityId === 'string' && quoteOf != null && quoteOf !== opportunityId) {
    throw invalid('contract', [
      { path: 'body/quoteId', message: 'this quote is of another opportunity' },
    ])
  }
}

// --- reads -----------------------------------------------------------------------------------------

export async function getContract(ctx: Ctx, id: string): Promise<ContractView> {
  return inCompany(ctx, async (tx) =>
    contractRecords.view(await contractRecords.get(tx, id, 'contract.view', noSuchContract)),
  )
}

export async function listContracts(
  ctx: Ctx,
  filter: SalesListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<ContractView>> {
  return inCompany(ctx, (tx) =>
    contractRecords.list(tx, 'contract.view', {
      limit: page.limit,
      cursor: page.cursor,
      q: filter.q,
    }),
  )
}

export async function countContracts(ctx: Ctx, filter: SalesListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) => contractRecords.countMatching(tx, 'contract.view', { q: filter.q }))
}

// --- writes ------------------------------------------------------------------------------------------

/** A new draft contract, decided on as it would be (owned by the writer, in their team). */
export async function createContract(
  ctx: Ctx,
  request: ContractInput & { name: string; amount: number },
): Promise<ContractView> {
  return inCompany(ctx, async (tx) => {
    const input = normaliseContract(request) as ContractInput & { name: string; amount: number }
    const scope = await defaultScope(tx, input)
    const created = await createThrough(tx, {
      type: 'contract',
      record: {
        type: 'contract',
        attrs: { ...contractResource({ id: '', ...scope }).attrs, id: null },
      },
      fields: Object.keys(input),
      checkReferences: async () => {
        await checkScope(tx, input)
        await checkDeal(tx, input.quoteId, input.opportunityId, { quote: true, opportunity: true })
      },
      insert: () =>
        insertSalesRow(
          tx.db,
          'contracts',
          tx.actor.companyId,
          { ...input, ...scope },
          writerOf(tx),
          tx.now,
        ).catch((error: unknown) => {
          throw writeProblem(error, what, paths)
        }),
    })
    return viewNow(tx, contractRecords, created, contractResource)
  })
}

/** Changes a draft contract (`contract.edit`, as it is and would be); an approved one is 409. */
export async function updateContract(
  ctx: Ctx,
  id: string,
  request: ContractInput,
): Promise<ContractView> {
  return inCompany(ctx, async (tx) => {
    const patch = normaliseContract(request)
    const { item } = await reach(tx, contractRecords, id, 'contract.edit', noSuchContract)
    refuseApproved('contract', item.status)
    const { after } = await updateThrough(tx, {
      seam: contractRecords,
      id,
      missing: noSuchContract,
      patch: patch as Readonly<Record<string, unknown>>,
      actionFor: () => 'contract.edit',
      resourceOf: contractResource,
      // approved meanwhile: 409, even for a patch that would change nothing
      expect: (now) => refuseApproved('contract', now.status),
      checkReferences: async (changes) => {
        await checkScope(tx, changes)
        if ('quoteId' in changes || 'opportunityId' in changes) {
          const quoteId =
            'quoteId' in changes ? (changes['quoteId'] as string | null) : item.quoteId
          const opportunityId =
            'opportunityId' in changes
              ? (changes['opportunityId'] as string | null)
              : item.opportunityId
          await checkDeal(tx, quoteId, opportunityId, {
            quote: 'quoteId' in changes,
            opportunity: 'opportunityId' in changes,
          })
        }
      },
      update: async (changes) =>
        (await updateSalesRow(
          tx.db,
          'contracts',
          tx.actor.companyId,
          id,
          changes,
          tx.now,
          'draft',
        ).catch((error: unknown) => {
          throw writeProblem(error, what, paths)
        })) ?? raced('contract')(),
    })
    return viewNow(tx, contractRecords, after, contractResource)
  })
}

/** Approves a draft contract (`contract.approve`; four-eyes: never its owner or writer). */
export async function approveContract(ctx: Ctx, id: string): Promise<ContractView> {
  return inCompany(ctx, (tx) =>
    approveRecord(tx, {
      seam: contractRecords,
      table: 'contracts',
      id,
      missing: noSuchContract,
      resourceOf: contractResource,
    }),
  )
}

export async function deleteContract(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: contractRecords,
      id,
      missing: noSuchContract,
      remove: () => deleteSalesRow(tx.db, 'contracts', tx.actor.companyId, id),
    }),
  )
}
