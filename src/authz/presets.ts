/**
 * R1 built-in roles and R2 preset positions, as policy-as-code data (the seeds' defaults).
 * Levels (R6) compose: each level's grants contain the one below.
 */
import { catalog, type Action, type ResourceType } from './catalog.js'
import type { Condition } from './condition.js'
import type { FieldRules, Grant, Role } from './model.js'

const notClosed: Condition = { ne: [{ ref: 'resource.status' }, 'closed'] }
const closed: Condition = { eq: [{ ref: 'resource.status' }, 'closed'] }

/**
 * [000] 普通坐席只能使用预设话术: agents use the published scripts of their projects and the
 * company's (a script of no project); never a draft (the scripts service adds the same rule).
 */
const published: Condition = { eq: [{ ref: 'resource.status' }, 'published'] }
const scriptUse: Grant[] = [
  { actions: ['script.use'], scope: 'project', when: published },
  {
    actions: ['script.use'],
    scope: 'company',
    when: { and: [published, { eq: [{ ref: 'resource.projectId' }, null] }] },
  },
]

/** P4 [003]: only tech support edits a ticket's fault code, from the moment a ticket is opened. */
const ticketCreate: Grant = {
  actions: ['ticket.create'],
  scope: 'company',
  fields: { faultCode: 'read' },
}
/**
 * Replies are reached only through a ticket the holder may view (GET/POST
 * /tickets/{id}/replies answer 404 otherwise) and written only with `ticket.reply` on it, so the
 * ticket's grant, with its P5 condition, decides; this grant lets its holder read and write the
 * replies there.
 */
const ticketReplies: Grant = {
  actions: ['ticketReply.view', 'ticketReply.create'],
  scope: 'company',
  label: 'replies on the tickets they may open',
}

/** Every action of every resource type except `except`, company-wide, every field editable. */
function everything(except: readonly ResourceType[] = []): Grant[] {
  const types = (Object.keys(catalog) as ResourceType[]).filter((t) => !except.includes(t))
  return [
    {
      actions: types.map((t) => `${t}.*` as const),
      scope: 'company',
      fields: { '*': 'edit' },
      label: 'full access',
    },
  ]
}

/** R1: Admin holds everything. */
export const adminRole: Role = {
  id: 'admin',
  name: 'Admin',
  kind: 'builtin',
  description: 'Full access to the company (R1).',
  grants: everything(),
}

/** R1 [004]: Supervisor = Admin minus finance settings, KPI settings and security settings. */
export const supervisorRole: Role = {
  id: 'supervisor',
  name: 'Supervisor',
  kind: 'builtin',
  description: 'Like Admin, without finance, KPI and security settings (R1).',
  grants: everything(['financeSettings', 'kpiSettings', 'securitySettings']),
}

/**
 * R1 [004]: Operator creates support tickets, reads the call and chat logs and every user's calls,
 * and has every widget of the agent workspace.
 */
export const operatorRole: Role = {
  id: 'operator',
  name: 'Operator',
  kind: 'builtin',
  description:
    "Creates support tickets, reads the call and chat logs (every user's calls), uses the agent workspace (R1).",
  grants: [
    { actions: ['workspace.use', 'call.view', 'chat.view'], scope: 'company' },
    ticketCreate,
    { actions: ['ticket.view'], scope: 'own' },
    { ...ticketReplies, actions: ['ticketReply.view'] },
  ],
}

// Field rules the presets share (P4) -------------------------------------------------------------

/** [001] basic customer information: contact and profile, without complaints or order history. */
const basicCustomer: FieldRules = { complaints: 'hidden', orderHistory: 'hidden' }
/** [001] a senior agent sees more of the customer's history and detail. */
const customerHistory: FieldRules = { complaints: 'read', orderHistory: 'read' }
/** [002] ordinary staff change a customer's contact details, nothing else of the record. */
const contactEdit: FieldRules = {
  '*': 'read',
  name: 'edit',
  phone: 'edit',
  email: 'edit',
  idNumber: 'masked',
  bankCard: 'masked',
}
/**
 * W2 [000]: nobody decides their own request (a lead's own requests go up to an admin). A
 * request that names no requester is not someone else's either: it fails closed.
 */
const requester = { ref: 'resource.requesterId' } as const
const notOwnRequest: Condition = {
  and: [{ ne: [requester, null] }, { ne: [requester, { ref: 'subject.id' }] }],
}

/** [004] смены: an agent reads their own shifts (the schedule they work to), nobody else's. */
const ownShifts: Grant = { actions: ['schedule.view'], scope: 'own' }

// R6 levels and R2 positions --------------------------------------------------------------------

