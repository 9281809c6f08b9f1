/**
 * Compiling a policy: validate once (fail at load, never at check), turn every grant and
 * restriction into rules with compiled predicates, and build per-role-set lookup tables that
 * all subjects holding the same roles share. `bindSubject` is the cheap per-request step.
 */
import {
  actionId,
  actionIndex,
  allActions,
  attributesOf,
  catalog,
  type AttrKind,
  resourceOf,
  type Action,
  type ResourceType,
  type Sensitivity,
} from './catalog.js'
import {
  ConditionError,
  EvalScratch,
  FALSE,
  TRUE,
  compileExpr,
  describeValue,
  parseCondition,
  compareOps,
  type EvalInput,
  type Expr,
  type LocalTime,
  type Predicate,
} from './condition.js'
import type { Decision, ReasonCode, RuleRef, TraceEntry } from './decision.js'
import type {
  FieldLevel,
  FieldRules,
  Grant,
  Limits,
  Policy,
  Restriction,
  Scope,
  Subject,
} from './model.js'
import { fieldLevels } from './model.js'

export class PolicyError extends Error {
  constructor(readonly problems: readonly { path: string; message: string }[]) {
    super(`invalid policy: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`)
    this.name = 'PolicyError'
  }
}

/**
 * A map that forgets its oldest entries (first in, first out) past `limit`: the process-wide
 * caches below are bounded.
 * Forgetting only loses sharing (the next policy that needs the thing builds it again); ids are
 * never reused, so a forgotten key can never be confused with a new one.
 */
class Bounded<K, V> {
  private readonly map = new Map<K, V>()
  constructor(private readonly limit: number) {}
  get(key: K): V | undefined {
    return this.map.get(key)
  }
  set(key: K, value: V): void {
    this.map.set(key, value)
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as K)
  }
  get size(): number {
    return this.map.size
  }
  clear(): void {
    this.map.clear()
  }
}

/**
 * Compiled structures shared by content across compiled policies (companies, policy versions):
 * 100 companies with the same presets compile their rules once and share one table per role set.
 * Pure in the sense that matters: what they hold is a function of the rules' content only.
 */
const shared = {
  /** rule content (effect, ref, source, resolved subtree) → the one Rule object for it */
  rules: new Bounded<string, Rule>(100_000),
  /** rule → its id in table keys */
  ruleIds: new WeakMap<Rule, number>(),
  /** the rules of a role set, as rule ids → its table */
  tables: new Bounded<string, Table>(50_000),
  /** (action, allow/deny/cap rule ids) → entry: role sets that share rules share entries */
  entries: new Bounded<string, ActionEntry>(500_000),
  /** IANA zone → the local clock of compiled policies in it (one date formatter per zone) */
  clocks: new Bounded<string, (now: number) => LocalTime>(1_000),
  /** (type, scope, condition, window) → one compiled check closure, for every rule that has it */
  predicates: new Bounded<string, Predicates>(50_000),
  actionRules: new WeakMap<Rule, Map<Action, ActionRule>>(),
  /**
   * Company and org-unit ids of bound subjects, one string object per content: every subject
   * of a company then points at the same string, which stays in the cache, instead of each at
   * its own copy read from its own row (see `canonical`).
   */
  names: new Bounded<string, string>(100_000),
  /**
   * A policy's canonical content (`canonicalForm`: everything but its version, its ids and its
   * org-unit tree) → what compiling it built: companies and policy versions whose policies are
   * the same content share one compiled core — its rules and its map of role sets to tables —
   * so a second company on the same policy costs a small object (its ids, its tree) and binds
   * its subjects to tables already built. Small: the keys are whole policies.
   */
  cores: new Bounded<string, Core>(128),
  /**
   * An org-unit tree's content → the tree compiled (`Tree`): companies whose trees are equal
   * (two versions of one company's policy) share one. A tree is not part of a core: each
   * company binds its own (`treeOf`).
   */
  trees: new Bounded<string, Tree>(1_000),
  /**
   * A restriction's ref whose label is the default (it names the restriction's id) → what comes
   * before the id in it: a company whose restriction ids are not its core's gets the label of
   * its own id (`Renamed`).
   */
  defaultLabels: new WeakMap<RuleRef, string>(),
  next: 0,
}

/**
 * A company's org-unit tree: its own (unit ids are rows with their own ids in every company),
 * bound beside the shared core like the company's role ids. A subject's `$subtree` comes from it;
 * a rule naming a unit (`{ subtree: id }`) puts that unit's subtree into the core's key instead
 * (`canonicalForm`), so the core's rules never read a company's tree.
 */
export interface Tree {
  /** The tree as the policy gives it (a frozen copy when it is plain data). */
  readonly orgUnits: Policy['orgUnits']
  /** unit id → the unit and every unit below it */
  readonly subtree: ReadonlyMap<string, readonly string[]>
  /** What is wrong with it (unknown parents, cycles); a tree with problems is never cached. */
  readonly problems: readonly Problem[]
  /** Plain data (`writeValue` took it): a policy with any other tree is never shared. */
  readonly plain: boolean
}

/**
 * A frozen copy of a tree (unit id → parent id or null) with no prototype: V8 keeps such an
 * object as a hash table, where a copy with the usual prototype would get a hidden class per
 * unit id — a chain of them per company, since every company's unit ids are its own.
 */
function dictionaryCopy(units: Policy['orgUnits']): Policy['orgUnits'] {
  const out = Object.create(null) as Record<string, string | null>
  for (const [k, v] of Object.entries(units)) out[k] = v
  return Object.freeze(out)
}

/** A company's tree compiled, or the one of equal content compiled before. */
function treeOf(units: Policy['orgUnits'] | undefined): Tree {
  const key = writeValue(units, 1)
  const hit = key === undefined ? undefined : shared.trees.get(key)
  if (hit !== undefined) return hit
  const problems: Problem[] = []
  const subtree = buildSubtree(units ?? {}, problems)
  const plain = key !== undefined
  // a policy without a tree (a caller's mistake) keeps it undefined, as it gave it
  const orgUnits = (plain && units ? dictionaryCopy(units) : units) as Policy['orgUnits']
  const tree: Tree = { orgUnits, subtree, problems, plain }
  if (plain && problems.length === 0) shared.trees.set(key, tree)
  return tree
}

/**
 * What a compiled policy holds that follows from its canonical content alone (shared by
 * `canonicalForm`'s key): compiled from the first policy of that content, whose ids its rules'
 * refs name (`coreIndex`).
 */
type Core = CoreParts & {
  /** The first policy's content, a frozen copy: every compiled policy of its ids reads it. */
  readonly content: Policy
  /** The first policy's ids and places by canonical index. */
  readonly canon: Places
}

/** What `compileNew` builds. */
type CoreParts = Omit<
  CompiledPolicy,
  'version' | 'policy' | 'timeZone' | 'orgUnits' | 'subtree' | 'index' | 'renamed'
>

/** Role and group ids → canonical index (`Canon`). */
export interface Index {
  readonly roles: ReadonlyMap<string, number>
  readonly groups: ReadonlyMap<string, number>
}

/** The core's ids → canonical index: its roles and groups, and its restrictions (`Canon`). */
export interface CoreIndex extends Index {
  readonly restrictions: ReadonlyMap<string, number>
}

function indexOf(canon: Places): Index {
  return {
    roles: new Map(canon.roleIds.map((id, c) => [id, c])),
    groups: new Map(canon.groupIds.map((id, c) => [id, c])),
  }
}

function coreIndexOf(canon: Places): CoreIndex {
  return {
    ...indexOf(canon),
    restrictions: new Map(canon.restrictionIds.map((id, c) => [id, c])),
  }
}

/**
 * A company whose role, group or restriction ids are not its core's (`coreIndex`): its
 * decisions and traces name its own ids (and a restriction's default label, which is its id,
 * its own). The core's decisions are shared frozen objects; each is translated once per company
 * and kept while it lives (weakly: a decision built per request is not kept after it).
 */
export class Renamed {
  private readonly refs = new WeakMap<RuleRef, RuleRef>()
  private readonly decisions = new WeakMap<Decision, Decision>()
  constructor(
    private readonly core: CoreIndex,
    private readonly own: Places,
  ) {}

  /** A rule ref of the core as this company's. */
  ref(r: RuleRef): RuleRef {
    if (r.kind === 'grant') return r
    const hit = this.refs.get(r)
    if (hit !== undefined) return hit
    const [index, ids] =
      r.kind === 'role'
        ? [this.core.roles, this.own.roleIds]
        : r.kind === 'group'
          ? [this.core.groups, this.own.groupIds]
          : [this.core.restrictions, this.own.restrictionIds]
    const c = index.get(r.id)
    const id = c === undefined ? undefined : ids[c]
    let out = r
    if (id !== undefined && id !== r.id) {
      const before = shared.defaultLabels.get(r)
      out = before === undefined ? { ...r, id } : { ...r, id, label: `${before}${id}` }
    }
    this.refs.set(r, out)
    return out
  }

