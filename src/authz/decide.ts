/**
 * Decisions. One evaluation (`evaluate`) serves `decide`, `check`, batches and `explain`; the
 * explanation is the same walk with its trace kept.
 */
import { actionId, attributesOf, resourceOf, type Action } from './catalog.js'
import {
  planAnd,
  planConst,
  planNot,
  planOr,
  residual,
  type EvalInput,
  type LocalTime,
  type PlanCondition,
  type PlanInput,
  TRUE,
} from './condition.js'
import {
  ALLOWED,
  EVALUATE,
  NOT_GRANTED,
  allowDecision,
  capFields,
  denyDecision,
  entryOf,
  fieldRank,
  maxFields,
  type ActionEntry,
  type ActionRule,
  type BoundSubject,
  type Quick,
} from './compile.js'
import type { Decision, Explanation, ReasonCode, TraceEntry } from './decision.js'
import type { Env, FieldLevel, Limits, Resource, Scope } from './model.js'

const denied: Record<ReasonCode, Decision> = {
  granted: denyDecision('granted'),
  restricted: denyDecision('restricted'),
  not_granted: denyDecision('not_granted'),
  out_of_scope: denyDecision('out_of_scope'),
  condition_not_met: denyDecision('condition_not_met'),
  grant_inactive: denyDecision('grant_inactive'),
  other_company: denyDecision('other_company'),
}

const empty: Readonly<Record<string, unknown>> = Object.freeze({})

function input(s: BoundSubject, resource: Resource | undefined, env: Env): EvalInput {
  let local: LocalTime | undefined
  return {
    res: resource ? (resource.attrs ?? {}) : undefined,
    resId: resource?.id,
    sub: s.sub,
    subId: s.subId,
    subUnit: s.subUnit,
    env: env as unknown as Record<string, unknown>,
    local: () => (local ??= s.policy.localTime(env.now)),
  }
}

/** What list plans know: subject, environment and the attribute kinds of the action's type. */
function planInput(s: BoundSubject, action: Action, env: Env): PlanInput {
  return {
    sub: s.sub,
    subId: s.subId,
    subUnit: s.subUnit,
    env: env as unknown as Record<string, unknown>,
    local: input(s, undefined, env).local,
    kinds: attributesOf(resourceOf(action)),
  }
}

/**
 * The one evaluation behind `decide`, `check`, `decideMany` and `explain`: the subject's own,
 * and, in a preview (G4), bounded by the ceiling's (`within`).
 */
function evaluate(
  s: BoundSubject,
  action: string,
  resource: Resource | undefined,
  env: Env,
  trace?: TraceEntry[],
): Decision {
  const c = s.ceiling
  const renamed = s.policy.renamed
  if (c === undefined && renamed === undefined) return evaluateOwn(s, action, resource, env, trace)
  const from = trace?.length ?? 0
  let own = evaluateOwn(s, action, resource, env, trace)
  // a company on a core compiled with other ids: its decisions name its own (compile.ts Renamed)
  if (renamed !== undefined) {
    own = renamed.decision(own)
    if (trace !== undefined) renamed.trace(trace, from)
  }
  if (c === undefined) return own
  if (!own.allowed && trace === undefined) return own
  const above: TraceEntry[] | undefined = trace && []
  const top = evaluate(c, action, resource, env, above)
  if (trace !== undefined && above !== undefined)
    for (const e of above) trace.push({ ...e, by: 'previewer' })
  return within(own, top)
}

const withinMemo = new WeakMap<Decision, WeakMap<Decision, Decision>>()

/**
 * G4: a preview's decision (`own`) bounded by its viewer's (`top`): allowed only when both allow
 * (a denial of the viewer's is answered with its own reason and rule); then every field at the
 * stricter level, every limit the lower, every obligation either asks for (audit, reason,
 * approval). The rules named are the preview's. Memoised per pair (decisions are frozen).
 */
function within(own: Decision, top: Decision): Decision {
  if (!own.allowed) return own
  if (!top.allowed) return top
  let byTop = withinMemo.get(own)
  const hit = byTop?.get(top)
  if (hit !== undefined) return hit
  const fields: Record<string, FieldLevel> = {}
  for (const [f, l] of Object.entries(own.obligations.fields)) {
    const t = top.obligations.fields[f]
    fields[f] = t !== undefined && fieldRank(t) < fieldRank(l) ? t : l
  }
  const lower = (k: keyof Limits): number | undefined => {
    const a = own.obligations.limits?.[k]
    const b = top.obligations.limits?.[k]
    return a === undefined ? b : b === undefined ? a : Math.min(a, b)
  }
  const perDay = lower('perDay')
  const concurrent = lower('concurrent')
  const limits =
    perDay === undefined && concurrent === undefined
      ? undefined
      : Object.freeze({
          ...(perDay !== undefined ? { perDay } : {}),
          ...(concurrent !== undefined ? { concurrent } : {}),
        })
  const d: Decision = Object.freeze({
    allowed: true,
    reason: own.reason,
    matched: own.matched,
    obligations: Object.freeze({
      fields: Object.freeze(fields),
      ...(limits ? { limits } : {}),
      audit: own.obligations.audit || top.obligations.audit,
      reasonRequired: own.obligations.reasonRequired || top.obligations.reasonRequired,
      approvalRequired: own.obligations.approvalRequired || top.obligations.approvalRequired,
    }),
  })
  if (byTop === undefined) withinMemo.set(own, (byTop = new WeakMap()))
  byTop.set(top, d)
  return d
}

