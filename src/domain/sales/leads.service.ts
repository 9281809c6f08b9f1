/**
 * Sales leads ([002] 分配销售线索): marketing creates leads and assigns them to sales reps, who
 * then own them (`lead.view` / `lead.edit`, own). Built as docs/resources.md says: the read seam,
 * the shared write helpers, and only what is the lead's own here: its contact data (phone in
 * E.164, email lower-cased) and the assignment (`lead.assign`).
 */
import type { Readable } from 'node:stream'
import type { Action, AttrOf, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { createCustomerIn, unsettableCustomerFields } from '../customers/index.js'
import type { Page, PageRequest } from '../page.js'
import { normalisePhone, phoneSearchTerm } from '../phone.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  exportCsv,
  updateThrough,
  writeProblem,
} from '../seam/index.js'
import { unstorableText } from '../storable-text.js'
import { visibleUser } from '../users/index.js'
import {
  checkScope,
  defaultScope,
  invalid,
  normaliseName,
  reach,
  scopePaths,
  viewNow,
  writerOf,
} from './owned.js'
import { createOpportunityIn, normaliseOpportunity } from './opportunities.service.js'
import { salesLimits, type Lead, type LeadInput } from './sales.js'
import { deleteSalesRow, insertSalesRow, leadRowToLead, updateSalesRow } from './sales.repo.js'

/** A lead as the caller may see it: hidden fields absent, masked ones in `maskedFields`. */
export type LeadView = Projected<Lead>

/** The leads read seam; `q` searches the name, the email and the phone (any format). */
export const leadRecords = defineResource({
  type: 'lead',
  table: 'leads',
  toItem: leadRowToLead,
  columns: {
    id: 'id',
    ownerId: 'owner_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    status: 'status',
    source: 'source',
  },
  search: { name: 'name', email: 'email', phone: { column: 'phone', term: phoneSearchTerm } },
})

/** A lead as the engine sees one: the same attributes the seam reads from the row. */
export function leadResource(l: Pick<Lead, 'id' | AttrOf<'lead'>>): Resource {
  const attrs: Record<AttrOf<'lead'>, string | null> = {
    id: l.id,
    ownerId: l.ownerId,
    orgUnitId: l.orgUnitId,
    projectId: l.projectId,
    status: l.status,
    source: l.source,
  }
  return { type: 'lead', id: l.id, attrs }
}

const noSuchLead = () => new AppError('not_found', 'no such lead')

/** Validates and normalises a lead's fields; every problem at once, 400 with paths. */
export function normaliseLead(request: LeadInput): LeadInput {
  const errors: ErrorDetail[] = []
  const { country, ...out } = request as LeadInput & Record<string, unknown>
  const result: Record<string, unknown> = { ...out }
  if (request.name !== undefined) result['name'] = normaliseName(request.name, errors)
  if (typeof request.phone === 'string') {
    const e164 = normalisePhone(request.phone, country)
    if (e164 === null) {
      errors.push({
        path: 'body/phone',
        message: 'not a valid phone number (write it with its +country code, or send `country`)',
      })
    }
    result['phone'] = e164
  }
  if (typeof request.email === 'string') {
    const email = request.email.trim().toLowerCase()
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > salesLimits.email) {
      errors.push({ path: 'body/email', message: 'not an email address' })
    }
    result['email'] = email
  }
  if (typeof request.source === 'string') {
    const source = request.source.trim()
    if (source === '') errors.push({ path: 'body/source', message: 'must not be blank' })
    else if (source.length > salesLimits.source) {
      errors.push({ path: 'body/source', message: `at most ${salesLimits.source} characters` })
    }
    const problem = unstorableText(request.source)
    if (problem !== null) errors.push({ path: 'body/source', message: problem })
    result['source'] = source
  }
  if (errors.length > 0) throw invalid('lead', errors)
  return result as LeadInput
}

// --- reads -----------------------------------------------------------------------------------------

export async function getLead(ctx: Ctx, id: string): Promise<LeadView> {
  return inCompany(ctx, async (tx) =>
    leadRecords.view(await leadRecords.get(tx, id, 'lead.view', noSuchLead)),
  )
}

/** What a lead list may be narrowed by, besides the caller's scope. */
export interface SalesListFilter {
  /** Part of the name (leads: also the email or the phone), where the caller reads it in clear. */
  readonly q?: string | undefined
}

/** The leads the caller may view, searched, one page by id, each projected. */
export async function listLeads(
  ctx: Ctx,
  filter: SalesListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<LeadView>> {
  return inCompany(ctx, (tx) =>
    leadRecords.list(tx, 'lead.view', { limit: page.limit, cursor: page.cursor, q: filter.q }),
  )
}

/** How many leads `listLeads` would show with this filter, over all pages. */
export async function countLeads(ctx: Ctx, filter: SalesListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) => leadRecords.countMatching(tx, 'lead.view', { q: filter.q }))
}

