/**
 * accesscontrol v3: the grants object (role → resource → action → rules) passed to the
 * constructor, custom actions checked with `ac.can(roles).do(action, resource).granted`, and v3's
 * declarative conditions (`condition: [lhs, op, rhs]` over the check context) where records matter.
 */
import { AccessControl, type IGrants } from 'accesscontrol'
import type { Config, Loaded } from '../harness.js'
import type { Variant, Workload } from '../workload.js'

/** Conditions cost tens of µs per check here, so those configurations run on a capped prefix. */
export const accessControlCap = { maxChecks: 50_000, maxMs: 2_000 }

type Leaf = [unknown, string, unknown]
type Condition = Leaf | { and: Leaf[] }

const tenantCondition: Leaf = ['$.record.companyId', '==', '$.user.companyId']
const teamCondition: Condition = {
  and: [
    ['$.ticket.status', '!=', 'closed'],
    ['$.ticket.teamId', '==', '$.user.teamId'],
  ],
}

function grants(w: Workload, withTenant: boolean): IGrants {
  const out: IGrants = {}
  for (const r of w.roles) {
    const role: Record<
      string,
      Record<string, { attributes: string[]; condition?: Condition }[]>
    > = {}
    const add = (type: string, verb: string, condition?: Condition) => {
      const res = (role[type] ??= {})
      ;(res[verb] ??= []).push(condition ? { attributes: ['*'], condition } : { attributes: ['*'] })
    }
    for (const a of r.actions) {
      add(
        w.types[w.actionType[a] as number] as string,
        w.verbs[a] as string,
        withTenant ? tenantCondition : undefined,
      )
    }
    if (r.editsTeamTickets) add('ticket', 'edit', teamCondition)
    out[r.id] = role
  }
  return out
}

interface Data {
  readonly userRoles: readonly string[][]
  readonly users: readonly { companyId: number; teamId: number }[]
  readonly records: readonly { companyId: number; status: string; teamId: number }[]
  readonly types: readonly string[]
  readonly userTenant: Int32Array
  readonly recordTenant: Int32Array
}

const cache = new WeakMap<Workload, Data>()

function data(w: Workload): Data {
  let d = cache.get(w)
  if (d) return d
  d = {
    userRoles: w.users.map((u) => u.roles.map((r) => w.roles[r]?.id as string)),
    users: w.users.map((u) => ({ companyId: u.tenant, teamId: u.team })),
    records: w.resources.map((r) => ({ companyId: r.tenant, status: r.status, teamId: r.team })),
    types: Array.from(w.actionType, (t) => w.types[t] as string),
    userTenant: Int32Array.from(w.users, (u) => u.tenant),
    recordTenant: Int32Array.from(w.resources, (r) => r.tenant),
  }
  cache.set(w, d)
  return d
}

export function prepareAccessControl(w: Workload): void {
  data(w)
}

function rbacConfigs(variant: Variant): Config[] {
  const tenants = variant === 'tenants'
  const inApp = tenants ? ' + tenant compare in app code' : ''
  const configs: Config[] = [
    {
      library: 'accesscontrol',
      name: `can(roles).do(verb, type)${inApp}`,
      variant,
      native: !tenants,
      note: `new AccessControl(grants); ac.can(userRoles).do(verb, type).granted (all of the user's roles in one query)${tenants ? '; the tenant is compared by the application' : ''}`,
      load(w): Loaded {
        const d = data(w)
        const ac = new AccessControl(grants(w, false))
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const { userRoles, types, userTenant, recordTenant } = d
        const verbs = w.verbs
        const one = (i: number): boolean => {
          const u = U[i] as number
          if (tenants && userTenant[u] !== recordTenant[R[i] as number]) return false
          const a = A[i] as number
          return ac.can(userRoles[u] as string[]).do(verbs[a] as string, types[a] as string).granted
        }
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) out[i] = one(i) ? 1 : 0
          },
          one,
        }
      },
    },
  ]
  if (!tenants) {
    // one query per role: only on rbac (it is the slower way to ask accesscontrol)
    configs.push({
      library: 'accesscontrol',
      name: 'per role: can(role).do(verb, type)',
      variant,
      native: true,
      note: 'roles.some(r => ac.can(r).do(verb, type).granted)',
      load(w): Loaded {
        const d = data(w)
        const ac = new AccessControl(grants(w, false))
        const { checkUser: U, checkAction: A } = w
        const { userRoles, types } = d
        const verbs = w.verbs
        const one = (i: number): boolean => {
          const u = U[i] as number
          const a = A[i] as number
          const rs = userRoles[u] as string[]
          for (let k = 0; k < rs.length; k++) {
            if (ac.can(rs[k] as string).do(verbs[a] as string, types[a] as string).granted)
              return true
          }
          return false
        }
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) out[i] = one(i) ? 1 : 0
          },
          one,
        }
      },
    })
  }
  if (tenants) {
    configs.push({
      library: 'accesscontrol',
      name: 'tenant condition',
      variant,
      native: true,
      cap: accessControlCap,
      note: "every rule carries condition ['$.record.companyId', '==', '$.user.companyId']; ac.can(userRoles, { user, record }).do(verb, type).granted",
      load(w): Loaded {
        const d = data(w)
        const ac = new AccessControl(grants(w, true))
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const { userRoles, users, records, types } = d
        const verbs = w.verbs
        const one = (i: number): boolean => {
          const u = U[i] as number
          const a = A[i] as number
          const ctx = { user: users[u], record: records[R[i] as number] }
          return ac.can(userRoles[u] as string[], ctx).do(verbs[a] as string, types[a] as string)
            .granted
        }
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) out[i] = one(i) ? 1 : 0
          },
          one,
        }
      },
    })
  }
  return configs
}

function conditionalConfigs(): Config[] {
  return [
    {
      library: 'accesscontrol',
      name: 'team condition',
      variant: 'conditional',
      native: true,
      cap: accessControlCap,
      note: "the team rule carries condition { and: [['$.ticket.status', '!=', 'closed'], ['$.ticket.teamId', '==', '$.user.teamId']] }; ac.can(userRoles, { user, ticket }).do('edit', 'ticket').granted",
      load(w): Loaded {
        const d = data(w)
        const ac = new AccessControl(grants(w, false))
        const { checkUser: U, checkResource: R } = w
        const { userRoles, users, records } = d
        const one = (i: number): boolean => {
          const u = U[i] as number
          const ctx = { user: users[u], ticket: records[R[i] as number] }
          return ac.can(userRoles[u] as string[], ctx).do('edit', 'ticket').granted
        }
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) out[i] = one(i) ? 1 : 0
          },
          one,
        }
      },
    },
  ]
}

export function accessControlConfigs(variant: Variant): Config[] {
  return variant === 'conditional' ? conditionalConfigs() : rbacConfigs(variant)
}
