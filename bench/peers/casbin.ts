/**
 * node-casbin with the "RBAC with domains" model of its documentation. Casbin evaluates the
 * matcher once per policy line on every check, so it is timed on a capped prefix of the stream.
 */
import {
  newCachedEnforcer,
  newEnforcer,
  newModelFromString,
  StringAdapter,
  type Enforcer,
} from 'casbin'
import type { Config, Loaded } from '../harness.js'
import { tenantId, type Variant, type Workload } from '../workload.js'

export const casbinCap = { maxChecks: 5_000, maxMs: 1_500 }

function model(matcher: string, cond: boolean): string {
  return [
    '[request_definition]',
    'r = sub, dom, obj, act',
    '[policy_definition]',
    cond ? 'p = sub, dom, obj, act, cond' : 'p = sub, dom, obj, act',
    '[role_definition]',
    'g = _, _, _',
    '[policy_effect]',
    'e = some(where (p.eft == allow))',
    '[matchers]',
    `m = ${matcher}`,
  ].join('\n')
}

/** The documentation's matcher, and the same with the cheap equality terms first. */
function matchers(variant: Variant): { docs: string; cheapFirst: string } {
  if (variant === 'conditional') {
    return {
      docs: 'g(r.sub.id, p.sub, r.dom) && r.dom == p.dom && r.obj.type == p.obj && r.act == p.act && eval(p.cond)',
      cheapFirst:
        'r.obj.type == p.obj && r.act == p.act && r.dom == p.dom && g(r.sub.id, p.sub, r.dom) && eval(p.cond)',
    }
  }
  if (variant === 'tenants') {
    // one shared set of role permissions for every tenant (domain pattern `*`), as casbin's
    // performance page recommends; role assignments are per tenant
    return {
      docs: 'g(r.sub, p.sub, r.dom) && keyMatch(r.dom, p.dom) && r.obj == p.obj && r.act == p.act',
      cheapFirst:
        'r.obj == p.obj && r.act == p.act && g(r.sub, p.sub, r.dom) && keyMatch(r.dom, p.dom)',
    }
  }
  return {
    docs: 'g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act',
    cheapFirst: 'r.obj == p.obj && r.act == p.act && r.dom == p.dom && g(r.sub, p.sub, r.dom)',
  }
}

const teamCondition = "r.obj.status != 'closed' && r.obj.teamId == r.sub.teamId"

function policyCsv(w: Workload): string {
  const lines: string[] = []
  const cond = w.variant === 'conditional'
  const dom = w.variant === 'tenants' ? '*' : tenantId(0)
  for (const r of w.roles) {
    for (const a of r.actions) {
      const line = `p, ${r.id}, ${dom}, ${w.types[w.actionType[a] as number]}, ${w.verbs[a]}`
      lines.push(cond ? `${line}, true` : line)
    }
    if (r.editsTeamTickets) lines.push(`p, ${r.id}, ${dom}, ticket, edit, ${teamCondition}`)
  }
  for (const u of w.users) {
    for (const r of u.roles) lines.push(`g, ${u.id}, ${w.roles[r]?.id}, ${tenantId(u.tenant)}`)
  }
  return lines.join('\n')
}

interface Data {
  readonly csv: string
  readonly policyLines: number
  readonly subs: readonly (string | { id: string; teamId: number })[]
  readonly doms: readonly string[]
  readonly objs: readonly (string | { type: string; status: string; teamId: number })[]
  readonly verbs: readonly string[]
}

const cache = new WeakMap<Workload, Data>()

function data(w: Workload): Data {
  let d = cache.get(w)
  if (d) return d
  const cond = w.variant === 'conditional'
  const csv = policyCsv(w)
  d = {
    csv,
    policyLines: csv.split('\n').filter((l) => l.startsWith('p,')).length,
    subs: w.users.map((u) => (cond ? { id: u.id, teamId: u.team } : u.id)),
    doms: w.resources.map((r) => tenantId(r.tenant)),
    objs: w.resources.map((r) =>
      cond
        ? { type: w.types[r.type] as string, status: r.status, teamId: r.team }
        : (w.types[r.type] as string),
    ),
    verbs: w.verbs,
  }
  cache.set(w, d)
  return d
}

export function prepareCasbin(w: Workload): number {
  return data(w).policyLines
}

type Call = 'enforceSync' | 'enforce' | 'cached' | 'cached replay'

function config(variant: Variant, call: Call, matcher: 'docs' | 'cheapFirst'): Config {
  const m = matchers(variant)[matcher]
  const matcherNote =
    matcher === 'docs' ? "the docs' matcher" : 'matcher with the cheap equality terms first'
  const what: Record<Call, string> = {
    enforceSync: 'enforcer.enforceSync(sub, dom, obj, act)',
    enforce: 'await enforcer.enforce(sub, dom, obj, act)',
    cached:
      'CachedEnforcer: await enforce(...), decisions cached by request (cold: the stream rarely repeats)',
    'cached replay':
      'CachedEnforcer replaying the same capped prefix after filling its cache (100% hits; not the workload)',
  }
  const name = `${call === 'cached' ? 'CachedEnforcer' : call === 'cached replay' ? 'CachedEnforcer, warm replay' : call}, ${matcher === 'docs' ? 'docs matcher' : 'cheap terms first'}`
  return {
    library: 'casbin',
    name,
    variant,
    native: true,
    eligible: call !== 'cached replay',
    cap: { ...casbinCap, replay: call === 'cached replay' },
    note: `${what[call]}; ${matcherNote}: m = ${m}`,
    async load(w): Promise<Loaded> {
      const d = data(w)
      const mdl = newModelFromString(model(m, variant === 'conditional'))
      const adapter = new StringAdapter(d.csv)
      const e: Enforcer = call.startsWith('cached')
        ? await newCachedEnforcer(mdl, adapter)
        : await newEnforcer(mdl, adapter)
      const { checkUser: U, checkAction: A, checkResource: R } = w
      const { subs, doms, objs, verbs } = d
      if (call === 'enforceSync') {
        return {
          one: (i) =>
            e.enforceSync(
              subs[U[i] as number],
              doms[R[i] as number],
              objs[R[i] as number],
              verbs[A[i] as number],
            ),
        }
      }
      return {
        oneAsync: (i) =>
          e.enforce(
            subs[U[i] as number],
            doms[R[i] as number],
            objs[R[i] as number],
            verbs[A[i] as number],
          ),
      }
    },
  }
}

export function casbinConfigs(variant: Variant): Config[] {
  const configs = [
    config(variant, 'enforceSync', 'docs'),
    config(variant, 'enforceSync', 'cheapFirst'),
    config(variant, 'enforce', 'docs'),
  ]
  // CachedEnforcer only caches requests made of strings; the conditional variant passes objects
  if (variant !== 'conditional') {
    configs.push(
      config(variant, 'cached', 'cheapFirst'),
      config(variant, 'cached replay', 'cheapFirst'),
    )
  }
  return configs
}
