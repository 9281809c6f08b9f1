import { Type, type Static, type TObject } from '@fastify/type-provider-typebox'
import type { Readable } from 'node:stream'
import type { Ctx } from '../../domain/context.js'
import type { Page, PageRequest } from '../../domain/page.js'
import {
  approvalStatuses,
  approveContract,
  approveQuote,
  assignLead,
  convertLead,
  countContracts,
  countLeads,
  countOpportunities,
  countQuotes,
  createContract,
  createLead,
  createOpportunity,
  createQuote,
  deleteContract,
  deleteLead,
  deleteOpportunity,
  deleteQuote,
  exportLeads,
  exportOpportunities,
  getContract,
  getLead,
  getOpportunity,
  getQuote,
  leadStatuses,
  listContracts,
  listLeads,
  listOpportunities,
  listQuotes,
  opportunityStages,
  salesLimits,
  updateContract,
  updateLead,
  updateOpportunity,
  updateQuote,
  type SalesListFilter,
} from '../../domain/sales/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import { sendCsv } from '../send-csv.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['sales']

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)))
const LeadStatus = literals(leadStatuses)
const Stage = literals(opportunityStages)
const ApprovalStatus = literals(approvalStatuses)
const NullableId = Type.Union([Id, Type.Null()])
const OptionalId = Type.Optional(Type.Union([Type.String(), Type.Null()]))
const Name = Type.String({ minLength: 1, maxLength: salesLimits.name })
const Amount = Type.Number({
  minimum: 0,
  maximum: salesLimits.amount,
  description: 'at most two decimals',
})
/** A confidential amount as shown: a number, or its masked string where a role masks it. */
const AmountShown = Type.Optional(
  Type.Union([Type.Number(), Type.String()], { description: 'absent when hidden from me' }),
)

/** The scope every sales record carries, as shown. */
const ownedJson = {
  id: Type.String(),
  ownerId: OptionalId,
  orgUnitId: OptionalId,
  projectId: OptionalId,
  createdBy: Type.Optional(Type.String({ description: 'a user id or apikey:<id>' })),
  createdAt: Type.Optional(Timestamp),
  updatedAt: Type.Optional(Timestamp),
  maskedFields: Type.Optional(Type.Array(Type.String())),
}
/** The scope a create or an edit may set (each visible to me: 404 on its path otherwise). */
const ownedBody = {
  ownerId: Type.Optional(NullableId),
  orgUnitId: Type.Optional(NullableId),
  projectId: Type.Optional(NullableId),
}
const approvalJson = {
  status: Type.Optional(ApprovalStatus),
  approvedBy: OptionalId,
  approvedAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
}

const LeadJson = Type.Object(
  {
    ...ownedJson,
    name: Type.Optional(Type.String()),
    phone: OptionalId,
    email: OptionalId,
    source: OptionalId,
    status: Type.Optional(LeadStatus),
  },
  { additionalProperties: false },
)
const leadFields = {
  phone: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Null()], {
      description: 'any usual format; stored in E.164',
    }),
  ),
  country: Type.Optional(
    Type.String({ pattern: '^[A-Za-z]{2}$', description: 'the country of a national phone' }),
  ),
  email: Type.Optional(
    Type.Union([Type.String({ minLength: 3, maxLength: salesLimits.email }), Type.Null()]),
  ),
  source: Type.Optional(
    Type.Union([Type.String({ minLength: 1, maxLength: salesLimits.source }), Type.Null()]),
  ),
  status: Type.Optional(LeadStatus),
  ...ownedBody,
}

const OpportunityJson = Type.Object(
  {
    ...ownedJson,
    name: Type.Optional(Type.String()),
    stage: Type.Optional(Stage),
    amount: AmountShown,
    customerId: OptionalId,
  },
  { additionalProperties: false },
)
const opportunityFields = {
  stage: Type.Optional(Stage),
  customerId: Type.Optional(NullableId),
  ...ownedBody,
}

