/**
 * Conditions on the request environment alone: the engine's own `timeOfDay`, `weekday` and `ipIn`
 * (and comparisons of `env.*`), for gates that have no subject and no record yet, such as login
 * hours (P6) and networks (P7). Same parser, same closures and same company-time-zone clock as
 * the conditions of a compiled policy, so a login window and a grant's window cannot disagree.
 */
import { compilePolicy, PolicyError } from './compile.js'
import {
  compileExpr,
  ConditionError,
  parseCondition,
  type Expr,
  type LocalTime,
  type Term,
} from './condition.js'
import type { Env } from './model.js'

/** Whether a request environment (time, IP) meets the condition. */
export type EnvPredicate = (env: Env) => boolean

/**
 * Validate and compile a condition that reads only the environment; local time is taken in
 * `timeZone` (the company's). Throws ConditionError (with `path`) for a bad condition, for a
 * reference to `resource.*` or `subject.*`, and for an unknown time zone.
 * @example
 * const office = compileEnvCondition({ and: [{ timeOfDay: { from: '08:00', to: '18:00' } },
 *   { ipIn: ['10.0.0.0/8'] }] }, 'Asia/Shanghai', 'loginRestrictions')
 * office({ now: Date.parse('2026-11-23T02:00:00Z'), ip: '10.1.2.3' }) // true (10:00 in Shanghai)
 */
export function compileEnvCondition(
  condition: unknown,
  timeZone: string,
  path = 'when',
): EnvPredicate {
  const expr = parseCondition(condition, path)
  const ref = firstNonEnvRef(expr)
  if (ref !== undefined)
    throw new ConditionError(path, `only env.* can be known here; ${ref} cannot`)
  const localTime = clockIn(timeZone)
  const predicate = compileExpr(expr)
  return (env) => {
    let local: LocalTime | undefined
    return predicate({
      res: undefined,
      sub: {},
      subId: undefined,
      subUnit: undefined,
      env: env as unknown as Readonly<Record<string, unknown>>,
      local: () => (local ??= localTime(env.now)),
    })
  }
}

/** The clock compiled policies use for `timeOfDay` and `weekday` in this zone. */
function clockIn(timeZone: string): (now: number) => LocalTime {
  try {
    return compilePolicy({ version: 0, timeZone, orgUnits: {}, roles: [] }).localTime
  } catch (error) {
    if (error instanceof PolicyError)
      throw new ConditionError('timeZone', error.problems[0]?.message ?? 'unknown time zone')
    throw error
  }
}

function termRef(t: Term): string | undefined {
  if (t.t === 'res') return `resource.${t.name}`
  if (t.t === 'sub') return `subject.${t.name}`
  return undefined
}

function firstNonEnvRef(e: Expr): string | undefined {
  switch (e.k) {
    case 'cmp':
      return termRef(e.a) ?? termRef(e.b)
    case 'in':
      return termRef(e.a) ?? (Array.isArray(e.list) ? undefined : termRef(e.list as Term))
    case 'and':
    case 'or':
      for (const item of e.items) {
        const ref = firstNonEnvRef(item)
        if (ref !== undefined) return ref
      }
      return undefined
    case 'not':
      return firstNonEnvRef(e.item)
    default:
      return undefined
  }
}
