/**
 * The permission catalog (PRODUCT.md D and administration): every resource, its actions, its
 * fields with a sensitivity class, and the attributes that scope it. Actions are
 * `resource.action` literals derived from this object, so an unknown action does not compile.
 */

/** How sensitive a field is; `secret` fields are masked unless a rule reveals them (P4). */
export type Sensitivity = 'public' | 'internal' | 'personal' | 'confidential' | 'secret'

/** A masking pattern: keep `keepStart` and `keepEnd` characters, replace the rest. */
export interface MaskPattern {
  readonly keepStart: number
  readonly keepEnd: number
  readonly char?: string
}

export interface FieldDef {
  readonly sensitivity: Sensitivity
  readonly mask?: MaskPattern
}

/** The attributes (resource fields) a data scope is tested against (P3, P10). */
export interface ScopeAttrs {
  readonly owner?: string
  readonly orgUnit?: string
  readonly project?: string
}

export interface ResourceDef {
  readonly label: string
  readonly module: string
  readonly actions: readonly string[]
  readonly fields: Readonly<Record<string, FieldDef>>
  readonly scope: ScopeAttrs
  /** Actions that are high-risk (P2): audited, and admin-only in the presets. */
  readonly highRisk?: readonly string[]
}

/** P4 default masks: ID number keeps first 6 and last 4; bank card last 4; phone 3 + 4. */
export const masks = {
  idNumber: { keepStart: 6, keepEnd: 4 },
  bankCard: { keepStart: 0, keepEnd: 4 },
  phone: { keepStart: 3, keepEnd: 4 },
  email: { keepStart: 1, keepEnd: 0 },
  full: { keepStart: 0, keepEnd: 0 },
} as const satisfies Record<string, MaskPattern>

const owned = { owner: 'ownerId', orgUnit: 'orgUnitId', project: 'projectId' } as const
const crud = ['view', 'create', 'edit', 'delete'] as const
const config = ['view', 'edit'] as const

