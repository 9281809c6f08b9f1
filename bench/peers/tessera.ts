/**
 * Tessera, used as the application will: one compiled policy per company (per policy version),
 * one bound subject per user, `check` per request.
 */
import {
  bindSubject,
  check,
  clearSharedCaches,
  compilePolicy,
  decide,
  type Action,
  type BoundSubject,
  type CompiledPolicy,
  type Env,
  type Grant,
  type Policy,
  type Resource,
  type ResourceType,
  type Role,
  type Subject,
} from '../../src/authz/index.js'
import type { Config, Loaded } from '../harness.js'
import { conditionalAction, teamId, tenantId, type Variant, type Workload } from '../workload.js'

const env: Env = { now: Date.UTC(2025, 5, 2, 10, 0) }

function roles(w: Workload): Role[] {
  return w.roles.map((r) => {
    const byType = new Map<number, number[]>()
    for (const a of r.actions) {
      const t = w.actionType[a] as number
      byType.set(t, [...(byType.get(t) ?? []), a])
    }
    const grants: Grant[] = []
    for (const [t, acts] of byType) {
      const type = w.types[t] as ResourceType
      const all = acts.length === w.actions.filter((a) => a.startsWith(`${type}.`)).length
      const actions = all ? [`${type}.*` as const] : acts.map((a) => w.actions[a] as Action)
      grants.push({ actions, scope: 'company' })
    }
    if (r.editsTeamTickets) {
      grants.push({
        actions: [conditionalAction],
        scope: 'team',
        when: { ne: [{ ref: 'resource.status' }, 'closed'] },
      })
    }
    return { id: r.id, name: `Role ${r.index}`, kind: 'custom', grants }
  })
}

function policy(w: Workload, tenant: number, shared: Role[]): Policy {
  const orgUnits: Record<string, string | null> = { root: null }
  for (let t = 0; t < w.teams; t++) orgUnits[teamId(t)] = 'root'
  return { version: `bench-${tenant}`, timeZone: 'Asia/Shanghai', orgUnits, roles: shared }
}

/** The requests as the application would hold them: subjects and records. */
interface Data {
  readonly policies: Policy[]
  readonly subjects: Subject[]
  readonly records: Resource[]
  readonly actions: readonly Action[]
}

const cache = new WeakMap<Workload, Data>()

function data(w: Workload): Data {
  let d = cache.get(w)
  if (d) return d
  const shared = roles(w)
  const policies = Array.from({ length: w.tenants }, (_, t) => policy(w, t, shared))
  const subjects = w.users.map((u): Subject => ({
    id: u.id,
    companyId: tenantId(u.tenant),
    orgUnitId: teamId(u.team),
    roles: u.roles.map((r) => (w.roles[r] as { id: string }).id),
  }))
  const records = w.resources.map((r): Resource => ({
    type: w.types[r.type] as ResourceType,
    id: r.id,
    companyId: tenantId(r.tenant),
    attrs: w.variant === 'conditional' ? { status: r.status, orgUnitId: teamId(r.team) } : {},
  }))
  d = { policies, subjects, records, actions: w.actions }
  cache.set(w, d)
  return d
}

function bindAll(w: Workload, d: Data): { engines: CompiledPolicy[]; bound: BoundSubject[] } {
  const engines = d.policies.map(compilePolicy)
  const bound = d.subjects.map((s, i) =>
    bindSubject(engines[(w.users[i] as { tenant: number }).tenant] as CompiledPolicy, s),
  )
  return { engines, bound }
}