const QuoteJson = Type.Object(
  {
    ...ownedJson,
    ...approvalJson,
    name: Type.Optional(Type.String()),
    amount: AmountShown,
    opportunityId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
)

const ContractJson = Type.Object(
  {
    ...ownedJson,
    ...approvalJson,
    name: Type.Optional(Type.String()),
    amount: AmountShown,
    quoteId: OptionalId,
    opportunityId: OptionalId,
  },
  { additionalProperties: false },
)
const contractFields = {
  quoteId: Type.Optional(NullableId),
  opportunityId: Type.Optional(NullableId),
  ...ownedBody,
}

/** Dates → ISO strings, the rest as projected (absent when hidden, masked strings named). */
function json<T>(item: object): T {
  return Object.fromEntries(
    Object.entries(item).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  ) as T
}

const filters = {
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'part of the name, where readable' }),
  ),
}
const ListQuery = Type.Object({ ...PageQuery, ...filters }, { additionalProperties: false })
const CountQuery = Type.Object(filters, { additionalProperties: false })
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

/** What the routes of one sales type call (its service). */
interface SalesService<Create, Patch> {
  list(ctx: Ctx, filter: SalesListFilter, page: PageRequest): Promise<Page<object>>
  count(ctx: Ctx, filter: SalesListFilter): Promise<number>
  get(ctx: Ctx, id: string): Promise<object>
  create(ctx: Ctx, body: Create): Promise<object>
  update(ctx: Ctx, id: string, body: Patch): Promise<object>
  remove(ctx: Ctx, id: string): Promise<void>
  /** The CSV export of the list (types that have one: `<type>.export`). */
  export?: (ctx: Ctx, filter: SalesListFilter) => Promise<Readable>
}

/**
 * The six routes every sales type has (list with `q` and a cursor, count, get, create, patch,
 * delete), each one call into its service. Records I may not know (another company's, another
 * team's, outside my scope) are 404 like ids never issued; records I may see but not change, 403.
 */