  /** A decision of the core as this company's (the same object when it names no role). */
  decision(d: Decision): Decision {
    if (d.matched.length === 0) return d
    const hit = this.decisions.get(d)
    if (hit !== undefined) return hit
    const matched = d.matched.map((r) => this.ref(r))
    const out = matched.every((r, i) => r === d.matched[i])
      ? d
      : Object.freeze({ ...d, matched: Object.freeze(matched) })
    this.decisions.set(d, out)
    return out
  }

  /** The trace entries from `from` on, as this company's. */
  trace(trace: TraceEntry[], from: number): void {
    for (let i = from; i < trace.length; i++) {
      const e = trace[i] as TraceEntry
      const rule = this.ref(e.rule)
      if (rule !== e.rule) trace[i] = { ...e, rule }
    }
  }
}

/**
 * A frozen copy of plain data (what `contentKey` accepted: plain objects and arrays, no cycle):
 * what a shared core keeps of its policy, so that no caller's later change to the object it
 * compiled reaches the other companies' `policy`.
 */
function frozenCopy<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v
  if (Array.isArray(v)) return Object.freeze(v.map(frozenCopy)) as T
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) out[k] = frozenCopy(x)
  return Object.freeze(out) as T
}

/**
 * Forget everything the shared caches hold (compiled policies keep what they already use). For
 * benchmarks that measure a cold load, and for tests; never needed for correctness.
 */
export function clearSharedCaches(): void {
  shared.rules.clear()
  shared.tables.clear()
  shared.entries.clear()
  shared.predicates.clear()
  shared.clocks.clear()
  shared.names.clear()
  shared.cores.clear()
  shared.trees.clear()
}

/**
 * The shared copy of a company or org-unit id (equal content, so equal for every comparison):
 * a check compares the record's company and unit with the subject's, and the subject's side is
 * then a string every subject of the company shares rather than a cold copy per subject.
 */
function canonical(name: string): string {
  const hit = shared.names.get(name)
  if (hit !== undefined) return hit
  shared.names.set(name, name)
  return name
}

/** How many compiled things the process-wide caches hold (for the benchmark and the ops view). */
export function sharedCacheSizes(): {
  rules: number
  tables: number
  entries: number
  predicates: number
  cores: number
} {
  return {
    rules: shared.rules.size,
    tables: shared.tables.size,
    entries: shared.entries.size,
    predicates: shared.predicates.size,
    cores: shared.cores.size,
  }
}

/**
 * A policy's content as a string, one per content and content per string (injective over plain
 * data: every value is written with its type, object keys in their order — a condition's first
 * key is its operator — and `undefined`, `-0`, `NaN` apart from `null` and `0`). The version is
 * left out: two versions of one content compile alike. Undefined when the policy holds
 * anything but plain data (a class instance, a function, a sparse array, a cycle, a getter), or
 * is too deep: such a policy is compiled on its own, never shared.
 */
export function contentKey(policy: Policy): string | undefined {
  const fields = policyFields(policy)
  return fields === undefined ? undefined : writeValue(fields, 0)
}

/** The content fields of a policy (all but its version); undefined when one is a getter. */
function policyFields(policy: Policy): unknown[] | undefined {
  const proto = Object.getPrototypeOf(policy)
  if (proto !== Object.prototype && proto !== null) return undefined
  const fields: unknown[] = []
  for (const name of ['timeZone', 'orgUnits', 'roles', 'groups', 'restrictions']) {
    const d = Object.getOwnPropertyDescriptor(policy, name)
    if (d !== undefined && !('value' in d)) return undefined
    fields.push(d?.value)
  }
  return fields
}

/** One value as `contentKey` writes it (`depth`: how deep in the policy it sits). */
function writeValue(value: unknown, depth: number): string | undefined {
  const out: string[] = []
  const seen = new Set<object>()
  const write = (v: unknown, depth: number): boolean => {
    if (v === null) return out.push('n') > 0
    switch (typeof v) {
      case 'undefined':
        return out.push('u') > 0
      case 'boolean':
        return out.push(v ? 't' : 'f') > 0
      case 'number':
        return out.push(Object.is(v, -0) ? 'd-0' : `d${v}`) > 0
      case 'string':
        return out.push(JSON.stringify(v)) > 0
      case 'object':
        break
      default:
        return false
    }
    if (depth > 100 || seen.has(v)) return false
    seen.add(v)
    if (Array.isArray(v)) {
      out.push('[')
      for (let i = 0; i < v.length; i++) {
        if (!Object.hasOwn(v, i) || !write(v[i], depth + 1)) return false
        out.push(',')
      }
      out.push(']')
    } else {
      if (!plainRecord(v)) return false
      out.push('{')
      for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(v))) {
        if (!d.enumerable) continue
        out.push(JSON.stringify(k), ':')
        if (!write(d.value, depth + 1)) return false
        out.push(',')
      }
      out.push('}')
    }
    seen.delete(v)
    return true
  }
  return write(value, depth) ? out.join('') : undefined
}

/** A plain object whose enumerable properties are all data (no class instance, no getter). */
function plainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return false
  for (const d of Object.values(Object.getOwnPropertyDescriptors(v)))
    if (d.enumerable && !('value' in d)) return false
  return true
}

/**
 * A policy's roles and groups in canonical order, and the content key of the policy with its
 * role, group and restriction ids and its org-unit tree left out (`key`). Those ids are pure
 * identifiers: the engine reads role and group ids only to find a subject's rules and a
 * restriction's `appliesTo.roles`, decisions name them and restrictions, and the tree only gives
 * a subject's `$subtree` (and a named unit's subtree, below). So two companies whose policies
 * differ only by those ids and their trees (each company's preset roles, restrictions and org
 * units are rows with their own UUIDs) have one canonical content and share one compiled core;
 * each keeps its own ids here, by canonical index, and its own tree (`Tree`), and its decisions
 * name its own ids (`Renamed`).
 *
 * The canonical order sorts the roles (and the groups) by their content written with their ids
 * and their restrictions' ids left out, ties by their place in the policy: it depends on content
 * and places, never on ids, so a role set's rules — and a decision's `matched` — come in an
 * order that renaming does not change. The key writes each role with its id replaced by one
 * marker (its place in the sorted list stands for it) and each `appliesTo.roles` entry naming a
 * role of the policy as that role's canonical index (a number: never equal to an id, which is a
 * string); any other value (an id of no role here, which a subject may still hold) stays itself.
 * Restrictions stay in their places (which of two matching ones a denial names follows them);
 * each one's id is written as the marker too, and the key ends with the ids' pattern: the
 * restriction ids of the roles in canonical order and then the company's, each as the number of
 * its first appearance (`restrictionIds`), so equal ids stay equal and distinct ones distinct. A
 * rule whose scope names a unit (`{ subtree: id }`) reads the company's tree: the key writes,
 * per unit so named, whether the tree has it and its subtree list (those unit ids are then
 * content). Anything else is written as `contentKey` writes it, so the key is injective over
 * plain data up to the renaming and the trees.
 *
 * `key` is undefined when the policy is not plain data, its tree is invalid or a restriction has
 * no id of type string (compiled on its own, never shared); the whole result is undefined when
 * roles or groups are not a list of objects with distinct ids of type string (`compileNew` then
 * says what is wrong, or compiles them in their own order).
 */
export interface Canon {
  readonly key: string | undefined
  /** canonical index → this policy's role id */
  readonly roleIds: readonly string[]
  /** canonical index → the role's place in this policy's `roles` */
  readonly rolePlaces: readonly number[]
  readonly groupIds: readonly string[]
  readonly groupPlaces: readonly number[]
  /** canonical index → this policy's restriction id (the roles' in canonical order, then its own) */
  readonly restrictionIds: readonly string[]
}

/** What a compiled policy keeps of its `Canon`: its ids and places, not the key. */
type Places = Omit<Canon, 'key'>

const idMarker = 0

/** A role's content for the canonical order: its id and its restrictions' ids left out. */
function roleContent(x: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...x, id: idMarker }
  const xs = x['restrictions']
  if (Array.isArray(xs))
    out['restrictions'] = xs.map((r: unknown) =>
      plainRecord(r) && typeof r['id'] === 'string' ? { ...r, id: idMarker } : r,
    )
  return out
}

function canonicalOrder(
  list: unknown,
  depth: number,
  content: (x: Record<string, unknown>) => Record<string, unknown> = (x) => ({
    ...x,
    id: idMarker,
  }),
): { ids: string[]; places: number[]; keys: string[] | undefined } | undefined {
  if (!Array.isArray(list)) return undefined
  const ids: string[] = []
  const seen = new Set<string>()
  let keys: string[] | undefined = []
  for (const x of list as unknown[]) {
    const id = (x as { id?: unknown } | null)?.id
    if (typeof x !== 'object' || x === null || typeof id !== 'string' || seen.has(id))
      return undefined
    seen.add(id)
    ids.push(id)
    const k = keys && plainRecord(x) ? writeValue(content(x), depth) : undefined
    if (k === undefined) keys = undefined
    else keys?.push(k)
  }
  const places = ids.map((_, i) => i)
  if (keys !== undefined) {
    const ks = keys
    places.sort((a, b) => {
      const x = ks[a] as string
      const y = ks[b] as string
      return x < y ? -1 : x > y ? 1 : a - b
    })
  }
  return { ids: places.map((p) => ids[p] as string), places, keys }
}