/**
 * The subject's own evaluation. The table's byte for the action answers every unconditional
 * case; only entries that need a record, a condition, a restriction or a cap walk their rules
 * (`evaluateEntry`).
 */
function evaluateOwn(
  s: BoundSubject,
  action: string,
  resource: Resource | undefined,
  env: Env,
  trace?: TraceEntry[],
): Decision {
  if (
    resource !== undefined &&
    resource.companyId !== undefined &&
    resource.companyId !== s.companyId
  )
    return denied.other_company
  const id = actionId(action)
  if (id === undefined) return denied.not_granted
  const code = s.codes.charCodeAt(id)
  if (code === NOT_GRANTED) return denied.not_granted
  const entry = s.entries[id] as ActionEntry
  if (trace === undefined) {
    if (code === ALLOWED) return entry.constant as Decision
    // one allow, no deny, no cap, a quick form (compile.ts quickOf): its test of the record is
    // the whole walk's answer, and its scope-only test the reason of a miss (no window to miss)
    const miss = entry.quickScope
    if (miss !== undefined && resource !== undefined) {
      const attrs = resource.attrs ?? empty
      if ((entry.quick as Quick)(s, attrs)) return (entry.allows[0] as ActionRule).decision
      return miss(s, attrs) ? denied.condition_not_met : denied.out_of_scope
    }
  }
  return evaluateEntry(s, entry, resource, env, true, trace)
}

/**
 * Walk an entry's rules. `full` false (check): only `allowed` of the result counts, so the walk
 * stops at the first allow that matches and skips working out why nothing did.
 */
function evaluateEntry(
  s: BoundSubject,
  entry: ActionEntry,
  resource: Resource | undefined,
  env: Env,
  full: boolean,
  trace?: TraceEntry[],
): Decision {
  if (resource === undefined) return evaluateTypeLevel(s, entry, env, trace)
  const i = s.policy.scratch.fill(s, resource.attrs ?? empty, resource.id, env)
  let deny: Decision | undefined
  const denies = entry.denies
  for (let j = 0; j < denies.length; j++) {
    const d = denies[j] as ActionRule
    const hit = d.ok(i)
    trace?.push({
      rule: d.rule.ref,
      effect: 'deny',
      outcome: hit ? 'matched' : 'condition_not_met',
    })
    if (hit && deny === undefined) {
      deny = d.decision
      if (trace === undefined) return deny
    }
  }
  const allows = entry.allows
  if (!full && trace === undefined) {
    // check: caps never change `allowed`, and the reason for "no" is not asked for
    for (let j = 0; j < allows.length; j++) {
      const a = allows[j] as ActionRule
      if (a.ok(i)) return a.decision
    }
    return denied.not_granted
  }
  // Which allows and caps matched, as bits: the merged decision is memoised per combination.
  let allowMask = 0
  let matches = 0
  let first: ActionRule | undefined
  let scopeMiss = false
  let inactive = false
  let condMiss = false
  for (let j = 0; j < allows.length; j++) {
    const a = allows[j] as ActionRule
    if (deny !== undefined && trace === undefined) break
    if (a.ok(i)) {
      first ??= a
      matches++
      allowMask |= 1 << j
      trace?.push({ rule: a.rule.ref, effect: 'allow', outcome: 'matched' })
    } else if (trace !== undefined || first === undefined) {
      // why it missed: only needed for the trace, or for the reason if nothing matches
      const outcome = missOf(a, i)
      if (outcome === 'out_of_scope') scopeMiss = true
      else if (outcome === 'inactive') inactive = true
      else condMiss = true
      trace?.push({ rule: a.rule.ref, effect: 'allow', outcome })
    }
  }
  let capMask = 0
  const caps = entry.caps
  for (let j = 0; j < caps.length; j++) {
    const c = caps[j] as ActionRule
    const hit = c.ok(i)
    trace?.push({ rule: c.rule.ref, effect: 'cap', outcome: hit ? 'matched' : 'condition_not_met' })
    if (hit) capMask |= 1 << j
  }
  if (deny !== undefined) return deny
  if (first === undefined) {
    return denied[
      condMiss
        ? 'condition_not_met'
        : inactive
          ? 'grant_inactive'
          : scopeMiss
            ? 'out_of_scope'
            : 'not_granted'
    ]
  }
  if (matches === 1 && capMask === 0) return first.decision
  return merged(entry, allowMask, capMask)
}