export function tesseraConfigs(variant: Variant): Config[] {
  const configs: Config[] = [
    {
      library: 'tessera',
      reset: clearSharedCaches,
      name: 'check',
      variant,
      native: true,
      note: 'compilePolicy per company, bindSubject per user at load, check(bound, action, record, env)',
      load(w): Loaded {
        const d = data(w)
        const { bound } = bindAll(w, d)
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const acts = d.actions
        const recs = d.records
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) {
              const b = bound[U[i] as number] as BoundSubject
              out[i] = check(b, acts[A[i] as number] as Action, recs[R[i] as number], env) ? 1 : 0
            }
          },
          one: (i) =>
            check(
              bound[U[i] as number] as BoundSubject,
              acts[A[i] as number] as Action,
              recs[R[i] as number],
              env,
            ),
        }
      },
    },
    {
      library: 'tessera',
      reset: clearSharedCaches,
      name: 'decide',
      variant,
      native: true,
      note: 'same, decide(...).allowed: the full Decision (reason, matched rules, obligations)',
      load(w): Loaded {
        const d = data(w)
        const { bound } = bindAll(w, d)
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const acts = d.actions
        const recs = d.records
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) {
              const b = bound[U[i] as number] as BoundSubject
              const dec = decide(b, acts[A[i] as number] as Action, recs[R[i] as number], env)
              out[i] = dec.allowed ? 1 : 0
            }
          },
          one: (i) =>
            decide(
              bound[U[i] as number] as BoundSubject,
              acts[A[i] as number] as Action,
              recs[R[i] as number],
              env,
            ).allowed,
        }
      },
    },
    {
      library: 'tessera',
      reset: clearSharedCaches,
      name: 'bind+check',
      variant,
      native: true,
      eligible: false,
      runs: 1,
      note: 'bindSubject on every check (a request that binds its subject), then check; compilePolicy at load',
      load(w): Loaded {
        const d = data(w)
        const engines = d.policies.map(compilePolicy)
        const byUser = w.users.map((u) => engines[u.tenant] as CompiledPolicy)
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const acts = d.actions
        const recs = d.records
        const subs = d.subjects
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) {
              const u = U[i] as number
              const b = bindSubject(byUser[u] as CompiledPolicy, subs[u] as Subject)
              out[i] = check(b, acts[A[i] as number] as Action, recs[R[i] as number], env) ? 1 : 0
            }
          },
          one(i) {
            const u = U[i] as number
            const b = bindSubject(byUser[u] as CompiledPolicy, subs[u] as Subject)
            return check(b, acts[A[i] as number] as Action, recs[R[i] as number], env)
          },
        }
      },
    },
  ]
  if (variant === 'tenants') {
    configs.push({
      library: 'tessera',
      reset: clearSharedCaches,
      name: 'check, one policy for all tenants',
      variant,
      native: true,
      note: "every tenant has the same policy here, so one compilePolicy serves them all and role-set tables are shared across tenants; check still denies another company's records (companyId)",
      load(w): Loaded {
        const d = data(w)
        const engine = compilePolicy(d.policies[0] as Policy)
        const bound = d.subjects.map((s) => bindSubject(engine, s))
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const acts = d.actions
        const recs = d.records
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) {
              const b = bound[U[i] as number] as BoundSubject
              out[i] = check(b, acts[A[i] as number] as Action, recs[R[i] as number], env) ? 1 : 0
            }
          },
          one: (i) =>
            check(
              bound[U[i] as number] as BoundSubject,
              acts[A[i] as number] as Action,
              recs[R[i] as number],
              env,
            ),
        }
      },
    })
  }
  if (variant === 'tenants') {
    configs.push({
      library: 'tessera',
      reset: clearSharedCaches,
      name: 'check, own ids',
      variant,
      native: true,
      runs: 3,
      note: "as `check` (100 companies, same roles and tree), but each company's roles and org units have ids of their own (`c7-r0`, `c7-team3` …), as in the database, where every company's preset roles and units are rows with their own UUIDs",
      load(w): Loaded {
        const d = data(w)
        const own = (t: number, id: string) => `c${t}-${id}`
        const engines = d.policies.map((p, t) =>
          compilePolicy({
            ...p,
            orgUnits: Object.fromEntries(
              Object.entries(p.orgUnits).map(([u, parent]) => [
                own(t, u),
                parent === null ? null : own(t, parent),
              ]),
            ),
            roles: p.roles.map((r) => ({ ...r, id: own(t, r.id) })),
          }),
        )
        const bound = d.subjects.map((s, i) => {
          const t = (w.users[i] as { tenant: number }).tenant
          return bindSubject(engines[t] as CompiledPolicy, {
            ...s,
            orgUnitId: typeof s.orgUnitId === 'string' ? own(t, s.orgUnitId) : null,
            roles: s.roles.map((r) => own(t, r)),
          })
        })
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const acts = d.actions
        const recs = d.records
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) {
              const b = bound[U[i] as number] as BoundSubject
              out[i] = check(b, acts[A[i] as number] as Action, recs[R[i] as number], env) ? 1 : 0
            }
          },
          one: (i) =>
            check(
              bound[U[i] as number] as BoundSubject,
              acts[A[i] as number] as Action,
              recs[R[i] as number],
              env,
            ),
        }
      },
    })
    configs.push({
      library: 'tessera',
      reset: clearSharedCaches,
      name: `check, ${manyCompanies.toLocaleString('en-US')} companies`,
      variant,
      native: true,
      runs: 1,
      note: `${manyCompanies.toLocaleString('en-US')} compiled policies with the same roles (one per company, as ${manyCompanies.toLocaleString('en-US')} companies on their presets would have); user i is bound to policy i, records and answers as in the other rows (the subject's companyId still decides the tenant)`,
      load(w): Loaded {
        const d = data(w)
        const base = d.policies[0] as Policy
        const engines = Array.from({ length: manyCompanies }, (_, c) =>
          compilePolicy({ ...base, version: `bench-many-${c}` }),
        )
        const bound = d.subjects.map((s, i) =>
          bindSubject(engines[i % manyCompanies] as CompiledPolicy, s),
        )
        const { checkUser: U, checkAction: A, checkResource: R } = w
        const acts = d.actions
        const recs = d.records
        return {
          run(from, to, out) {
            for (let i = from; i < to; i++) {
              const b = bound[U[i] as number] as BoundSubject
              out[i] = check(b, acts[A[i] as number] as Action, recs[R[i] as number], env) ? 1 : 0
            }
          },
          one: (i) =>
            check(
              bound[U[i] as number] as BoundSubject,
              acts[A[i] as number] as Action,
              recs[R[i] as number],
              env,
            ),
        }
      },
    })
  }
  return configs
}

/** The larger company count measured beside the workload's 100 tenants (issue 8, point 3). */
export const manyCompanies = Number(process.env['TESSERA_BENCH_COMPANIES'] ?? 10_000)

/** Prepare the untimed data up front, so the first configuration's load does not pay for it. */
export function prepareTessera(w: Workload): void {
  data(w)
}