/**
 * The restriction ids of the roles (in canonical order) and then of the company, each by the
 * number of its first appearance: the distinct ids and the pattern. Undefined when a list of
 * them is not a list, or one is not a plain object with a non-empty string id (such a policy is
 * not shared; `compileNew` says what is wrong).
 */
function restrictionIdsOf(
  roles: readonly unknown[],
  places: readonly number[],
  restrictions: unknown,
): { ids: string[]; pattern: number[] } | undefined {
  const at = new Map<string, number>()
  const ids: string[] = []
  const pattern: number[] = []
  const add = (list: unknown): boolean => {
    if (list === undefined) return true
    if (!Array.isArray(list)) return false
    for (let i = 0; i < list.length; i++) {
      const x: unknown = list[i]
      const id = plainRecord(x) ? x['id'] : undefined
      if (typeof id !== 'string' || id === '') return false
      let n = at.get(id)
      if (n === undefined) at.set(id, (n = ids.push(id) - 1))
      pattern.push(n)
    }
    return true
  }
  for (const p of places) if (!add((roles[p] as Record<string, unknown>)['restrictions'])) return
  return add(restrictions) ? { ids, pattern } : undefined
}

/**
 * The units rules name (`{ subtree: id }`), each with what compiling reads of the tree for it:
 * whether the tree has it (`checkScope`) and its subtree list (`scopeExpr`), in the order of
 * their content. Undefined when a rule list is not plain data (the key is then undefined too).
 */
function namedUnits(lists: readonly unknown[], tree: Tree): string | undefined {
  const units = (tree.orgUnits ?? {}) as Record<string, unknown>
  const named = new Map<string, unknown>()
  for (const list of lists) {
    if (!Array.isArray(list)) continue
    for (const x of list as unknown[]) {
      const scope = plainRecord(x) ? x['scope'] : undefined
      if (typeof scope !== 'object' || scope === null || !('subtree' in scope)) continue
      const unit = (scope as { subtree: unknown }).subtree
      const k = writeValue(unit, 3)
      if (k === undefined) return undefined
      if (!named.has(k))
        named.set(k, [Object.hasOwn(units, String(unit)), tree.subtree.get(unit as string) ?? null])
    }
  }
  const sorted = [...named.keys()].sort()
  return writeValue(
    sorted.map((k) => [k, named.get(k)]),
    1,
  )
}

export function canonicalForm(
  policy: Policy,
  tree: Tree = treeOf(policy.orgUnits),
): Canon | undefined {
  const fields = policyFields(policy)
  const roleList = fields === undefined ? policy.roles : fields[2]
  const roles = canonicalOrder(roleList, 2, roleContent)
  const groupList = fields === undefined ? policy.groups : fields[3]
  const groups = canonicalOrder(groupList ?? [], 2)
  if (roles === undefined || groups === undefined) return undefined
  const canon = {
    roleIds: roles.ids,
    rolePlaces: roles.places,
    groupIds: groups.ids,
    groupPlaces: groups.places,
    restrictionIds: [] as string[],
  }
  if (
    fields === undefined ||
    roles.keys === undefined ||
    groups.keys === undefined ||
    !tree.plain ||
    tree.problems.length > 0
  )
    return { ...canon, key: undefined }
  const [timeZone, , , , restrictions] = fields
  const xids = restrictionIdsOf(roleList as unknown[], roles.places, restrictions)
  if (xids === undefined) return { ...canon, key: undefined }
  canon.restrictionIds = xids.ids
  const index = new Map(roles.ids.map((id, c) => [id, c]))
  const list = (keys: readonly string[], places: readonly number[]) =>
    `[${places.map((p) => `${keys[p]},`).join('')}]`
  let renamed: unknown = restrictions
  if (Array.isArray(restrictions)) {
    renamed = []
    for (const x of restrictions as unknown[]) {
      if (!plainRecord(x)) return { ...canon, key: undefined }
      const to = x['appliesTo']
      const names = plainRecord(to) ? to['roles'] : undefined
      if (!Array.isArray(names)) {
        ;(renamed as unknown[]).push({ ...x, id: idMarker })
        continue
      }
      if (!plainRecord(to)) return { ...canon, key: undefined }
      // a value that is not a string is written in a list of its own: never equal to an index
      const roleNames = names.map((r: unknown) =>
        typeof r === 'string' ? (index.get(r) ?? r) : [r],
      )
      ;(renamed as unknown[]).push({ ...x, id: idMarker, appliesTo: { ...to, roles: roleNames } })
    }
  }
  const rules: unknown[] = [restrictions]
  for (const r of roleList as Record<string, unknown>[]) rules.push(r['grants'], r['restrictions'])
  for (const g of (groupList ?? []) as Record<string, unknown>[]) rules.push(g['grants'])
  const tz = writeValue(timeZone, 1)
  const units = namedUnits(rules, tree)
  const xs = writeValue(renamed, 1)
  if (tz === undefined || units === undefined || xs === undefined)
    return { ...canon, key: undefined }
  const gs = groupList === undefined ? 'u' : list(groups.keys, groups.places)
  const rs = list(roles.keys, roles.places)
  return { ...canon, key: `[${tz},${units},${rs},${gs},${xs},[${xids.pattern.join(',')}],]` }
}

interface Predicates {
  readonly scopeOk: Predicate
  readonly whenOk: Predicate
  readonly windowOk: Predicate
  readonly ok: Predicate
  readonly quick: Quick | undefined
  /** The scope alone as a `Quick`, when `quick` is set. */
  readonly quickScope: Quick | undefined
}

/**
 * `ok` for the check path's commonest rules, reading the bound subject and the record's
 * attributes directly: no evaluation input to fill, no call through the rule list. Same
 * semantics as `ok` with `res` = `attrs` (see `quickOf`).
 */
export type Quick = (s: BoundSubject, attrs: Readonly<Record<string, unknown>>) => boolean

/** A policy's rule, replaced by the shared one of the same content (and given its id). */
function internRule(rule: Rule, subtree: ReadonlyMap<string, readonly string[]>): Rule {
  const scope = rule.scope
  const units = typeof scope === 'object' && 'subtree' in scope ? subtree.get(scope.subtree) : null
  const key = JSON.stringify([rule.effect, rule.ref, rule.source, rule.window, units ?? null])
  const hit = shared.rules.get(key)
  if (hit !== undefined) return hit
  shared.rules.set(key, rule)
  shared.ruleIds.set(rule, shared.next++)
  return rule
}

/** A rule's id in table keys (rules not interned, such as temporary grants, get one on demand). */
function ruleId(rule: Rule): number {
  let id = shared.ruleIds.get(rule)
  if (id === undefined) shared.ruleIds.set(rule, (id = shared.next++))
  return id
}

/** A rule independent of any subject. */
export interface Rule {
  readonly ref: RuleRef
  readonly effect: 'allow' | 'deny' | 'cap'
  readonly actions: ReadonlySet<Action>
  readonly scope: Scope
  readonly when: Expr
  readonly window: Expr
  readonly fields: FieldRules | undefined
  readonly limits: Limits | undefined
  readonly audit: boolean
  readonly reasonRequired: boolean
  readonly approvalRequired: boolean
  readonly appliesTo?: Restriction['appliesTo']
  readonly source: Grant | Restriction
}

/** A rule specialised to one action (and so one resource type), with its closures. */
export interface ActionRule {
  readonly rule: Rule
  readonly action: Action
  readonly scopeExpr: Expr
  readonly scopeOk: Predicate
  readonly whenOk: Predicate
  readonly windowOk: Predicate
  /** scopeOk ∧ windowOk ∧ whenOk, skipping the parts that are always true. */
  readonly ok: Predicate
  /** `ok` as a `Quick`, for the shapes `quickOf` knows; undefined for the others. */
  readonly quick: Quick | undefined
  /** `scopeOk` as a `Quick`, set when `quick` is (the reason for a miss). */
  readonly quickScope: Quick | undefined
  readonly unconditional: boolean
  /** Field levels for every field of the type (allow: what it reveals; cap: the ceiling). */
  readonly fields: Readonly<Record<string, FieldLevel>>
  /** The decision when this rule alone decides (shared, frozen: no allocation per check). */
  readonly decision: Decision
  /** Identity (process-wide, never reused), for interning entries. */
  readonly uid: number
}

export interface ActionEntry {
  readonly action: Action
  readonly allows: readonly ActionRule[]
  readonly denies: readonly ActionRule[]
  readonly caps: readonly ActionRule[]
  /** Set when the answer never depends on the record or the environment. */
  readonly constant: Decision | undefined
  /** Decisions merged from several matching rules, memoised by which ones matched (lazily). */
  merged: Map<number, Decision> | undefined
  /**
   * For `check`: when no deny can match and one allow decides, and that allow has a `Quick`
   * form, `allowed` for a record is that function (caps never change `allowed`).
   */
  readonly quick: Quick | undefined
  /**
   * For `decide`: set only when `quick` is and the entry has no caps, so the full `Decision`
   * follows from the quick test alone — the allow's own decision when it passes; when it fails,
   * `out_of_scope` if this scope-only test fails too, else `condition_not_met` (a quick rule has
   * no validity window, so `inactive` cannot be its reason).
   */
  readonly quickScope: Quick | undefined
}

