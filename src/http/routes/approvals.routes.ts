import { Type, type Static } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import {
  approveRequest,
  cancelRequest,
  createApprovalRequest,
  createTemporaryGrant,
  getApprovalRequest,
  getTemporaryGrant,
  listApprovalRequests,
  listApprovalRoutes,
  listTemporaryGrants,
  MAX_APPROVAL_STEPS,
  MAX_REQUEST_TTL_MINUTES,
  rejectRequest,
  resetApprovalRoute,
  revokeTemporaryGrant,
  setApprovalRoute,
  type ApprovalRequestView,
  type ApprovalRouteConfig,
  type TemporaryGrantView,
} from '../../domain/approvals/index.js'
import type { Action } from '../../authz/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import { contactFields, CustomerName } from '../customer-fields.js'
import type { App, RouteDeps } from '../types.js'

const strict = { additionalProperties: false } as const
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const IdParams = Type.Object({ id: Id }, strict)

const L = Type.Literal

const Reason = Type.String({ minLength: 1, maxLength: 500, description: 'why (audited)' })
const GrantActions = Type.Array(
  Type.String({
    minLength: 3,
    maxLength: 100,
    description: '`resource.action`, from /permissions',
  }),
  { minItems: 1, maxItems: 50 },
)
const GrantResource = Type.Object(
  { type: Type.Union([L('customer'), L('ticket')]), id: Id },
  { ...strict, description: 'one record: the grant reaches it alone' },
)
const GrantScope = Type.Union([L('own'), L('team'), L('subtree'), L('project'), L('company')])
const GrantFields = Type.Record(
  Type.String({ minLength: 1, maxLength: 50 }),
  Type.Union([L('hidden'), L('masked'), L('read'), L('edit')]),
  {
    description: 'field → hidden | masked | read | edit (`*` for every field), as in a role grant',
    maxProperties: 50,
  },
)
const specFields = {
  actions: GrantActions,
  resource: Type.Optional(GrantResource),
  scope: Type.Optional(
    Type.Union([GrantScope], {
      description: 'without `resource`: the data scope (default `own`)',
    }),
  ),
  fields: Type.Optional(GrantFields),
}

const GrantJson = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  actions: Type.Array(Type.String()),
  scope: Type.Union([GrantScope, Type.Object({ record: Type.String() })]),
  resource: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
  fields: Type.Record(Type.String(), Type.String()),
  validFrom: Timestamp,
  validUntil: Timestamp,
  state: Type.Union([L('upcoming'), L('active'), L('ended'), L('revoked')]),
  reason: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  revokedBy: Type.Union([Type.String(), Type.Null()]),
  approvalId: Type.Union([Type.String(), Type.Null()]),
})

function grantJson(g: TemporaryGrantView): Static<typeof GrantJson> {
  return {
    ...g,
    actions: [...g.actions],
    scope: g.scope as Static<typeof GrantJson>['scope'],
    fields: { ...g.fields },
    validFrom: g.validFrom.toISOString(),
    validUntil: g.validUntil.toISOString(),
    createdAt: g.createdAt.toISOString(),
    revokedAt: g.revokedAt?.toISOString() ?? null,
  }
}

const Payload = Type.Object(
  {
    ...specFields,
    durationMinutes: Type.Integer({
      minimum: 1,
      maximum: 43_200,
      description: 'how long the grant lasts once approved (at most 30 days)',
    }),
  },
  { ...strict, description: 'the temporary grant asked for, for the requester' },
)

const Tag = Type.String({ minLength: 1, maxLength: 50 })
const PhoneInput = Type.String({
  minLength: 1,
  maxLength: 40,
  description: 'any format; stored in E.164 (send `country` for a national number)',
})
const CustomerTagsPayload = Type.Object(
  {
    customerId: Id,
    tags: Type.Array(Tag, { maxItems: 20, description: 'the whole list, as in PATCH' }),
  },
  { ...strict, description: "set one customer's tags (`customer.tag` on them)" },
)
const PoolNumbersPayload = Type.Object(
  {
    poolId: Id,
    numbers: Type.Array(PhoneInput, { minItems: 1, maxItems: 20 }),
    country: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z]{2}$',
        description: 'ISO 3166 alpha-2 country of national numbers',
      }),
    ),
  },
  { ...strict, description: 'add numbers to one pool (`numberPool.addNumber` on it)' },
)