/**
 * [000][001] novice: basic operations; basic customer information only (history hidden, ID
 * number and bank card masked), no customer edit, delete or export.
 */
const noviceGrants: Grant[] = [
  {
    actions: ['workspace.use', 'call.create', 'chat.create', 'approval.create'],
    scope: 'company',
  },
  ...scriptUse,
  ticketCreate,
  ticketReplies,
  { actions: ['customer.view', 'customer.tag'], scope: 'own', fields: basicCustomer },
  {
    actions: ['call.view', 'call.note', 'recording.play', 'chat.view', 'chat.reply', 'chat.note'],
    scope: 'own',
  },
  {
    actions: ['ticket.view'],
    scope: 'own',
    fields: { customerLevel: 'hidden', faultCode: 'read' },
  },
  // P5 [003]: a closed ticket is read-only
  {
    actions: ['ticket.reply', 'ticket.edit'],
    scope: 'own',
    when: notClosed,
    fields: { customerLevel: 'hidden', faultCode: 'read' },
  },
  // P9 [000]: novice 2 outbound lines; P11: only numbers of the pools assigned to them, their
  // team or their project (the dial also checks the assignment itself)
  { actions: ['call.dial'], scope: 'own', limits: { concurrent: 2 } },
  { actions: ['numberPool.use'], scope: 'own' },
  { actions: ['numberPool.use'], scope: 'team' },
  { actions: ['numberPool.use'], scope: 'project' },
  ownShifts,
]

/**
 * [000][001] senior: novice plus the customer's history (complaints, orders), complaint
 * handling, contact edits, closing and escalating tickets; 5 lines.
 */
const seniorGrants: Grant[] = [
  ...noviceGrants,
  { actions: ['customer.view'], scope: 'own', fields: customerHistory },
  { actions: ['customer.edit'], scope: 'own', fields: contactEdit },
  { actions: ['ticket.close', 'ticket.escalate'], scope: 'own', when: notClosed },
  // P5 [003]: closed tickets keep the return-visit / reopen path
  { actions: ['ticket.reopen', 'ticket.returnVisit'], scope: 'own', when: closed },
  { actions: ['call.dial'], scope: 'own', limits: { concurrent: 5 } },
]

/**
 * [000] team lead: the team's calls, chats, tickets, numbers and reports; assesses the team's
 * use of scripts (QA evaluations); approves the team's requests but never their own; small
 * temporary grants.
 */
const leadGrants: Grant[] = [
  ...seniorGrants,
  {
    actions: [
      'customer.view',
      'call.view',
      'chat.view',
      'recording.play',
      'schedule.view',
      'user.view',
    ],
    scope: 'team',
  },
  // [000] 组员话术考核: the lead scores the team's calls against the scorecards
  { actions: ['qaEvaluation.view', 'qaEvaluation.create', 'qaEvaluation.edit'], scope: 'team' },
  { actions: ['qaScorecard.view'], scope: 'company' },
  {
    actions: ['ticket.view'],
    scope: 'team',
    fields: { customerLevel: 'hidden', faultCode: 'read' },
  },
  // P5 [003]: a closed ticket is not reassigned either (bulk assign included)
  {
    actions: ['ticket.assign', 'ticket.edit', 'ticket.reply', 'ticket.close', 'ticket.escalate'],
    scope: 'team',
    when: notClosed,
    fields: { customerLevel: 'hidden', faultCode: 'read' },
  },
  { actions: ['ticket.reopen', 'ticket.returnVisit'], scope: 'team', when: closed },
  // W5 [002] 跨部门协作视图: shares the team's tickets and customers with another team, limited
  // to chosen fields (never more than the lead sees of them)
  { actions: ['ticket.share', 'customer.share'], scope: 'team' },
  { actions: ['report.view'], scope: 'team' },
  { actions: ['approval.view', 'grant.view', 'grant.create', 'grant.revoke'], scope: 'team' },
  {
    actions: ['approval.approve', 'approval.reject'],
    scope: 'team',
    when: notOwnRequest,
    label: 'not their own request',
  },
  // [000] 组长发起“新增话术模板申请”,再流转至管理员审批: a lead drafts a script and asks for
  // it to be published; an admin publishes it (never its writer: the scripts service)
  { actions: ['script.view', 'script.create', 'script.edit'], scope: 'own' },
  // P8 [000]: 5 outbound numbers a day; beyond that, admin approval
  { actions: ['numberPool.view'], scope: 'team' },
  { actions: ['numberPool.addNumber'], scope: 'team', limits: { perDay: 5 } },
]

