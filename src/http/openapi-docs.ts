import { errorCodes, type ErrorCode } from '../errors.js'

// What /api/docs teaches beyond the route schemas: a name for every response, problem+json for
// every error, and real examples (actions, resource attributes, conditions) instead of the
// placeholders swagger-ui makes up ("string", additionalProp1). Applied once to the generated
// document (installOpenApi's transformObject), so every route gets it, present and future.

type Json = Record<string, unknown>

/** The codes each error status can carry (src/errors.ts), for its description. */
function codesOf(status: number): string {
  return (Object.entries(errorCodes) as [ErrorCode, { status: number }][])
    .filter(([, def]) => def.status === status)
    .map(([code]) => `\`${code}\``)
    .join(', ')
}

const success: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted',
  '204': 'Done; no body',
}

const problem: Record<string, string> = {
  '400': 'The request is not valid: `errors` names each field (`body/…`, `querystring/…`)',
  '401': 'Not logged in, or the session or API key is no longer valid',
  '403': 'You may know this exists, but may not do this to it',
  '404':
    'It does not exist, or you may not know it exists (another company, project or data scope): the same answer',
  '409': 'It conflicts with the current state (a name taken, the last Admin, an approval needed)',
  '413': 'The request body is too large',
  '415': 'Send JSON (application/json, UTF-8)',
  '423': 'The account is locked after repeated failed logins',
  '429': 'Too many: wait the `Retry-After` seconds and try again',
  '500': 'Internal error (logged with the request id)',
}

/** The description of a response: the route's own, else one for its status. */
export function describeStatus(status: string): string {
  const own = success[status] ?? problem[status]
  if (own === undefined) return `HTTP ${status}`
  const codes = problem[status] === undefined ? '' : codesOf(Number(status))
  return codes === '' ? own : `${own}. Codes: ${codes}`
}

function exampleProblem(status: number): Json {
  const [code, def] = (
    Object.entries(errorCodes) as [ErrorCode, { status: number; title: string }][]
  ).find(([, d]) => d.status === status) ?? ['internal', errorCodes.internal]
  const details: Partial<Record<ErrorCode, string>> = {
    validation_failed: 'the request is not valid',
    not_authenticated: 'log in first',
    forbidden: 'not allowed: role.edit',
    not_found: 'no such user',
    conflict: 'a role named "Ticket desk" exists',
    rate_limited: 'too many login attempts; wait a minute',
  }
  return {
    type: `urn:tessera:problem:${code}`,
    title: def.title,
    status,
    detail: details[code] ?? def.title,
    code,
    ...(code === 'validation_failed' && {
      errors: [{ path: 'body/grants/0/actions/0', message: 'unknown action "ticket.fly"' }],
    }),
  }
}

// Examples ---------------------------------------------------------------------------------------

const teamA = 'c0ffee00-0000-4000-8000-00000000000a'
const userBo = 'c0ffee00-0000-4000-8000-0000000000b0'
const roleId = 'c0ffee00-0000-4000-8000-000000000001'
const customerWang = 'c0ffee00-0000-4000-8000-00000000c001'
const userLee = 'c0ffee00-0000-4000-8000-0000000000e0'
const grantId = 'c0ffee00-0000-4000-8000-00000000a001'
/** An org unit as the API shows it, with its stable key (P3, migration 0054). */
const orgUnitExample = {
  id: teamA,
  companyId: 'c0ffee00-0000-4000-8000-00000000c0c0',
  parentId: null,
  kind: 'team',
  name: 'Team A',
  key: 'team-a',
  createdAt: '2026-11-23T09:30:00.000Z',
}
/** An access request as the API shows it (W1): a senior agent asks for one customer's record. */
const approvalExample = {
  id: 'c0ffee00-0000-4000-8000-00000000a401',
  type: 'temporaryGrant',
  requesterId: userBo,
  orgUnitId: teamA,
  route: 'lead',
  steps: [{ route: 'lead', status: 'pending', decidedBy: null, decidedAt: null, reason: null }],
  step: 1,
  payload: {
    actions: ['customer.view'],
    resource: { type: 'customer', id: customerWang },
    fields: { idNumber: 'read', phone: 'read' },
    durationMinutes: 120,
  },
  reason: 'Dispute #4411: the caller disputes a refund; I need to confirm their ID number',
  status: 'pending',
  expiresAt: '2026-11-24T09:30:00.000Z',
  createdAt: '2026-11-23T09:30:00.000Z',
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
  grantId: null,
  effect: null,
}