export const catalog = {
  customer: {
    label: 'Customer',
    module: 'customers',
    actions: [...crud, 'export', 'assign', 'unmask', 'tag'],
    highRisk: ['delete', 'export', 'unmask'],
    fields: {
      name: { sensitivity: 'personal' },
      phone: { sensitivity: 'personal', mask: masks.phone },
      email: { sensitivity: 'personal', mask: masks.email },
      idNumber: { sensitivity: 'secret', mask: masks.idNumber },
      bankCard: { sensitivity: 'secret', mask: masks.bankCard },
      region: { sensitivity: 'internal' },
      branch: { sensitivity: 'internal' },
      level: { sensitivity: 'internal' },
      tags: { sensitivity: 'internal' },
      ownerId: { sensitivity: 'internal' },
      complaints: { sensitivity: 'confidential' },
      orderHistory: { sensitivity: 'internal' },
    },
    scope: owned,
  },
  ticket: {
    label: 'Ticket',
    module: 'tickets',
    actions: [...crud, 'export', 'assign', 'reply', 'close', 'reopen', 'escalate', 'returnVisit'],
    highRisk: ['delete', 'export'],
    fields: {
      title: { sensitivity: 'internal' },
      description: { sensitivity: 'internal' },
      status: { sensitivity: 'internal' },
      category: { sensitivity: 'internal' },
      priority: { sensitivity: 'internal' },
      faultCode: { sensitivity: 'internal' },
      customerLevel: { sensitivity: 'internal' },
      assigneeId: { sensitivity: 'internal' },
      customerId: { sensitivity: 'internal' },
    },
    scope: { owner: 'assigneeId', orgUnit: 'orgUnitId', project: 'projectId' },
  },
  ticketReply: {
    label: 'Ticket reply',
    module: 'tickets',
    actions: crud,
    fields: { body: { sensitivity: 'internal' } },
    scope: { owner: 'authorId', orgUnit: 'orgUnitId', project: 'projectId' },
  },
  call: {
    label: 'Call',
    module: 'calls',
    actions: ['view', 'create', 'edit', 'delete', 'export', 'dial', 'listen', 'note'],
    highRisk: ['delete', 'export'],
    fields: {
      phone: { sensitivity: 'personal', mask: masks.phone },
      direction: { sensitivity: 'internal' },
      durationSec: { sensitivity: 'internal' },
      notes: { sensitivity: 'internal' },
      customerId: { sensitivity: 'internal' },
    },
    scope: { owner: 'agentId', orgUnit: 'orgUnitId', project: 'projectId' },
  },
  recording: {
    label: 'Call recording',
    module: 'calls',
    actions: ['view', 'play', 'download', 'delete'],
    highRisk: ['download', 'delete'],
    fields: { url: { sensitivity: 'confidential' } },
    scope: { owner: 'agentId', orgUnit: 'orgUnitId', project: 'projectId' },
  },
  numberPool: {
    label: 'Number pool',
    module: 'calls',
    actions: [...crud, 'use', 'addNumber'],
    fields: { numbers: { sensitivity: 'internal' } },
    scope: { orgUnit: 'orgUnitId', project: 'projectId' },
  },
  blacklist: {
    label: 'Blacklist',
    module: 'calls',
    actions: crud,
    fields: { phone: { sensitivity: 'personal', mask: masks.phone } },
    scope: {},
  },
  script: {
    label: 'Call script',
    module: 'scripts',
    actions: [...crud, 'use', 'approve'],
    fields: { body: { sensitivity: 'internal' } },
    scope: { owner: 'authorId', project: 'projectId' },
  },
  ivrMenu: {
    label: 'IVR menu',
    module: 'ivr',
    actions: crud,
    fields: {},
    scope: { project: 'projectId' },
  },
  qaScorecard: {
    label: 'QA scorecard',
    module: 'qa',
    actions: crud,
    fields: {},
    scope: {},
  },
  qaEvaluation: {
    label: 'QA evaluation',
    module: 'qa',
    actions: [...crud, 'export'],
    fields: { score: { sensitivity: 'internal' }, comments: { sensitivity: 'internal' } },
    scope: { owner: 'agentId', orgUnit: 'orgUnitId', project: 'projectId' },
  },
  report: {
    label: 'Report',
    module: 'reports',
    actions: ['view', 'export'],
    highRisk: ['export'],
    fields: {},
    scope: { orgUnit: 'orgUnitId', project: 'projectId' },
  },
  export: {
    label: 'Export job',
    module: 'reports',
    actions: ['view', 'create', 'download', 'delete'],
    highRisk: ['create', 'download'],
    fields: {},
    scope: { owner: 'ownerId', orgUnit: 'orgUnitId' },
  },
  schedule: {
    label: 'Schedule and shifts',
    module: 'schedules',
    actions: crud,
    fields: {},
    scope: { owner: 'userId', orgUnit: 'orgUnitId' },
  },
  campaign: {
    label: 'Campaign',
    module: 'campaigns',
    actions: [...crud, 'launch'],
    fields: {},
    scope: { owner: 'ownerId', project: 'projectId' },
  },
  queue: {
    label: 'Queue',
    module: 'queues',
    actions: crud,
    fields: {},
    scope: { project: 'projectId' },
  },
  dialer: {
    label: 'Auto-dialer',
    module: 'dialers',
    actions: [...crud, 'start', 'stop'],
    fields: {},
    scope: { project: 'projectId' },
  },
  opportunity: {
    label: 'Sales opportunity',
    module: 'sales',
    actions: crud,
    fields: { amount: { sensitivity: 'confidential' }, stage: { sensitivity: 'internal' } },
    scope: owned,
  },
  quote: {
    label: 'Quote',
    module: 'sales',
    actions: [...crud, 'approve'],
    fields: { amount: { sensitivity: 'confidential' } },
    scope: owned,
  },
  contract: {
    label: 'Contract',
    module: 'sales',
    actions: [...crud, 'approve'],
    fields: { amount: { sensitivity: 'confidential' } },
    scope: owned,
  },
  financeSettings: {
    label: 'Finance settings',
    module: 'settings',
    actions: config,
    fields: {},
    scope: {},
  },
  kpiSettings: {
    label: 'KPI settings',
    module: 'settings',
    actions: config,
    fields: {},
    scope: {},
  },
  securitySettings: {
    label: 'Security settings',
    module: 'settings',
    actions: config,
    fields: {},
    scope: {},
  },
  workspace: {
    label: 'Agent workspace',
    module: 'workspace',
    actions: ['use'],
    fields: {},
    scope: {},
  },
  user: {
    label: 'User',
    module: 'admin',
    actions: [...crud, 'assignRole', 'forceOffline', 'offboard', 'impersonate'],
    highRisk: ['delete', 'offboard', 'impersonate'],
    fields: {
      email: { sensitivity: 'personal', mask: masks.email },
      phone: { sensitivity: 'personal', mask: masks.phone },
      position: { sensitivity: 'internal' },
      level: { sensitivity: 'internal' },
    },
    scope: { owner: 'id', orgUnit: 'orgUnitId' },
  },
  role: {
    label: 'Role',
    module: 'admin',
    actions: [...crud, 'assign'],
    fields: {},
    scope: {},
  },
  permissionGroup: {
    label: 'Permission group',
    module: 'admin',
    actions: [...crud, 'assign'],
    fields: {},
    scope: {},
  },
  orgUnit: {
    label: 'Org unit',
    module: 'admin',
    actions: crud,
    fields: {},
    scope: { orgUnit: 'id' },
  },
  project: {
    label: 'Project',
    module: 'admin',
    actions: [...crud, 'manageMembers'],
    fields: {},
    scope: { project: 'id' },
  },
  audit: {
    label: 'Audit log',
    module: 'admin',
    actions: ['view', 'export', 'verify'],
    highRisk: ['export'],
    fields: {},
    scope: {},
  },
  approval: {
    label: 'Approval request',
    module: 'governance',
    actions: ['view', 'create', 'approve', 'reject', 'cancel'],
    fields: {},
    scope: { owner: 'requesterId', orgUnit: 'orgUnitId' },
  },
  grant: {
    label: 'Temporary grant',
    module: 'governance',
    actions: ['view', 'create', 'revoke'],
    fields: {},
    scope: { owner: 'userId', orgUnit: 'orgUnitId' },
  },
} as const satisfies Record<string, ResourceDef>

export type Catalog = typeof catalog
/** Every resource type of the catalog. */
export type ResourceType = keyof Catalog
/** The actions of one resource type, e.g. `ActionOf<'ticket'>` is `'view' | 'create' | …`. */
export type ActionOf<R extends ResourceType> = Catalog[R]['actions'][number]
/** Every permission: `'ticket.export'`, `'customer.unmask'`, … An unknown one does not compile. */
export type Action = { [R in ResourceType]: `${R}.${ActionOf<R>}` }[ResourceType]
/** The fields of one resource type. */
export type FieldOf<R extends ResourceType> = keyof Catalog[R]['fields'] & string

/** Every action of the catalog, in a stable order (the index is the action's integer id). */
export const allActions: readonly Action[] = Object.entries(catalog).flatMap(([type, def]) =>
  def.actions.map((a) => `${type}.${a}` as Action),
)

export function resourceOf(action: Action): ResourceType {
  return action.slice(0, action.indexOf('.')) as ResourceType
}

export function isAction(value: string): value is Action {
  return actionIndex.has(value)
}

/** Action → integer id; built once at module load from the constant catalog. */
export const actionIndex: ReadonlyMap<string, number> = new Map(allActions.map((a, i) => [a, i]))
