/**
 * Customers (D, P4, G2): the first workspace resource, written the way docs/resources.md says
 * every resource is: the read seam (attributes ↔ columns, search, projection), the shared write
 * helpers (decision before and after, field rights, audit), and only what is customer-specific
 * here: normalising contact data and the unmask action.
 */
import type { Readable } from 'node:stream'
import {
  maskValue,
  uneditableFields,
  type Action,
  type AttrOf,
  type Decision,
  type Projected,
  type Resource,
} from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import { REASON_HEADER } from '../access/obligations.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { visibleOrgUnit } from '../org-units/index.js'
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../page.js'
import { normalisePhone, phoneSearchTerm } from '../phone.js'
import { projectRecords } from '../projects/projects.service.js'
import {
  createThrough,
  defineResource,
  exportCsv,
  deleteThrough,
  updateThrough,
  writeProblem,
  defineListFilter,
} from '../seam/index.js'
import { visibleUser } from '../users/index.js'
import type {
  Customer,
  CustomerComplaint,
  CustomerInput,
  CustomerLevel,
  CustomerOrder,
  UnmaskableField,
} from './customers.js'
import {
  customerRowToCustomer,
  deleteCustomerRow,
  insertComplaint,
  insertCustomer,
  insertOrder,
  listComplaints,
  customerRowsOwnedBy,
  listOrders,
  reassignOwner,
  updateCustomerRow,
} from './customers.repo.js'

/** A customer as the caller may see them: hidden fields absent, masked ones in `maskedFields`. */
export type CustomerView = Projected<Customer>

/**
 * The customers read seam: every attribute the catalog declares for `customer`, read from its
 * column. `q` searches the name, the email and the phone (any format: see phoneSearchTerm).
 */
export const customerRecords = defineResource({
  type: 'customer',
  table: 'customers',
  toItem: customerRowToCustomer,
  columns: {
    id: 'id',
    ownerId: 'owner_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    region: 'region_id',
    branch: 'branch_id',
    level: 'level',
  },
  search: { name: 'name', email: 'email', phone: { column: 'phone', term: phoneSearchTerm } },
})

/** A customer as the engine sees one: the same attributes the seam reads from the row. */
export function customerResource(c: Pick<Customer, 'id' | AttrOf<'customer'>>): Resource {
  const attrs: Record<AttrOf<'customer'>, string | null> = {
    id: c.id,
    ownerId: c.ownerId,
    orgUnitId: c.orgUnitId,
    projectId: c.projectId,
    region: c.region,
    branch: c.branch,
    level: c.level,
  }
  return { type: 'customer', id: c.id, attrs }
}

const noSuchCustomer = () => new AppError('not_found', 'no such customer')

const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the customer is not valid', { errors })

// --- input: what the HTTP layer hands over, normalised here --------------------------------------

/** A customer's fields as a request sends them (phone in any format, with an optional country). */
/** A create or update as asked: CustomerInput before normalisation, with a phone's country. */
export interface CustomerRequest extends CustomerInput {
  /** ISO 3166 alpha-2 country of a national phone number (`CN`, `RU`). */
  readonly country?: string
}

/** Luhn checksum of a card number. */
function luhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}

/** Validates and normalises a request's contact data; every problem at once, 400 with paths. */
export function normaliseCustomer(request: CustomerRequest): CustomerInput {
  const errors: ErrorDetail[] = []
  const { country, ...rest } = request
  const out: Record<string, unknown> = { ...rest }
  if (typeof request.name === 'string') {
    out['name'] = request.name.trim()
    if (out['name'] === '') errors.push({ path: 'body/name', message: 'must not be blank' })
  }
  if (typeof request.phone === 'string') {
    const e164 = normalisePhone(request.phone, country)
    if (e164 === null) {
      errors.push({
        path: 'body/phone',
        message: 'not a valid phone number (write it with its +country code, or send `country`)',
      })
    }
    out['phone'] = e164
  }
  if (typeof request.email === 'string') out['email'] = request.email.trim().toLowerCase()
  if (typeof request.idNumber === 'string') {
    const id = request.idNumber.replace(/[\s-]/g, '').toUpperCase()
    if (!/^[0-9A-Z]{4,32}$/.test(id)) {
      errors.push({ path: 'body/idNumber', message: '4 to 32 letters and digits' })
    }
    out['idNumber'] = id
  }
  if (typeof request.bankCard === 'string') {
    const card = request.bankCard.replace(/[\s-]/g, '')
    if (!/^[0-9]{12,19}$/.test(card) || !luhn(card)) {
      errors.push({ path: 'body/bankCard', message: 'not a card number (12 to 19 digits, Luhn)' })
    }
    out['bankCard'] = card
  }
  if (request.tags !== undefined) {
    const tags = request.tags.map((t) => t.trim())
    tags.forEach((t, i) => {
      if (t === '') errors.push({ path: `body/tags/${i}`, message: 'must not be blank' })
    })
    if (new Set(tags).size !== tags.length) {
      errors.push({ path: 'body/tags', message: 'each tag once' })
    }
    out['tags'] = tags
  }
  if (errors.length > 0) throw invalid(errors)
  return out as CustomerInput
}

