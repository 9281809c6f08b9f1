/**
 * Conditions: a small, safe, serialisable AST (no eval) over resource attributes, subject
 * attributes and the request environment. One AST, two uses: compiled to a closure for checks,
 * and partially evaluated (subject and environment known) into a residual for list filters.
 *
 * Semantics are two-valued everywhere: a comparison with a missing (null) value is false, except
 * `eq null` / `ne null`; the SQL adapter reproduces exactly this (see db/authz-filter.ts).
 */
import ipaddr from 'ipaddr.js'
import type { AttrKind } from './catalog.js'
import { conditionLimits } from './condition-size.js'
import type { Scalar } from './model.js'

/** A reference to a value: `resource.status`, `subject.orgUnitId`, `env.ip`. */
export interface Ref {
  readonly ref: `resource.${string}` | `subject.${string}` | `env.${string}`
}
export type Operand = Scalar | Ref

export const compareOps = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const
export type CompareOp = (typeof compareOps)[number]

export type Condition =
  | { readonly eq: readonly [Operand, Operand] }
  | { readonly ne: readonly [Operand, Operand] }
  | { readonly lt: readonly [Operand, Operand] }
  | { readonly lte: readonly [Operand, Operand] }
  | { readonly gt: readonly [Operand, Operand] }
  | { readonly gte: readonly [Operand, Operand] }
  /** left is one of the values (a list, or a reference to a subject list such as projectIds) */
  | { readonly in: readonly [Operand, readonly Scalar[] | Ref] }
  | { readonly and: readonly Condition[] }
  | { readonly or: readonly Condition[] }
  | { readonly not: Condition }
  /** local time in the company's zone is in [from, to); wraps past midnight when from > to (P6) */
  | { readonly timeOfDay: { readonly from: string; readonly to: string } }
  /** local ISO weekday (1 = Monday … 7 = Sunday) is one of these (P6) */
  | { readonly weekday: readonly number[] }
  /** the request's IP is inside one of these CIDR ranges (P7) */
  | { readonly ipIn: readonly string[] }

/** The residual of a condition once subject and environment are known: resource fields only. */
export type PlanCondition =
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'and'; readonly items: readonly PlanCondition[] }
  | { readonly kind: 'or'; readonly items: readonly PlanCondition[] }
  | { readonly kind: 'not'; readonly item: PlanCondition }
  | {
      readonly kind: 'compare'
      readonly op: CompareOp
      readonly field: string
      readonly value: Scalar
    }
  /** two attributes of the same record compared (`resource.a op resource.b`) */
  | {
      readonly kind: 'compareFields'
      readonly op: CompareOp
      readonly field: string
      readonly other: string
    }
  | { readonly kind: 'in'; readonly field: string; readonly values: readonly Scalar[] }

// ---------------------------------------------------------------------------------------------
// Internal expression: conditions and scopes both compile to it.

export type Term =
  | { readonly t: 'res'; readonly name: string }
  | { readonly t: 'sub'; readonly name: string }
  | { readonly t: 'env'; readonly name: string }
  | { readonly t: 'lit'; readonly v: Scalar }

export type Expr =
  | { readonly k: 'const'; readonly v: boolean }
  | { readonly k: 'cmp'; readonly op: CompareOp; readonly a: Term; readonly b: Term }
  | { readonly k: 'in'; readonly a: Term; readonly list: readonly Scalar[] | Term }
  | { readonly k: 'and'; readonly items: readonly Expr[] }
  | { readonly k: 'or'; readonly items: readonly Expr[] }
  | { readonly k: 'not'; readonly item: Expr }
  | { readonly k: 'time'; readonly from: number; readonly to: number }
  | { readonly k: 'weekday'; readonly days: readonly number[] }
  | { readonly k: 'ip'; readonly ranges: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][] }
  | { readonly k: 'window'; readonly from: number; readonly until: number }

export const TRUE: Expr = { k: 'const', v: true }
export const FALSE: Expr = { k: 'const', v: false }

/** Values a closure reads: resource attributes, subject attributes, env. */
export interface EvalInput {
  readonly res: Readonly<Record<string, unknown>> | undefined
  /** The record's id when it is not among its attributes. */
  readonly resId?: string | undefined
  readonly sub: Readonly<Record<string, unknown>>
  /** `sub.id` and `sub.orgUnitId`, read by the own and team scopes without touching `sub`. */
  readonly subId: unknown
  readonly subUnit: unknown
  readonly env: Readonly<Record<string, unknown>>
  /** Local clock in the company's zone, computed lazily from env.now. */
  readonly local: () => LocalTime
}

