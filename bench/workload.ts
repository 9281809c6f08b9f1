/**
 * The generated workload every library runs: same users, roles, resources and checks, from a
 * seeded PRNG, so every run (and every library) sees exactly the same requests. Nothing here is
 * timed; each peer turns it into its own representation in `prepare` (untimed) and `load` (timed).
 */
import {
  allActions,
  catalog,
  resourceOf,
  type Action,
  type ResourceType,
} from '../src/authz/index.js'

export const variants = ['rbac', 'tenants', 'conditional'] as const
export type Variant = (typeof variants)[number]

export const sizes = {
  users: 10_000,
  roles: 30,
  checks: 1_000_000,
  tenants: 100,
  teams: 50,
  tickets: 10_000,
  /** tenants variant: share of checks on a record of the user's own tenant */
  sameTenant: 0.9,
  /** conditional variant: share of checks on a ticket of the user's own team */
  sameTeam: 0.5,
} as const

export const statuses = ['open', 'pending', 'closed'] as const
export type Status = (typeof statuses)[number]

/** The action the conditional variant checks: "update a ticket". */
export const conditionalAction: Action = 'ticket.edit'

export interface RoleSpec {
  readonly index: number
  readonly id: string
  /** unconditional, company-wide actions (indices into `actions`) */
  readonly actions: readonly number[]
  /** conditional variant: may edit tickets of the own team that are not closed */
  readonly editsTeamTickets: boolean
}

export interface UserSpec {
  readonly index: number
  readonly id: string
  readonly tenant: number
  readonly team: number
  readonly roles: readonly number[]
}

export interface ResourceSpec {
  readonly index: number
  readonly id: string
  readonly type: number
  readonly tenant: number
  readonly team: number
  readonly status: Status
}

export interface Workload {
  readonly variant: Variant
  readonly seed: number
  readonly actions: readonly Action[]
  readonly types: readonly ResourceType[]
  /** action index → type index */
  readonly actionType: Int32Array
  /** action index → verb (`edit` of `ticket.edit`) */
  readonly verbs: readonly string[]
  readonly roles: readonly RoleSpec[]
  readonly users: readonly UserSpec[]
  readonly resources: readonly ResourceSpec[]
  readonly tenants: number
  readonly teams: number
  readonly checkUser: Int32Array
  readonly checkAction: Int32Array
  readonly checkResource: Int32Array
  /** ground truth from the workload's own definition, independent of every library */
  readonly expected: Uint8Array
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const tenantId = (t: number) => `c${t}`
export const teamId = (t: number) => `team${t}`
export const roleId = (r: number) => `r${r}`

export function generate(variant: Variant, seed = 20250601): Workload {
  const rand = prng(seed)
  const int = (n: number) => Math.floor(rand() * n)
  const actions = allActions
  const types = Object.keys(catalog) as ResourceType[]
  const typeIndex = new Map(types.map((t, i) => [t, i]))
  const actionType = Int32Array.from(actions, (a) => typeIndex.get(resourceOf(a)) as number)
  const verbs = actions.map((a) => a.slice(a.indexOf('.') + 1))
  const edit = actions.indexOf(conditionalAction)
  const conditional = variant === 'conditional'

  // 30 roles of very different breadth: each grants every action with its own probability
  const roles: RoleSpec[] = []
  for (let r = 0; r < sizes.roles; r++) {
    const density = 0.05 + 0.45 * rand()
    const granted: number[] = []
    for (let a = 0; a < actions.length; a++) {
      if (rand() < density && !(conditional && a === edit)) granted.push(a)
    }
    if (granted.length === 0) granted.push(int(actions.length))
    roles.push({
      index: r,
      id: roleId(r),
      actions: granted,
      editsTeamTickets: conditional && r % 3 === 0,
    })
  }

  const tenants = variant === 'tenants' ? sizes.tenants : 1
  const users: UserSpec[] = []
  for (let u = 0; u < sizes.users; u++) {
    const count = 1 + int(3)
    const mine = new Set<number>()
    while (mine.size < count) mine.add(int(sizes.roles))
    users.push({
      index: u,
      id: `u${u}`,
      tenant: u % tenants,
      team: int(sizes.teams),
      roles: [...mine],
    })
  }

  // resources: rbac one per type; tenants one per (tenant, type); conditional a pool of tickets
  const resources: ResourceSpec[] = []
  const ticketType = typeIndex.get('ticket') as number
  const byTeam: number[][] = Array.from({ length: sizes.teams }, () => [])
  if (conditional) {
    for (let i = 0; i < sizes.tickets; i++) {
      const team = int(sizes.teams)
      const status = statuses[int(statuses.length)] as Status
      resources.push({ index: i, id: `t${i}`, type: ticketType, tenant: 0, team, status })
      byTeam[team]?.push(i)
    }
  } else {
    for (let t = 0; t < tenants; t++) {
      for (let ty = 0; ty < types.length; ty++) {
        const index = resources.length
        resources.push({ index, id: `x${index}`, type: ty, tenant: t, team: 0, status: 'open' })
      }
    }
  }

  const grants = new Uint8Array(sizes.roles * actions.length)
  for (const role of roles)
    for (const a of role.actions) grants[role.index * actions.length + a] = 1

  const n = sizes.checks
  const checkUser = new Int32Array(n)
  const checkAction = new Int32Array(n)
  const checkResource = new Int32Array(n)
  const expected = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const user = users[int(users.length)] as UserSpec
    let action: number
    let resource: number
    let ok: boolean
    if (conditional) {
      action = edit
      const mine = byTeam[user.team] as number[]
      resource =
        rand() < sizes.sameTeam && mine.length > 0
          ? (mine[int(mine.length)] as number)
          : int(resources.length)
      const t = resources[resource] as ResourceSpec
      ok =
        user.roles.some((r) => (roles[r] as RoleSpec).editsTeamTickets) &&
        t.team === user.team &&
        t.status !== 'closed'
    } else {
      action = int(actions.length)
      let tenant = user.tenant
      if (tenants > 1 && rand() >= sizes.sameTenant)
        tenant = (user.tenant + 1 + int(tenants - 1)) % tenants
      resource = tenant * types.length + (actionType[action] as number)
      ok =
        tenant === user.tenant && user.roles.some((r) => grants[r * actions.length + action] === 1)
    }
    checkUser[i] = user.index
    checkAction[i] = action
    checkResource[i] = resource
    expected[i] = ok ? 1 : 0
  }

  return {
    variant,
    seed,
    actions,
    types,
    actionType,
    verbs,
    roles,
    users,
    resources,
    tenants,
    teams: sizes.teams,
    checkUser,
    checkAction,
    checkResource,
    expected,
  }
}

/** A short description of the workload's shape, for the report. */
export function describe(w: Workload): Record<string, number | string> {
  let allowed = 0
  for (let i = 0; i < w.expected.length; i++) allowed += w.expected[i] as number
  const roleSets = new Set(w.users.map((u) => [...u.roles].sort((a, b) => a - b).join(','))).size
  const grants = w.roles.reduce((n, r) => n + r.actions.length, 0)
  return {
    actions: w.actions.length,
    types: w.types.length,
    roleGrants: grants,
    distinctRoleSets: roleSets,
    resources: w.resources.length,
    allowedShare: `${((100 * allowed) / w.expected.length).toFixed(1)}%`,
  }
}