function missOf(a: ActionRule, i: EvalInput): TraceEntry['outcome'] {
  if (!a.scopeOk(i)) return 'out_of_scope'
  if (!a.windowOk(i)) return 'inactive'
  return 'condition_not_met'
}

/** The decision of several matching rules (and caps), built once per combination. */
function merged(entry: ActionEntry, allowMask: number, capMask: number): Decision {
  const memo = entry.allows.length + entry.caps.length <= 30
  const key = allowMask + capMask * 2 ** entry.allows.length
  const hit = memo ? entry.merged?.get(key) : undefined
  if (hit !== undefined) return hit
  const rules = entry.allows.filter((_, j) => allowMask & (1 << j))
  const caps = entry.caps.filter((_, j) => capMask & (1 << j))
  const fields = caps.length ? capFields(maxFields(rules), caps) : maxFields(rules)
  const d = allowDecision(entry.action, rules, fields)
  if (memo) (entry.merged ??= new Map()).set(key, d)
  return d
}

/**
 * Type-level check (no record): may the subject do this to at least some record? Used for
 * functional permissions (P1: may open the module). It is the list plan, asked "is it none?".
 */
function evaluateTypeLevel(
  s: BoundSubject,
  entry: ActionEntry,
  env: Env,
  trace?: TraceEntry[],
): Decision {
  const known = planInput(s, entry.action, env)
  for (const d of entry.denies) {
    const r = planAnd([
      residual(d.scopeExpr, known),
      residual(d.rule.window, known),
      residual(d.rule.when, known),
    ])
    const hit = r.kind === 'const' && r.value
    trace?.push({
      rule: d.rule.ref,
      effect: 'deny',
      outcome: hit ? 'matched' : 'condition_not_met',
    })
    if (hit) return d.decision
  }
  const rules: ActionRule[] = []
  for (const a of entry.allows) {
    const inScope = residual(a.scopeExpr, known)
    const active = residual(a.rule.window, known)
    const cond = residual(a.rule.when, known)
    const outcome: TraceEntry['outcome'] = isFalse(inScope)
      ? 'out_of_scope'
      : isFalse(active)
        ? 'inactive'
        : isFalse(cond) || isFalse(planAnd([inScope, cond]))
          ? 'condition_not_met'
          : 'matched'
    trace?.push({ rule: a.rule.ref, effect: 'allow', outcome })
    if (outcome === 'matched') rules.push(a)
  }
  if (rules.length === 0) return denied[entry.allows.length ? 'condition_not_met' : 'not_granted']
  return rules.length === 1 && entry.caps.length === 0
    ? (rules[0] as ActionRule).decision
    : allowDecision(entry.action, rules, capFields(maxFields(rules), entry.caps))
}

function isFalse(c: PlanCondition): boolean {
  return c.kind === 'const' && !c.value
}

/**
 * Decide one request. Never throws for "no": the reason says why.
 * Omit `resource` to ask at type level ("may they create tickets at all?").
 * @example
 * const d = decide(agent, 'ticket.edit', { type: 'ticket', id: 't1', attrs: { status: 'closed' } }, { now })
 * d.allowed // false
 * d.reason  // 'condition_not_met'
 */
export function decide(
  s: BoundSubject,
  action: Action,
  resource: Resource | undefined,
  env: Env,
): Decision {
  return evaluate(s, action, resource, env)
}

/**
 * `decide(...).allowed`, for hot paths: the same evaluation, answered from the table's byte when
 * the action's answer does not depend on the record, and without working out a reason for "no".
 */
export function check(
  s: BoundSubject,
  action: Action,
  resource: Resource | undefined,
  env: Env,
): boolean {
  if (s.ceiling !== undefined) return evaluate(s, action, resource, env).allowed
  if (
    resource !== undefined &&
    resource.companyId !== undefined &&
    resource.companyId !== s.companyId
  )
    return false
  const id = actionId(action)
  if (id === undefined) return false
  const code = s.codes.charCodeAt(id)
  if (code !== EVALUATE) return code === ALLOWED
  const entry = s.entries[id] as ActionEntry
  // one allow and nothing that can deny: that allow's own test of the record (compile.ts quickOf)
  const quick = entry.quick
  if (quick !== undefined && resource !== undefined) return quick(s, resource.attrs ?? empty)
  return evaluateEntry(s, entry, resource, env, false).allowed
}

/** Batch form: one decision per request, in order. */
export function decideMany(
  s: BoundSubject,
  requests: readonly { readonly action: Action; readonly resource?: Resource }[],
  env: Env,
): Decision[] {
  return requests.map((r) => evaluate(s, r.action, r.resource, env))
}

