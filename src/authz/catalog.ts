/**
 * The permission catalog (docs/features.md, D and administration): every resource, its actions, its
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

/** The kind of value an attribute holds; conditions are type-checked against it. */
export type AttrKind = 'string' | 'number' | 'boolean'

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
  /**
   * S1: the only attributes a condition may name (`resource.<name>`), with their kinds. The
   * record id and every scope attribute are among them; personal, confidential and secret
   * fields are not (a condition on them would let a role editor probe them through lists), and
   * neither is anything stored beside a record (password hashes, TOTP secrets, token hashes).
   */
  readonly attributes: Readonly<Record<string, AttrKind>>
  /**
   * Actions that are high-risk (P2): a decision allowing one carries the audit obligation. Among
   * the presets only Admin and Supervisor hold them, except report export (QA inspector, data
   * analyst, management: docs/presets.md).
   */
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
const ownedAttrs = {
  id: 'string',
  ownerId: 'string',
  orgUnitId: 'string',
  projectId: 'string',
} as const
const crud = ['view', 'create', 'edit', 'delete'] as const
const config = ['view', 'edit'] as const

export const catalog = {
  customer: {
    label: 'Customer',
    module: 'customers',
    actions: [...crud, 'export', 'assign', 'unmask', 'tag', 'share'],
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
    attributes: { ...ownedAttrs, region: 'string', branch: 'string', level: 'string' },
  },
  ticket: {
    label: 'Ticket',
    module: 'tickets',
    actions: [
      ...crud,
      'export',
      'assign',
      'reply',
      'close',
      'reopen',
      'escalate',
      'returnVisit',
      'share',
    ],
    highRisk: ['delete', 'export'],
    fields: {
      title: { sensitivity: 'internal' },
      description: { sensitivity: 'internal' },
      status: { sensitivity: 'internal' },
      // W4's flag tells part of the status: a field, so a share that leaves it out hides it
      escalated: { sensitivity: 'internal' },
      category: { sensitivity: 'internal' },
      priority: { sensitivity: 'internal' },
      faultCode: { sensitivity: 'internal' },
      customerLevel: { sensitivity: 'internal' },
      assigneeId: { sensitivity: 'internal' },
      customerId: { sensitivity: 'internal' },
    },
    scope: { owner: 'assigneeId', orgUnit: 'orgUnitId', project: 'projectId' },
    attributes: {
      id: 'string',
      assigneeId: 'string',
      orgUnitId: 'string',
      projectId: 'string',
      status: 'string',
      category: 'string',
      priority: 'number',
      faultCode: 'string',
      customerLevel: 'string',
      customerId: 'string',
      escalated: 'boolean',
    },
  },
  ticketReply: {
    label: 'Ticket reply',
    module: 'tickets',
    actions: crud,
    fields: { body: { sensitivity: 'internal' } },
    scope: { owner: 'authorId', orgUnit: 'orgUnitId', project: 'projectId' },
    attributes: {
      id: 'string',
      authorId: 'string',
      orgUnitId: 'string',
      projectId: 'string',
      ticketId: 'string',
    },
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
    attributes: {
      id: 'string',
      agentId: 'string',
      orgUnitId: 'string',
      projectId: 'string',
      direction: 'string',
      status: 'string',
      durationSec: 'number',
      customerId: 'string',
      blacklisted: 'boolean',
    },
  },
  /** [004] the chat log beside the call log; [001] customer service over chat, owned like a call. */
  chat: {
    label: 'Chat',
    module: 'chats',
    actions: ['view', 'create', 'edit', 'delete', 'export', 'reply', 'note'],
    highRisk: ['delete', 'export'],
    fields: {
      phone: { sensitivity: 'personal', mask: masks.phone },
      channel: { sensitivity: 'internal' },
      transcript: { sensitivity: 'confidential' },
      durationSec: { sensitivity: 'internal' },
      notes: { sensitivity: 'internal' },
      customerId: { sensitivity: 'internal' },
    },
    scope: { owner: 'agentId', orgUnit: 'orgUnitId', project: 'projectId' },
    attributes: {
      id: 'string',
      agentId: 'string',
      orgUnitId: 'string',
      projectId: 'string',
      channel: 'string',
      status: 'string',
      durationSec: 'number',
      customerId: 'string',
    },
  },
  recording: {
    label: 'Call recording',
    module: 'calls',
    actions: ['view', 'play', 'download', 'delete'],
    highRisk: ['download', 'delete'],
    fields: { url: { sensitivity: 'confidential' }, durationSec: { sensitivity: 'internal' } },
    scope: { owner: 'agentId', orgUnit: 'orgUnitId', project: 'projectId' },
    attributes: {
      id: 'string',
      agentId: 'string',
      orgUnitId: 'string',
      projectId: 'string',
      callId: 'string',
    },
  },
  /**
   * [000] 号码池: the numbers an agent may dial (P11), assigned to one person (`userId`), a team
   * (`orgUnitId`) or a project; a team lead adds numbers to it within a daily quota (P8).
   */
  numberPool: {
    label: 'Number pool',
    module: 'calls',
    actions: [...crud, 'use', 'addNumber'],
    fields: {
      name: { sensitivity: 'internal' },
      userId: { sensitivity: 'internal' },
      numbers: { sensitivity: 'internal' },
    },
    scope: { owner: 'userId', orgUnit: 'orgUnitId', project: 'projectId' },
    attributes: { id: 'string', userId: 'string', orgUnitId: 'string', projectId: 'string' },
  },
  /** [000] 黑名单: numbers nobody dials (P11), admin-managed. */
  blacklist: {
    label: 'Blacklist',
    module: 'calls',
    actions: crud,
    fields: {
      phone: { sensitivity: 'personal', mask: masks.phone },
      reason: { sensitivity: 'internal' },
    },
    scope: {},
    attributes: { id: 'string' },
  },
  /**
   * [000] 话术: a call script, versioned; a draft is published only by someone who did not write
   * it (`approve`); `use` reaches published scripts only (docs/scripts.md).
   */
  script: {
    label: 'Call script',
    module: 'scripts',
    actions: [...crud, 'use', 'approve'],
    fields: { title: { sensitivity: 'internal' }, body: { sensitivity: 'internal' } },
    scope: { owner: 'authorId', project: 'projectId' },
    attributes: { id: 'string', authorId: 'string', projectId: 'string', status: 'string' },
  },
  ivrMenu: {
    label: 'IVR menu',
    module: 'ivr',
    actions: crud,
    fields: {},
    scope: { project: 'projectId' },
    attributes: { id: 'string', projectId: 'string' },
  },
  qaScorecard: {
    label: 'QA scorecard',
    module: 'qa',
    actions: crud,
    fields: {},
    scope: {},
    attributes: { id: 'string' },
  },
  qaEvaluation: {
    label: 'QA evaluation',
    module: 'qa',
    actions: [...crud, 'export'],
    highRisk: ['export'],
    fields: { score: { sensitivity: 'internal' }, comments: { sensitivity: 'internal' } },
    scope: { owner: 'agentId', orgUnit: 'orgUnitId', project: 'projectId' },
    attributes: {
      id: 'string',
      agentId: 'string',
      orgUnitId: 'string',
      projectId: 'string',
      score: 'number',
    },
  },
  report: {
    label: 'Report',
    module: 'reports',
    actions: ['view', 'export'],
    highRisk: ['export'],
    fields: {},
    scope: { orgUnit: 'orgUnitId', project: 'projectId' },
    attributes: { id: 'string', orgUnitId: 'string', projectId: 'string', kind: 'string' },
  },
  export: {
    label: 'Export job',
    module: 'reports',
    actions: ['view', 'create', 'download', 'delete'],
    highRisk: ['create', 'download'],
    fields: {},
    scope: { owner: 'ownerId', orgUnit: 'orgUnitId' },
    attributes: { id: 'string', ownerId: 'string', orgUnitId: 'string', status: 'string' },
  },
  schedule: {
    label: 'Schedule and shifts',
    module: 'schedules',
    actions: crud,
    fields: {},
    scope: { owner: 'userId', orgUnit: 'orgUnitId' },
    attributes: { id: 'string', userId: 'string', orgUnitId: 'string' },
  },
  /**
   * P10 [004] «очереди, автообзвоны … по проектам», [000] 批量外呼: campaigns, queues and
   * auto-dialers each belong to one project (docs/features.md, P10); `launch` runs a campaign,
   * `start` / `stop` a dialer.
   */
  campaign: {
    label: 'Campaign',
    module: 'campaigns',
    actions: [...crud, 'launch'],
    fields: { name: { sensitivity: 'internal' } },
    scope: { owner: 'ownerId', project: 'projectId' },
    attributes: { id: 'string', ownerId: 'string', projectId: 'string', status: 'string' },
  },
  queue: {
    label: 'Queue',
    module: 'queues',
    actions: crud,
    fields: { name: { sensitivity: 'internal' }, memberIds: { sensitivity: 'internal' } },
    scope: { project: 'projectId' },
    attributes: { id: 'string', projectId: 'string' },
  },
  dialer: {
    label: 'Auto-dialer',
    module: 'dialers',
    actions: [...crud, 'start', 'stop'],
    fields: { name: { sensitivity: 'internal' } },
    scope: { project: 'projectId' },
    attributes: { id: 'string', projectId: 'string' },
  },
  /** [002] a sales lead: marketing assigns it to a sales rep, who then owns it. */
  lead: {
    label: 'Sales lead',
    module: 'sales',
    actions: [...crud, 'assign', 'export'],
    highRisk: ['delete', 'export'],
    fields: {
      name: { sensitivity: 'personal' },
      phone: { sensitivity: 'personal', mask: masks.phone },
      email: { sensitivity: 'personal', mask: masks.email },
      source: { sensitivity: 'internal' },
      status: { sensitivity: 'internal' },
    },
    scope: owned,
    attributes: { ...ownedAttrs, status: 'string', source: 'string' },
  },
  opportunity: {
    label: 'Sales opportunity',
    module: 'sales',
    actions: [...crud, 'export'],
    highRisk: ['export'],
    fields: { amount: { sensitivity: 'confidential' }, stage: { sensitivity: 'internal' } },
    scope: owned,
    attributes: { ...ownedAttrs, stage: 'string' },
  },
  quote: {
    label: 'Quote',
    module: 'sales',
    actions: [...crud, 'approve'],
    fields: { amount: { sensitivity: 'confidential' } },
    scope: owned,
    attributes: ownedAttrs,
  },
  contract: {
    label: 'Contract',
    module: 'sales',
    actions: [...crud, 'approve'],
    fields: { amount: { sensitivity: 'confidential' } },
    scope: owned,
    attributes: ownedAttrs,
  },
  financeSettings: {
    label: 'Finance settings',
    module: 'settings',
    actions: config,
    fields: {},
    scope: {},
    attributes: { id: 'string' },
  },
  kpiSettings: {
    label: 'KPI settings',
    module: 'settings',
    actions: config,
    fields: {},
    scope: {},
    attributes: { id: 'string' },
  },
  securitySettings: {
    label: 'Security settings',
    module: 'settings',
    actions: config,
    fields: {},
    scope: {},
    attributes: { id: 'string' },
  },
  workspace: {
    label: 'Agent workspace',
    module: 'workspace',
    actions: ['use'],
    fields: {},
    scope: {},
    attributes: { id: 'string' },
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
    attributes: {
      id: 'string',
      orgUnitId: 'string',
      managerId: 'string',
      status: 'string',
      level: 'string',
      position: 'string',
    },
  },
  role: {
    label: 'Role',
    module: 'admin',
    // G4: `preview` opens a read-only preview of a role's or a person's access (domain/previews)
    actions: [...crud, 'assign', 'preview'],
    fields: {},
    scope: {},
    attributes: { id: 'string', kind: 'string' },
  },
  permissionGroup: {
    label: 'Permission group',
    module: 'admin',
    actions: [...crud, 'assign'],
    fields: {},
    scope: {},
    attributes: { id: 'string' },
  },
  orgUnit: {
    label: 'Org unit',
    module: 'admin',
    actions: crud,
    fields: {},
    scope: { orgUnit: 'id' },
    attributes: { id: 'string', parentId: 'string', kind: 'string' },
  },
  project: {
    label: 'Project',
    module: 'admin',
    actions: [...crud, 'manageMembers'],
    fields: {},
    scope: { project: 'id' },
    attributes: { id: 'string' },
  },
  audit: {
    label: 'Audit log',
    module: 'admin',
    actions: ['view', 'export', 'verify'],
    highRisk: ['export'],
    fields: {},
    scope: {},
    attributes: { id: 'string', action: 'string', actorId: 'string', targetType: 'string' },
  },
  approval: {
    label: 'Approval request',
    module: 'governance',
    actions: ['view', 'create', 'approve', 'reject', 'cancel'],
    fields: {},
    scope: { owner: 'requesterId', orgUnit: 'orgUnitId' },
    attributes: {
      id: 'string',
      requesterId: 'string',
      orgUnitId: 'string',
      status: 'string',
      type: 'string',
    },
  },
  grant: {
    label: 'Temporary grant',
    module: 'governance',
    actions: ['view', 'create', 'revoke'],
    fields: {},
    scope: { owner: 'userId', orgUnit: 'orgUnitId' },
    attributes: { id: 'string', userId: 'string', orgUnitId: 'string' },
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

/**
 * Every action of the catalog, in a stable order (the index is the action's integer id). The
 * strings are taken back from an object's keys: an engine keeps one copy of each property key
 * (V8 internalizes them, as it does string literals), so `'ticket.view'` written in the
 * application is the very string held here, and comparing the two is a pointer comparison
 * instead of a comparison of their characters. Only speed depends on it.
 */
export const allActions: readonly Action[] = Object.keys(
  Object.fromEntries(
    Object.entries(catalog).flatMap(([type, def]) => def.actions.map((a) => [`${type}.${a}`, 0])),
  ),
) as Action[]

export function resourceOf(action: Action): ResourceType {
  return action.slice(0, action.indexOf('.')) as ResourceType
}

export function isAction(value: string): value is Action {
  return actionIndex.has(value)
}

/** Action → integer id; built once at module load from the constant catalog. */
export const actionIndex: ReadonlyMap<string, number> = new Map(allActions.map((a, i) => [a, i]))

/**
 * The same ids as a prototype-less object, for the check path: a keyed read of an object whose
 * keys are the catalog's strings took 11–18 ns against 17–22 ns for `Map.get` in a
 * micro-benchmark (random actions, a loaded machine); `Object.create(null)` so that no
 * inherited name (`constructor`, `__proto__`) is ever an action.
 */
const actionIds: Readonly<Record<string, number | undefined>> = Object.assign(
  Object.create(null) as Record<string, number>,
  Object.fromEntries(allActions.map((a, i) => [a, i])),
)

/** The integer id of an action of the catalog, undefined for anything else. */
export function actionId(action: string): number | undefined {
  return actionIds[action]
}

/** The attributes a condition may read on one resource type, e.g. `AttrOf<'user'>`. */
export type AttrOf<R extends ResourceType> = keyof Catalog[R]['attributes'] & string

/** The declared attributes of a type and their kinds (S1). */
export function attributesOf(type: ResourceType): Readonly<Record<string, AttrKind>> {
  return catalog[type].attributes
}

// Fail at load: every scope attribute is a declared attribute of its type.
for (const [type, def] of Object.entries(catalog) as [string, ResourceDef][]) {
  for (const attr of Object.values(def.scope)) {
    if (!(attr in def.attributes))
      throw new Error(`catalog: ${type}.${attr} scopes but is not an attribute`)
  }
  if (def.attributes['id'] !== 'string') throw new Error(`catalog: ${type} has no id attribute`)
}