const DataSupplementPayload = Type.Object(
  {
    customerId: Id,
    fields: Type.Object(
      { name: Type.Optional(CustomerName), ...contactFields },
      {
        additionalProperties: false,
        minProperties: 1,
        description:
          'the contact fields to set, exactly as `PATCH /customers/{id}` takes them (null ' +
          'clears one; `country` reads a national phone number)',
      },
    ),
  },
  {
    ...strict,
    description:
      "fill in or correct a customer's contact data I may not edit myself (`approval.create`, " +
      'the customer visible to me)',
  },
)
const ScriptChangePayload = Type.Object(
  { scriptId: Id },
  {
    ...strict,
    description:
      'submit this draft script version for publication (`script.edit` on it): it becomes ' +
      'pending, as `POST /scripts/{id}/submit` does',
  },
)

const Route = Type.Union(
  [
    L('lead'),
    L('admin'),
    L('publisher'),
    Type.Unsafe<`role:${string}` | `user:${string}`>({
      type: 'string',
      pattern: '^(role|user):[A-Za-z0-9_-]{1,64}$',
    }),
  ],
  {
    description:
      'who decides a step: `lead` a team lead of `orgUnitId` (or an admin), `admin` a company ' +
      'admin, `publisher` whoever holds `script.approve` on the script (scripts only), ' +
      '`role:<id>` whoever holds that role of the company, `user:<id>` that person alone',
  },
)
const RequestType = Type.Union([
  L('temporaryGrant'),
  L('customerTags'),
  L('poolNumbers'),
  L('dataSupplement'),
  L('scriptChange'),
])

const ApprovalJson = Type.Object({
  id: Type.String(),
  type: RequestType,
  requesterId: Type.String(),
  orgUnitId: Type.Union([Type.String(), Type.Null()], {
    description: 'the requester’s unit when they asked: a `lead` route goes to its team lead',
  }),
  route: Route,
  steps: Type.Array(
    Type.Object({
      route: Route,
      status: Type.Union([L('approved'), L('rejected'), L('pending'), L('waiting'), L('skipped')]),
      decidedBy: Type.Union([Type.String(), Type.Null()]),
      decidedAt: Type.Union([Timestamp, Type.Null()]),
      reason: Type.Union([Type.String(), Type.Null()]),
    }),
    { description: 'W2: every step in order, each decided by a different person' },
  ),
  step: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'the number of the step waiting for a decision; null once closed',
  }),
  payload: Type.Union([
    Type.Object({
      actions: Type.Array(Type.String()),
      resource: Type.Optional(
        Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
      ),
      scope: Type.Optional(Type.String()),
      fields: Type.Optional(Type.Record(Type.String(), Type.String())),
      durationMinutes: Type.Integer(),
    }),
    Type.Object({ customerId: Type.String(), tags: Type.Array(Type.String()) }),
    Type.Object({
      poolId: Type.String(),
      numbers: Type.Array(Type.String({ description: 'E.164' })),
    }),
    Type.Object(
      {
        customerId: Type.String(),
        fields: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])),
        maskedFields: Type.Optional(
          Type.Array(Type.String(), { description: 'the fields whose values are masked for me' }),
        ),
      },
      {
        description:
          'for anyone but the requester, each value as my own `customer.view` rule shows that ' +
          'field of the customer: in clear, masked, or masked whole (hidden from me, or a ' +
          'customer I may not view)',
      },
    ),
    Type.Object({
      scriptId: Type.String(),
      seriesId: Type.String(),
      version: Type.Integer(),
      title: Type.String(),
      submittedAt: Type.Optional(
        Type.String({ description: 'when the version was submitted (approved only as such)' }),
      ),
    }),
  ]),
  reason: Type.String(),
  status: Type.Union([L('pending'), L('approved'), L('rejected'), L('cancelled'), L('expired')]),
  expiresAt: Timestamp,
  createdAt: Timestamp,
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Timestamp, Type.Null()]),
  decisionReason: Type.Union([Type.String(), Type.Null()]),
  grantId: Type.Union([Type.String(), Type.Null()]),
  effect: Type.Union(
    [
      Type.Object({ customerId: Type.String(), tags: Type.Array(Type.String()) }),
      Type.Object({ poolId: Type.String(), numberIds: Type.Array(Type.String()) }),
      Type.Object({ customerId: Type.String(), fields: Type.Array(Type.String()) }),
      Type.Object({
        scriptId: Type.String(),
        status: L('published'),
        archivedIds: Type.Array(Type.String()),
      }),
      Type.Null(),
    ],
    { description: 'what an approved change did (the W3 types); else null' },
  ),
})

