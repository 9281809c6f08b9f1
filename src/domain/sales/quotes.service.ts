/**
 * Quotes ([002] 报价): a rep writes quotes on the opportunities they may see; someone else
 * approves them (`quote.approve`, never the quote's owner or writer). Quotes are hidden from
 * service (P4, [002] «无法查看销售报价»): a caller granted no `quote.view` at all is not told
 * quotes exist — an empty list, a count of 0, 404 on any quote and on a create — where other
 * types answer a list they may not read with 403. The amount is `confidential` (projection).
 */
import type { AttrOf, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor } from '../access/index.js'
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
import { opportunityRecords, referenced } from './opportunities.service.js'
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
import type { Quote, QuoteInput } from './sales.js'
import { deleteSalesRow, insertSalesRow, quoteRowToQuote, updateSalesRow } from './sales.repo.js'

export type QuoteView = Projected<Quote>

/** The quotes read seam; `q` searches the name. */
export const quoteRecords = defineResource({
  type: 'quote',
  table: 'quotes',
  toItem: quoteRowToQuote,
  columns: { id: 'id', ownerId: 'owner_id', orgUnitId: 'org_unit_id', projectId: 'project_id' },
  search: { name: 'name' },
})

export function quoteResource(q: Pick<Quote, 'id' | AttrOf<'quote'>>): Resource {
  const attrs: Record<AttrOf<'quote'>, string | null> = {
    id: q.id,
    ownerId: q.ownerId,
    orgUnitId: q.orgUnitId,
    projectId: q.projectId,
  }
  return { type: 'quote', id: q.id, attrs }
}

const noSuchQuote = () => new AppError('not_found', 'no such quote')

/** P4: is the caller granted no `quote.view` anywhere (service): quotes do not exist for them. */
async function quotesHidden(tx: TenantCtx): Promise<boolean> {
  const d = await decisionFor(tx, 'quote.view')
  return !d.allowed && (d.reason === 'not_granted' || d.reason === 'restricted')
}

export function normaliseQuote(request: QuoteInput): QuoteInput {
  const errors: ErrorDetail[] = []
  const out: Record<string, unknown> = { ...request }
  if (request.name !== undefined) out['name'] = normaliseName(request.name, errors)
  if (request.amount !== undefined) checkAmount(request.amount, errors)
  if (errors.length > 0) throw invalid('quote', errors)
  return out as QuoteInput
}

const paths = [...scopePaths, 'body/opportunityId']
const what = 'an owner, unit, project or opportunity named'

async function checkOpportunity(tx: TenantCtx, id: string | undefined): Promise<void> {
  if (id !== undefined) await visibleReference(tx, opportunityRecords, id, 'body/opportunityId')
}

// --- reads -----------------------------------------------------------------------------------------

export async function getQuote(ctx: Ctx, id: string): Promise<QuoteView> {
  return inCompany(ctx, async (tx) =>
    quoteRecords.view(await quoteRecords.get(tx, id, 'quote.view', noSuchQuote)),
  )
}

export async function listQuotes(
  ctx: Ctx,
  filter: SalesListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<QuoteView>> {
  return inCompany(ctx, async (tx) => {
    if (await quotesHidden(tx)) return { items: [], nextCursor: null }
    return quoteRecords.list(tx, 'quote.view', {
      limit: page.limit,
      cursor: page.cursor,
      q: filter.q,
    })
  })
}

export async function countQuotes(ctx: Ctx, filter: SalesListFilter = {}): Promise<number> {
  return inCompany(ctx, async (tx) =>
    (await quotesHidden(tx)) ? 0 : quoteRecords.countMatching(tx, 'quote.view', { q: filter.q }),
  )
}

// --- writes ------------------------------------------------------------------------------------------

/**
 * A new draft quote on an opportunity the caller may view (404 on `body/opportunityId`
 * otherwise), decided on as it would be (owned by the writer, in their team by default).
 */
export async function createQuote(
  ctx: Ctx,
  request: QuoteInput & { name: string; amount: number; opportunityId: string },
): Promise<QuoteView> {
  return inCompany(ctx, async (tx) => {
    if (await quotesHidden(tx)) {
      const create = await decisionFor(tx, 'quote.create')
      if (!create.allowed && create.reason === 'not_granted') throw noSuchQuote()
    }
    const input = normaliseQuote(request) as QuoteInput & {
      name: string
      amount: number
      opportunityId: string
    }
    const scope = await defaultScope(tx, input)
    const created = await createThrough(tx, {
      type: 'quote',
      record: { type: 'quote', attrs: { ...quoteResource({ id: '', ...scope }).attrs, id: null } },
      fields: Object.keys(input),
      checkReferences: async () => {
        await checkScope(tx, input)
        await checkOpportunity(tx, input.opportunityId)
      },
      insert: () =>
        insertSalesRow(
          tx.db,
          'quotes',
          tx.actor.companyId,
          { ...input, ...scope },
          writerOf(tx),
          tx.now,
        ).catch((error: unknown) => {
          throw writeProblem(error, what, paths)
        }),
    })
    return viewNow(tx, quoteRecords, created, quoteResource)
  })
}

/** Changes a draft quote (`quote.edit`, as it is and as it would be); an approved one is 409. */
export async function updateQuote(ctx: Ctx, id: string, request: QuoteInput): Promise<QuoteView> {
  return inCompany(ctx, async (tx) => {
    const patch = normaliseQuote(request)
    const { item } = await reach(tx, quoteRecords, id, 'quote.edit', noSuchQuote)
    refuseApproved('quote', item.status)
    const { after } = await updateThrough(tx, {
      seam: quoteRecords,
      id,
      missing: noSuchQuote,
      patch: patch as Readonly<Record<string, unknown>>,
      actionFor: () => 'quote.edit',
      resourceOf: quoteResource,
      // approved meanwhile: 409, even for a patch that would change nothing
      expect: (now) => refuseApproved('quote', now.status),
      checkReferences: async (changes) => {
        await checkScope(tx, changes)
        await checkOpportunity(tx, changes['opportunityId'] as string | undefined)
      },
      update: async (changes) =>
        (await updateSalesRow(
          tx.db,
          'quotes',
          tx.actor.companyId,
          id,
          changes,
          tx.now,
          'draft',
        ).catch((error: unknown) => {
          throw writeProblem(error, what, paths)
        })) ?? raced('quote')(),
    })
    return viewNow(tx, quoteRecords, after, quoteResource)
  })
}

/** Approves a draft quote (`quote.approve`; four-eyes: never its owner or writer). */
export async function approveQuote(ctx: Ctx, id: string): Promise<QuoteView> {
  return inCompany(ctx, (tx) =>
    approveRecord(tx, {
      seam: quoteRecords,
      table: 'quotes',
      id,
      missing: noSuchQuote,
      resourceOf: quoteResource,
    }),
  )
}

/** Deletes a quote (`quote.delete`); one a contract names is 409. */
export async function deleteQuote(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: quoteRecords,
      id,
      missing: noSuchQuote,
      remove: () =>
        deleteSalesRow(tx.db, 'quotes', tx.actor.companyId, id).catch((error: unknown) => {
          throw referenced(error, 'quote')
        }),
    }),
  )
}