/**
 * The units, owner and project a write names must exist in the caller's company and be visible
 * to them (404 with the path otherwise, exactly as an id never issued); a region must be a
 * region and a branch a branch.
 */
async function checkReferences(tx: TenantCtx, input: CustomerInput): Promise<void> {
  for (const kind of ['region', 'branch'] as const) {
    const id = input[kind]
    if (typeof id !== 'string') continue
    const unit = await visibleOrgUnit(tx, id, `body/${kind}`)
    if (unit.kind !== kind) throw invalid([{ path: `body/${kind}`, message: `not a ${kind}` }])
  }
  if (typeof input.orgUnitId === 'string') {
    await visibleOrgUnit(tx, input.orgUnitId, 'body/orgUnitId')
  }
  if (typeof input.ownerId === 'string') await visibleUser(tx, input.ownerId, 'body/ownerId')
  if (typeof input.projectId === 'string') {
    if ((await projectRecords.visible(tx, input.projectId, 'project.view')) === undefined) {
      throw new AppError('not_found', 'no such project', {
        errors: [{ path: 'body/projectId', message: 'no such project' }],
      })
    }
  }
}

const referencePaths = ['body/region', 'body/branch', 'body/orgUnitId', 'body/ownerId']

// --- reads -----------------------------------------------------------------------------------------

export async function getCustomer(ctx: Ctx, id: string): Promise<CustomerView> {
  return inCompany(ctx, async (tx) => {
    const found = await customerRecords.get(tx, id, 'customer.view', noSuchCustomer)
    return customerRecords.view(found)
  })
}

/** What a customer list may be narrowed by, besides the caller's scope. */
export interface CustomerListFilter {
  /** Part of the name, the email or the phone (any format), where the caller reads it in clear. */
  readonly q?: string | undefined
  /** Customers with this tag. */
  readonly tag?: string | undefined
  /** This phone number, in any format (with `country` for a national one). */
  readonly phone?: string | undefined
  readonly country?: string | undefined
  readonly level?: CustomerLevel | undefined
  readonly orgUnitId?: string | undefined
  readonly ownerId?: string | undefined
  readonly projectId?: string | undefined
}

/**
 * The filter as the seam takes it: each narrowing on a catalog field (tag, phone, level,
 * owner) keeps only records whose field the caller reads in clear (no oracle, S11).
 */
const listFilter = defineListFilter<
  'customers',
  ReturnType<typeof customerRowToCustomer>,
  CustomerListFilter
>('customers', {
  tag: { column: 'tags', field: 'tags', match: 'tag' },
  phone: { column: 'phone', field: 'phone', match: 'phone' },
  level: { column: 'level', field: 'level' },
  ownerId: { column: 'owner_id', field: 'ownerId' },
  orgUnitId: 'org_unit_id',
  projectId: 'project_id',
})

/** The customers the caller may view, filtered, one page by id, each projected. */
export async function listCustomers(
  ctx: Ctx,
  filter: CustomerListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<CustomerView>> {
  return inCompany(ctx, (tx) =>
    customerRecords.list(tx, 'customer.view', {
      limit: page.limit,
      cursor: page.cursor,
      ...listFilter(filter),
    }),
  )
}

/** The columns of a customer export, in order (a field the caller may not see exports empty). */
export const customerExportColumns = [
  'id',
  'name',
  'phone',
  'email',
  'idNumber',
  'bankCard',
  'region',
  'branch',
  'orgUnitId',
  'level',
  'tags',
  'ownerId',
  'projectId',
] as const satisfies readonly (keyof Customer)[]

/**
 * CSV of every customer the caller may `customer.export` under this filter, with their masks
 * (P2: high-risk, the Admin's by default). Traced before the first row: see seam/export.ts.
 */
export async function exportCustomers(
  ctx: Ctx,
  filter: CustomerListFilter = {},
  reason?: string,
): Promise<Readable> {
  return exportCsv(ctx, {
    seam: customerRecords,
    action: 'customer.export',
    filter: listFilter(filter),
    columns: customerExportColumns,
    described: { ...filter },
    reason,
  })
}

/** How many customers `listCustomers` would show with this filter, over all pages. */
export async function countCustomers(ctx: Ctx, filter: CustomerListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) =>
    customerRecords.countMatching(tx, 'customer.view', listFilter(filter)),
  )
}