/**
 * A reusable EvalInput for the check path: one per compiled policy (its company), refilled per
 * check, so a check allocates nothing and touches one object that stays in the cache whoever
 * the subject is. Checks are synchronous and a condition never calls back into the engine, so
 * it is never used by two evaluations at once.
 */
export class EvalScratch implements EvalInput {
  res: Readonly<Record<string, unknown>> | undefined = undefined
  resId: string | undefined = undefined
  sub: Readonly<Record<string, unknown>> = {}
  subId: unknown = undefined
  subUnit: unknown = undefined
  env: Readonly<Record<string, unknown>> = {}
  private cached: LocalTime | undefined = undefined
  private now = 0

  constructor(private readonly clock: (now: number) => LocalTime) {}

  fill(
    subject: {
      readonly sub: Readonly<Record<string, unknown>>
      readonly subId: unknown
      readonly subUnit: unknown
    },
    res: Readonly<Record<string, unknown>>,
    resId: string | undefined,
    env: { readonly now: number },
  ): this {
    this.sub = subject.sub
    this.subId = subject.subId
    this.subUnit = subject.subUnit
    this.res = res
    this.resId = resId
    this.env = env
    this.now = env.now
    this.cached = undefined
    return this
  }

  local(): LocalTime {
    return (this.cached ??= this.clock(this.now))
  }
}

export interface LocalTime {
  readonly minutes: number
  readonly weekday: number
}