/** The columns of a lead export, in order (a field the caller may not see exports empty). */
export const leadExportColumns = [
  'id',
  'name',
  'phone',
  'email',
  'source',
  'status',
  'ownerId',
  'orgUnitId',
  'projectId',
] as const satisfies readonly (keyof Lead)[]

/**
 * CSV of every lead the caller may `lead.export` under this search, with their masks (P2:
 * high-risk, the Admin's by default); traced before the first row and at the end with the row
 * count (seam/export.ts).
 */
export async function exportLeads(
  ctx: Ctx,
  filter: SalesListFilter = {},
  reason?: string,
): Promise<Readable> {
  return exportCsv(ctx, {
    seam: leadRecords,
    action: 'lead.export',
    filter: { q: filter.q },
    columns: leadExportColumns,
    described: { ...filter },
    reason,
  })
}

// --- writes ------------------------------------------------------------------------------------------

const what = 'an owner, unit or project named'

/**
 * A new lead: `lead.create` decided on the lead as it would be (owned by the writer and in
 * their team unless the request names an owner, a unit, a project: each must be visible).
 */
export async function createLead(
  ctx: Ctx,
  request: LeadInput & { name: string },
): Promise<LeadView> {
  return inCompany(ctx, async (tx) => {
    const input = normaliseLead(request) as LeadInput & { name: string }
    const scope = await defaultScope(tx, input)
    const wouldBe = {
      id: '',
      ...scope,
      status: input.status ?? 'new',
      source: input.source ?? null,
    }
    const created = await createThrough(tx, {
      type: 'lead',
      record: { type: 'lead', attrs: { ...leadResource(wouldBe).attrs, id: null } },
      fields: Object.keys(input),
      checkReferences: () => checkScope(tx, input),
      insert: () =>
        insertSalesRow(
          tx.db,
          'leads',
          tx.actor.companyId,
          { ...input, ...scope },
          writerOf(tx),
          tx.now,
        ).catch((error: unknown) => {
          throw writeProblem(error, what, scopePaths)
        }),
    })
    return viewNow(tx, leadRecords, created, leadResource)
  })
}

/** The owner is changed by `lead.assign`; every other field by `lead.edit`. */
const actionFor = (field: string): Action => (field === 'ownerId' ? 'lead.assign' : 'lead.edit')

async function changeLead(tx: TenantCtx, id: string, patch: LeadInput): Promise<Lead> {
  const { after } = await updateThrough(tx, {
    seam: leadRecords,
    id,
    missing: noSuchLead,
    patch: patch as Readonly<Record<string, unknown>>,
    actionFor,
    resourceOf: leadResource,
    checkReferences: async (changes) => {
      if (typeof changes['ownerId'] === 'string') await assignee(tx, changes['ownerId'])
      await checkScope(tx, { ...changes, ownerId: undefined })
    },
    update: async (changes) =>
      updateSalesRow(tx.db, 'leads', tx.actor.companyId, id, changes, tx.now).catch(
        (error: unknown) => {
          throw writeProblem(error, what, scopePaths)
        },
      ),
  })
  return after
}

/**
 * The person a lead is assigned to: a user of the caller's company the caller may see (404 on
 * `body/ownerId` otherwise, as an id never issued), and an active one (a suspended or
 * offboarded person works no leads: 400).
 */
async function assignee(tx: TenantCtx, id: string): Promise<void> {
  const user = await visibleUser(tx, id, 'body/ownerId')
  if (user.status !== 'active') {
    throw invalid('assignment', [
      { path: 'body/ownerId', message: `this person is ${user.status}` },
    ])
  }
}

/**
 * Changes a lead (see updateThrough): its owner needs `lead.assign`, the rest `lead.edit`, each
 * on the lead as it is and as it would be.
 */
export async function updateLead(ctx: Ctx, id: string, request: LeadInput): Promise<LeadView> {
  return inCompany(ctx, async (tx) =>
    viewNow(tx, leadRecords, await changeLead(tx, id, normaliseLead(request)), leadResource),
  )
}

/**
 * [002] marketing assigns a lead to a sales rep: `lead.assign` on the lead as it is and as it
 * would be (an assigner whose reach ends with the lead hands it over only within it: a
 * delegation otherwise); the assignee must be an active person the caller may see (404). The new
 * owner has the lead from then on (`lead.view` own). Audited `lead.updated` before → after.
 * Answers the lead as the caller may still view it.
 */