/** The customer as the caller may view them now (after a write): projected, or only the id. */
async function viewNow(tx: TenantCtx, customer: Customer): Promise<CustomerView> {
  const decision: Decision = await decisionFor(tx, 'customer.view', customerResource(customer))
  return decision.allowed ? customerRecords.view({ item: customer, decision }) : { id: customer.id }
}

// --- writes ------------------------------------------------------------------------------------------

/**
 * Creates a customer: `customer.create` decided on the customer as they would be (owner, unit,
 * project, region, branch, level), so nobody creates a customer outside their own reach.
 */
export async function createCustomer(
  ctx: Ctx,
  request: CustomerRequest & { name: string },
): Promise<CustomerView> {
  return inCompany(ctx, async (tx) => viewNow(tx, await createCustomerIn(tx, request)))
}

/** `createCustomer` inside the caller's transaction (a lead's conversion): the customer made. */
/**
 * The fields of a new customer the caller may not set (their field rules under `customer.create`
 * decided on the customer as it would be); none when they may not create it at all, which the
 * create itself then refuses (403). A caller creating a customer for someone else (a lead's
 * conversion) leaves such fields unset where they may be.
 */
export async function unsettableCustomerFields(
  tx: TenantCtx,
  request: CustomerRequest & { name: string },
): Promise<string[]> {
  const input = normaliseCustomer(request) as CustomerInput & { name: string }
  const record = customerResource(customerToBe(tx, input))
  const decision = await decisionFor(tx, 'customer.create', {
    type: 'customer',
    attrs: { ...record.attrs, id: null },
  })
  if (!decision.allowed) return []
  return uneditableFields(decision, Object.fromEntries(Object.keys(input).map((f) => [f, true])))
}

function customerToBe(tx: TenantCtx, input: CustomerInput & { name: string }): Customer {
  return {
    id: '',
    companyId: tx.actor.companyId,
    name: input.name,
    phone: input.phone ?? null,
    email: input.email ?? null,
    idNumber: input.idNumber ?? null,
    bankCard: input.bankCard ?? null,
    region: input.region ?? null,
    branch: input.branch ?? null,
    orgUnitId: input.orgUnitId ?? null,
    level: input.level ?? 'regular',
    tags: input.tags ?? [],
    ownerId: input.ownerId ?? null,
    projectId: input.projectId ?? null,
    createdAt: tx.now,
    updatedAt: tx.now,
  }
}

export async function createCustomerIn(
  tx: TenantCtx,
  request: CustomerRequest & { name: string },
): Promise<Customer> {
  {
    const input = normaliseCustomer(request) as CustomerInput & { name: string }
    const wouldBe = customerToBe(tx, input)
    const record = customerResource(wouldBe)
    const created = await createThrough(tx, {
      type: 'customer',
      record: { type: 'customer', attrs: { ...record.attrs, id: null } },
      fields: Object.keys(input),
      checkReferences: () => checkReferences(tx, input),
      insert: async () => {
        try {
          return await insertCustomer(tx.db, tx.actor.companyId, input, tx.now)
        } catch (error) {
          throw writeProblem(error, 'a unit, owner or project named', referencePaths)
        }
      },
    })
    return created
  }
}

/** Which action a changed field needs: tags `customer.tag`, the owner `customer.assign`. */
function actionFor(field: string): Action {
  if (field === 'tags') return 'customer.tag'
  if (field === 'ownerId') return 'customer.assign'
  return 'customer.edit'
}

/**
 * Changes a customer (see updateThrough): each changed field needs its action on the customer
 * as they are and as they would be, with edit rights on the field. Answers the customer after
 * the change, as the caller may view them.
 */
export async function updateCustomer(
  ctx: Ctx,
  id: string,
  request: CustomerRequest,
): Promise<CustomerView> {
  return inCompany(ctx, (tx) => updateCustomerIn(tx, id, request))
}

/**
 * updateCustomer in the caller's transaction: for a change asked for and applied elsewhere in
 * it (W3: a tag change that needed approval is applied by the approval, as the approver).
 */
