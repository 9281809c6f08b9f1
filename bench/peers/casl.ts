/**
 * @casl/ability, the way its documentation recommends: `ability(rules)`, the fast path
 * `ability.can(action, 'subjectType')` when the answer does not depend on the record, and
 * `ability.can(action, subject('type', record))` (the `subject` helper) when rules carry conditions.
 */
import { createMongoAbility, subject, type MongoAbility, type RawRuleOf } from '@casl/ability'
import type { Config, Loaded } from '../harness.js'
import type { Variant, Workload } from '../workload.js'

type Rule = RawRuleOf<MongoAbility>
type Record_ = { companyId?: number; status?: string; teamId?: number }

interface Data {
  readonly verbs: readonly string[]
  /** action index → resource type string */
  readonly subjects: readonly string[]
  /** plain records, already tagged by `subject()` (tagging mutates the object once) */
  readonly records: readonly Record_[]
  readonly recordTenant: Int32Array
  readonly userRoles: readonly Int32Array[]
  readonly userTenant: Int32Array
  readonly userTeam: Int32Array
}

const cache = new WeakMap<Workload, Data>()

function data(w: Workload): Data {
  let d = cache.get(w)
  if (d) return d
  const records = w.resources.map((r) => {
    const type = w.types[r.type] as string
    if (w.variant === 'conditional') return subject(type, { status: r.status, teamId: r.team })
    return subject(type, { companyId: r.tenant })
  })
  d = {
    verbs: w.verbs,
    subjects: Array.from(w.actionType, (t) => w.types[t] as string),
    records,
    recordTenant: Int32Array.from(w.resources, (r) => r.tenant),
    userRoles: w.users.map((u) => Int32Array.from(u.roles)),
    userTenant: Int32Array.from(w.users, (u) => u.tenant),
    userTeam: Int32Array.from(w.users, (u) => u.team),
  }
  cache.set(w, d)
  return d
}

export function prepareCasl(w: Workload): void {
  data(w)
}

/** A role's rules; `tenant` adds a companyId condition, `team` the conditional ticket rule. */
function rulesOf(w: Workload, role: number, tenant?: number, team?: number): Rule[] {
  const spec = w.roles[role] as Workload['roles'][number]
  const rules: Rule[] = spec.actions.map((a) => {
    const rule: Rule = {
      action: w.verbs[a] as string,
      subject: w.types[w.actionType[a] as number] as string,
    }
    if (tenant !== undefined) rule.conditions = { companyId: tenant }
    return rule
  })
  if (spec.editsTeamTickets && team !== undefined) {
    rules.push({
      action: 'edit',
      subject: 'ticket',
      conditions: { status: { $ne: 'closed' }, teamId: team },
    })
  }
  return rules
}

function ability(rules: Rule[]): MongoAbility {
  return createMongoAbility<MongoAbility>(rules)
}

function roleSetKey(roles: Int32Array): string {
  return [...roles].sort((a, b) => a - b).join(',')
}

function perRole(w: Workload): MongoAbility[] {
  return w.roles.map((r) => ability(rulesOf(w, r.index)))
}