/**
 * The same evaluation as `decide`, keeping every rule it considered and why it matched or not.
 * @example
 * explain(agent, 'customer.view', customer, { now }).trace
 * // [{ rule: { kind: 'restriction', id: 'after-hours' }, effect: 'deny', outcome: 'matched' }, …]
 */
export function explain(
  s: BoundSubject,
  action: Action,
  resource: Resource | undefined,
  env: Env,
): Explanation {
  const trace: TraceEntry[] = []
  const d = evaluate(s, action, resource, env, trace)
  return { ...d, action, trace }
}

/** A list filter: everything, nothing, or the records matching a residual condition (Cerbos-style). */
export type Plan =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'where'; readonly condition: PlanCondition }

const ALL: Plan = { kind: 'all' }
const NONE: Plan = { kind: 'none' }

/**
 * The records of one type a subject may act on, from the same rules as `decide`: a record
 * passes the plan exactly when `decide` allows it (the conformance suite proves it). The
 * company filter is the caller's (the SQL adapter always adds it).
 * @example
 * planFilter(agent, 'ticket.view', { now }) // { kind: 'where', condition: { kind: 'compare', op: 'eq', field: 'assigneeId', value: 'u1' } }
 */
export function planFilter(s: BoundSubject, action: Action, env: Env): Plan {
  const own = planOwn(s, action, env)
  const c = s.ceiling
  if (c === undefined || own.kind === 'none') return own
  // G4: a preview lists what both it and its viewer may (each plan is already residual)
  const top = planFilter(c, action, env)
  if (top.kind === 'none' || own.kind === 'all') return top
  if (top.kind === 'all') return own
  return { kind: 'where', condition: planAnd([own.condition, top.condition]) }
}

function planOwn(s: BoundSubject, action: Action, env: Env): Plan {
  const entry = entryOf(s, action)
  if (entry === undefined) return NONE
  if (entry.constant !== undefined) return ALL
  const known = planInput(s, action, env)
  const rule = (a: ActionRule) =>
    planAnd([
      residual(a.scopeExpr, known),
      residual(a.rule.window, known),
      residual(a.rule.when, known),
    ])
  const c = planAnd([planOr(entry.allows.map(rule)), planNot(planOr(entry.denies.map(rule)))])
  if (c.kind === 'const') return c.value ? ALL : NONE
  return { kind: 'where', condition: c }
}

export { planConst }

/** One permission a subject holds, for "what can I do" views (`GET /me`, the console). */
export interface EffectivePermission {
  readonly action: Action
  /** The data scopes of the grants that give it. */
  readonly scopes: readonly Scope[]
  /**
   * True when something besides the data scope can still deny a record the scopes reach: a
   * grant's condition (`when`), a temporary grant's validity window, or a restriction on the
   * action. A plain scoped grant (`own`, `team`, …) is not conditional: its scope says which
   * records, and every one of them is allowed.
   */
  readonly conditional: boolean
}

/**
 * Does anything but scope decide `entry` for some record? A conditional allow is moot when an
 * unconditional one (no condition, no window) covers its scope: the same scope, or the company.
 */
function carriesCondition(entry: ActionEntry): boolean {
  if (entry.denies.length > 0) return true
  const plain = entry.allows.filter((a) => a.rule.when === TRUE && a.rule.window === TRUE)
  const covered = (a: ActionRule) =>
    plain.some(
      (p) =>
        p.rule.scope === 'company' || JSON.stringify(p.rule.scope) === JSON.stringify(a.rule.scope),
    )
  return entry.allows.some((a) => !plain.includes(a) && !covered(a))
}

/** In a preview (G4): the viewer's own rules for the action can deny a record too. */
function ceilingCarriesCondition(c: BoundSubject | undefined, action: Action): boolean {
  if (c === undefined) return false
  const entry = entryOf(c, action)
  return (
    (entry !== undefined && carriesCondition(entry)) || ceilingCarriesCondition(c.ceiling, action)
  )
}

/**
 * Every action the subject may take on at least some record now, with the scopes that give it.
 * @example effectivePermissions(me, { now }).map((p) => p.action) // ['ticket.view', …]
 */
export function effectivePermissions(s: BoundSubject, env: Env): EffectivePermission[] {
  const out: EffectivePermission[] = []
  for (const entry of s.entries) {
    if (entry === undefined || !evaluate(s, entry.action, undefined, env).allowed) continue
    out.push({
      action: entry.action,
      scopes: [...new Set(entry.allows.map((a) => a.rule.scope))],
      conditional: carriesCondition(entry) || ceilingCarriesCondition(s.ceiling, entry.action),
    })
  }
  return out.sort((a, b) => a.action.localeCompare(b.action))
}