function salesCrud<Create extends TObject, Patch extends TObject>(
  app: App,
  deps: RouteDeps,
  spec: {
    readonly path: string
    readonly label: string
    readonly item: TObject
    readonly create: Create
    readonly patch: Patch
    readonly service: SalesService<Static<Create>, Static<Patch>>
    readonly notes: { readonly list: string; readonly create: string; readonly patch: string }
    /** The export's file name, without `.csv`. */
    readonly file?: string
  },
): void {
  const { path, label, item, service } = spec
  const show = (x: object) => json<Static<TObject>>(x)
  app.get(
    path,
    {
      schema: {
        summary: `The ${label}s I may view (scope applied in the query), one page by id`,
        description: spec.notes.list,
        tags,
        security,
        querystring: ListQuery,
        response: { 200: PageJson(item), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, q } = req.query
      const page = await service.list(deps.ctx(req), { q }, { limit, cursor })
      return { items: page.items.map(show), nextCursor: page.nextCursor }
    },
  )
  app.get(
    `${path}/count`,
    {
      schema: {
        summary: `How many ${label}s the list shows with this search (over all pages)`,
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: Type.Object({ count: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => ({ count: await service.count(deps.ctx(req), req.query) }),
  )
  const exportList = service.export
  if (exportList !== undefined) {
    const type = spec.label
    app.get(
      `${path}/export`,
      {
        schema: {
          summary: `Export the ${label}s I may export, as CSV (streamed)`,
          description:
            `\`${type}.export\` (P2: high-risk, the Admin’s by default) over the same search, ` +
            'scope and masks as the list: a field I may not see exports as an empty cell, a ' +
            'masked one masked. Refusals (403, 400 `reason_required`, 409 `approval_required`, ' +
            '429 `quota_exceeded`) come before any row. Audited before the first row ' +
            `(\`${type}.export.started\`) and at the end with the row count ` +
            `(\`${type}.exported\`). A reason goes in the \`x-tessera-reason\` header.`,
          tags,
          security,
          querystring: CountQuery,
          response: {
            200: {
              description: `CSV (RFC 4180): a header line, then one line per ${label}`,
              content: { 'text/csv': { schema: Type.String() } },
            },
            ...problems(400, 401, 403, 409, 429),
          },
        },
      },
      async (req, reply) =>
        sendCsv(reply, await exportList(deps.ctx(req), req.query), `${spec.file}.csv`),
    )
  }
  app.post(
    path,
    {
      schema: {
        summary: `Create a ${label}`,
        description: spec.notes.create,
        tags,
        security,
        body: spec.create,
        response: { 201: item, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(show(await service.create(deps.ctx(req), req.body as Static<Create>))),
  )
  app.get(
    `${path}/:id`,
    {
      schema: {
        summary: `One ${label}, as I may see it`,
        tags,
        security,
        params: IdParams,
        response: { 200: item, ...problems(400, 401, 404) },
      },
    },
    async (req) => show(await service.get(deps.ctx(req), req.params.id)),
  )
  app.patch(
    `${path}/:id`,
    {
      schema: {
        summary: `Change a ${label}`,
        description: spec.notes.patch,
        tags,
        security,
        params: IdParams,
        body: spec.patch,
        response: { 200: item, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) =>
      show(await service.update(deps.ctx(req), req.params.id, req.body as Static<Patch>)),
  )
  app.delete(
    `${path}/:id`,
    {
      schema: {
        summary: `Delete a ${label} (audited)`,
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404, 409),
      },
    },
    async (req, reply) => {
      await service.remove(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )
}

const strict = { additionalProperties: false } as const
const patchOf = { additionalProperties: false, minProperties: 1 } as const

/** [002] sales: leads, opportunities, quotes, contracts (docs/features.md D, docs/api.md). */
export function salesRoutes(app: App, deps: RouteDeps): void {
  salesCrud(app, deps, {
    path: '/leads',
    label: 'lead',
    item: LeadJson,
    create: Type.Object({ name: Name, ...leadFields }, strict),
    patch: Type.Object({ name: Type.Optional(Name), ...leadFields }, patchOf),
    service: {
      list: listLeads,
      count: countLeads,
      get: getLead,
      create: createLead,
      update: updateLead,
      remove: deleteLead,
      export: exportLeads,
    },
    file: 'leads',
    notes: {
      list: '`lead.view`; `q` searches names, emails and phones (any format) where readable.',
      create:
        '`lead.create` decided on the lead as it would be: mine and in my team unless I name ' +
        'an owner, unit or project (each visible to me, 404 otherwise).',
      patch:
        'The owner needs `lead.assign`, the rest `lead.edit`, on the lead as it is and would be.',
    },
  })
  app.post(
    '/leads/:id/assign',
    {
      schema: {
        summary: 'Assign a lead to a person, who then owns it ([002] marketing → sales)',
        description:
          '`lead.assign` on the lead as it is and as it would be (a delegation otherwise: 403). ' +
          'The assignee must be an active person of my company I may see (404 on ' +
          '`body/ownerId` otherwise). Audited before → after.',
        tags,
        security,
        params: IdParams,
        body: Type.Object({ ownerId: Id }, strict),
        response: { 200: LeadJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req) =>
      json<Static<typeof LeadJson>>(
        await assignLead(deps.ctx(req), req.params.id, req.body.ownerId),
      ),
  )

  app.post(
    '/leads/:id/convert',
    {
      schema: {
        summary: 'Convert a lead into a customer (and, if asked, an opportunity)',
        description:
          'In one transaction: the lead is marked `converted` (`lead.edit` on it: 404 when I may ' +
          'not see it, 403 when I may not edit it); a customer is created from its name, phone, ' +
          'email, owner, unit and project, checked like `POST /customers` (403 when I may not ' +
          'create that customer, or set its name or owner, nothing written; a phone or email I ' +
          'may not set is left off the customer and named in `omitted`); with `opportunity`, ' +
          'an opportunity of that customer, checked like `POST /opportunities`. A lead converted ' +
          'already is 409 (of two conversions at once, one is 201 and the other 409). Audited.',
        tags,
        security,
        params: IdParams,
        body: Type.Object(
          { opportunity: Type.Optional(Type.Object({ name: Name, amount: Amount }, strict)) },
          strict,
        ),
        response: {
          201: Type.Object(
            {
              lead: LeadJson,
              customerId: Type.String(),
              opportunityId: NullableId,
              omitted: Type.Array(Type.Union([Type.Literal('phone'), Type.Literal('email')]), {
                description:
                  "the lead's fields left off the customer: ones I may not set on a new customer",
              }),
            },
            strict,
          ),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req, reply) => {
      const out = await convertLead(deps.ctx(req), req.params.id, req.body)
      return reply.code(201).send({ ...out, lead: json<Static<typeof LeadJson>>(out.lead) })
    },
  )

  salesCrud(app, deps, {
    path: '/opportunities',
    label: 'opportunity',
    item: OpportunityJson,
    create: Type.Object({ name: Name, amount: Amount, ...opportunityFields }, strict),
    patch: Type.Object(
      { name: Type.Optional(Name), amount: Type.Optional(Amount), ...opportunityFields },
      patchOf,
    ),
    service: {
      list: listOpportunities,
      count: countOpportunities,
      get: getOpportunity,
      create: createOpportunity,
      update: updateOpportunity,
      remove: deleteOpportunity,
      export: exportOpportunities,
    },
    file: 'opportunities',
    notes: {
      list: '`opportunity.view` (a rep: the team’s); the amount is confidential (projection).',
      create:
        'Mine and in my team unless I name an owner, unit or project; a customer named must ' +
        'be one I may view (404 on `body/customerId`).',
      patch: '`opportunity.edit` on the opportunity as it is and as it would be.',
    },
  })

  salesCrud(app, deps, {
    path: '/quotes',
    label: 'quote',
    item: QuoteJson,
    create: Type.Object({ name: Name, amount: Amount, opportunityId: Id, ...ownedBody }, strict),
    patch: Type.Object(
      {
        name: Type.Optional(Name),
        amount: Type.Optional(Amount),
        opportunityId: Type.Optional(Id),
        ...ownedBody,
      },
      patchOf,
    ),
    service: {
      list: listQuotes,
      count: countQuotes,
      get: getQuote,
      create: createQuote,
      update: updateQuote,
      remove: deleteQuote,
    },
    notes: {
      list:
        '`quote.view`. Quotes are hidden from service (P4): granted no `quote.view` at all, ' +
        'the list is empty (not 403), the count 0, and every quote and a create 404.',
      create:
        'A draft on an opportunity I may view (404 on `body/opportunityId`), mine and in my ' +
        'team unless I name an owner, unit or project.',
      patch: '`quote.edit` on a draft quote as it is and as it would be; an approved one is 409.',
    },
  })
  approveRoute(app, deps, '/quotes/:id/approve', 'quote', QuoteJson, approveQuote)

  salesCrud(app, deps, {
    path: '/contracts',
    label: 'contract',
    item: ContractJson,
    create: Type.Object({ name: Name, amount: Amount, ...contractFields }, strict),
    patch: Type.Object(
      { name: Type.Optional(Name), amount: Type.Optional(Amount), ...contractFields },
      patchOf,
    ),
    service: {
      list: listContracts,
      count: countContracts,
      get: getContract,
      create: createContract,
      update: updateContract,
      remove: deleteContract,
    },
    notes: {
      list: '`contract.view`; the amount is confidential (projection).',
      create:
        'A draft naming a quote, an opportunity or both (400 with neither; each visible to ' +
        'me, 404 otherwise; the quote of that opportunity), mine and in my team by default.',
      patch:
        '`contract.edit` on a draft contract as it is and as it would be; an approved one is 409.',
    },
  })
  approveRoute(app, deps, '/contracts/:id/approve', 'contract', ContractJson, approveContract)
}

function approveRoute(
  app: App,
  deps: RouteDeps,
  path: string,
  label: string,
  item: TObject,
  approve: (ctx: Ctx, id: string) => Promise<object>,
): void {
  app.post(
    path,
    {
      schema: {
        summary: `Approve a draft ${label} (draft → approved)`,
        description:
          `\`${label}.approve\` on it (the engine decides). The four-eyes rule: nobody approves ` +
          `a ${label} they own or wrote (403 \`own_request\`). Anything but a draft is 409; of ` +
          'two approvals at once one is 200 and the other 409. Audited before → after.',
        tags,
        security,
        params: IdParams,
        response: { 200: item, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => json<Static<TObject>>(await approve(deps.ctx(req), req.params.id)),
  )
}