const viewAll = (except: readonly ResourceType[] = []): Action[] =>
  (Object.keys(catalog) as ResourceType[])
    .filter(
      (t) => !except.includes(t) && (catalog[t].actions as readonly string[]).includes('view'),
    )
    .map((t) => `${t}.view` as Action)

/** R2 positions (kind `preset`: clonable and editable). docs/presets.md cites each default. */
export const presetRoles: readonly Role[] = [
  {
    id: 'novice-agent',
    name: 'Novice agent',
    kind: 'preset',
    description:
      'Trial-period agent (1–3 months): basic customer information, preset scripts, 2 lines [000][001].',
    grants: noviceGrants,
  },
  {
    id: 'senior-agent',
    name: 'Senior agent',
    kind: 'preset',
    description:
      "Experienced agent: the customer's history, complaints, contact edits, closing and escalating, 5 lines [000][001].",
    grants: seniorGrants,
  },
  {
    id: 'team-lead',
    name: 'Team lead',
    kind: 'preset',
    description:
      'Runs a team: its calls, chats, tickets and reports; assesses its script use; approves its requests, never their own; no system configuration [000].',
    grants: leadGrants,
  },
  {
    id: 'qa-inspector',
    name: 'QA inspector',
    kind: 'preset',
    description: 'Listens to and scores every call; no outbound, no customer contact [000][004].',
    grants: [
      {
        actions: [
          'call.view',
          'recording.view',
          'recording.play',
          'qaScorecard.view',
          'report.view',
          'report.export',
        ],
        scope: 'company',
      },
      // every evaluation but its export (high-risk, P2: the Admin's by default)
      {
        actions: [
          'qaEvaluation.view',
          'qaEvaluation.create',
          'qaEvaluation.edit',
          'qaEvaluation.delete',
        ],
        scope: 'company',
      },
    ],
  },
  {
    id: 'trainer',
    name: 'Trainer',
    kind: 'preset',
    description: 'Maintains scripts and IVR menus with admins; listens to calls to coach [000].',
    grants: [
      {
        actions: [
          'script.view',
          'script.create',
          'script.edit',
          'script.use',
          'project.view',
          'ivrMenu.view',
          'ivrMenu.edit',
          'recording.play',
          'call.view',
          'qaScorecard.view',
        ],
        scope: 'company',
      },
    ],
  },
  {
    id: 'telesales-agent',
    name: 'Telesales agent',
    kind: 'preset',
    description:
      'Outbound sales: bulk dialing, intent levels, campaign scripts; no complaints or refunds [000][002].',
    grants: [
      { actions: ['workspace.use', 'call.create'], scope: 'company' },
      ...scriptUse,
      {
        actions: ['customer.view', 'customer.tag'],
        scope: 'own',
        fields: { complaints: 'hidden' },
      },
      {
        actions: ['customer.edit'],
        scope: 'own',
        fields: { ...contactEdit, complaints: 'hidden' },
      },
      { actions: ['call.view', 'call.note'], scope: 'own' },
      { actions: ['call.dial'], scope: 'own', limits: { concurrent: 5 } },
      ownShifts,
      // P11: a pool assigned to the agent personally, besides the project's pools below
      { actions: ['numberPool.use'], scope: 'own' },
      // [000] 批量外呼: the auto-dialers and campaigns of the agent's projects, never another
      // project's (P10 [004])
      {
        actions: ['campaign.view', 'dialer.view', 'dialer.start', 'dialer.stop', 'numberPool.use'],
        scope: 'project',
      },
    ],
  },
  {
    id: 'after-sales-agent',
    name: 'After-sales agent',
    kind: 'preset',
    description:
      'Service history, refunds, satisfaction surveys; quotes hidden from service [000][002].',
    grants: [
      {
        actions: ['workspace.use', 'call.create', 'chat.create'],
        scope: 'company',
      },
      ...scriptUse,
      ticketCreate,
      ticketReplies,
      { actions: ['customer.view'], scope: 'team', fields: customerHistory },
      {
        actions: ['ticket.view'],
        scope: 'team',
        fields: { customerLevel: 'hidden', faultCode: 'read' },
      },
      {
        actions: ['ticket.edit', 'ticket.reply', 'ticket.close'],
        scope: 'team',
        when: notClosed,
        fields: { customerLevel: 'hidden', faultCode: 'read' },
      },
      { actions: ['ticket.reopen', 'ticket.returnVisit'], scope: 'team', when: closed },
      { actions: ['call.view', 'call.note', 'chat.view', 'chat.reply', 'chat.note'], scope: 'own' },
      ownShifts,
    ],
  },
  {
    id: 'data-analyst',
    name: 'Data analyst',
    kind: 'preset',
    description: 'Reads and exports reports; personal data masked [001][004].',
    grants: [
      {
        actions: ['report.view', 'report.export', 'call.view'],
        scope: 'company',
        fields: { phone: 'masked' },
      },
    ],
  },
  {
    id: 'marketing',
    name: 'Marketing',
    kind: 'preset',
    description:
      'Campaigns; assigns sales leads to sales; tag changes need approval; cannot change quotes [002].',
    grants: [
      { actions: ['lead.view', 'lead.create', 'lead.edit', 'lead.assign'], scope: 'company' },
      // P10 [004]: campaigns belong to projects; marketing runs those of its own projects (and
      // sees those projects, to name one in a new campaign), never another project's
      { actions: ['campaign.*', 'project.view'], scope: 'project' },
      // [002] 分配销售线索: a lead goes to a person marketing can see (the sales service refuses
      // an assignee the assigner may not view); who works here, their contact details masked
      {
        actions: ['user.view'],
        scope: 'company',
        fields: { email: 'masked', phone: 'masked' },
      },
      // [002] changing a customer's tags is submitted for approval
      { actions: ['customer.tag'], scope: 'company', approvalRequired: true },
      {
        actions: ['customer.view'],
        scope: 'company',
        fields: { phone: 'masked', email: 'masked', complaints: 'hidden', orderHistory: 'hidden' },
      },
    ],
  },
  {
    id: 'management',
    name: 'Management',
    kind: 'preset',
    description:
      'Reads all data and exports reports; changes base data only through a traced request (G3) [002][003].',
    grants: [
      {
        actions: [
          ...viewAll(['financeSettings', 'kpiSettings', 'securitySettings']),
          'report.export',
          'approval.create',
        ],
        scope: 'company',
      },
    ],
  },
  {
    id: 'tech-support',
    name: 'Tech support',
    kind: 'preset',
    description: 'Works escalated tickets; the only role that edits fault codes [003].',
    grants: [
      {
        actions: ['ticket.view'],
        scope: 'company',
        when: { eq: [{ ref: 'resource.escalated' }, true] },
        fields: { customerLevel: 'hidden' },
      },
      {
        actions: ['ticket.edit', 'ticket.reply'],
        scope: 'company',
        when: { and: [{ eq: [{ ref: 'resource.escalated' }, true] }, notClosed] },
        fields: { customerLevel: 'hidden', faultCode: 'edit' },
      },
      ticketReplies,
    ],
  },
  {
    id: 'sales-rep',
    name: 'Sales rep',
    kind: 'preset',
    description:
      "Own customers and leads, the team's opportunities, quotes; creates contracts; complaint records hidden [002].",
    grants: [
      {
        actions: ['customer.view'],
        scope: 'own',
        fields: { complaints: 'hidden', orderHistory: 'read' },
      },
      {
        actions: ['customer.edit'],
        scope: 'own',
        fields: { ...contactEdit, complaints: 'hidden' },
      },
      // [002] other teams' opportunities are hidden: the team's are not
      { actions: ['opportunity.view'], scope: 'team' },
      {
        actions: [
          'opportunity.create',
          'opportunity.edit',
          'quote.view',
          'quote.create',
          'quote.edit',
          'contract.view',
          'contract.create',
          'contract.edit',
          'lead.view',
          'lead.edit',
        ],
        scope: 'own',
      },
    ],
  },
]

/** R1 built-ins: immutable. */
export const builtinRoles: readonly Role[] = [adminRole, supervisorRole, operatorRole]

/** [003] the VIP service team sees "customer level"; give it on top of a role (R4). */
export const vipTeamGroup = {
  id: 'vip-team',
  name: 'VIP service team',
  description: 'Reveals the customer level on tickets the holder can already see [003].',
  grants: [{ actions: ['ticket.view'], scope: 'team', fields: { customerLevel: 'read' } }],
} as const satisfies { id: string; name: string; description: string; grants: Grant[] }

/** R8: position → default roles. */
export const positionDefaults: Readonly<Record<string, readonly string[]>> = {
  'novice-agent': ['novice-agent'],
  'senior-agent': ['senior-agent'],
  'team-lead': ['team-lead'],
  'qa-inspector': ['qa-inspector'],
  trainer: ['trainer'],
  'telesales-agent': ['telesales-agent'],
  'after-sales-agent': ['after-sales-agent'],
  'data-analyst': ['data-analyst'],
  marketing: ['marketing'],
  management: ['management'],
  'tech-support': ['tech-support'],
  'sales-rep': ['sales-rep'],
  admin: ['admin'],
}