export async function updateCustomerIn(
  tx: TenantCtx,
  id: string,
  request: CustomerRequest,
): Promise<CustomerView> {
  const patch = normaliseCustomer(request)
  const { after } = await updateThrough(tx, {
    seam: customerRecords,
    id,
    missing: noSuchCustomer,
    patch: patch as Readonly<Record<string, unknown>>,
    actionFor,
    resourceOf: customerResource,
    checkReferences: (changes) => checkReferences(tx, changes as CustomerInput),
    update: async (changes) => {
      try {
        return await updateCustomerRow(
          tx.db,
          tx.actor.companyId,
          id,
          changes as CustomerInput,
          tx.now,
        )
      } catch (error) {
        throw writeProblem(error, 'a unit, owner or project named', referencePaths)
      }
    },
  })
  return viewNow(tx, after)
}

export async function deleteCustomer(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: customerRecords,
      id,
      missing: noSuchCustomer,
      remove: () => deleteCustomerRow(tx.db, tx.actor.companyId, id),
    }),
  )
}

/**
 * G2, P4: one field of a customer in clear, once. Needs `customer.unmask` on the customer (404
 * when the caller may not view them, 403 when they may view but not unmask) and ALWAYS a reason
 * (body `reason` or the x-tessera-reason header), whatever the grant says; a field hidden from
 * the caller stays hidden (403). Audited as `customer.unmasked` with the field and the reason,
 * never the value.
 */
export async function unmaskCustomerField(
  ctx: Ctx,
  id: string,
  field: UnmaskableField,
  reason?: string,
): Promise<{ id: string; field: UnmaskableField; value: string | null }> {
  return inCompany(ctx, async (tx) => {
    const why = (reason ?? tx.meta.reason ?? '').trim()
    // the customer first: a customer the caller may not know answers 404 even without a reason
    const visible = await customerRecords.visible(tx, id, 'customer.view')
    if (visible === undefined) throw noSuchCustomer()
    // then the right to unmask (403), then the reason (400): a reason never buys a look
    const may = await decisionFor(tx, 'customer.unmask', visible.resource)
    if (!may.allowed)
      throw new AppError('forbidden', `not allowed: customer.unmask (${may.reason})`)
    if (why === '') {
      throw new AppError('reason_required', 'customer.unmask needs a reason', {
        errors: [{ path: 'body/reason', message: `say why (or send the ${REASON_HEADER} header)` }],
      })
    }
    const found = await customerRecords.get(tx, id, 'customer.unmask', noSuchCustomer, {
      recorded: true,
      reason: why,
    })
    for (const d of [found.decision, visible.decision]) {
      if (d.obligations.fields[field] === 'hidden') {
        throw new AppError('forbidden', `${field} is hidden from you`, {
          errors: [{ path: 'body/field', message: 'hidden from you: it cannot be unmasked' }],
        })
      }
    }
    await recordAudit(tx, {
      action: 'customer.unmasked',
      targetType: 'customer',
      targetId: id,
      after: { field, reason: why },
    })
    return { id, field, value: found.item[field] }
  })
}

// --- history: complaints and orders --------------------------------------------------------------

/**
 * A customer's history field as the caller may reach it: the customer through the seam for
 * `action` (404 when invisible, 403 when visible but not allowed, obligations applied), then
 * the caller's level on `field` (P4: complaints hidden from sales, history hidden from novices).
 */
async function historyField(
  tx: TenantCtx,
  id: string,
  action: 'customer.view' | 'customer.edit',
  field: 'complaints' | 'orderHistory',
) {
  const found = await customerRecords.get(tx, id, action, noSuchCustomer)
  const level = found.decision.obligations.fields[field] ?? 'hidden'
  const need = action === 'customer.edit' ? ['edit'] : ['masked', 'read', 'edit']
  if (!need.includes(level)) {
    const what = field === 'complaints' ? 'complaints' : 'order history'
    throw new AppError(
      'forbidden',
      `this customer's ${what} ${action === 'customer.edit' ? 'is not editable by you' : 'is hidden from you'}`,
    )
  }
  return level
}

const maskAll = { keepStart: 0, keepEnd: 0 }

