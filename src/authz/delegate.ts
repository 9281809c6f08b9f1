/**
 * Safe delegation: a person may grant only what they hold, with a scope no wider, conditions no
 * looser, fields no more revealing, limits no higher and the same obligations. Conservative by
 * design: whatever cannot be shown to be narrower is refused, with the reason.
 */
import { TRUE, type Expr, type Term } from './condition.js'
import {
  actionRule,
  compileTemporaryGrants,
  entryOf,
  fieldRank,
  type ActionRule,
  type BoundSubject,
  type Rule,
} from './compile.js'
import type { Grant, Resource, Scope, TemporaryGrant } from './model.js'

export interface DelegationVerdict {
  readonly allowed: boolean
  readonly violations: readonly { readonly action: string; readonly reason: string }[]
}

const ALL = 'all' as const
type UnitSet = ReadonlySet<string> | typeof ALL | undefined

function unitsOf(scope: Scope, holder: BoundSubject): UnitSet {
  const tree = holder.policy.subtree
  const unit = holder.subject.orgUnitId ?? undefined
  if (scope === 'company') return ALL
  if (scope === 'team') return new Set(unit ? [unit] : [])
  if (scope === 'subtree') return new Set(unit ? (tree.get(unit) ?? [unit]) : [])
  if (typeof scope === 'object' && 'subtree' in scope) return new Set(tree.get(scope.subtree) ?? [])
  return undefined
}

function subset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (!b.has(x)) return false
  return true
}

function scopeCovered(
  held: ActionRule,
  granter: BoundSubject,
  g: Scope,
  grantee: BoundSubject,
  record?: Resource,
): boolean {
  const r = held.rule.scope
  if (r === 'company') return true
  // S17: a subtree grows with every unit created under it; a team scope never does, so a team
  // holder cannot give a subtree even while their team is a leaf.
  const grows = g === 'subtree' || (typeof g === 'object' && 'subtree' in g)
  if (grows && r === 'team') return false
  const gUnits = unitsOf(g, grantee)
  const rUnits = unitsOf(r, granter)
  if (gUnits !== undefined && gUnits !== ALL && rUnits !== undefined && rUnits !== ALL)
    return subset(gUnits, rUnits)
  if (g === 'own' && r === 'own') return grantee.subject.id === granter.subject.id
  if (g === 'project' && r === 'project') {
    return subset(
      new Set(grantee.subject.projectIds ?? []),
      new Set(granter.subject.projectIds ?? []),
    )
  }
  if (
    typeof g === 'object' &&
    'record' in g &&
    record !== undefined &&
    (record.id ?? record.attrs?.['id']) === g.record
  ) {
    return held.scopeOk({
      res: record.attrs ?? {},
      resId: g.record,
      sub: granter.sub,
      subId: granter.subId,
      subUnit: granter.subUnit,
      env: {},
      local: () => ({ minutes: 0, weekday: 1 }),
    })
  }
  return false
}

/** Replace subject references by the holder's values, so two people's conditions compare. */
function bindSub(e: Expr, sub: Readonly<Record<string, unknown>>): Expr {
  const term = (t: Term): Term =>
    t.t === 'sub' ? { t: 'lit', v: JSON.stringify(sub[t.name] ?? null) } : t
  switch (e.k) {
    case 'cmp':
      return { ...e, a: term(e.a), b: term(e.b) }
    case 'in':
      return { ...e, a: term(e.a), list: Array.isArray(e.list) ? e.list : term(e.list as Term) }
    case 'and':
    case 'or':
      return { ...e, items: e.items.map((i) => bindSub(i, sub)) }
    case 'not':
      return { ...e, item: bindSub(e.item, sub) }
    default:
      return e
  }
}

const same = (a: Expr, b: Expr) => JSON.stringify(a) === JSON.stringify(b)

/** Sound, incomplete: true only when `g` certainly implies `r`. */
function implies(g: Expr, r: Expr): boolean {
  if (r === TRUE || (r.k === 'const' && r.v)) return true
  if (same(g, r)) return true
  if (g.k === 'const' && !g.v) return true
  if (r.k === 'and') return r.items.every((i) => implies(g, i))
  if (r.k === 'or' && r.items.some((i) => implies(g, i))) return true
  if (g.k === 'and') return g.items.some((i) => implies(i, r))
  if (g.k === 'or') return g.items.every((i) => implies(i, r))
  return false
}

const SCOPE_WIDER = 'scope wider than what the granter holds'