export class ConditionError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`)
    this.name = 'ConditionError'
  }
}

/**
 * A value as an error message shows it: JSON-like, at most two levels deep and four items wide,
 * so a hostile policy (a list nested thousands deep) is refused with its path, never with the
 * RangeError a full JSON.stringify would throw.
 */
export function describeValue(x: unknown, depth = 0): string {
  if (typeof x === 'string') return JSON.stringify(x)
  if (x === null || typeof x !== 'object') return String(x)
  if (depth >= 2) return Array.isArray(x) ? '[…]' : '{…}'
  const items: [string, unknown][] = Array.isArray(x)
    ? x.map((v, i) => [String(i), v])
    : Object.entries(x)
  const shown = items
    .slice(0, 4)
    .map(([k, v]) =>
      Array.isArray(x)
        ? describeValue(v, depth + 1)
        : `${JSON.stringify(k)}:${describeValue(v, depth + 1)}`,
    )
  const body = `${shown.join(',')}${items.length > 4 ? ',…' : ''}`
  return Array.isArray(x) ? `[${body}]` : `{${body}}`
}

const refPrefixes = { resource: 'res', subject: 'sub', env: 'env' } as const

function isRef(x: unknown): x is Ref {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'ref' in x
}

function isScalar(x: unknown): x is Scalar {
  return x === null || ['string', 'number', 'boolean'].includes(typeof x)
}

function parseTerm(x: unknown, path: string): Term {
  if (isRef(x)) {
    const ref = x.ref
    const dot = typeof ref === 'string' ? ref.indexOf('.') : -1
    const head = dot > 0 ? ref.slice(0, dot) : ''
    const name = dot > 0 ? ref.slice(dot + 1) : ''
    if (!(head in refPrefixes) || name === '') {
      throw new ConditionError(
        path,
        `bad reference ${describeValue(ref)}; use resource.x, subject.x or env.x`,
      )
    }
    return { t: refPrefixes[head as keyof typeof refPrefixes], name }
  }
  if (isScalar(x) && !(typeof x === 'number' && !Number.isFinite(x))) return { t: 'lit', v: x }
  throw new ConditionError(path, `expected a value or {ref}, got ${describeValue(x)}`)
}

function parseClock(s: unknown, path: string): number {
  const m = typeof s === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(s) : null
  if (!m) throw new ConditionError(path, `expected HH:MM, got ${describeValue(s)}`)
  return Number(m[1]) * 60 + Number(m[2])
}

interface ParseState {
  nodes: number
}

/**
 * The condition operators, one entry each: how the JSON form parses into the internal
 * expression. Adding an operator is one entry here and one in `exprKinds` below; an operator
 * not in this table is refused with its path.
 */
const operators: Readonly<
  Record<string, (arg: unknown, at: string, depth: number, st: ParseState) => Expr>
> = {
  ...Object.fromEntries(
    compareOps.map((op) => [
      op,
      (arg: unknown, at: string): Expr => {
        if (!Array.isArray(arg) || arg.length !== 2)
          throw new ConditionError(at, 'expects two operands')
        return { k: 'cmp', op, a: parseTerm(arg[0], `${at}[0]`), b: parseTerm(arg[1], `${at}[1]`) }
      },
    ]),
  ),
  in: (arg, at) => {
    if (!Array.isArray(arg) || arg.length !== 2)
      throw new ConditionError(at, 'expects [operand, list]')
    const list: unknown = arg[1]
    if (Array.isArray(list)) {
      list.forEach((v, i) => {
        if (!isScalar(v) || (typeof v === 'number' && !Number.isFinite(v)))
          throw new ConditionError(`${at}[1][${i}]`, 'list items are plain values')
      })
      return { k: 'in', a: parseTerm(arg[0], `${at}[0]`), list: [...(list as Scalar[])] }
    }
    if (!isRef(list)) throw new ConditionError(`${at}[1]`, 'expects a list or a {ref}')
    const ref = parseTerm(list, `${at}[1]`)
    if (ref.t === 'res')
      throw new ConditionError(`${at}[1]`, 'a list must be literal or a subject attribute')
    return { k: 'in', a: parseTerm(arg[0], `${at}[0]`), list: ref }
  },
  and: (arg, at, depth, st) => {
    if (!Array.isArray(arg)) throw new ConditionError(at, 'expects a list of conditions')
    return { k: 'and', items: arg.map((x, i) => parseNode(x, `${at}[${i}]`, depth + 1, st)) }
  },
  or: (arg, at, depth, st) => {
    if (!Array.isArray(arg)) throw new ConditionError(at, 'expects a list of conditions')
    return { k: 'or', items: arg.map((x, i) => parseNode(x, `${at}[${i}]`, depth + 1, st)) }
  },
  not: (arg, at, depth, st) => ({ k: 'not', item: parseNode(arg, at, depth + 1, st) }),
  timeOfDay: (arg, at) => {
    const a = arg as { from?: unknown; to?: unknown } | null
    return { k: 'time', from: parseClock(a?.from, `${at}.from`), to: parseClock(a?.to, `${at}.to`) }
  },
  weekday: (arg, at) => {
    if (!Array.isArray(arg) || arg.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
      throw new ConditionError(at, 'expects ISO weekdays 1 (Monday) … 7 (Sunday)')
    }
    return { k: 'weekday', days: [...(arg as number[])] }
  },
  ipIn: (arg, at) => {
    if (!Array.isArray(arg)) throw new ConditionError(at, 'expects a list of CIDR ranges')
    return {
      k: 'ip',
      ranges: arg.map((r, i) => {
        if (typeof r !== 'string' || !ipaddr.isValidCIDR(r)) {
          throw new ConditionError(`${at}[${i}]`, `not a CIDR range: ${describeValue(r)}`)
        }
        return ipaddr.parseCIDR(r)
      }),
    }
  },
}

/** The JSON operators a condition may use (for docs and schemas). */
export const conditionOperators: readonly string[] = Object.keys(operators)

function parseNode(c: unknown, path: string, depth: number, st: ParseState): Expr {
  if (depth > conditionLimits.depth)
    throw new ConditionError(path, `nested deeper than ${conditionLimits.depth} levels`)
  if (++st.nodes > conditionLimits.nodes)
    throw new ConditionError(path, `more than ${conditionLimits.nodes} operators`)
  if (typeof c !== 'object' || c === null || Array.isArray(c)) {
    throw new ConditionError(path, 'a condition is an object such as {"eq": [...]}')
  }
  const keys = Object.keys(c)
  if (keys.length !== 1)
    throw new ConditionError(
      path,
      `exactly one operator expected, got ${keys.join(', ') || 'none'}`,
    )
  const op = keys[0] as string
  const parse = Object.hasOwn(operators, op) ? operators[op] : undefined
  if (parse === undefined) throw new ConditionError(path, `unknown operator ${JSON.stringify(op)}`)
  return parse((c as Record<string, unknown>)[op], `${path}.${op}`, depth, st)
}

/** Parse and validate a condition into the internal expression; throws ConditionError. */
export function parseCondition(c: unknown, path = 'when'): Expr {
  return parseNode(c, path, 1, { nodes: 0 })
}

/** Every `resource.x` a condition reads (used to validate against the catalog). */
export function resourceRefs(e: Expr, out: Set<string> = new Set()): Set<string> {
  exprKinds[e.k].refs(e as never, out)
  return out
}

// ---------------------------------------------------------------------------------------------
// Shared value semantics (the SQL adapter mirrors these).

function norm(v: unknown): unknown {
  return v === undefined ? null : v
}

export function compareValues(op: CompareOp, a: unknown, b: unknown): boolean {
  a = norm(a)
  b = norm(b)
  // A list (a subject's projectIds) is not a value: never equal, never ordered, as planned.
  if (Array.isArray(a) || Array.isArray(b)) return op === 'ne'
  switch (op) {
    case 'eq':
      return a === b
    case 'ne':
      return a !== b
  }
  if (a === null || b === null || typeof a !== typeof b) return false
  const x = a as number | string
  const y = b as number | string
  switch (op) {
    case 'lt':
      return x < y
    case 'lte':
      return x <= y
    case 'gt':
      return x > y
    case 'gte':
      return x >= y
  }
}

export function inValues(a: unknown, list: unknown): boolean {
  return Array.isArray(list) && list.includes(norm(a))
}

function inWindow(minutes: number, from: number, to: number): boolean {
  return from <= to ? minutes >= from && minutes < to : minutes >= from || minutes < to
}

function ipMatches(ip: unknown, ranges: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][]): boolean {
  if (typeof ip !== 'string' || !ipaddr.isValid(ip)) return false
  const addr = ipaddr.process(ip)
  return ranges.some((r) => addr.kind() === r[0].kind() && addr.match(r))
}

// ---------------------------------------------------------------------------------------------
// Closure compilation (the check path) and partial evaluation (the list path), one table.

export type Predicate = (input: EvalInput) => boolean
type Getter = (input: EvalInput) => unknown

function getter(t: Term): Getter {
  switch (t.t) {
    case 'lit': {
      const v = t.v
      return () => v
    }
    case 'res': {
      const n = t.name
      if (n === 'id') return (i) => (i.res === undefined ? undefined : (i.res['id'] ?? i.resId))
      return (i) => (i.res === undefined ? undefined : i.res[n])
    }
    case 'sub': {
      const n = t.name
      return (i) => i.sub[n]
    }
    case 'env': {
      const n = t.name
      return (i) => i.env[n]
    }
  }
}

/**
 * What partial evaluation knows: the subject and the environment, and the kinds of the
 * resource's attributes (a comparison with a value of another kind is decided here, exactly as
 * the check decides it, so SQL never compares a text column with a number).
 */
export interface PlanInput extends Omit<EvalInput, 'res'> {
  readonly kinds?: Readonly<Record<string, AttrKind>> | undefined
}

type Known = PlanInput

function resolve(t: Term, k: Known): Term {
  switch (t.t) {
    case 'sub': {
      const v = norm(k.sub[t.name])
      return Array.isArray(v) ? t : { t: 'lit', v: v as Scalar }
    }
    case 'env':
      return { t: 'lit', v: norm(k.env[t.name]) as Scalar }
    default:
      return t
  }
}

const flipped: Record<CompareOp, CompareOp> = {
  eq: 'eq',
  ne: 'ne',
  lt: 'gt',
  lte: 'gte',
  gt: 'lt',
  gte: 'lte',
}

const pTrue: PlanCondition = { kind: 'const', value: true }
const pFalse: PlanCondition = { kind: 'const', value: false }

export function planConst(v: boolean): PlanCondition {
  return v ? pTrue : pFalse
}

/** AND with constant folding. */
export function planAnd(items: readonly PlanCondition[]): PlanCondition {
  const kept: PlanCondition[] = []
  for (const it of items) {
    if (it.kind === 'const') {
      if (!it.value) return pFalse
      continue
    }
    if (it.kind === 'and') kept.push(...it.items)
    else kept.push(it)
  }
  if (kept.length === 0) return pTrue
  return kept.length === 1 ? (kept[0] as PlanCondition) : { kind: 'and', items: kept }
}

/** OR with constant folding. */
export function planOr(items: readonly PlanCondition[]): PlanCondition {
  const kept: PlanCondition[] = []
  for (const it of items) {
    if (it.kind === 'const') {
      if (it.value) return pTrue
      continue
    }
    if (it.kind === 'or') kept.push(...it.items)
    else kept.push(it)
  }
  if (kept.length === 0) return pFalse
  return kept.length === 1 ? (kept[0] as PlanCondition) : { kind: 'or', items: kept }
}

export function planNot(item: PlanCondition): PlanCondition {
  if (item.kind === 'const') return planConst(!item.value)
  if (item.kind === 'not') return item.item
  return { kind: 'not', item }
}

/** The kind of a scalar value, or null for null. */
function kindOf(v: Scalar): AttrKind | null {
  return v === null ? null : (typeof v as AttrKind)
}

/**
 * `field op value` with the value's kind checked against the attribute's: a value of another
 * kind is never equal (eq false, ne true) and never ordered (false) — compareValues' answer for
 * every record, decided here instead of in SQL.
 */
function compareField(op: CompareOp, field: string, value: Scalar, k: Known): PlanCondition {
  const kind = k.kinds?.[field]
  const vk = kindOf(value)
  if (kind !== undefined && vk !== null && vk !== kind) return planConst(op === 'ne')
  return { kind: 'compare', op, field, value }
}

/** How each kind of expression is checked, planned and read; one entry per kind. */
interface ExprKind<E extends Expr> {
  compile(e: E): Predicate
  residual(e: E, k: Known): PlanCondition
  refs(e: E, out: Set<string>): void
}

const noRefs = () => undefined
/** Kinds that read only the environment: their residual is their value now. */
const envOnly = <E extends Expr>(e: E, k: Known) =>
  planConst(exprKinds[e.k].compile(e as never)({ ...k, res: undefined }))
const termRef = (t: Term, out: Set<string>) => {
  if (t.t === 'res') out.add(t.name)
}

const exprKinds: { readonly [K in Expr['k']]: ExprKind<Extract<Expr, { k: K }>> } = {
  const: {
    compile: (e) => (e.v ? () => true : () => false),
    residual: (e) => planConst(e.v),
    refs: noRefs,
  },
  cmp: {
    compile(e) {
      const a = getter(e.a)
      const op = e.op
      if (e.b.t === 'lit') {
        const v = e.b.v
        if (e.a.t === 'res' && e.a.name !== 'id' && v !== null && (op === 'eq' || op === 'ne')) {
          // the hot case (`resource.status ne 'closed'`): read the attribute directly
          const n = e.a.name
          return op === 'eq'
            ? (i) => i.res !== undefined && i.res[n] === v
            : (i) => i.res === undefined || i.res[n] !== v
        }
        if (op === 'eq') return v === null ? (i) => norm(a(i)) === null : (i) => a(i) === v
        if (op === 'ne') return v === null ? (i) => norm(a(i)) !== null : (i) => a(i) !== v
        return (i) => compareValues(op, a(i), v)
      }
      const b = getter(e.b)
      return (i) => compareValues(op, a(i), b(i))
    },
    residual(e, k) {
      const a = resolve(e.a, k)
      const b = resolve(e.b, k)
      if (a.t === 'lit' && b.t === 'lit') return planConst(compareValues(e.op, a.v, b.v))
      if (a.t === 'res' && b.t === 'lit') return compareField(e.op, a.name, b.v, k)
      if (a.t === 'lit' && b.t === 'res') return compareField(flipped[e.op], b.name, a.v, k)
      if (a.t === 'res' && b.t === 'res') {
        return { kind: 'compareFields', op: e.op, field: a.name, other: b.name }
      }
      // a list-valued subject attribute compared as a scalar: never equal to a scalar
      return planConst(e.op === 'ne')
    },
    refs(e, out) {
      termRef(e.a, out)
      termRef(e.b, out)
    },
  },
  in: {
    compile(e) {
      const a = getter(e.a)
      if (Array.isArray(e.list)) {
        const set = new Set(e.list as Scalar[])
        return (i) => set.has(norm(a(i)) as Scalar)
      }
      const list = getter(e.list as Term)
      return (i) => inValues(a(i), list(i))
    },
    residual(e, k) {
      const a = resolve(e.a, k)
      let list: readonly Scalar[]
      if (Array.isArray(e.list)) list = e.list as Scalar[]
      else {
        const t = e.list as Term
        // parseCondition refuses a list read from the resource
        const v =
          t.t === 'sub'
            ? k.sub[t.name]
            : t.t === 'env'
              ? k.env[t.name]
              : t.t === 'lit'
                ? t.v
                : undefined
        list = Array.isArray(v) ? (v as Scalar[]) : []
      }
      if (a.t === 'lit') return planConst(list.includes(a.v))
      if (a.t !== 'res') return pFalse
      const kind = k.kinds?.[a.name]
      const values = kind === undefined ? list : list.filter((v) => v === null || typeof v === kind)
      return values.length === 0 ? pFalse : { kind: 'in', field: a.name, values }
    },
    refs(e, out) {
      termRef(e.a, out)
      if (!Array.isArray(e.list)) termRef(e.list as Term, out)
    },
  },
  and: {
    compile(e) {
      const ps = e.items.map(compileExpr)
      if (ps.length === 2) {
        const [p, q] = ps as [Predicate, Predicate]
        return (i) => p(i) && q(i)
      }
      return (i) => ps.every((p) => p(i))
    },
    residual: (e, k) => planAnd(e.items.map((i) => residual(i, k))),
    refs: (e, out) => e.items.forEach((i) => resourceRefs(i, out)),
  },
  or: {
    compile(e) {
      const ps = e.items.map(compileExpr)
      return (i) => ps.some((p) => p(i))
    },
    residual: (e, k) => planOr(e.items.map((i) => residual(i, k))),
    refs: (e, out) => e.items.forEach((i) => resourceRefs(i, out)),
  },
  not: {
    compile(e) {
      const p = compileExpr(e.item)
      return (i) => !p(i)
    },
    residual: (e, k) => planNot(residual(e.item, k)),
    refs: (e, out) => resourceRefs(e.item, out),
  },
  time: {
    compile(e) {
      const { from, to } = e
      return (i) => inWindow(i.local().minutes, from, to)
    },
    residual: envOnly,
    refs: noRefs,
  },
  weekday: {
    compile(e) {
      const days = e.days
      return (i) => days.includes(i.local().weekday)
    },
    residual: envOnly,
    refs: noRefs,
  },
  ip: {
    compile(e) {
      const ranges = e.ranges
      return (i) => ipMatches(i.env['ip'], ranges)
    },
    residual: envOnly,
    refs: noRefs,
  },
  window: {
    compile(e) {
      const { from, until } = e
      return (i) => {
        const now = i.env['now']
        return typeof now === 'number' && now >= from && now < until
      }
    },
    residual: envOnly,
    refs: noRefs,
  },
}

function kindOfExpr<K extends Expr['k']>(k: K): ExprKind<Extract<Expr, { k: K }>> {
  const def = Object.hasOwn(exprKinds, k) ? exprKinds[k] : undefined
  if (def === undefined) throw new ConditionError('when', `unknown expression ${JSON.stringify(k)}`)
  return def
}

/** Compile an expression to a closure (built from the AST; nothing is evaluated as code). */
export function compileExpr(e: Expr): Predicate {
  return kindOfExpr(e.k).compile(e as never)
}

/** The residual of `e` over resource fields, with subject and env substituted and folded. */
export function residual(e: Expr, k: Known): PlanCondition {
  return kindOfExpr(e.k).residual(e as never, k)
}

/** Evaluate a plan condition on a plain record (used by tests and the in-memory adapter). */
export function evaluatePlan(c: PlanCondition, row: Readonly<Record<string, unknown>>): boolean {
  switch (c.kind) {
    case 'const':
      return c.value
    case 'and':
      return c.items.every((i) => evaluatePlan(i, row))
    case 'or':
      return c.items.some((i) => evaluatePlan(i, row))
    case 'not':
      return !evaluatePlan(c.item, row)
    case 'compare':
      return compareValues(c.op, row[c.field], c.value)
    case 'compareFields':
      return compareValues(c.op, row[c.field], row[c.other])
    case 'in':
      return c.values.includes(norm(row[c.field]) as Scalar)
  }
}