/** rbac / tenants: answers that only depend on (action, type): `can(verb, 'type')`. */
function rbacConfigs(variant: Variant): Config[] {
  const tenants = variant === 'tenants'
  const appTenant = tenants ? ' + tenant compare in app code' : ''
  const configs: Config[] = [
    {
      library: 'casl',
      name: `per role${appTenant}`,
      variant,
      native: !tenants,
      note: `one ability per role (${tenants ? 'shared by all tenants' : '30'}); a user's check is roles.some(r => ability[r].can(verb, 'type'))${tenants ? '; the tenant is compared by the application' : ''}`,
      load(w): Loaded {
        const d = data(w)
        const abilities = perRole(w)
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const { verbs, subjects, userRoles, userTenant, recordTenant } = d
        const one = (i: number): boolean => {
          const u = U[i] as number
          if (tenants && userTenant[u] !== recordTenant[R[i] as number]) return false
          const a = A[i] as number
          const verb = verbs[a] as string
          const type = subjects[a] as string
          const rs = userRoles[u] as Int32Array
          for (let k = 0; k < rs.length; k++) {
            if ((abilities[rs[k] as number] as MongoAbility).can(verb, type)) return true
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
    },
    {
      library: 'casl',
      name: `per role set${appTenant}`,
      variant,
      native: !tenants,
      note: `one ability per distinct set of roles, shared by the users holding it; ability.can(verb, 'type')${tenants ? '; the tenant is compared by the application' : ''}`,
      load(w): Loaded {
        const d = data(w)
        const bySet = new Map<string, MongoAbility>()
        const userAbility = d.userRoles.map((rs) => {
          const key = roleSetKey(rs)
          let ab = bySet.get(key)
          if (!ab) bySet.set(key, (ab = ability([...rs].flatMap((r) => rulesOf(w, r)))))
          return ab
        })
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const { verbs, subjects, userTenant, recordTenant } = d
        const one = (i: number): boolean => {
          const u = U[i] as number
          if (tenants && userTenant[u] !== recordTenant[R[i] as number]) return false
          const a = A[i] as number
          return (userAbility[u] as MongoAbility).can(verbs[a] as string, subjects[a] as string)
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
    configs.push({
      library: 'casl',
      name: 'per user',
      variant,
      native: true,
      note: "one ability per user (10,000), built from the user's roles; ability.can(verb, 'type')",
      load(w): Loaded {
        const d = data(w)
        const userAbility = w.users.map((u) => ability(u.roles.flatMap((r) => rulesOf(w, r))))
        const { checkUser: U, checkAction: A } = w
        const { verbs, subjects } = d
        const one = (i: number): boolean => {
          const a = A[i] as number
          return (userAbility[U[i] as number] as MongoAbility).can(
            verbs[a] as string,
            subjects[a] as string,
          )
        }
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) out[i] = one(i) ? 1 : 0
          },
          one,
        }
      },
    })
  } else {
    configs.push(
      {
        library: 'casl',
        name: 'per user, tenant condition',
        variant,
        native: true,
        note: "one ability per user whose rules carry { companyId: user's tenant }; can(verb, subject('type', record))",
        load(w): Loaded {
          const d = data(w)
          const userAbility = w.users.map((u) =>
            ability(u.roles.flatMap((r) => rulesOf(w, r, u.tenant))),
          )
          const { checkUser: U, checkAction: A, checkResource: R } = w
          const { verbs, subjects, records } = d
          const one = (i: number): boolean => {
            const a = A[i] as number
            const rec = records[R[i] as number] as Record_
            return (userAbility[U[i] as number] as MongoAbility).can(
              verbs[a] as string,
              subject(subjects[a] as string, rec),
            )
          }
          return {
            run(from, to, out) {
              for (let i = from; i < to; i++) out[i] = one(i) ? 1 : 0
            },
            one,
          }
        },
      },
      {
        library: 'casl',
        name: 'per tenant × role set, tenant condition',
        variant,
        native: true,
        note: "one ability per (tenant, role set) with { companyId: tenant } conditions, shared; can(verb, subject('type', record))",
        load(w): Loaded {
          const d = data(w)
          const byKey = new Map<string, MongoAbility>()
          const userAbility = w.users.map((u) => {
            const key = `${u.tenant}|${roleSetKey(d.userRoles[u.index] as Int32Array)}`
            let ab = byKey.get(key)
            if (!ab) byKey.set(key, (ab = ability(u.roles.flatMap((r) => rulesOf(w, r, u.tenant)))))
            return ab
          })
          const { checkUser: U, checkAction: A, checkResource: R } = w
          const { verbs, subjects, records } = d
          const one = (i: number): boolean => {
            const a = A[i] as number
            const rec = records[R[i] as number] as Record_
            return (userAbility[U[i] as number] as MongoAbility).can(
              verbs[a] as string,
              subject(subjects[a] as string, rec),
            )
          }
          return {
            run(from, to, out) {
              for (let i = from; i < to; i++) out[i] = one(i) ? 1 : 0
            },
            one,
          }
        },
      },
    )
  }
  return configs
}

/** conditional: every check is ticket.edit on a record, so rules with conditions decide. */
function conditionalConfigs(): Config[] {
  return [
    {
      library: 'casl',
      name: 'per user',
      variant: 'conditional',
      native: true,
      note: "one ability per user; the team rule is { status: { $ne: 'closed' }, teamId: user.teamId }; can('edit', subject('ticket', record))",
      load(w): Loaded {
        const d = data(w)
        const userAbility = w.users.map((u) =>
          ability(u.roles.flatMap((r) => rulesOf(w, r, undefined, u.team))),
        )
        const { checkUser: U, checkResource: R } = w
        const { records } = d
        const one = (i: number): boolean =>
          (userAbility[U[i] as number] as MongoAbility).can(
            'edit',
            subject('ticket', records[R[i] as number] as Record_),
          )
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) out[i] = one(i) ? 1 : 0
          },
          one,
        }
      },
    },
    {
      library: 'casl',
      name: 'per role × team',
      variant: 'conditional',
      native: true,
      note: "one ability per role, and per (role, team) for roles with the team rule (shared); roles.some(r => ability.can('edit', subject('ticket', record)))",
      load(w): Loaded {
        const d = data(w)
        const abilities = w.roles.map((r) =>
          r.editsTeamTickets
            ? Array.from({ length: w.teams }, (_, t) => ability(rulesOf(w, r.index, undefined, t)))
            : [ability(rulesOf(w, r.index))],
        )
        const { checkUser: U, checkResource: R } = w
        const { records, userRoles, userTeam } = d
        const one = (i: number): boolean => {
          const u = U[i] as number
          const team = userTeam[u] as number
          const rec = subject('ticket', records[R[i] as number] as Record_)
          const rs = userRoles[u] as Int32Array
          for (let k = 0; k < rs.length; k++) {
            const byTeam = abilities[rs[k] as number] as MongoAbility[]
            const ab = (byTeam.length === 1 ? byTeam[0] : byTeam[team]) as MongoAbility
            if (ab.can('edit', rec)) return true
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
    },
  ]
}

export function caslConfigs(variant: Variant): Config[] {
  return variant === 'conditional' ? conditionalConfigs() : rbacConfigs(variant)
}