/** What a table says about an action before any rule runs (`Table.codes`). */
export const NOT_GRANTED = 0
export const ALLOWED = 1
export const EVALUATE = 2

/**
 * One role set's answers, shared by every subject (in every company) whose rules have the same
 * content. `codes` is the hot part: one character per catalog action id, so the unconditional
 * answer of a check is one byte read from a few hundred bytes per role set.
 */
export interface Table {
  /**
   * Per action id, one character whose code is NOT_GRANTED, ALLOWED (whatever the record:
   * `entries[id].constant`) or EVALUATE; read with `charCodeAt(id)`. A string rather than a
   * Uint8Array: a string's characters sit in the string object itself, where a typed array
   * over a few hundred bytes keeps them in a separate buffer — one dependent memory load per
   * check fewer, for the same bytes.
   */
  readonly codes: string
  /** Entries indexed by the catalog's integer action id (`actionIndex`). */
  readonly entries: readonly (ActionEntry | undefined)[]
}

export interface CompiledPolicy {
  readonly version: string | number
  readonly timeZone: string
  readonly policy: Policy
  readonly roleRules: ReadonlyMap<string, readonly Rule[]>
  readonly groupRules: ReadonlyMap<string, readonly Rule[]>
  readonly restrictionRules: readonly Rule[]
  /** unit id → the unit and every unit below it: the company's own tree (`Tree`), not the core's */
  readonly subtree: ReadonlyMap<string, readonly string[]>
  readonly localTime: (now: number) => LocalTime
  /**
   * This policy's role sets (sorted role and group ids) → their table, which comes from the
   * process-wide cache shared by content (`sharedTables`); bounded like it.
   */
  readonly tables: Map<string, Table>
  /** The check path's evaluation input, refilled per check (condition.ts `EvalScratch`). */
  readonly scratch: EvalScratch
  /** The company's org-unit tree as its policy gives it (temporary grants are checked against it). */
  readonly orgUnits: Policy['orgUnits']
  /** Each role's rules (its grants, then its restrictions) and each group's, by canonical index. */
  readonly rulesAt: {
    readonly roles: readonly (readonly Rule[])[]
    readonly groups: readonly (readonly Rule[])[]
  }
  /** The ids the core's rules name (`roleRules`, refs, `appliesTo.roles`) → canonical index. */
  readonly coreIndex: CoreIndex
  /** This policy's own ids → canonical index: how its subjects find their rules. */
  readonly index: Index
  /** Set when this policy's ids are not the core's: its decisions then name its own. */
  readonly renamed: Renamed | undefined
}

/** A subject bound to a compiled policy: what every check, plan and explanation takes. */
export interface BoundSubject {
  readonly policy: CompiledPolicy
  readonly subject: Subject
  readonly companyId: string
  readonly table: Table
  /** `table.codes` and `table.entries`, one indirection closer to the check. */
  readonly codes: string
  readonly entries: readonly (ActionEntry | undefined)[]
  /** What `subject.x` reads in conditions, plus the derived `$subtree`. */
  readonly sub: Readonly<Record<string, unknown>>
  /** `sub.id` and `sub.orgUnitId` on the bound subject itself, for the own and team scopes. */
  readonly subId: string
  readonly subUnit: string | null
  /**
   * G4 (a preview): the person previewing, whose own decisions bound this subject's. Every
   * decision is this subject's AND the ceiling's, every plan both plans, every field the
   * stricter level (decide.ts). Undefined for everyone else.
   */
  readonly ceiling: BoundSubject | undefined
}

const defaultLevel: Record<Sensitivity, FieldLevel> = {
  public: 'edit',
  internal: 'edit',
  personal: 'edit',
  confidential: 'edit',
  secret: 'masked',
}

function fieldsOf(type: ResourceType): Readonly<Record<string, { sensitivity: Sensitivity }>> {
  return catalog[type].fields as Readonly<Record<string, { sensitivity: Sensitivity }>>
}

function expandActions(list: readonly string[], path: string, problems: Problem[]): Set<Action> {
  const out = new Set<Action>()
  list.forEach((a, i) => {
    const dot = typeof a === 'string' ? a.indexOf('.') : -1
    const type = dot > 0 ? a.slice(0, dot) : ''
    const verb = dot > 0 ? a.slice(dot + 1) : ''
    // own keys only: `constructor.view` names no resource (and has no actions to read)
    const def = Object.hasOwn(catalog, type)
      ? (catalog as Record<string, { actions: readonly string[] }>)[type]
      : undefined
    if (!def)
      return problems.push({
        path: `${path}[${i}]`,
        message: `unknown resource in ${describeValue(a)}`,
      })
    if (verb === '*') for (const v of def.actions) out.add(`${type}.${v}` as Action)
    else if (def.actions.includes(verb)) out.add(a as Action)
    else problems.push({ path: `${path}[${i}]`, message: `unknown action ${describeValue(a)}` })
  })
  return out
}

type Problem = { path: string; message: string }

function checkScope(
  scope: unknown,
  types: Set<ResourceType>,
  path: string,
  problems: Problem[],
  units: Policy['orgUnits'],
) {
  const need = (attr: 'owner' | 'orgUnit' | 'project') => {
    for (const t of types) {
      if (!(catalog[t].scope as Record<string, string>)[attr]) {
        problems.push({
          path,
          message: `scope ${describeValue(scope)} does not apply to ${t} (it has no ${attr})`,
        })
      }
    }
  }
  if (scope === 'own') need('owner')
  else if (scope === 'team' || scope === 'subtree') need('orgUnit')
  else if (scope === 'project') need('project')
  else if (scope === 'company') return
  else if (typeof scope === 'object' && scope !== null && 'subtree' in scope) {
    need('orgUnit')
    if (!Object.hasOwn(units, String(scope.subtree)))
      problems.push({ path, message: `unknown org unit ${describeValue(scope.subtree)}` })
  } else if (typeof scope === 'object' && scope !== null && 'record' in scope) {
    if (typeof scope.record !== 'string' || scope.record === '')
      problems.push({ path, message: 'record scope needs an id' })
  } else problems.push({ path, message: `unknown scope ${describeValue(scope)}` })
}

function checkFields(
  fields: FieldRules | undefined,
  types: Set<ResourceType>,
  path: string,
  problems: Problem[],
) {
  if (!fields) return
  for (const [name, level] of Object.entries(fields)) {
    if (!(fieldLevels as readonly string[]).includes(level)) {
      problems.push({
        path: `${path}.${name}`,
        message: `unknown field level ${describeValue(level)}`,
      })
    }
    if (name !== '*' && ![...types].some((t) => name in fieldsOf(t))) {
      problems.push({
        path: `${path}.${name}`,
        message: `no such field on ${[...types].join(', ')}`,
      })
    }
  }
}

function checkLimits(limits: Limits | undefined, path: string, problems: Problem[]) {
  for (const [k, v] of Object.entries(limits ?? {})) {
    if (!['perDay', 'concurrent'].includes(k))
      problems.push({ path: `${path}.${k}`, message: 'unknown limit' })
    else if (!Number.isInteger(v) || (v as number) < 0)
      problems.push({ path: `${path}.${k}`, message: 'a limit is a whole number ≥ 0' })
  }
}

/**
 * S1: a condition may read only the attributes its resource types declare, with values of the
 * declared kind; ordered comparisons only on numbers; two attributes compared only when they are
 * of one kind. Whatever passes here the planner can plan (the compile ⇔ plan property).
 */
function checkAttributes(
  c: unknown,
  types: Set<ResourceType>,
  path: string,
  problems: Problem[],
): void {
  const [op, arg] = Object.entries(c as Record<string, unknown>)[0] as [string, unknown]
  const at = `${path}.${op}`
  const kindOf = (x: unknown, p: string): AttrKind | 'lit' | 'other' | undefined => {
    const ref = (x as { ref?: unknown } | null)?.ref
    if (typeof ref !== 'string') return 'lit'
    if (!ref.startsWith('resource.')) return 'other'
    const name = ref.slice('resource.'.length)
    let kind: AttrKind | undefined
    for (const t of types) {
      const k = (attributesOf(t) as Record<string, AttrKind>)[name]
      if (k === undefined || !Object.hasOwn(attributesOf(t), name)) {
        problems.push({
          path: p,
          message: `${t} has no attribute ${JSON.stringify(name)} (it has ${Object.keys(attributesOf(t)).join(', ')})`,
        })
        return undefined
      }
      if (kind !== undefined && kind !== k) {
        problems.push({
          path: p,
          message: `${name} is of different kinds on ${[...types].join(', ')}`,
        })
        return undefined
      }
      kind = k
    }
    return kind
  }
  const litMatches = (v: unknown, kind: AttrKind) => v === null || typeof v === kind
  if ((compareOps as readonly string[]).includes(op)) {
    const [x, y] = arg as [unknown, unknown]
    const kx = kindOf(x, `${at}[0]`)
    const ky = kindOf(y, `${at}[1]`)
    const attr = [kx, ky].find(
      (k): k is AttrKind => k !== undefined && k !== 'lit' && k !== 'other',
    )
    if (attr === undefined) return
    if (op !== 'eq' && op !== 'ne' && attr !== 'number')
      problems.push({ path: at, message: `${op} compares numbers; this attribute holds ${attr}s` })
    if (kx === 'lit' && !litMatches(x, attr))
      problems.push({ path: `${at}[0]`, message: `expected a ${attr} or null` })
    if (ky === 'lit' && !litMatches(y, attr))
      problems.push({ path: `${at}[1]`, message: `expected a ${attr} or null` })
    if (kx !== 'lit' && kx !== 'other' && ky !== 'lit' && ky !== 'other' && kx !== ky)
      problems.push({ path: at, message: `compares a ${kx} with a ${ky}` })
    return
  }
  switch (op) {
    case 'in': {
      const [x, list] = arg as [unknown, unknown]
      const kx = kindOf(x, `${at}[0]`)
      if (Array.isArray(list) && kx !== undefined && kx !== 'lit' && kx !== 'other') {
        list.forEach((v, i) => {
          if (!litMatches(v, kx))
            problems.push({ path: `${at}[1][${i}]`, message: `expected a ${kx} or null` })
        })
      }
      return
    }
    case 'and':
    case 'or':
      ;(arg as unknown[]).forEach((x, i) => checkAttributes(x, types, `${at}[${i}]`, problems))
      return
    case 'not':
      checkAttributes(arg, types, at, problems)
      return
  }
}