/** One page of the customer's complaints (`complaints` field: masked → summaries masked). */
export async function listCustomerComplaints(
  ctx: Ctx,
  id: string,
  page: PageRequest,
): Promise<Page<Projected<CustomerComplaint>>> {
  return inCompany(ctx, async (tx) => {
    const level = await historyField(tx, id, 'customer.view', 'complaints')
    const rows = await listComplaints(
      tx.db,
      tx.actor.companyId,
      id,
      decodeCursor(page.cursor),
      page.limit + 1,
    )
    const items = rows
      .slice(0, page.limit)
      .map((c) =>
        level === 'masked'
          ? { ...c, summary: maskValue(c.summary, maskAll), maskedFields: ['summary'] }
          : c,
      )
    return pageOf(items, rows.length > page.limit)
  })
}

/** One page of the customer's orders (`orderHistory` field: masked → order numbers masked). */
export async function listCustomerOrders(
  ctx: Ctx,
  id: string,
  page: PageRequest,
): Promise<Page<Projected<CustomerOrder>>> {
  return inCompany(ctx, async (tx) => {
    const level = await historyField(tx, id, 'customer.view', 'orderHistory')
    const rows = await listOrders(
      tx.db,
      tx.actor.companyId,
      id,
      decodeCursor(page.cursor),
      page.limit + 1,
    )
    const items = rows.slice(0, page.limit).map((o) =>
      level === 'masked'
        ? {
            ...o,
            orderNo: maskValue(o.orderNo, { keepStart: 0, keepEnd: 2 }),
            maskedFields: ['orderNo'],
          }
        : o,
    )
    return pageOf(items, rows.length > page.limit)
  })
}

function pageOf<T extends { id: string }>(items: T[], more: boolean): Page<T> {
  const last = items.at(-1)
  return { items, nextCursor: more && last ? encodeCursor(last.id) : null }
}

/** Records a complaint: `customer.edit` on the customer with `complaints` editable. Audited. */
export async function addCustomerComplaint(
  ctx: Ctx,
  id: string,
  input: { summary: string },
): Promise<CustomerComplaint> {
  return inCompany(ctx, async (tx) => {
    await historyField(tx, id, 'customer.edit', 'complaints')
    const summary = input.summary.trim()
    if (summary === '') throw invalid([{ path: 'body/summary', message: 'say what happened' }])
    const complaint = await insertComplaint(
      tx.db,
      tx.actor.companyId,
      { customerId: id, summary, createdBy: tx.actor.userId },
      tx.now,
    )
    // the summary is confidential: the log names the complaint, not its text
    await recordAudit(tx, {
      action: 'customer.complaint_added',
      targetType: 'customer',
      targetId: id,
      after: { complaintId: complaint.id },
    })
    return complaint
  })
}

/** Records an order: `customer.edit` on the customer with `orderHistory` editable. Audited. */
export async function addCustomerOrder(
  ctx: Ctx,
  id: string,
  input: Omit<CustomerOrder, 'id' | 'customerId' | 'createdBy' | 'createdAt'>,
): Promise<CustomerOrder> {
  return inCompany(ctx, async (tx) => {
    await historyField(tx, id, 'customer.edit', 'orderHistory')
    const order = await insertOrder(
      tx.db,
      tx.actor.companyId,
      { ...input, orderNo: input.orderNo.trim(), customerId: id, createdBy: tx.actor.userId },
      tx.now,
    ).catch((error: unknown) => {
      throw writeProblem(error, 'an order with this number', [])
    })
    await recordAudit(tx, {
      action: 'customer.order_added',
      targetType: 'customer',
      targetId: id,
      after: { orderId: order.id, orderNo: order.orderNo },
    })
    return order
  })
}

/**
 * G6 (offboarding): every customer `fromId` owns is handed to `toId`, in the caller's
 * transaction. A handover is an edit of each record's owner: the caller must be allowed
 * `customer.edit` on every one of them with `ownerId` editable, or nothing moves (403 at `path`,
 * counting the refused records without naming them). Answers the ids moved.
 */
export async function handOverCustomers(
  tx: TenantCtx,
  fromId: string,
  toId: string,
  path: string,
): Promise<string[]> {
  const { companyId } = tx.actor
  let refused = 0
  for (const row of await customerRowsOwnedBy(tx.db, companyId, fromId)) {
    const d = await decisionFor(tx, 'customer.edit', customerRecords.resourceOf(row))
    if (!d.allowed || uneditableFields(d, { ownerId: toId }).length > 0) refused++
  }
  if (refused > 0) {
    throw new AppError('forbidden', 'you may not hand over every customer they own', {
      errors: [{ path, message: `${refused} customer(s) whose owner you may not change` }],
    })
  }
  return reassignOwner(tx.db, companyId, fromId, toId, tx.now)
}
