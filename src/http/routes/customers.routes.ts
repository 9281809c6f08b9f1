import { Type, type Static } from '@fastify/type-provider-typebox'
import type { Projected } from '../../authz/index.js'
import {
  addCustomerComplaint,
  addCustomerOrder,
  countCustomers,
  listCustomerComplaints,
  listCustomerOrders,
  type CustomerComplaint,
  type CustomerOrder,
  exportCustomers,
  createCustomer,
  customerLevels,
  deleteCustomer,
  getCustomer,
  listCustomers,
  unmaskCustomerField,
  type CustomerView,
} from '../../domain/customers/index.js'
import { updateCustomerOrAsk } from '../../domain/approvals/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import { contactFields, Country, CustomerName } from '../customer-fields.js'
import { sendCsv } from '../send-csv.js'
import type { App, RouteDeps } from '../types.js'
import { PendingApprovalJson, sendPending } from './approvals.routes.js'

const Level = Type.Union([
  Type.Literal('regular'),
  Type.Literal('silver'),
  Type.Literal('gold'),
  Type.Literal('vip'),
])
const Unmaskable = Type.Union([
  Type.Literal('phone'),
  Type.Literal('email'),
  Type.Literal('idNumber'),
  Type.Literal('bankCard'),
])
const NullableId = Type.Union([Id, Type.Null()])
const Nullable = (s: ReturnType<typeof Type.String>) => Type.Union([s, Type.Null()])
const Tag = Type.String({ minLength: 1, maxLength: 50 })

/**
 * A customer as the caller may see them (P4): a field they may not see is absent, a masked one
 * holds its masked string and is named in `maskedFields` (a masked `level` or `tags` is a
 * string). After a write that leaves the customer out of the caller's view, only `id` is shown.
 */
const CustomerViewJson = Type.Object(
  {
    id: Type.String(),
    companyId: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    phone: Type.Optional(Nullable(Type.String({ description: 'E.164, or masked' }))),
    email: Type.Optional(Nullable(Type.String())),
    idNumber: Type.Optional(Nullable(Type.String())),
    bankCard: Type.Optional(Nullable(Type.String())),
    region: Type.Optional(Nullable(Type.String({ description: 'org unit id of the region' }))),
    branch: Type.Optional(Nullable(Type.String({ description: 'org unit id of the branch' }))),
    orgUnitId: Type.Optional(Nullable(Type.String({ description: 'the serving team' }))),
    level: Type.Optional(Type.String({ description: `${customerLevels.join(' | ')} (or masked)` })),
    tags: Type.Optional(Type.Union([Type.Array(Type.String()), Type.String()])),
    ownerId: Type.Optional(Nullable(Type.String())),
    projectId: Type.Optional(Nullable(Type.String())),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

function customerViewJson(c: CustomerView): Static<typeof CustomerViewJson> {
  const { createdAt, updatedAt, ...rest } = c
  return {
    ...rest,
    id: c.id as string,
    ...(createdAt !== undefined && { createdAt: createdAt.toISOString() }),
    ...(updatedAt !== undefined && { updatedAt: updatedAt.toISOString() }),
  } as Static<typeof CustomerViewJson>
}

const fields = {
  ...contactFields,
  region: Type.Optional(NullableId),
  branch: Type.Optional(NullableId),
  orgUnitId: Type.Optional(NullableId),
  level: Type.Optional(Level),
  tags: Type.Optional(Type.Array(Tag, { maxItems: 20 })),
  ownerId: Type.Optional(NullableId),
  projectId: Type.Optional(NullableId),
}
const Name = CustomerName

const NewCustomerBody = Type.Object({ name: Name, ...fields }, { additionalProperties: false })
const CustomerPatchBody = Type.Object(
  { name: Type.Optional(Name), ...fields },
  { additionalProperties: false, minProperties: 1 },
)

const filters = {
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'part of the name, email or phone (any format)',
    }),
  ),
  tag: Type.Optional(Tag),
  phone: Type.Optional(
    Type.String({ minLength: 1, maxLength: 40, description: 'this number, in any format' }),
  ),
  country: Type.Optional(Country),
  level: Type.Optional(Level),
  orgUnitId: Type.Optional(Id),
  ownerId: Type.Optional(Id),
  projectId: Type.Optional(Id),
}
const CustomerQuery = Type.Object({ ...PageQuery, ...filters }, { additionalProperties: false })
const CountQuery = Type.Object(filters, { additionalProperties: false })