function parseWhen(
  when: unknown,
  types: Set<ResourceType>,
  path: string,
  problems: Problem[],
): Expr {
  if (when === undefined) return TRUE
  try {
    const e = parseCondition(when, path)
    const before = problems.length
    checkAttributes(when, types, path, problems)
    return problems.length === before ? e : FALSE
  } catch (err) {
    if (err instanceof ConditionError) {
      problems.push({ path: err.path, message: err.message.slice(err.path.length + 2) })
      return FALSE
    }
    throw err
  }
}

function compileRule(
  src: Grant | Restriction,
  ref: RuleRef,
  effect: Rule['effect'],
  path: string,
  problems: Problem[],
  units: Policy['orgUnits'],
  window?: { from: number; until: number },
): Rule {
  const actions = expandActions(
    Array.isArray(src.actions) ? src.actions : [],
    `${path}.actions`,
    problems,
  )
  if (!Array.isArray(src.actions) || src.actions.length === 0)
    problems.push({ path: `${path}.actions`, message: 'at least one action' })
  const types = new Set([...actions].map(resourceOf))
  const scope = src.scope ?? 'company'
  checkScope(scope, types, `${path}.scope`, problems, units)
  checkFields(src.fields, types, `${path}.fields`, problems)
  const g = src as Grant
  checkLimits(g.limits, `${path}.limits`, problems)
  if (window && !(window.from < window.until))
    problems.push({ path, message: 'validFrom must be before validUntil' })
  return {
    ref,
    effect,
    actions,
    scope,
    when: parseWhen(src.when, types, `${path}.when`, problems),
    window: window ? { k: 'window', from: window.from, until: window.until } : TRUE,
    fields: src.fields,
    limits: g.limits,
    audit: g.audit === true,
    reasonRequired: g.reasonRequired === true,
    approvalRequired: g.approvalRequired === true,
    appliesTo: (src as Restriction).appliesTo,
    source: src,
  }
}

function buildSubtree(units: Policy['orgUnits'], problems: Problem[]): Map<string, string[]> {
  const children = new Map<string, string[]>()
  for (const [id, parent] of Object.entries(units)) {
    if (parent !== null && !(parent in units))
      problems.push({ path: `orgUnits.${id}`, message: `unknown parent ${parent}` })
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), id])
  }
  const out = new Map<string, string[]>()
  for (const id of Object.keys(units)) {
    const seen: string[] = []
    const stack = [id]
    while (stack.length) {
      const u = stack.pop() as string
      if (seen.includes(u)) {
        problems.push({ path: `orgUnits.${id}`, message: 'the org-unit tree has a cycle' })
        break
      }
      seen.push(u)
      stack.push(...(children.get(u) ?? []))
    }
    // an exact copy: `seen` grew by pushes, with room for more (17 slots for a leaf's one unit),
    // and every company keeps one list per unit
    out.set(id, seen.slice())
  }
  return out
}

function localTimeIn(timeZone: string): (now: number) => LocalTime {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
  })
  const days: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 }
  let lastMinute = NaN
  let last: LocalTime = { minutes: 0, weekday: 1 }
  return (now) => {
    const minute = Math.floor(now / 60_000)
    if (minute === lastMinute) return last
    const parts: Record<string, string> = {}
    for (const p of fmt.formatToParts(now)) parts[p.type] = p.value
    lastMinute = minute
    last = {
      minutes: Number(parts['hour']) * 60 + Number(parts['minute']),
      weekday: days[parts['weekday'] ?? ''] ?? 0,
    }
    return last
  }
}

/**
 * Every rule is an object before anything reads it: a `null` restriction (the API takes
 * restrictions as raw JSON) is a problem with its path, not a TypeError.
 */
function checkRuleShapes(policy: Policy, problems: Problem[]): void {
  const lists: [string, unknown][] = [
    ...policy.roles.flatMap((r, ri): [string, unknown][] => [
      [`roles[${ri}].grants`, r.grants],
      [`roles[${ri}].restrictions`, r.restrictions ?? []],
    ]),
    ...(policy.groups ?? []).map((g, gi): [string, unknown] => [`groups[${gi}].grants`, g.grants]),
    ['restrictions', policy.restrictions ?? []],
  ]
  for (const [path, list] of lists) {
    if (!Array.isArray(list)) {
      problems.push({ path, message: 'expects a list of rules' })
      continue
    }
    list.forEach((x: unknown, i) => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) {
        problems.push({ path: `${path}[${i}]`, message: 'a rule is an object with actions' })
        return
      }
      // decisions and explanations name a restriction by its id
      const id = (x as { id?: unknown }).id
      if (path.endsWith('restrictions') && (typeof id !== 'string' || id === ''))
        problems.push({ path: `${path}[${i}].id`, message: 'a restriction needs an id (a string)' })
    })
  }
}

/**
 * A restriction's ref; its label, when the restriction has none, is `before` and its id
 * (remembered in `shared.defaultLabels`: a company of other ids gets the label of its own).
 */
function restrictionRef(
  x: Pick<Restriction, 'id' | 'label'>,
  index: number,
  before: string,
): RuleRef {
  const ref = {
    kind: 'restriction' as const,
    id: x.id,
    index,
    label: labelOr(x.label, `${before}${x.id}`),
  }
  if (typeof x.label !== 'string') shared.defaultLabels.set(ref, before)
  return ref
}

/** A rule's label as decisions carry it: always a string (a stored non-string one is ignored). */
function labelOr(label: unknown, fallback: string): string {
  return typeof label === 'string' ? label : fallback
}

/**
 * Validate and compile a company's policy. Throws PolicyError listing every problem.
 * @example
 * const engine = compilePolicy({ version: 1, timeZone: 'Asia/Shanghai', orgUnits: {}, roles: [admin] })
 */
export function compilePolicy(policy: Policy): CompiledPolicy {
  // the company's own tree (shared only with trees of equal content), never part of a core
  const tree = treeOf(policy.orgUnits)
  // the key is a whole policy written out: read here, never kept beside a compiled policy
  const { key, ...canon } = canonicalForm(policy, tree) ?? placesOf(policy)
  const hit = key === undefined ? undefined : shared.cores.get(key)
  // the same canonical content compiled before (and valid then, so valid now): its core
  if (hit !== undefined) return fromCore(hit, policy.version, canon, tree)
  const parts = compileNew(policy, canon, tree)
  if (key === undefined) {
    const { version, timeZone } = policy
    return {
      version,
      timeZone,
      orgUnits: tree.orgUnits,
      subtree: tree.subtree,
      policy,
      ...parts,
      index: parts.coreIndex,
      renamed: undefined,
    }
  }
  // the caller's policy object is not kept: the core's frozen copy stands for it
  const copy = frozenCopy(policy)
  const content =
    copy.orgUnits === tree.orgUnits ? copy : Object.freeze({ ...copy, orgUnits: tree.orgUnits })
  const core: Core = { ...parts, content, canon }
  shared.cores.set(key, core)
  return fromCore(core, policy.version, canon, tree)
}

/** Roles and groups in their own order: for a policy `canonicalForm` does not take. */
function placesOf(policy: Policy): Canon {
  const ids = (list: unknown) =>
    Array.isArray(list) ? list.map((x) => (x as { id?: string } | null)?.id as string) : []
  const roleIds = ids(policy.roles)
  const groupIds = ids(policy.groups)
  return {
    key: undefined as string | undefined,
    roleIds,
    rolePlaces: roleIds.map((_, i) => i),
    groupIds,
    groupPlaces: groupIds.map((_, i) => i),
    restrictionIds: [],
  }
}

const same = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => x === b[i])

/**
 * A company's compiled policy on a shared core: the core's parts, its own version and tree, and
 * — when its ids are not the core's — its own ids (`index`, `renamed`) and its own `policy`,
 * rebuilt from the core's content on first read.
 */