export function approvalJson(r: ApprovalRequestView): Static<typeof ApprovalJson> {
  return JSON.parse(
    JSON.stringify({
      ...r,
      steps: r.steps.map((x) => ({ ...x, decidedAt: x.decidedAt?.toISOString() ?? null })),
      expiresAt: r.expiresAt.toISOString(),
      createdAt: r.createdAt.toISOString(),
      decidedAt: r.decidedAt?.toISOString() ?? null,
    }),
  ) as Static<typeof ApprovalJson>
}

/**
 * W3: the answer of a write that opened an approval request instead of being made: `202`, a
 * `Location` to the request, and a body that is not the changed record.
 */
export const PendingApprovalJson = Type.Object(
  {
    applied: Type.Literal(false, { description: 'always false: nothing was changed yet' }),
    detail: Type.String(),
    approvalRequest: ApprovalJson,
  },
  {
    description:
      'Not changed: the change needs approval and waits in the approval request named here ' +
      '(`Location: /api/v1/approvals/{id}`); approving it applies it.',
  },
)

const deciders = {
  lead: 'a team lead of your unit (or a company admin)',
  admin: 'a company admin',
  publisher: 'someone who may publish the script and wrote none of it',
} as const

/** `what`: the sentence saying what is not done yet (default: the change is not made). */
export function sendPending(
  reply: FastifyReply,
  request: ApprovalRequestView,
  what = 'Not changed yet: the change needs approval.',
) {
  const who = request.route.startsWith('role:')
    ? 'someone who holds the role named for this step'
    : request.route.startsWith('user:')
      ? 'the person named for this step'
      : deciders[request.route as keyof typeof deciders]
  const step =
    request.steps.length > 1 ? ` (step ${request.step ?? '?'} of ${request.steps.length})` : ''
  return reply
    .code(202)
    .header('location', `/api/v1/approvals/${request.id}`)
    .send({
      applied: false,
      detail: `${what} Request ${request.id} waits for ${who}${step}.`,
      approvalRequest: approvalJson(request),
    })
}

const asActions = (xs: readonly string[]) => xs as readonly Action[]

const StepNumber = Type.Integer({
  minimum: 1,
  maximum: MAX_APPROVAL_STEPS,
  description: 'the step I decide (1, 2, …): 409 if the request is no longer at it',
})

const RouteConfigJson = Type.Object({
  type: RequestType,
  configured: Type.Boolean({ description: 'false: the default routing' }),
  steps: Type.Union([Type.Array(Route), Type.Null()], {
    description:
      'the ordered steps of new requests; null: the default (one step: by the requester’s ' +
      'level, `publisher` for a script)',
  }),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Timestamp, Type.Null()]),
})

const routeConfigJson = (c: ApprovalRouteConfig): Static<typeof RouteConfigJson> => ({
  ...c,
  steps: c.steps === null ? null : [...c.steps],
  updatedAt: c.updatedAt?.toISOString() ?? null,
})