const UnmaskBody = Type.Object(
  {
    field: Unmaskable,
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)
const UnmaskedJson = Type.Object({
  id: Type.String(),
  field: Unmaskable,
  value: Type.Union([Type.String(), Type.Null()]),
})

const IdParams = Type.Object({ id: Id }, { additionalProperties: false })
const HistoryPage = Type.Object(PageQuery, { additionalProperties: false })
const Masked = { maskedFields: Type.Optional(Type.Array(Type.String())) }
const ComplaintJson = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  summary: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  ...Masked,
})
const OrderStatus = Type.Union([
  Type.Literal('placed'),
  Type.Literal('paid'),
  Type.Literal('shipped'),
  Type.Literal('cancelled'),
  Type.Literal('returned'),
])
const OrderJson = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  orderNo: Type.String(),
  amountMinor: Type.Integer({ minimum: 0 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  status: OrderStatus,
  orderedAt: Timestamp,
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  ...Masked,
})
const NewComplaintBody = Type.Object(
  { summary: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
)
const NewOrderBody = Type.Object(
  {
    orderNo: Type.String({ minLength: 1, maxLength: 64 }),
    amountMinor: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    status: OrderStatus,
    orderedAt: Timestamp,
  },
  { additionalProperties: false },
)
const complaintJson = (c: Projected<CustomerComplaint>) => ({
  ...(c as CustomerComplaint),
  createdAt: (c as CustomerComplaint).createdAt.toISOString(),
})
const orderJson = (o: Projected<CustomerOrder>) => ({
  ...(o as CustomerOrder),
  orderedAt: (o as CustomerOrder).orderedAt.toISOString(),
  createdAt: (o as CustomerOrder).createdAt.toISOString(),
})

// A customer I may not view (another company's, another team's) is 404 like an id never issued;
// one I may view but not change is 403. Units, owner and project named in a body that I may not
// see answer 404 on their `errors[].path`.

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['customers']

export function customersRoutes(app: App, deps: RouteDeps): void {
  const View = CustomerViewJson

  app.get(
    '/customers',
    {
      schema: {
        summary: 'The customers I may view (scope applied in the query), one page by id',
        description:
          'Each customer is projected with my own field rules (P4). `q` searches names, emails ' +
          'and phones (any format) but finds a customer only through a field I read in clear; ' +
          '`tag`, `phone`, `level` and `ownerId` keep only customers whose field I read in clear.',
        tags,
        security,
        querystring: CustomerQuery,
        response: { 200: PageJson(View), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listCustomers(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(customerViewJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/customers/count',
    {
      schema: {
        summary: 'How many customers the list shows with these filters (over all its pages)',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: Type.Object({ count: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => ({ count: await countCustomers(deps.ctx(req), req.query) }),
  )

  app.get(
    '/customers/export',
    {
      schema: {
        summary: 'Export the customers I may export, as CSV (streamed)',
        description:
          '`customer.export` (P2: high-risk, the Admin’s by default) over the same filters, scope ' +
          'and masks as the list: a field I may not see exports as an empty cell, a masked one ' +
          'masked. Refusals (403, 400 `reason_required`, 409 `approval_required`, 429 ' +
          '`quota_exceeded`) come before any row. The export is audited before the first row ' +
          '(`customer.export.started`) and at the end with the row count (`customer.exported`). ' +
          'A reason goes in the `x-tessera-reason` header.',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: {
            description: 'CSV (RFC 4180): a header line, then one line per customer',
            content: { 'text/csv': { schema: Type.String() } },
          },
          ...problems(400, 401, 403, 409, 429),
        },
      },
    },
    async (req, reply) => {
      const csv = await exportCustomers(deps.ctx(req), req.query)
      return sendCsv(reply, csv, 'customers.csv')
    },
  )

  app.post(
    '/customers',
    {
      schema: {
        summary: 'Create a customer',
        description:
          '`customer.create` is decided on the customer as they would be (owner, team, project, ' +
          'region, branch, level): nobody creates a customer outside their own reach. The phone ' +
          'is stored in E.164; a bad phone, email, ID number or card number is 400 and nothing ' +
          'is written.',
        tags,
        security,
        body: NewCustomerBody,
        response: { 201: View, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const created = await createCustomer(deps.ctx(req), req.body)
      return reply.code(201).send(customerViewJson(created))
    },
  )

  app.get(
    '/customers/:id',
    {
      schema: {
        summary: 'One customer, as I may see them (hidden fields absent, masked ones listed)',
        tags,
        security,
        params: IdParams,
        response: { 200: View, ...problems(400, 401, 404) },
      },
    },
    async (req) => customerViewJson(await getCustomer(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/customers/:id',
    {
      schema: {
        summary: 'Change a customer',
        description:
          'Tags need `customer.tag`, the owner `customer.assign`, everything else ' +
          '`customer.edit`, each on the customer as they are and as they would be: a change ' +
          'that takes the customer out of my reach is refused (403). Answers the customer ' +
          'after the change as I may see them. W3: when my tag change needs approval ' +
          '(`customer.tag` with `approvalRequired`, the Marketing preset) and the tags are all ' +
          'I change, nothing is changed: a `customerTags` approval request is opened for it ' +
          'and answered with 202 and a `Location` (the `x-tessera-reason` header becomes its ' +
          'reason); approving it sets the tags. Tags sent with other changes stay 409 ' +
          '`approval_required`, as does an API key’s tag change.',
        tags,
        security,
        params: IdParams,
        body: CustomerPatchBody,
        response: {
          200: View,
          202: PendingApprovalJson,
          ...problems(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (req, reply) => {
      const asked = await updateCustomerOrAsk(deps.ctx(req), req.params.id, req.body)
      if (asked.pending !== undefined) return sendPending(reply, asked.pending)
      return customerViewJson(asked.applied)
    },
  )

  app.delete(
    '/customers/:id',
    {
      schema: {
        summary: 'Delete a customer (high-risk, audited)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await deleteCustomer(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )

  app.post(
    '/customers/:id/unmask',
    {
      schema: {
        summary: 'One field of a customer in clear, once (G2: reason required, audited)',
        description:
          'Needs `customer.unmask` and always a reason (`reason` in the body or the ' +
          '`x-tessera-reason` header): without one, 400 `reason_required`. The answer is not ' +
          'cached (`Cache-Control: no-store`); the audit event names the field and the reason, ' +
          'never the value. A field hidden from me stays hidden (403).',
        tags,
        security,
        params: IdParams,
        body: UnmaskBody,
        response: { 200: UnmaskedJson, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req, reply) => {
      const result = await unmaskCustomerField(
        deps.ctx(req),
        req.params.id,
        req.body.field,
        req.body.reason,
      )
      return reply.header('cache-control', 'no-store').send(result)
    },
  )

  // A customer's history: the `complaints` and `orderHistory` fields of the customer (P4).
  const history = (what: string) =>
    `The customer through \`customer.view\` (404 when I may not know them), then my level on ` +
    `the ${what} field: hidden → 403, masked → listed with the identifying text masked.`
  app.get(
    '/customers/:id/complaints',
    {
      schema: {
        summary: "A customer's complaint records, one page",
        description: history('`complaints`'),
        tags,
        security,
        params: IdParams,
        querystring: HistoryPage,
        response: { 200: PageJson(ComplaintJson), ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { limit = 50, cursor } = req.query
      const page = await listCustomerComplaints(deps.ctx(req), req.params.id, { limit, cursor })
      return {
        items: page.items.map(complaintJson),
        nextCursor: page.nextCursor,
      }
    },
  )
  app.post(
    '/customers/:id/complaints',
    {
      schema: {
        summary: 'Record a complaint on a customer',
        description:
          '`customer.edit` on the customer with the `complaints` field editable. Audited ' +
          '(`customer.complaint_added`, naming the complaint, not its text).',
        tags,
        security,
        params: IdParams,
        body: NewComplaintBody,
        response: { 201: ComplaintJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const created = await addCustomerComplaint(deps.ctx(req), req.params.id, req.body)
      return reply.code(201).send(complaintJson(created))
    },
  )
  app.get(
    '/customers/:id/orders',
    {
      schema: {
        summary: "A customer's order history, one page",
        description: history('`orderHistory`'),
        tags,
        security,
        params: IdParams,
        querystring: HistoryPage,
        response: { 200: PageJson(OrderJson), ...problems(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { limit = 50, cursor } = req.query
      const page = await listCustomerOrders(deps.ctx(req), req.params.id, { limit, cursor })
      return { items: page.items.map(orderJson), nextCursor: page.nextCursor }
    },
  )
  app.post(
    '/customers/:id/orders',
    {
      schema: {
        summary: "Record an order in a customer's history",
        description:
          '`customer.edit` on the customer with the `orderHistory` field editable. An order ' +
          'number already used in the company is 409. Audited (`customer.order_added`).',
        tags,
        security,
        params: IdParams,
        body: NewOrderBody,
        response: { 201: OrderJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const created = await addCustomerOrder(deps.ctx(req), req.params.id, {
        ...req.body,
        orderedAt: new Date(req.body.orderedAt),
      })
      return reply.code(201).send(orderJson(created))
    },
  )
}