function fromCore(
  core: Core,
  version: Policy['version'],
  canon: Places,
  tree: Tree,
): CompiledPolicy {
  const { content, canon: first, ...parts } = core
  const common = {
    version,
    timeZone: content.timeZone,
    orgUnits: tree.orgUnits,
    subtree: tree.subtree,
    ...parts,
  }
  const sameRoles = same(first.roleIds, canon.roleIds) && same(first.groupIds, canon.groupIds)
  const sameIds = sameRoles && same(first.restrictionIds, canon.restrictionIds)
  const ids = {
    index: sameRoles ? parts.coreIndex : indexOf(canon),
    renamed: sameIds ? undefined : new Renamed(parts.coreIndex, canon),
  }
  if (
    sameIds &&
    tree.orgUnits === content.orgUnits &&
    same(first.rolePlaces, canon.rolePlaces) &&
    same(first.groupPlaces, canon.groupPlaces)
  ) {
    const policy = content.version === version ? content : Object.freeze({ ...content, version })
    return { ...common, policy, ...ids }
  }
  let own: Policy | undefined
  return {
    ...common,
    get policy() {
      return (own ??= policyOf(core, canon, version, tree.orgUnits))
    },
    ...ids,
  }
}

/**
 * The policy of `canon`'s ids and places and of `orgUnits` on `core`'s content (content-equal
 * to what was compiled).
 */
function policyOf(
  core: Core,
  canon: Places,
  version: Policy['version'],
  orgUnits: Policy['orgUnits'],
): Policy {
  const { content, canon: first, coreIndex } = core
  const restrictionId = (id: string): string => {
    const c = coreIndex.restrictions.get(id)
    return (c === undefined ? undefined : canon.restrictionIds[c]) ?? id
  }
  const ownIds = <T extends { readonly id: string }>(xs: readonly T[]): readonly T[] =>
    Object.freeze(xs.map((x) => Object.freeze({ ...x, id: restrictionId(x.id) })))
  const rebuild = <T extends { readonly id: string; readonly restrictions?: unknown }>(
    list: readonly T[],
    places: readonly number[],
    ids: readonly string[],
    firstPlaces: readonly number[],
  ): readonly T[] => {
    const out: T[] = new Array<T>(list.length)
    places.forEach((p, c) => {
      const x = { ...(list[firstPlaces[c] as number] as T), id: ids[c] as string }
      if (Array.isArray(x.restrictions))
        (x as { restrictions: unknown }).restrictions = ownIds(
          x.restrictions as readonly { readonly id: string }[],
        )
      out[p] = Object.freeze(x)
    })
    return Object.freeze(out)
  }
  const roles = rebuild(content.roles, canon.rolePlaces, canon.roleIds, first.rolePlaces)
  const groups =
    content.groups && rebuild(content.groups, canon.groupPlaces, canon.groupIds, first.groupPlaces)
  const restrictions = content.restrictions?.map((x): Restriction => {
    const id = restrictionId(x.id)
    const names: unknown = x.appliesTo?.roles
    if (!Array.isArray(names)) return id === x.id ? x : Object.freeze({ ...x, id })
    const roleNames = names.map((r: unknown) => {
      const c = typeof r === 'string' ? coreIndex.roles.get(r) : undefined
      return c === undefined ? r : canon.roleIds[c]
    }) as string[]
    return Object.freeze({
      ...x,
      id,
      appliesTo: Object.freeze({ ...x.appliesTo, roles: Object.freeze(roleNames) }),
    })
  })
  return Object.freeze({
    ...content,
    version,
    orgUnits,
    roles,
    ...(groups !== undefined ? { groups } : {}),
    ...(restrictions !== undefined ? { restrictions: Object.freeze(restrictions) } : {}),
  })
}

function compileNew(policy: Policy, canon: Places, tree: Tree): CoreParts {
  const problems: Problem[] = []
  try {
    if (shared.clocks.get(policy.timeZone) === undefined)
      shared.clocks.set(policy.timeZone, localTimeIn(policy.timeZone))
  } catch {
    problems.push({
      path: 'timeZone',
      message: `unknown time zone ${describeValue(policy.timeZone)}`,
    })
  }
  const units = tree.orgUnits ?? {}
  const subtree = tree.subtree
  problems.push(...tree.problems)
  const shapes = problems.length
  checkRuleShapes(policy, problems)
  if (problems.length > shapes) throw new PolicyError(problems)
  const roleRules = new Map<string, Rule[]>()
  const seenIds = new Set<string>()
  policy.roles.forEach((role, ri) => {
    if (seenIds.has(`role:${role.id}`))
      problems.push({ path: `roles[${ri}].id`, message: `duplicate role id ${role.id}` })
    seenIds.add(`role:${role.id}`)
    const rules = role.grants.map((g, gi) =>
      compileRule(
        g,
        { kind: 'role', id: role.id, index: gi, label: labelOr(g.label, role.name) },
        'allow',
        `roles[${ri}].grants[${gi}]`,
        problems,
        units,
      ),
    )
    for (const [xi, x] of (role.restrictions ?? []).entries()) {
      rules.push(
        compileRule(
          x,
          restrictionRef(x, xi, `${role.name}: `),
          x.fields ? 'cap' : 'deny',
          `roles[${ri}].restrictions[${xi}]`,
          problems,
          units,
        ),
      )
    }
    roleRules.set(role.id, rules)
  })
  const groupRules = new Map<string, Rule[]>()
  ;(policy.groups ?? []).forEach((group, gi) => {
    groupRules.set(
      group.id,
      group.grants.map((g, i) =>
        compileRule(
          g,
          { kind: 'group', id: group.id, index: i, label: labelOr(g.label, group.name) },
          'allow',
          `groups[${gi}].grants[${i}]`,
          problems,
          units,
        ),
      ),
    )
  })
  const restrictionRules = (policy.restrictions ?? []).map((x, i) =>
    compileRule(
      x,
      restrictionRef(x, i, ''),
      x.fields ? 'cap' : 'deny',
      `restrictions[${i}]`,
      problems,
      units,
    ),
  )
  if (problems.length) throw new PolicyError(problems)
  const intern = (rules: Rule[]) => rules.map((r) => internRule(r, subtree))
  for (const [id, rules] of roleRules) roleRules.set(id, intern(rules))
  for (const [id, rules] of groupRules) groupRules.set(id, intern(rules))
  return {
    roleRules,
    groupRules,
    rulesAt: {
      roles: canon.roleIds.map((id) => roleRules.get(id) ?? []),
      groups: canon.groupIds.map((id) => groupRules.get(id) ?? []),
    },
    coreIndex: coreIndexOf(canon),
    restrictionRules: intern(restrictionRules),
    localTime: shared.clocks.get(policy.timeZone) ?? localTimeIn(policy.timeZone),
    tables: new Map(),
    scratch: new EvalScratch(shared.clocks.get(policy.timeZone) ?? localTimeIn(policy.timeZone)),
  }
}

/** Compile a subject's temporary grants (validated like any other grant). */
export function compileTemporaryGrants(cp: CompiledPolicy, subject: Subject): Rule[] {
  const problems: Problem[] = []
  const rules = (subject.grants ?? []).map((g, i) =>
    compileRule(
      g,
      { kind: 'grant', id: g.id, index: i, label: labelOr(g.label, `temporary grant ${g.id}`) },
      'allow',
      `grants[${i}]`,
      problems,
      cp.orgUnits,
      { from: g.validFrom, until: g.validUntil },
    ),
  )
  if (problems.length) throw new PolicyError(problems)
  return rules
}

// ---------------------------------------------------------------------------------------------

function scopeExpr(scope: Scope, type: ResourceType, cp: CompiledPolicy): Expr {
  const attrs = catalog[type].scope as { owner?: string; orgUnit?: string; project?: string }
  const res = (name: string) => ({ t: 'res', name }) as const
  if (scope === 'company') return TRUE
  if (scope === 'own')
    return { k: 'cmp', op: 'eq', a: res(attrs.owner as string), b: { t: 'sub', name: 'id' } }
  if (scope === 'team') {
    return {
      k: 'and',
      items: [
        { k: 'cmp', op: 'ne', a: { t: 'sub', name: 'orgUnitId' }, b: { t: 'lit', v: null } },
        { k: 'cmp', op: 'eq', a: res(attrs.orgUnit as string), b: { t: 'sub', name: 'orgUnitId' } },
      ],
    }
  }
  if (scope === 'subtree')
    return { k: 'in', a: res(attrs.orgUnit as string), list: { t: 'sub', name: '$subtree' } }
  if (scope === 'project')
    return { k: 'in', a: res(attrs.project as string), list: { t: 'sub', name: 'projectIds' } }
  if ('subtree' in scope)
    return { k: 'in', a: res(attrs.orgUnit as string), list: cp.subtree.get(scope.subtree) ?? [] }
  return { k: 'cmp', op: 'eq', a: res('id'), b: { t: 'lit', v: scope.record } }
}

const emptyFields: Readonly<Record<string, FieldLevel>> = Object.freeze({})

function resolveFields(rule: Rule, type: ResourceType): Readonly<Record<string, FieldLevel>> {
  const defs = fieldsOf(type)
  const names = Object.keys(defs)
  if (names.length === 0) return emptyFields
  const out: Record<string, FieldLevel> = {}
  for (const name of names) {
    const explicit = rule.fields?.[name] ?? rule.fields?.['*']
    out[name] =
      explicit ??
      (rule.effect === 'cap'
        ? 'edit'
        : defaultLevel[(defs[name] as { sensitivity: Sensitivity }).sensitivity])
  }
  return Object.freeze(out)
}

