/**
 * The role editor's permissions with conditions as plain data (no React): a grant → the fields
 * the structured editor shows (or undefined when it cannot show it), and back. The property test
 * test/condition-draft.property.test.ts proves the round trip.
 */
import type { components } from '../api/schema.js'

type Schemas = components['schemas']
type Grant = Schemas['Grant']
type Condition = Schemas['Condition']

/** GET /api/v1/permissions, as far as this editor reads it. */
export interface CatalogResource {
  type: string
  actions: { action: string }[]
  attributes: Record<string, string>
  /** Which attribute holds the owner, the unit, the project (absent: that reach does not apply). */
  scopeAttributes: { owner?: string; orgUnit?: string; project?: string }
}

/** What each reach needs the records to carry. */
const NEEDS: Record<Scope, 'owner' | 'orgUnit' | 'project' | null> = {
  own: 'owner',
  team: 'orgUnit',
  subtree: 'orgUnit',
  project: 'project',
  company: null,
}

/** The reaches every chosen action's resource type supports (the engine refuses the others). */
export function scopesFor(
  actions: readonly string[],
  resources: readonly CatalogResource[],
): Scope[] {
  const types = [...new Set(actions.map((a) => a.split('.')[0] ?? ''))]
  const defs = types.map((t) => resources.find((r) => r.type === t)?.scopeAttributes ?? {})
  return SCOPES.filter((s) => {
    const need = NEEDS[s]
    return need === null || defs.every((d) => d[need] !== undefined)
  })
}

export const SCOPES = ['own', 'team', 'subtree', 'project', 'company'] as const
export type Scope = (typeof SCOPES)[number]
export const OPS = ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte'] as const
export type Op = (typeof OPS)[number]
export const ORDERED: readonly Op[] = ['lt', 'lte', 'gt', 'gte']

/** One comparison of a record's attribute with a value (`in`: values separated by commas). */
export interface Compare {
  attr: string
  op: Op
  value: string
}

/**
 * A permission with conditions as the structured editor holds it: the record conditions, a time
 * window, weekdays and address ranges, all of which must hold (`and`), its limits and obligations.
 * Field rules and the label are carried through untouched.
 */
export interface RuleDraft {
  actions: string[]
  scope: Scope
  compares: Compare[]
  time: { from: string; to: string } | null
  weekdays: number[]
  ipRanges: string
  perDay: number | null
  concurrent: number | null
  audit: boolean
  reasonRequired: boolean
  approvalRequired: boolean
  rest: Pick<Grant, 'fields' | 'label'>
}

export function emptyRule(): RuleDraft {
  return {
    actions: [],
    scope: 'team',
    compares: [],
    time: null,
    weekdays: [],
    ipRanges: '',
    perDay: null,
    concurrent: null,
    audit: false,
    reasonRequired: false,
    approvalRequired: false,
    rest: {},
  }
}

const isRef = (x: unknown): x is { ref: string } =>
  typeof x === 'object' && x !== null && typeof (x as { ref?: unknown }).ref === 'string'
const isLiteral = (x: unknown) => x === null || ['string', 'number', 'boolean'].includes(typeof x)

/** One condition node into the draft; false when the structured editor cannot show it. */
function readNode(node: Condition, into: RuleDraft): boolean {
  const [op, arg] = Object.entries(node)[0] ?? []
  if (op === 'timeOfDay' && into.time === null) {
    const t = arg as { from: string; to: string }
    into.time = { from: t.from, to: t.to }
    return true
  }
  if (op === 'weekday' && into.weekdays.length === 0) {
    into.weekdays = [...(arg as number[])]
    return true
  }
  if (op === 'ipIn' && into.ipRanges === '') {
    into.ipRanges = (arg as string[]).join(', ')
    return true
  }
  if ((OPS as readonly string[]).includes(op ?? '') && Array.isArray(arg) && arg.length === 2) {
    const [left, right] = arg as unknown[]
    if (!isRef(left) || !left.ref.startsWith('resource.')) return false
    const attr = left.ref.slice('resource.'.length)
    if (op === 'in') {
      if (!Array.isArray(right) || !right.every(isLiteral)) return false
      into.compares.push({ attr, op, value: right.map(String).join(', ') })
      return true
    }
    if (!isLiteral(right) || right === null) return false
    into.compares.push({ attr, op: op as Op, value: String(right) })
    return true
  }
  return false
}