/** W3: a write that needed approval and opened a request instead (202). */
const pendingExample = (type: string, payload: Json) => ({
  applied: false,
  detail:
    'Not changed yet: the change needs approval. Request c0ffee00-0000-4000-8000-00000000a402 ' +
    'waits for a company admin.',
  approvalRequest: {
    ...approvalExample,
    id: 'c0ffee00-0000-4000-8000-00000000a402',
    type,
    route: 'admin',
    payload,
    reason: 'campaign day',
  },
})

/** A condition: the ticket is not closed and its priority is at most 3 (docs/conditions.md). */
const openLowPriority = {
  and: [{ ne: [{ ref: 'resource.status' }, 'closed'] }, { lte: [{ ref: 'resource.priority' }, 3] }],
}

const ticketDeskGrants = [
  {
    actions: ['ticket.view', 'ticket.edit', 'ticket.reply'],
    scope: 'team',
    when: openLowPriority,
    fields: { customerLevel: 'hidden', faultCode: 'read' },
  },
  { actions: ['customer.view'], scope: 'team', fields: { idNumber: 'masked' } },
  { actions: ['customer.export'], scope: 'team', reasonRequired: true, limits: { perDay: 5 } },
]

const question = {
  subject: { userId: userBo },
  action: 'ticket.edit',
  resource: {
    type: 'ticket',
    id: 't-1042',
    attrs: { orgUnitId: teamA, status: 'open', priority: 2, assigneeId: userBo },
  },
}

const decision = {
  allowed: true,
  reason: 'granted',
  matched: [{ kind: 'role', id: roleId, index: 0, label: 'Ticket desk' }],
  obligations: {
    fields: { customerLevel: 'hidden', faultCode: 'read' },
    audit: false,
    reasonRequired: false,
    approvalRequired: false,
  },
}