const highRisk = new Set<Action>(
  Object.entries(catalog).flatMap(([t, d]) =>
    ((d as { highRisk?: readonly string[] }).highRisk ?? []).map((a) => `${t}.${a}` as Action),
  ),
)

export function isHighRisk(action: Action): boolean {
  return highRisk.has(action)
}

export function denyDecision(reason: ReasonCode, matched: readonly RuleRef[] = []): Decision {
  return Object.freeze({
    allowed: false,
    reason,
    matched: Object.freeze(matched),
    obligations: noObligations,
  })
}

const noObligations = Object.freeze({
  fields: emptyFields,
  audit: false,
  reasonRequired: false,
  approvalRequired: false,
})

export function allowDecision(
  action: Action,
  rules: readonly ActionRule[],
  fields: Readonly<Record<string, FieldLevel>>,
): Decision {
  const limits = mergeLimits(rules)
  return Object.freeze({
    allowed: true,
    reason: 'granted' as const,
    matched: Object.freeze(rules.map((r) => r.rule.ref)),
    obligations: Object.freeze({
      fields,
      ...(limits ? { limits } : {}),
      audit: isHighRisk(action) || rules.some((r) => r.rule.audit),
      reasonRequired: rules.every((r) => r.rule.reasonRequired),
      approvalRequired: rules.every((r) => r.rule.approvalRequired),
    }),
  })
}

/** The most generous limits of the rules that allowed: a rule without a limit lifts it. */
function mergeLimits(rules: readonly ActionRule[]): Limits | undefined {
  const pick = (k: keyof Limits) => {
    let best: number | undefined = -1
    for (const r of rules) {
      const v = r.rule.limits?.[k]
      if (v === undefined) return undefined
      if (best !== undefined && v > best) best = v
    }
    return best === -1 ? undefined : best
  }
  const perDay = pick('perDay')
  const concurrent = pick('concurrent')
  if (perDay === undefined && concurrent === undefined) return undefined
  return Object.freeze({
    ...(perDay !== undefined ? { perDay } : {}),
    ...(concurrent !== undefined ? { concurrent } : {}),
  })
}

/** One closure for scope ∧ window ∧ condition: the check path calls a single function per rule. */
function allOf(ps: readonly Predicate[]): Predicate {
  const [p, q, r] = ps
  if (p === undefined) return () => true
  if (q === undefined) return p
  if (r === undefined) return (i) => p(i) && q(i)
  return (i) => p(i) && q(i) && r(i)
}

/**
 * The common scopes as direct closures (same semantics as their expressions, which plans use):
 * own is `record.owner === subject.id`, team is `record.unit === subject.unit` for a subject
 * that has a unit.
 */
function scopePredicate(scope: Scope, type: ResourceType, expr: Expr): Predicate {
  const attrs = catalog[type].scope as { owner?: string; orgUnit?: string }
  if (scope === 'own' && attrs.owner !== undefined && attrs.owner !== 'id') {
    const owner = attrs.owner
    return (i) => i.res !== undefined && i.res[owner] === i.subId
  }
  if (scope === 'team' && attrs.orgUnit !== undefined && attrs.orgUnit !== 'id') {
    const unit = attrs.orgUnit
    return (i) => {
      const mine = i.subUnit
      return mine !== null && mine !== undefined && i.res !== undefined && i.res[unit] === mine
    }
  }
  return compileExpr(expr)
}

/**
 * The commonest conditional rule — own or team scope and one attribute equal or not equal to a
 * literal (`team` ∧ `resource.status ne 'closed'`) — as one closure instead of three calls
 * (the conjunction, the scope, the comparison). Same semantics as `scopePredicate` ∧ `compileExpr`
 * (the engine's tests and the conformance suite run through it); undefined for any other shape.
 */
function fused(scope: Scope, type: ResourceType, when: Expr): Predicate | undefined {
  if (when.k !== 'cmp' || when.a.t !== 'res' || when.b.t !== 'lit') return undefined
  const n = when.a.name
  const v = when.b.v
  if (n === 'id' || v === null || (when.op !== 'eq' && when.op !== 'ne')) return undefined
  const attrs = catalog[type].scope as { owner?: string; orgUnit?: string }
  const eq = when.op === 'eq'
  if (scope === 'own' && attrs.owner !== undefined && attrs.owner !== 'id') {
    const owner = attrs.owner
    return eq
      ? (i) => i.res !== undefined && i.res[owner] === i.subId && i.res[n] === v
      : (i) => i.res !== undefined && i.res[owner] === i.subId && i.res[n] !== v
  }
  if (scope === 'team' && attrs.orgUnit !== undefined && attrs.orgUnit !== 'id') {
    const unit = attrs.orgUnit
    return eq
      ? (i) => {
          const r = i.res
          const mine = i.subUnit
          return (
            mine !== null && mine !== undefined && r !== undefined && r[unit] === mine && r[n] === v
          )
        }
      : (i) => {
          const r = i.res
          const mine = i.subUnit
          return (
            mine !== null && mine !== undefined && r !== undefined && r[unit] === mine && r[n] !== v
          )
        }
  }
  return undefined
}

/**
 * `scopePredicate` ∧ `compileExpr(when)` for an own or team scope and either no condition or
 * one attribute equal or not equal to a literal, as a `Quick` over the bound subject and the
 * record's attributes (`fused` over an evaluation input, without the input). Undefined for any
 * other shape (a window, another scope, another condition), which goes through `ok`.
 */
function quickOf(scope: Scope, type: ResourceType, when: Expr): Quick | undefined {
  const attrs = catalog[type].scope as { owner?: string; orgUnit?: string }
  let n: string | undefined
  let v: unknown
  let eq = true
  if (when !== TRUE) {
    if (when.k !== 'cmp' || when.a.t !== 'res' || when.b.t !== 'lit') return undefined
    if (when.a.name === 'id' || when.b.v === null || (when.op !== 'eq' && when.op !== 'ne'))
      return undefined
    n = when.a.name
    v = when.b.v
    eq = when.op === 'eq'
  }
  if (scope === 'own' && attrs.owner !== undefined && attrs.owner !== 'id') {
    const owner = attrs.owner
    if (n === undefined) return (s, r) => r[owner] === s.subId
    const name = n
    return eq
      ? (s, r) => r[owner] === s.subId && r[name] === v
      : (s, r) => r[owner] === s.subId && r[name] !== v
  }
  if (scope === 'team' && attrs.orgUnit !== undefined && attrs.orgUnit !== 'id') {
    const unit = attrs.orgUnit
    if (n === undefined)
      return (s, r) => {
        const mine = s.subUnit
        return mine !== null && r[unit] === mine
      }
    const name = n
    return eq
      ? (s, r) => {
          const mine = s.subUnit
          return mine !== null && r[unit] === mine && r[name] === v
        }
      : (s, r) => {
          const mine = s.subUnit
          return mine !== null && r[unit] === mine && r[name] !== v
        }
  }
  return undefined
}

/**
 * The check closures of a rule on one type, shared by every rule with the same scope, condition
 * and window (the same team rule in ten roles is one closure, so the call site stays monomorphic).
 */
function predicatesOf(rule: Rule, type: ResourceType, sExpr: Expr): Predicates {
  const key = JSON.stringify([type, rule.scope, sExpr, rule.when, rule.window])
  const hit = shared.predicates.get(key)
  if (hit !== undefined) return hit
  const scopeOk = scopePredicate(rule.scope, type, sExpr)
  const whenOk = compileExpr(rule.when)
  const windowOk = compileExpr(rule.window)
  const quick = rule.window === TRUE ? quickOf(rule.scope, type, rule.when) : undefined
  const p: Predicates = {
    scopeOk,
    whenOk,
    windowOk,
    quick,
    quickScope: quick === undefined ? undefined : quickOf(rule.scope, type, TRUE),
    ok:
      (rule.window === TRUE ? fused(rule.scope, type, rule.when) : undefined) ??
      allOf(
        [
          sExpr === TRUE ? undefined : scopeOk,
          rule.window === TRUE ? undefined : windowOk,
          rule.when === TRUE ? undefined : whenOk,
        ].filter((x): x is Predicate => x !== undefined),
      ),
  }
  shared.predicates.set(key, p)
  return p
}

export function actionRule(cp: CompiledPolicy, rule: Rule, action: Action): ActionRule {
  let byAction = shared.actionRules.get(rule)
  if (!byAction) shared.actionRules.set(rule, (byAction = new Map()))
  const hit = byAction.get(action)
  if (hit) return hit
  const type = resourceOf(action)
  const sExpr = scopeExpr(rule.scope, type, cp)
  const fields = resolveFields(rule, type)
  const { scopeOk, whenOk, windowOk, ok, quick, quickScope } = predicatesOf(rule, type, sExpr)
  const partial = {
    rule,
    action,
    scopeExpr: sExpr,
    scopeOk,
    whenOk,
    windowOk,
    ok,
    quick,
    quickScope,
    unconditional: sExpr === TRUE && rule.when === TRUE && rule.window === TRUE,
    fields,
  }
  const ar: ActionRule = {
    ...partial,
    uid: shared.next++,
    decision:
      rule.effect === 'deny'
        ? denyDecision('restricted', [rule.ref])
        : allowDecision(action, [partial as ActionRule], fields),
  }
  byAction.set(action, ar)
  return ar
}

