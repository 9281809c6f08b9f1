/**
 * R1 built-in roles and R2 preset positions, as policy-as-code data (the seeds' defaults).
 * Levels (R6) compose: each level's grants contain the one below.
 */
import { catalog, type Action, type ResourceType } from './catalog.js'
import type { Condition } from './condition.js'
import type { Grant, Role } from './model.js'

const notClosed: Condition = { ne: [{ ref: 'resource.status' }, 'closed'] }
const closed: Condition = { eq: [{ ref: 'resource.status' }, 'closed'] }

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

/** R1 [004]: Operator creates support tickets, reads call and chat logs, uses the workspace. */
export const operatorRole: Role = {
  id: 'operator',
  name: 'Operator',
  kind: 'builtin',
  description:
    'Creates support tickets, reads own call and chat logs, uses the agent workspace (R1).',
  grants: [
    { actions: ['workspace.use', 'ticket.create'], scope: 'company' },
    { actions: ['call.view', 'ticket.view'], scope: 'own' },
  ],
}

// R6 levels and R2 positions --------------------------------------------------------------------

/** [000] novice: basic operations; secret fields masked (the default), no edit/delete/export. */
const noviceGrants: Grant[] = [
  {
    actions: ['workspace.use', 'script.use', 'ticket.create', 'call.create', 'approval.create'],
    scope: 'company',
  },
  { actions: ['customer.view', 'customer.tag'], scope: 'own', fields: { complaints: 'read' } },
  { actions: ['call.view', 'call.note', 'recording.play'], scope: 'own' },
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
  // P9 [000]: novice 2 outbound lines; P11: only from assigned pools (numberPool.use is per project)
  { actions: ['call.dial'], scope: 'own', limits: { concurrent: 2 } },
  { actions: ['numberPool.use'], scope: 'project' },
]

/** [000] senior: novice plus complex tags, complaint handling, closing; 5 lines. */
const seniorGrants: Grant[] = [
  ...noviceGrants,
  { actions: ['customer.edit'], scope: 'own', fields: { idNumber: 'masked', bankCard: 'masked' } },
  { actions: ['ticket.close', 'ticket.escalate'], scope: 'own', when: notClosed },
  // P5 [003]: closed tickets keep the return-visit / reopen path
  { actions: ['ticket.reopen', 'ticket.returnVisit'], scope: 'own', when: closed },
  { actions: ['call.dial'], scope: 'own', limits: { concurrent: 5 } },
]

/** [000] team lead: the team's calls, tickets, numbers and reports; approvals; small grants. */
const leadGrants: Grant[] = [
  ...seniorGrants,
  {
    actions: [
      'customer.view',
      'call.view',
      'recording.play',
      'qaEvaluation.view',
      'schedule.view',
      'user.view',
    ],
    scope: 'team',
  },
  {
    actions: ['ticket.view', 'ticket.assign'],
    scope: 'team',
    fields: { customerLevel: 'hidden', faultCode: 'read' },
  },
  {
    actions: ['ticket.edit', 'ticket.reply', 'ticket.close', 'ticket.escalate'],
    scope: 'team',
    when: notClosed,
    fields: { customerLevel: 'hidden', faultCode: 'read' },
  },
  { actions: ['ticket.reopen', 'ticket.returnVisit'], scope: 'team', when: closed },
  { actions: ['report.view'], scope: 'team' },
  {
    actions: [
      'approval.view',
      'approval.approve',
      'approval.reject',
      'grant.view',
      'grant.create',
      'grant.revoke',
    ],
    scope: 'team',
  },
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

/** R2 positions (kind `preset`: clonable and editable). */
export const presetRoles: readonly Role[] = [
  {
    id: 'novice-agent',
    name: 'Novice agent',
    kind: 'preset',
    description: 'Trial-period agent (1–3 months) [000].',
    grants: noviceGrants,
  },
  {
    id: 'senior-agent',
    name: 'Senior agent',
    kind: 'preset',
    description: 'Experienced agent [000].',
    grants: seniorGrants,
  },
  {
    id: 'team-lead',
    name: 'Team lead',
    kind: 'preset',
    description: 'Runs a team; no system configuration [000].',
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
      { actions: ['qaEvaluation.*'], scope: 'company' },
    ],
  },
  {
    id: 'trainer',
    name: 'Trainer',
    kind: 'preset',
    description: 'Maintains scripts and IVR menus with admins [000].',
    grants: [
      {
        actions: [
          'script.*',
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
      {
        actions: ['workspace.use', 'script.use', 'call.create', 'campaign.view'],
        scope: 'company',
      },
      {
        actions: ['customer.view', 'customer.tag', 'customer.edit'],
        scope: 'own',
        fields: { complaints: 'hidden' },
      },
      { actions: ['call.view', 'call.note', 'call.dial'], scope: 'own', limits: { concurrent: 5 } },
      { actions: ['numberPool.use'], scope: 'project' },
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
        actions: ['workspace.use', 'script.use', 'ticket.create', 'call.create'],
        scope: 'company',
      },
      {
        actions: ['customer.view'],
        scope: 'team',
        fields: { complaints: 'read', orderHistory: 'read' },
      },
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
      { actions: ['call.view', 'call.note'], scope: 'own' },
    ],
  },
  {
    id: 'data-analyst',
    name: 'Data analyst',
    kind: 'preset',
    description: 'Reads and exports reports; personal data masked [004].',
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
    description: 'Campaigns and customer tags; cannot change quotes [002].',
    grants: [
      { actions: ['campaign.*', 'customer.tag'], scope: 'company' },
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
    description: 'Global read-only; base data changes only through a traced process (G3) [002].',
    grants: [
      {
        actions: viewAll(['financeSettings', 'kpiSettings', 'securitySettings']),
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
    ],
  },
  {
    id: 'sales-rep',
    name: 'Sales rep',
    kind: 'preset',
    description:
      'Own customers, opportunities, quotes and contracts; complaint records hidden [002].',
    grants: [
      {
        actions: ['customer.view', 'customer.edit'],
        scope: 'own',
        fields: { complaints: 'hidden', orderHistory: 'read' },
      },
      {
        actions: ['opportunity.*', 'quote.view', 'quote.create', 'quote.edit', 'contract.view'],
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