/** Request and response examples by `METHOD /path` as the document names them. */
export const operationExamples: Record<string, { request?: unknown; responses?: Json }> = {
  'POST /api/v1/signup': {
    request: {
      companyName: 'Acme Support',
      name: 'Ann',
      email: 'ann@acme.test',
      password: 'Correct-Horse-42',
      timezone: 'Asia/Shanghai',
    },
  },
  'POST /api/v1/auth/login': {
    request: { company: 'acme-support', email: 'ann@acme.test', password: 'Correct-Horse-42' },
  },
  'POST /api/v1/auth/mfa/confirm': { request: { code: '492039' } },
  'POST /api/v1/auth/mfa/disable': { request: { code: '492039' } },
  'POST /api/v1/auth/mfa/recovery-codes': { request: { code: '492039' } },
  'POST /api/v1/users': {
    request: {
      email: 'bo@acme.test',
      name: 'Bo',
      password: 'Correct-Horse-43',
      position: 'novice-agent',
      orgUnitId: teamA,
    },
  },
  'PATCH /api/v1/users/{id}': { request: { position: 'senior-agent', level: 'senior' } },
  'POST /api/v1/positions': {
    request: {
      name: 'Night agent',
      description: 'Agents of the night shift',
      roleIds: [roleId],
      groupIds: [],
    },
  },
  'PATCH /api/v1/positions/{id}': { request: { description: 'Agents of the night shift (22–06)' } },
  'POST /api/v1/users/{id}/offboard': {
    request: { successorId: userBo, reason: 'left the company on 2026-12-03' },
    responses: {
      '200': {
        user: { id: '7d1c9a52-0b7e-4f0c-9a43-2f5c1e7b8a10', status: 'offboarded' },
        successorId: userBo,
        revoked: { sessions: 2, apiKeys: 1, grants: 1, groups: 1, requests: 1 },
        handedOver: { customers: 14, tickets: 3 },
      },
    },
  },
  'POST /api/v1/sessions/revoke': {
    request: { roleId },
    responses: { '200': { users: 12, revoked: 17 } },
  },
  'GET /api/v1/org-units': {
    responses: { '200': { items: [orgUnitExample], nextCursor: null } },
  },
  'GET /api/v1/org-units/{id}': { responses: { '200': orgUnitExample } },
  'POST /api/v1/org-units': {
    request: { parentId: null, kind: 'team', name: 'Team A', key: 'team-a' },
    responses: { '201': orgUnitExample },
  },
  'PATCH /api/v1/org-units/{id}': {
    request: { name: 'Team A (day shift)', key: 'team-a-day' },
    responses: { '200': { ...orgUnitExample, name: 'Team A (day shift)', key: 'team-a-day' } },
  },
  'POST /api/v1/projects': {
    request: { name: 'Bank hotline', description: 'inbound support for the bank client' },
  },
  'POST /api/v1/roles': {
    request: {
      name: 'Ticket desk',
      description: "Works the team's open tickets of priority 1-3",
      grants: ticketDeskGrants,
    },
  },
  'PATCH /api/v1/roles/{id}': { request: { grants: ticketDeskGrants } },
  'POST /api/v1/roles/{id}/impact': { request: { grants: ticketDeskGrants } },
  'POST /api/v1/roles/{id}/clone': { request: { name: 'Ticket desk (night)' } },
  'POST /api/v1/roles/{id}/assignments': { request: { userIds: [userBo] } },
  'PUT /api/v1/users/{id}/roles': { request: { roleIds: [roleId] } },
  'POST /api/v1/previews': { request: { roleId, minutes: 30 } },
  'PUT /api/v1/users/{id}/groups': { request: { groupIds: [] } },
  'POST /api/v1/permission-groups': {
    request: {
      name: 'VIP desk',
      description: 'Sees the customer level on tickets',
      grants: [{ actions: ['ticket.view'], scope: 'team', fields: { customerLevel: 'read' } }],
    },
  },
  'PATCH /api/v1/permission-groups/{id}': { request: { description: 'VIP customers only' } },
  'PUT /api/v1/sections/{section}/roles': { request: { roleIds: [roleId] } },
  'POST /api/v1/api-keys': {
    request: { name: 'CRM sync', roleId, expiresAt: '2027-01-01T00:00:00.000Z' },
  },
  'POST /api/v1/customers': {
    request: {
      name: 'Wang Fang',
      phone: '138 0013 8000',
      country: 'CN',
      email: 'wang.fang@example.cn',
      idNumber: '110101199003074518',
      level: 'vip',
      tags: ['broadband', 'complaint'],
    },
  },
  'PATCH /api/v1/customers/{id}': {
    request: { level: 'gold', tags: ['broadband'] },
    responses: {
      '202': pendingExample('customerTags', { customerId: customerWang, tags: ['broadband'] }),
    },
  },
  'POST /api/v1/customers/{id}/complaints': {
    request: { summary: 'Router replaced twice in a month; the customer asks for compensation' },
  },
  'POST /api/v1/customers/{id}/orders': {
    request: {
      orderNo: 'A-1001',
      amountMinor: 129900,
      currency: 'CNY',
      status: 'paid',
      orderedAt: '2026-11-20T08:00:00.000Z',
    },
  },
  'POST /api/v1/customers/{id}/unmask': {
    request: { field: 'idNumber', reason: 'ticket 4711: the customer disputes a charge' },
  },
  'POST /api/v1/tickets': {
    request: {
      title: 'Broadband drops every evening',
      description: 'Since Monday, 19:00 to 22:00; the router was restarted twice.',
      category: 'network',
      priority: 3,
    },
  },
  'PATCH /api/v1/tickets/{id}': { request: { priority: 4, category: 'network' } },
  'POST /api/v1/tickets/{id}/status': { request: { status: 'escalated' } },
  'POST /api/v1/tickets/{id}/replies': {
    request: { body: 'We reset the line card; please test again tonight.' },
  },
  'POST /api/v1/tickets/{id}/return-visits': {
    request: { body: 'Called back: the line is stable since the fix; the customer is satisfied.' },
  },
  'POST /api/v1/tickets/{id}/watchers': {
    request: { orgUnitId: '3f1c9a2e-8b7d-4c6e-9f0a-1b2c3d4e5f60' },
  },
  'POST /api/v1/tickets/{id}/shares': {
    request: {
      orgUnitId: teamA,
      fields: ['title', 'status', 'priority'],
      until: '2026-11-30T18:00:00.000Z',
    },
  },
  'POST /api/v1/customers/{id}/shares': {
    request: { orgUnitId: teamA, fields: ['name', 'phone', 'orderHistory'] },
  },
  'POST /api/v1/tickets/bulk': {
    request: {
      action: 'assign',
      ids: ['5b0e7a52-3f8e-4c1e-9a51-0c3d2f6b1e11', '9d2c4f10-7a6b-4e3d-8c21-4b5a6f7e8d90'],
      assigneeId: null,
    },
  },
  'POST /api/v1/number-pools': {
    request: { name: 'Broadband win-back, team A', orgUnitId: teamA },
  },
  'PATCH /api/v1/number-pools/{id}': { request: { name: 'Broadband win-back' } },
  'POST /api/v1/number-pools/{id}/numbers': {
    request: { phone: '138 0013 8000', country: 'CN' },
    responses: {
      '202': pendingExample('poolNumbers', {
        poolId: 'c0ffee00-0000-4000-8000-00000000b001',
        numbers: ['+8613800138000'],
      }),
    },
  },
  'POST /api/v1/blacklist': {
    request: { phone: '+7 912 345-67-89', reason: 'asked not to be called again (complaint 311)' },
  },
  'POST /api/v1/calls': { request: { phone: '138 0013 8000', country: 'CN' } },
  'PUT /api/v1/calls/{id}/notes': {
    request: { notes: 'Asked for a callback on Friday after 18:00; interested in the 300M plan.' },
  },
  'POST /api/v1/chats': {
    request: {
      channel: 'wechat',
      phone: '138 0013 8000',
      country: 'CN',
      message: '您好，我的宽带从昨天开始就断了',
    },
  },
  'POST /api/v1/chats/{id}/messages': {
    request: { body: 'Sorry to hear that: I am checking the line in your area now.' },
  },
  'PUT /api/v1/chats/{id}/notes': {
    request: { notes: 'Broadband down since yesterday; engineer visit offered for Thursday.' },
  },
  'POST /api/v1/qa/scorecards': {
    request: {
      name: 'Inbound service call',
      criteria: [
        { key: 'greeting', label: 'Greets and names the company', weight: 1, max: 5 },
        {
          key: 'verification',
          label: 'Verifies the caller before account details',
          weight: 3,
          max: 5,
        },
        { key: 'resolution', label: 'Resolves or escalates correctly', weight: 4, max: 10 },
      ],
    },
  },
  'PATCH /api/v1/qa/scorecards/{id}': {
    request: {
      name: 'Inbound service call (2027)',
      criteria: [
        { key: 'greeting', label: 'Greets and names the company', weight: 1, max: 5 },
        { key: 'verification', label: 'Verifies the caller first', weight: 4, max: 5 },
        { key: 'resolution', label: 'Resolves or escalates correctly', weight: 4, max: 10 },
        { key: 'closing', label: 'Offers further help', weight: 1, max: 5 },
      ],
    },
  },
  'POST /api/v1/qa/evaluations': {
    request: {
      callId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      scorecardId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      scores: { greeting: 5, verification: 4, resolution: 8 },
      comments: 'Verified the caller well; offered the callback late.',
    },
  },
  'PATCH /api/v1/qa/evaluations/{id}': {
    request: { comments: 'Reviewed with the agent on Friday.' },
  },
  'POST /api/v1/scripts': {
    request: {
      title: 'Inbound greeting',
      body: 'Good morning, this is Acme support, my name is {agent}. How may I help you?',
      projectId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    },
  },
  'PATCH /api/v1/scripts/{id}': {
    request: { body: 'Good morning, Acme support, {agent} speaking. How can I help?' },
  },
  'POST /api/v1/ivr-menus': {
    request: {
      name: 'Main line',
      projectId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      options: [
        { digit: '1', label: 'Sales', action: 'queue', queue: 'sales' },
        {
          digit: '2',
          label: 'Support',
          action: 'submenu',
          options: [
            { digit: '1', label: 'Internet', action: 'queue', queue: 'support-internet' },
            { digit: '#', label: 'Goodbye', action: 'hangup' },
          ],
        },
        { digit: '0', label: 'Opening hours', action: 'message', message: 'We are open 8 to 20.' },
      ],
    },
  },
  'PATCH /api/v1/ivr-menus/{id}': { request: { name: 'Main line (weekdays)' } },
  'POST /api/v1/shifts': {
    request: {
      userId: userBo,
      kind: 'work',
      startsAt: '2026-12-07T08:00:00.000Z',
      endsAt: '2026-12-07T16:00:00.000Z',
      note: 'Early cover for the Monday peak',
    },
  },
  'PATCH /api/v1/shifts/{id}': { request: { endsAt: '2026-12-07T15:30:00.000Z' } },
  'PUT /api/v1/settings/finance': {
    request: { currency: 'EUR', refundApprovalThreshold: 50000 },
  },
  'PUT /api/v1/settings/kpi': {
    request: { satisfactionTarget: 92.5, handleTimeTargetSec: 300, connectRateTarget: 40 },
  },
  'PUT /api/v1/settings/security': {
    request: {
      loginRestrictions: {
        hours: { start: '07:00', end: '21:00', days: [1, 2, 3, 4, 5, 6] },
        ipRanges: ['10.20.0.0/16', '2001:db8::/32'],
      },
    },
  },
  'POST /api/v1/leads': {
    request: {
      name: 'Zhou Min',
      phone: '+86 138-1234-5678',
      email: 'zhou.min@example.com',
      source: 'trade fair',
    },
  },
  'PATCH /api/v1/leads/{id}': { request: { status: 'contacted' } },
  'POST /api/v1/leads/{id}/assign': {
    request: { ownerId: '9b2f0c1e-4d5a-4e8b-9c71-3f2a6d8e1b04' },
  },
  'POST /api/v1/leads/{id}/convert': {
    request: { opportunity: { name: 'Zhou Min: first order', amount: 8000 } },
  },
  'POST /api/v1/opportunities': {
    request: { name: 'Zhou Min: 40 seats', amount: 120000.5, stage: 'qualification' },
  },
  'PATCH /api/v1/opportunities/{id}': { request: { stage: 'proposal' } },
  'POST /api/v1/quotes': {
    request: {
      name: '40 seats, 3 years',
      amount: 110000,
      opportunityId: '3d6f4c2a-8e1b-4f7a-a5c9-0b2e7d1f6a83',
    },
  },
  'PATCH /api/v1/quotes/{id}': { request: { amount: 105000 } },
  'POST /api/v1/contracts': {
    request: {
      name: 'Zhou Min: 40 seats',
      amount: 105000,
      quoteId: '5a7c9e1b-2d4f-4a6b-8c0e-1f3a5b7d9e02',
    },
  },
  'PATCH /api/v1/contracts/{id}': { request: { name: 'Zhou Min: 40 seats, signed copy' } },
  'POST /api/v1/queues': {
    request: {
      projectId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      name: 'Renewals inbound',
      strategy: 'longest-idle',
      memberIds: [userBo, userLee],
    },
  },
  'PATCH /api/v1/queues/{id}': { request: { strategy: 'round-robin' } },
  'POST /api/v1/dialers': {
    request: {
      projectId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      name: 'Renewals dialer',
      mode: 'progressive',
    },
  },
  'PATCH /api/v1/dialers/{id}': { request: { mode: 'preview' } },
  'POST /api/v1/campaigns': {
    request: {
      projectId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      name: 'Spring renewals',
      queueId: 'c0ffee00-0000-4000-8000-00000000d001',
      dialerId: 'c0ffee00-0000-4000-8000-00000000d002',
    },
  },
  'PATCH /api/v1/campaigns/{id}': { request: { name: 'Spring renewals, second wave' } },
  'POST /api/v1/campaigns/{id}/contacts': { request: { customerIds: [customerWang] } },
  'POST /api/v1/campaigns/{id}/dial': { request: { limit: 20 } },
  'POST /api/v1/queues/{id}/inbound': { request: { phone: '+86 139 0000 0001' } },
  'POST /api/v1/approvals': {
    request: {
      type: 'temporaryGrant',
      payload: {
        actions: ['customer.view'],
        resource: { type: 'customer', id: customerWang },
        fields: { idNumber: 'read', phone: 'read' },
        durationMinutes: 120,
      },
      reason: 'Dispute #4411: the caller disputes a refund; I need to confirm their ID number',
    },
    responses: { '201': approvalExample },
  },
  'POST /api/v1/approvals/{id}/approve': {
    request: { reason: 'Checked the ticket: go ahead' },
    responses: {
      '200': {
        ...approvalExample,
        status: 'approved',
        steps: [
          {
            route: 'lead',
            status: 'approved',
            decidedBy: userLee,
            decidedAt: '2026-11-23T09:42:00.000Z',
            reason: 'Checked the ticket: go ahead',
          },
        ],
        step: null,
        decidedBy: userLee,
        decidedAt: '2026-11-23T09:42:00.000Z',
        decisionReason: 'Checked the ticket: go ahead',
        grantId,
      },
    },
  },
  'PUT /api/v1/approval-routes/{type}': {
    request: { steps: ['lead', 'admin'] },
    responses: {
      '200': {
        type: 'dataSupplement',
        configured: true,
        steps: ['lead', 'admin'],
        updatedBy: userLee,
        updatedAt: '2026-11-23T09:30:00.000Z',
      },
    },
  },
  'POST /api/v1/approvals/{id}/reject': {
    request: { reason: 'The last four digits are enough to confirm the caller' },
  },
  'POST /api/v1/grants': {
    request: {
      userId: userBo,
      actions: ['customer.view'],
      resource: { type: 'customer', id: customerWang },
      fields: { idNumber: 'read' },
      endsAt: '2026-11-23T18:00:00.000Z',
      reason: 'Dispute #4411, until the end of the shift',
    },
    responses: {
      '201': {
        id: grantId,
        userId: userBo,
        actions: ['customer.view'],
        scope: { record: customerWang },
        resource: { type: 'customer', id: customerWang },
        fields: { idNumber: 'read' },
        validFrom: '2026-11-23T09:42:00.000Z',
        validUntil: '2026-11-23T18:00:00.000Z',
        state: 'active',
        reason: 'Dispute #4411, until the end of the shift',
        createdBy: userLee,
        createdAt: '2026-11-23T09:42:00.000Z',
        revokedAt: null,
        revokedBy: null,
        approvalId: null,
      },
    },
  },
  'POST /api/v1/authz/check': { request: question, responses: { '200': decision } },
  'POST /api/v1/authz/explain': {
    request: {
      ...question,
      resource: { ...question.resource, attrs: { ...question.resource.attrs, status: 'closed' } },
    },
    responses: {
      '200': {
        allowed: false,
        reason: 'condition_not_met',
        action: 'ticket.edit',
        matched: [],
        obligations: { fields: {}, audit: false, reasonRequired: false, approvalRequired: false },
        trace: [
          {
            rule: { kind: 'role', id: roleId, index: 0, label: 'Ticket desk' },
            effect: 'allow',
            outcome: 'condition_not_met',
          },
        ],
      },
    },
  },
}