export async function assignLead(ctx: Ctx, id: string, ownerId: string): Promise<LeadView> {
  return inCompany(ctx, async (tx) => {
    await reach(tx, leadRecords, id, 'lead.assign', noSuchLead)
    return viewNow(tx, leadRecords, await changeLead(tx, id, { ownerId }), leadResource)
  })
}

export async function deleteLead(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: leadRecords,
      id,
      missing: noSuchLead,
      remove: () => deleteSalesRow(tx.db, 'leads', tx.actor.companyId, id),
    }),
  )
}

// --- conversion ------------------------------------------------------------------------------------

/** What a conversion may add: an opportunity made with the customer (name and amount). */
export interface LeadConversion {
  readonly opportunity?: { readonly name: string; readonly amount: number } | undefined
}

/**
 * Converts a lead ([002]): in one transaction, the lead is marked `converted` (`lead.edit` on it:
 * 404 when the caller may not see it, 403 when they may see but not edit it), a customer is
 * created from its name, phone, email and scope (`customer.create` decided on the customer as
 * they would be: 403 otherwise, nothing written; a phone or email the converter may not set is
 * left off the customer and named in `omitted`, while a name or owner they may not set is 403),
 * and, if asked, an
 * opportunity for that customer (`opportunity.create`, as a create). The mark is a conditional
 * UPDATE on the status the lead was read with, so of two conversions at once one wins and the
 * other answers 409; a lead converted already is 409. Audited: lead updated, customer and
 * opportunity created.
 */
export async function convertLead(
  ctx: Ctx,
  id: string,
  request: LeadConversion,
): Promise<{
  lead: LeadView
  customerId: string
  opportunityId: string | null
  omitted: Omittable[]
}> {
  const opportunityRequest =
    request.opportunity === undefined ? undefined : normaliseOpportunity({ ...request.opportunity })
  return inCompany(ctx, async (tx) => {
    const { item } = await reach(tx, leadRecords, id, 'lead.edit', noSuchLead)
    if (item.status === 'converted') throw alreadyConverted()
    const { after } = await updateThrough(tx, {
      seam: leadRecords,
      id,
      missing: noSuchLead,
      patch: { status: 'converted' },
      actionFor: () => 'lead.edit',
      resourceOf: leadResource,
      workflow: ['status'],
      expect: (now) => {
        if (now.status === 'converted') alreadyConverted(true)
        if (now.status !== item.status) leadChanged()
      },
      update: async (changes) =>
        (await updateSalesRow(
          tx.db,
          'leads',
          tx.actor.companyId,
          id,
          changes,
          tx.now,
          item.status,
        )) ?? alreadyConverted(true),
    })
    const fields = {
      name: item.name,
      ...(item.phone === null ? {} : { phone: item.phone }),
      ...(item.email === null ? {} : { email: item.email }),
      ownerId: item.ownerId,
      orgUnitId: item.orgUnitId,
      projectId: item.projectId,
    }
    // contact data the converter may not set is left unset (and named); anything else they may
    // not set (the name, the owner) is refused by the create below, as is a converter who may
    // not create the customer at all
    const locked = await unsettableCustomerFields(tx, fields)
    const omitted = locked.filter((f): f is Omittable =>
      (omittable as readonly string[]).includes(f),
    )
    const customer = await createCustomerIn(
      tx,
      Object.fromEntries(
        Object.entries(fields).filter(([f]) => !(omitted as string[]).includes(f)),
      ) as typeof fields,
    )
    const opportunity =
      opportunityRequest === undefined
        ? null
        : await createOpportunityIn(tx, {
            ...(opportunityRequest as { name: string; amount: number }),
            customerId: customer.id,
            ownerId: item.ownerId,
            orgUnitId: item.orgUnitId,
            projectId: item.projectId,
          })
    return {
      lead: await viewNow(tx, leadRecords, after, leadResource),
      customerId: customer.id,
      opportunityId: opportunity?.id ?? null,
      omitted,
    }
  })
}

/**
 * The lead's fields a conversion leaves off the customer when the converter may not set them:
 * contact data, which the customer may lack. The name (required) and the owner (who the customer
 * belongs to) are never left off: a converter who may not set them is refused.
 */
const omittable = ['phone', 'email'] as const
type Omittable = (typeof omittable)[number]

const leadChanged = (): never => {
  throw new AppError('conflict', 'the lead changed meanwhile; read it and try again', {
    errors: [{ path: 'status', message: 'changed meanwhile' }],
  })
}

const alreadyConverted = (raced = false): never => {
  throw new AppError(
    'conflict',
    raced ? 'the lead was converted meanwhile' : 'this lead is converted already',
    { errors: [{ path: 'status', message: 'converted' }] },
  )
}