/** W1–W3: `/approvals` (access requests) and `/grants` (temporary grants). */
export function approvalsRoutes(app: App, deps: RouteDeps): void {
  const tags = ['approvals']
  const asked = {
    reason: Reason,
    expiresInMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REQUEST_TTL_MINUTES })),
  }

  app.post(
    '/approvals',
    {
      schema: {
        summary: 'Ask: a temporary grant for myself, or a change that needs approval',
        description:
          '`temporaryGrant` needs `approval.create`; a grant on one record needs that record ' +
          'visible to me (404 otherwise). `customerTags` (one customer’s whole list of tags) ' +
          'and `poolNumbers` (numbers for one pool) need the action itself on the record ' +
          '(`customer.tag`, `numberPool.addNumber`: the rule that sends it to approval is what ' +
          'lets me ask) and are checked as the direct write: 400 for bad tags or numbers, 404 ' +
          'for a record I may not view, 409 for a number in the pool already. ' +
          '`dataSupplement` (contact fields of a customer I may see, validated as PATCH does) ' +
          'needs `approval.create`; `scriptChange` submits a draft script (`script.edit`). ' +
          '`PATCH /customers/{id}` and `POST /number-pools/{id}/numbers` open these for me ' +
          'when they need approval (202). Routed by my level: an agent’s request to the team ' +
          'lead of my org unit (to a company admin when it has no other active lead), a lead’s ' +
          'or admin’s to a company admin, a script to whoever may publish it — unless the ' +
          'company configured several steps for the type (`/approval-routes`). Undecided, it ' +
          'expires after `expiresInMinutes` ' +
          '(default 24 hours). Audited (`approval.requested`).',
        tags,
        security,
        body: Type.Union([
          Type.Object({ type: L('temporaryGrant'), payload: Payload, ...asked }, strict),
          Type.Object({ type: L('customerTags'), payload: CustomerTagsPayload, ...asked }, strict),
          Type.Object({ type: L('poolNumbers'), payload: PoolNumbersPayload, ...asked }, strict),
          Type.Object(
            { type: L('dataSupplement'), payload: DataSupplementPayload, ...asked },
            strict,
          ),
          Type.Object({ type: L('scriptChange'), payload: ScriptChangePayload, ...asked }, strict),
        ]),
        response: { 201: ApprovalJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const body = req.body
      const created = await createApprovalRequest(
        deps.ctx(req),
        body.type === 'temporaryGrant'
          ? { ...body, payload: { ...body.payload, actions: asActions(body.payload.actions) } }
          : body,
      )
      return reply.code(201).send(approvalJson(created))
    },
  )

  app.get(
    '/approvals',
    {
      schema: {
        summary: 'My requests (`view=mine`) or those I may decide now (`view=to-decide`)',
        description:
          '`to-decide`: pending, unexpired requests routed to me (a lead: their team’s agents’; ' +
          'an admin: every one), not my own, that `approval.approve` lets me decide.',
        tags,
        security,
        querystring: Type.Object(
          { view: Type.Optional(Type.Union([L('mine'), L('to-decide')])), ...PageQuery },
          strict,
        ),
        response: { 200: PageJson(ApprovalJson), ...problems(400, 401) },
      },
    },
    async (req) => {
      const page = await listApprovalRequests(deps.ctx(req), {
        view: req.query.view ?? 'mine',
        limit: req.query.limit ?? 50,
        cursor: req.query.cursor,
      })
      return { items: page.items.map(approvalJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/approvals/:id',
    {
      schema: {
        summary: 'One request: its requester, its approvers, or `approval.view` on it',
        tags,
        security,
        params: IdParams,
        response: { 200: ApprovalJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => approvalJson(await getApprovalRequest(deps.ctx(req), req.params.id)),
  )

  const decision = (verb: 'approve' | 'reject') =>
    verb === 'approve'
      ? 'Approve the current step. Before the last step the request moves on to the next ' +
        '(decided by someone else). At the last: the temporary grant is created, or the change ' +
        'applied as me (`effect` says ' +
        'what it did; my own per-day limit, if my rule has one, is spent: 429), in the same ' +
        'transaction, exactly once (a second approval, even at the same moment on another ' +
        'server, is 409). '
      : 'Reject at any step, with a reason (kept on the request); nothing is granted or ' +
        'changed (a submitted script goes back to a draft). '

  const refusals =
    'Send `step` (the step I decide, as I saw it) to get 409 rather than decide a later step ' +
    'when someone decided it meanwhile. ' +
    '403 `own_request` for my own request (or a script I wrote), `not_approver` when it is ' +
    'routed to someone else or I decided another step of it, ' +
    '`cannot_grant` when I do not hold what it asks for (for that person, on that record) or ' +
    'could not make the change myself without an approval, `forbidden` without ' +
    '`approval.approve`/`reject` on it; 409 when it is no longer pending (decided, cancelled ' +
    'or expired), or its change cannot be made any more (the record deleted, a number in the ' +
    'pool already). Audited before → after.'

  app.post(
    '/approvals/:id/approve',
    {
      // the body is optional: no body at all is an approval without a note
      preValidation: async (req) => {
        req.body ??= {}
      },
      schema: {
        summary: 'Approve a request routed to me',
        description: decision('approve') + refusals,
        tags,
        security,
        params: IdParams,
        body: Type.Object(
          { reason: Type.Optional(Reason), step: Type.Optional(StepNumber) },
          strict,
        ),
        response: { 200: ApprovalJson, ...problems(400, 401, 403, 404, 409, 429) },
      },
    },
    async (req) => approvalJson(await approveRequest(deps.ctx(req), req.params.id, req.body)),
  )

  app.post(
    '/approvals/:id/reject',
    {
      schema: {
        summary: 'Reject a request routed to me, with a reason',
        description: decision('reject') + refusals,
        tags,
        security,
        params: IdParams,
        body: Type.Object({ reason: Reason, step: Type.Optional(StepNumber) }, strict),
        response: { 200: ApprovalJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => approvalJson(await rejectRequest(deps.ctx(req), req.params.id, req.body)),
  )

  app.post(
    '/approvals/:id/cancel',
    {
      schema: {
        summary: 'Withdraw my pending request',
        description: 'Only the requester; 409 once it is no longer pending. Audited.',
        tags,
        security,
        params: IdParams,
        response: { 200: ApprovalJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => approvalJson(await cancelRequest(deps.ctx(req), req.params.id)),
  )

  const TypeParams = Type.Object({ type: RequestType }, strict)

  app.get(
    '/approval-routes',
    {
      schema: {
        summary: 'W2: the approval steps of every request type (admins)',
        description:
          'Needs `securitySettings.view`. A type not configured has the default routing: one ' +
          'step, by the requester’s level (`publisher` for a script).',
        tags,
        security,
        response: {
          200: Type.Object({ items: Type.Array(RouteConfigJson) }),
          ...problems(401, 403),
        },
      },
    },
    async (req) => ({ items: (await listApprovalRoutes(deps.ctx(req))).map(routeConfigJson) }),
  )

  app.put(
    '/approval-routes/:type',
    {
      schema: {
        summary: 'W2: set the ordered approval steps of one request type (admins, audited)',
        description:
          'Needs `securitySettings.edit`. 1 to 5 steps, each `lead` (a team lead of the ' +
          'requester’s unit; a company admin when the requester is a lead or admin or the unit ' +
          'has no other lead), `admin`, for `scriptChange` only `publisher`, or `role:<id>` / ' +
          '`user:<id>`: only the holders of that role of the company, or that person, decide ' +
          'the step (another company’s or an unknown id: 404). Each step is ' +
          'decided by a different person, never the requester; the change applies at the last ' +
          'approval; a rejection at any step ends the request. Requests already made keep ' +
          'their steps. Audited (`approvalRoute.updated`, before → after).',
        tags,
        security,
        params: TypeParams,
        body: Type.Object(
          { steps: Type.Array(Route, { minItems: 1, maxItems: MAX_APPROVAL_STEPS }) },
          strict,
        ),
        response: { 200: RouteConfigJson, ...problems(400, 401, 403) },
      },
    },
    async (req) =>
      routeConfigJson(await setApprovalRoute(deps.ctx(req), req.params.type, req.body.steps)),
  )

  app.delete(
    '/approval-routes/:type',
    {
      schema: {
        summary: 'W2: back to the default routing for one request type (admins, audited)',
        description: 'Needs `securitySettings.edit`; 404 when the type has the default already.',
        tags,
        security,
        params: TypeParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await resetApprovalRoute(deps.ctx(req), req.params.type)
      return reply.code(204).send()
    },
  )

  const grantTags = ['grants']
  const GrantListQuery = Type.Object(
    {
      userId: Type.Optional(Id),
      state: Type.Optional(Type.Union([L('current'), L('all')])),
      ...PageQuery,
    },
    strict,
  )

  app.get(
    '/grants',
    {
      schema: {
        summary: 'Temporary grants I may see (mine; my team’s with `grant.view`)',
        description:
          '`state=current` (default): not ended nor revoked, upcoming ones included; `all`: the ' +
          'history too. Each grant’s `state` is read from the clock at this request.',
        tags: grantTags,
        security,
        querystring: GrantListQuery,
        response: { 200: PageJson(GrantJson), ...problems(400, 401, 404) },
      },
    },
    async (req) => {
      const page = await listTemporaryGrants(deps.ctx(req), {
        userId: req.query.userId,
        state: req.query.state,
        limit: req.query.limit ?? 50,
        cursor: req.query.cursor,
      })
      return { items: page.items.map(grantJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/users/:id/grants',
    {
      schema: {
        summary: 'A person’s temporary grants (404 for a person I may not view)',
        tags: grantTags,
        security,
        params: IdParams,
        querystring: Type.Object({ state: GrantListQuery.properties.state, ...PageQuery }, strict),
        response: { 200: PageJson(GrantJson), ...problems(400, 401, 404) },
      },
    },
    async (req) => {
      const page = await listTemporaryGrants(
        deps.ctx(req),
        {
          userId: req.params.id,
          state: req.query.state,
          limit: req.query.limit ?? 50,
          cursor: req.query.cursor,
        },
        'params/id',
      )
      return { items: page.items.map(grantJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/grants/:id',
    {
      schema: {
        summary: 'One temporary grant',
        tags: grantTags,
        security,
        params: IdParams,
        response: { 200: GrantJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => grantJson(await getTemporaryGrant(deps.ctx(req), req.params.id)),
  )

  app.post(
    '/grants',
    {
      schema: {
        summary: 'Give a temporary grant directly (a lead to their own team)',
        description:
          '`grant.create` on the person, and everything given must be mine to give to them ' +
          '(403 `cannot_grant` naming each action and why): the actions, on that record or ' +
          'scope, fields no more revealing than mine. In force from `startsAt` (default now) ' +
          'until `endsAt` (at most 30 days), ended by the clock; every use of it is audited. ' +
          'Audited (`grant.created`).',
        tags: grantTags,
        security,
        body: Type.Object(
          {
            userId: Id,
            ...specFields,
            startsAt: Type.Optional(Timestamp),
            endsAt: Timestamp,
            reason: Reason,
          },
          strict,
        ),
        response: { 201: GrantJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { startsAt, endsAt, ...rest } = req.body
      const created = await createTemporaryGrant(deps.ctx(req), {
        ...rest,
        actions: asActions(rest.actions),
        startsAt: startsAt === undefined ? undefined : new Date(startsAt),
        endsAt: new Date(endsAt),
      })
      return reply.code(201).send(grantJson(created))
    },
  )

  app.delete(
    '/grants/:id',
    {
      schema: {
        summary: 'Revoke a temporary grant now',
        description:
          '`grant.revoke` on it and the power to give it (the holder may always give theirs up); ' +
          '409 once it has ended or been revoked. Audited before → after.',
        tags: grantTags,
        security,
        params: IdParams,
        response: { 200: GrantJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => grantJson(await revokeTemporaryGrant(deps.ctx(req), req.params.id)),
  )
}