/** Examples of the shared policy components (policy-schemas.ts), by their $id. */
const componentExamples: Record<string, unknown> = {
  Grant: ticketDeskGrants[0],
  Condition: openLowPriority,
  FieldRules: { idNumber: 'masked', customerLevel: 'hidden', faultCode: 'read' },
  Limits: { perDay: 5, concurrent: 2 },
  Scope: 'team',
  RoleRestriction: {
    id: 'no-customers-after-18',
    actions: ['customer.view', 'customer.export'],
    when: { timeOfDay: { from: '18:00', to: '08:00' } },
    label: 'P6: no customer data after 18:00',
  },
  Restriction: {
    id: 'only-office-network',
    actions: ['customer.*'],
    appliesTo: { roles: [roleId] },
    when: { not: { ipIn: ['10.0.0.0/8'] } },
  },
  Reference: { ref: 'resource.status' },
  Operand: { ref: 'subject.orgUnitId' },
}

// The transform ------------------------------------------------------------------------------------

const isProblemRef = (schema: unknown) =>
  typeof schema === 'object' &&
  schema !== null &&
  (schema as Json)['$ref'] === '#/components/schemas/Problem'

/**
 * Names every response, turns every error into application/problem+json with an example, adds
 * Retry-After to every 429, a 204 to a route that declares no success (each such route answers
 * 204), and the examples above.
 */