function buildTable(cp: CompiledPolicy, rules: readonly Rule[], intern: boolean): Table {
  const byAction = new Map<
    Action,
    { allows: ActionRule[]; denies: ActionRule[]; caps: ActionRule[] }
  >()
  for (const rule of rules) {
    for (const action of rule.actions) {
      let e = byAction.get(action)
      if (!e) byAction.set(action, (e = { allows: [], denies: [], caps: [] }))
      const ar = actionRule(cp, rule, action)
      ;(rule.effect === 'allow' ? e.allows : rule.effect === 'deny' ? e.denies : e.caps).push(ar)
    }
  }
  const entries: (ActionEntry | undefined)[] = new Array(allActions.length).fill(undefined)
  const codes = new Uint8Array(allActions.length)
  for (const [action, e] of byAction) {
    const uids = (xs: ActionRule[]) => xs.map((x) => x.uid).join(',')
    const key = `${action}:${uids(e.allows)}|${uids(e.denies)}|${uids(e.caps)}`
    let entry = intern ? shared.entries.get(key) : undefined
    if (entry === undefined) {
      entry = newEntry(action, e)
      if (intern) shared.entries.set(key, entry)
    }
    const id = actionIndex.get(action) as number
    entries[id] = entry
    codes[id] = entry.constant?.allowed === true ? ALLOWED : EVALUATE
  }
  return { codes: String.fromCharCode(...codes), entries }
}

const none: readonly ActionRule[] = Object.freeze([])

function newEntry(
  action: Action,
  e: { allows: ActionRule[]; denies: ActionRule[]; caps: ActionRule[] },
): ActionEntry {
  let constant: Decision | undefined
  if (
    e.allows.length > 0 &&
    e.denies.length === 0 &&
    e.caps.length === 0 &&
    e.allows.every((a) => a.unconditional)
  ) {
    constant =
      e.allows.length === 1
        ? (e.allows[0] as ActionRule).decision
        : allowDecision(action, e.allows, maxFields(e.allows))
  }
  const list = (xs: ActionRule[]) => (xs.length === 0 ? none : xs)
  const quick = e.denies.length === 0 && e.allows.length === 1 ? e.allows[0]?.quick : undefined
  return {
    action,
    allows: list(e.allows),
    denies: list(e.denies),
    caps: list(e.caps),
    constant,
    merged: undefined,
    quick,
    quickScope: quick !== undefined && e.caps.length === 0 ? e.allows[0]?.quickScope : undefined,
  }
}

/** The entry of `action` in a subject's table (undefined: nothing names it). */
export function entryOf(s: BoundSubject, action: string): ActionEntry | undefined {
  const id = actionId(action)
  return id === undefined ? undefined : s.entries[id]
}

const rank: Record<FieldLevel, number> = { hidden: 0, masked: 1, read: 2, edit: 3 }

/** Most revealing level per field over the rules that allowed (P4: grants add up). */
export function maxFields(rules: readonly ActionRule[]): Readonly<Record<string, FieldLevel>> {
  if (rules.length === 1) return (rules[0] as ActionRule).fields
  const out: Record<string, FieldLevel> = {}
  for (const r of rules) {
    for (const [f, l] of Object.entries(r.fields)) {
      const cur = out[f]
      if (cur === undefined || rank[l] > rank[cur]) out[f] = l
    }
  }
  return Object.freeze(out)
}

/** Apply ceilings (field restrictions) to a projection. */
export function capFields(
  fields: Readonly<Record<string, FieldLevel>>,
  caps: readonly ActionRule[],
): Readonly<Record<string, FieldLevel>> {
  const out: Record<string, FieldLevel> = { ...fields }
  for (const c of caps) {
    for (const [f, l] of Object.entries(c.fields)) {
      const cur = out[f]
      if (cur !== undefined && rank[l] < rank[cur]) out[f] = l
    }
  }
  return Object.freeze(out)
}

export function fieldRank(level: FieldLevel): number {
  return rank[level]
}

/** Role sets remembered per compiled policy (the tables themselves live in the shared cache). */
const localTableLimit = 50_000

/**
 * Does a restriction apply to a subject: named in `users`, or holding a role of `roles` — a
 * role of the policy by its canonical index (`appliesTo` names the core's ids), any other by
 * name (`foreign`: what the subject holds that the policy does not define).
 */
function restrictionApplies(
  cp: CompiledPolicy,
  rule: Rule,
  subjectId: string,
  roleAt: readonly number[],
  foreign: readonly string[] | undefined,
): boolean {
  const to = rule.appliesTo
  if (!to) return true
  return (
    (to.users ?? []).includes(subjectId) ||
    (to.roles ?? []).some((r) => {
      const c = cp.coreIndex.roles.get(r)
      return c === undefined ? foreign?.includes(r) === true : roleAt.includes(c)
    })
  )
}

/**
 * Bind a subject to a compiled policy. Cheap: subjects with the same roles and groups (and no
 * personal grants or restrictions) share one lookup table.
 * @example
 * const alice = bindSubject(engine, { id: 'u1', companyId: 'c1', roles: ['agent'] })
 * decide(alice, 'ticket.view', ticket, { now: Date.now() })
 */
export function bindSubject(cp: CompiledPolicy, subject: Subject): BoundSubject {
  const roles = subject.roles
  const groups = subject.groups ?? []
  const personal = cp.restrictionRules.some((r) => (r.appliesTo?.users ?? []).includes(subject.id))
  const hasGrants = (subject.grants ?? []).length > 0
  const shareable = !personal && !hasGrants
  // the subject's roles and groups by canonical index (this policy's ids, whatever the core's)
  const roleAt: number[] = []
  let foreign: string[] | undefined
  for (const r of roles) {
    const c = cp.index.roles.get(r)
    if (c === undefined) (foreign ??= []).push(r)
    else roleAt.push(c)
  }
  const groupAt: number[] = []
  for (const g of groups) {
    const c = cp.index.groups.get(g)
    if (c !== undefined) groupAt.push(c)
  }
  const byIndex = (a: number, b: number) => a - b
  roleAt.sort(byIndex)
  groupAt.sort(byIndex)
  foreign?.sort()
  const key = `${roleAt.join(',')}|${groupAt.join(',')}${foreign ? `|${JSON.stringify(foreign)}` : ''}`
  let table = shareable ? cp.tables.get(key) : undefined
  if (!table) {
    // in the role set's canonical order, not the subject's: the table is the role set's, and a
    // decision's `matched` lists its rules in one order whoever bound the role set first, in
    // whichever company (the order follows content, never ids)
    const rules: Rule[] = []
    for (const c of roleAt) rules.push(...(cp.rulesAt.roles[c] ?? []))
    for (const c of groupAt) rules.push(...(cp.rulesAt.groups[c] ?? []))
    for (const x of cp.restrictionRules)
      if (restrictionApplies(cp, x, subject.id, roleAt, foreign)) rules.push(x)
    if (hasGrants) rules.push(...compileTemporaryGrants(cp, subject))
    if (shareable) {
      // the same rules (by content) in another company or policy version: the same table
      const content = rules.map(ruleId).join(',')
      table = shared.tables.get(content)
      if (table === undefined) shared.tables.set(content, (table = buildTable(cp, rules, true)))
      if (cp.tables.size >= localTableLimit)
        cp.tables.delete(cp.tables.keys().next().value as string)
      cp.tables.set(key, table)
    } else table = buildTable(cp, rules, false)
  }
  const sub: Record<string, unknown> = {
    ...subject.attrs,
    id: subject.id,
    companyId: subject.companyId,
    orgUnitId: subject.orgUnitId ?? null,
    projectIds: subject.projectIds ?? [],
    roles: subject.roles,
    $subtree: subject.orgUnitId ? (cp.subtree.get(subject.orgUnitId) ?? [subject.orgUnitId]) : [],
  }
  // the fields a check reads first, in the order it reads them (they share a cache line)
  return {
    ceiling: undefined,
    companyId: canonical(subject.companyId),
    codes: table.codes,
    entries: table.entries,
    policy: cp,
    subId: subject.id,
    subUnit: typeof subject.orgUnitId === 'string' ? canonical(subject.orgUnitId) : null,
    sub,
    subject,
    table,
  }
}

/**
 * G4: `preview` bounded by `ceiling` (the person previewing, bound to the same policy): what the
 * engine answers for the result is the preview's answer AND the ceiling's, so a preview never
 * shows more than its viewer may see (decide.ts `within`).
 * @example
 * const novice = withCeiling(bindSubject(engine, { ...admin, roles: ['novice-agent'] }), adminBound)
 */
export function withCeiling(preview: BoundSubject, ceiling: BoundSubject): BoundSubject {
  if (preview.companyId !== ceiling.companyId)
    throw new Error('a preview and its viewer are of one company')
  return { ...preview, ceiling }
}

export type { EvalInput }