function whyNot(
  held: ActionRule,
  want: ActionRule,
  granter: BoundSubject,
  grantee: BoundSubject,
  grant: Grant,
  record?: Resource,
): string | undefined {
  const h = held.rule
  const w = want.rule
  if (!scopeCovered(held, granter, grant.scope, grantee, record)) return SCOPE_WIDER
  if (h.window !== TRUE) {
    const hw = h.window as { from: number; until: number }
    const ww = w.window as { k: string; from?: number; until?: number }
    if (ww.k !== 'window' || (ww.from as number) < hw.from || (ww.until as number) > hw.until) {
      return "lasts longer than the granter's own temporary grant"
    }
  }
  if (!implies(bindSub(w.when, grantee.sub), bindSub(h.when, granter.sub)))
    return 'condition looser than the granter’s'
  for (const [f, level] of Object.entries(want.fields)) {
    if (fieldRank(level) > fieldRank(held.fields[f] ?? 'hidden'))
      return `field ${f} more revealing than the granter’s`
  }
  for (const k of ['perDay', 'concurrent'] as const) {
    const hl = h.limits?.[k]
    const wl = w.limits?.[k]
    if (hl !== undefined && (wl === undefined || wl > hl))
      return `limit ${k} higher than the granter’s`
  }
  if (h.audit && !w.audit) return 'drops the audit obligation'
  if (h.reasonRequired && !w.reasonRequired) return 'drops the reason obligation'
  if (h.approvalRequired && !w.approvalRequired) return 'drops the approval obligation'
  return undefined
}

/**
 * Does a restriction both people are under hold the grantee back wherever it holds the granter
 * back? Its scope and condition may read the subject (`team`, `subject.level`): the same rule can
 * bind a novice granter and spare a lead grantee, and then it is no shield for what is granted.
 */
function restrictsAsMuch(d: ActionRule, granter: BoundSubject, grantee: BoundSubject): boolean {
  const s = d.rule.scope
  if (s === 'own') {
    if (granter.subject.id !== grantee.subject.id) return false
  } else if (s === 'project') {
    const theirs = new Set(grantee.subject.projectIds ?? [])
    if (!(granter.subject.projectIds ?? []).every((p) => theirs.has(p))) return false
  } else {
    const mine = unitsOf(s, granter)
    const theirs = unitsOf(s, grantee)
    if (theirs !== ALL && mine !== undefined) {
      if (mine === ALL || theirs === undefined || !subset(mine, theirs)) return false
    }
  }
  return implies(bindSub(d.rule.when, granter.sub), bindSub(d.rule.when, grantee.sub))
}

/**
 * May `granter` give `grant` to `grantee`? Pass the record for a one-record grant.
 * @example
 * canDelegate(teamLead, agent, { actions: ['customer.view'], scope: 'team' }).allowed
 */
export function canDelegate(
  granter: BoundSubject,
  grantee: BoundSubject,
  grant: Grant | TemporaryGrant,
  options: { readonly record?: Resource } = {},
): DelegationVerdict {
  if (granter.ceiling !== undefined) {
    // G4: in a preview, what the preview holds and its viewer holds too
    const own = canDelegate({ ...granter, ceiling: undefined }, grantee, grant, options)
    const top = canDelegate(granter.ceiling, grantee, grant, options)
    const violations = [...own.violations, ...top.violations]
    return { allowed: violations.length === 0, violations }
  }
  const temp: TemporaryGrant =
    'validFrom' in grant
      ? grant
      : { ...grant, id: 'delegation', validFrom: -8.64e15, validUntil: 8.64e15 }
  const [rule] = compileTemporaryGrants(granter.policy, { ...granter.subject, grants: [temp] }) as [
    Rule,
  ]
  const violations: { action: string; reason: string }[] = []
  for (const action of rule.actions) {
    const want = actionRule(
      granter.policy,
      'validFrom' in grant ? rule : { ...rule, window: TRUE },
      action,
    )
    const entry = entryOf(granter, action)
    const held = entry?.allows ?? []
    if (held.length === 0) {
      violations.push({ action, reason: 'the granter does not hold this action' })
      continue
    }
    const foreignDeny = (entry?.denies ?? []).find(
      (d) =>
        !entryOf(grantee, action)?.denies.some(
          (x) => x.rule === d.rule && restrictsAsMuch(d, granter, grantee),
        ),
    )
    if (foreignDeny) {
      violations.push({
        action,
        // the restriction by the company's own id (compile.ts Renamed)
        reason: `the granter is restricted here (${(granter.policy.renamed?.ref(foreignDeny.rule.ref) ?? foreignDeny.rule.ref).id})`,
      })
      continue
    }
    const capped = (r: ActionRule): ActionRule => {
      const caps = entry?.caps ?? []
      if (caps.length === 0) return r
      const fields: Record<string, (typeof r.fields)[string]> = { ...r.fields }
      for (const c of caps)
        for (const [f, l] of Object.entries(c.fields))
          if (fieldRank(l) < fieldRank(fields[f] ?? 'edit')) fields[f] = l
      return { ...r, fields }
    }
    const reasons = held.map((h) =>
      whyNot(capped(h), want, granter, grantee, grant, options.record),
    )
    if (reasons.every((r) => r !== undefined)) {
      // the most telling reason: from a held rule whose scope does reach the grantee, if any
      const reason = reasons.find((r) => r !== SCOPE_WIDER) ?? (reasons[0] as string)
      violations.push({ action, reason })
    }
  }
  return { allowed: violations.length === 0, violations }
}