export function documentResponses(doc: Json): Json {
  const paths = (doc['paths'] ?? {}) as Record<string, Record<string, Json>>
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const responses = (operation['responses'] ??= {}) as Record<string, Json>
      if (!Object.keys(responses).some((s) => s.startsWith('2'))) {
        responses['204'] = {}
      }
      const examples = operationExamples[`${method.toUpperCase()} ${path}`]
      for (const [status, response] of Object.entries(responses)) {
        if (
          response['description'] === undefined ||
          response['description'] === 'Default Response'
        ) {
          response['description'] = describeStatus(status)
        }
        const content = response['content'] as Record<string, Json> | undefined
        const json = content?.['application/json']
        if (content && json && isProblemRef(json['schema'])) {
          delete content['application/json']
          content['application/problem+json'] = {
            schema: json['schema'],
            example: exampleProblem(Number(status)),
          }
          response['description'] = describeStatus(status)
        }
        if (status === '429') {
          response['headers'] = {
            'Retry-After': {
              description: 'seconds to wait before trying again',
              schema: { type: 'integer', minimum: 1 },
            },
          }
        }
        const example = examples?.responses?.[status]
        if (example !== undefined && json !== undefined && content?.['application/json']) {
          json['example'] = example
        }
      }
      const body = (operation['requestBody'] as Json | undefined)?.['content'] as
        Record<string, Json> | undefined
      if (body?.['application/json'] && examples?.request !== undefined) {
        body['application/json']['example'] = examples.request
      }
    }
  }
  const schemas = ((doc['components'] as Json | undefined)?.['schemas'] ?? {}) as Record<
    string,
    Json
  >
  for (const [id, example] of Object.entries(componentExamples)) {
    if (schemas[id]) schemas[id]['example'] = example
  }
  return doc
}