/** A grant the structured editor can show and write back; undefined when it cannot. */
export function ruleFrom(g: Grant): RuleDraft | undefined {
  if (typeof g.scope !== 'string') return undefined
  const rule: RuleDraft = {
    ...emptyRule(),
    actions: [...g.actions],
    scope: g.scope as Scope,
    perDay: g.limits?.perDay ?? null,
    concurrent: g.limits?.concurrent ?? null,
    audit: g.audit ?? false,
    reasonRequired: g.reasonRequired ?? false,
    approvalRequired: g.approvalRequired ?? false,
    rest: {
      ...(g.fields !== undefined && { fields: g.fields }),
      ...(g.label !== undefined && { label: g.label }),
    },
  }
  if (g.when === undefined) return rule
  const and = (g.when as { and?: Condition[] }).and
  const nodes = Object.keys(g.when).length === 1 && Array.isArray(and) ? and : [g.when]
  return nodes.every((n) => readNode(n, rule)) ? rule : undefined
}

/** The literal a value stands for, by the attribute's kind. */
function literal(kind: string | undefined, text: string): string | number | boolean {
  const v = text.trim()
  if (kind === 'number' && v !== '' && !Number.isNaN(Number(v))) return Number(v)
  if (kind === 'boolean' && (v === 'true' || v === 'false')) return v === 'true'
  return v
}

/** The draft as the API's grant; the server validates it (kinds, ranges, delegation). */
export function grantFrom(rule: RuleDraft, kinds: (attr: string) => string | undefined): Grant {
  const nodes: Condition[] = []
  for (const c of rule.compares) {
    const ref = { ref: `resource.${c.attr}` }
    const kind = kinds(c.attr)
    nodes.push(
      c.op === 'in'
        ? ({ in: [ref, c.value.split(',').map((v) => literal(kind, v))] } as Condition)
        : ({ [c.op]: [ref, literal(kind, c.value)] } as Condition),
    )
  }
  if (rule.time) nodes.push({ timeOfDay: { ...rule.time } } as Condition)
  if (rule.weekdays.length > 0) {
    nodes.push({ weekday: [...rule.weekdays].sort((a, b) => a - b) } as Condition)
  }
  const ranges = rule.ipRanges
    .split(/[\s,]+/)
    .map((r) => r.trim())
    .filter((r) => r !== '')
  if (ranges.length > 0) nodes.push({ ipIn: ranges } as Condition)
  const limits = {
    ...(rule.perDay !== null && { perDay: rule.perDay }),
    ...(rule.concurrent !== null && { concurrent: rule.concurrent }),
  }
  return {
    actions: rule.actions,
    scope: rule.scope,
    ...(nodes.length === 1 && { when: nodes[0] }),
    ...(nodes.length > 1 && { when: { and: nodes } as Condition }),
    ...(Object.keys(limits).length > 0 && { limits }),
    ...(rule.audit && { audit: true }),
    ...(rule.reasonRequired && { reasonRequired: true }),
    ...(rule.approvalRequired && { approvalRequired: true }),
    ...rule.rest,
  }
}

/** The attributes (with their kind) every chosen action's resource type declares alike. */
export function sharedAttributes(
  actions: readonly string[],
  resources: readonly CatalogResource[],
): Record<string, string> {
  const types = [...new Set(actions.map((a) => a.split('.')[0] ?? ''))]
  const defs = types.map((t) => resources.find((r) => r.type === t)?.attributes ?? {})
  if (defs.length === 0) return {}
  const [first, ...others] = defs
  return Object.fromEntries(
    Object.entries(first ?? {}).filter(([name, kind]) => others.every((d) => d[name] === kind)),
  )
}
