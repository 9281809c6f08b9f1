import { isIP } from 'node:net'
import {
  compileEnvCondition,
  ConditionError,
  type Condition,
  type EnvPredicate,
} from '../../authz/index.js'

/**
 * P6/P7: when and from where a login is allowed. Stored as JSON in the company's settings
 * (`loginRestrictions`) and on a user (`users.login_restrictions`); both must allow a login.
 * `hours` is local time in the company's time zone; `end` may be before `start` (overnight);
 * `days` are 0 (Sunday) … 6 (Saturday). `ipRanges` are CIDRs or single addresses, v4 or v6.
 * The engine decides them: each part is read into one of its conditions (timeOfDay, weekday,
 * ipIn) and evaluated by `compileEnvCondition`, in the company's zone as grants are.
 */
export interface LoginRestrictions {
  readonly hours?: { readonly start: string; readonly end: string; readonly days?: number[] }
  readonly ipRanges?: readonly string[]
}

export type LoginRefusal = 'outside_hours' | 'ip_not_allowed' | 'restrictions_invalid'

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/

/** Each part as the engine's condition; a part that restricts nothing is absent. */
interface LoginConditions {
  readonly hours?: Condition
  readonly ip?: Condition
}

/** Reads stored restrictions; null when they are malformed (the check then fails closed). */
export function readLoginRestrictions(value: unknown): LoginRestrictions | null {
  if (compileRestrictions(value, 'UTC') === null) return null
  return (value ?? {}) as LoginRestrictions
}

/** Why a login at `now` from `ip` is refused by `r`, or null when it is allowed. */
export function loginRefusal(
  restrictions: unknown,
  at: { now: Date; timeZone: string; ip: string | null },
): LoginRefusal | null {
  const checks = compileRestrictions(restrictions, at.timeZone)
  if (checks === null) return 'restrictions_invalid'
  const env = { now: at.now.getTime(), ...(at.ip === null ? {} : { ip: at.ip }) }
  if (checks.hours !== undefined && !checks.hours(env)) return 'outside_hours'
  if (checks.ip !== undefined && !checks.ip(env)) return 'ip_not_allowed'
  return null
}

function compileRestrictions(
  value: unknown,
  timeZone: string,
): { hours?: EnvPredicate; ip?: EnvPredicate } | null {
  const conditions = loginConditions(value)
  if (conditions === null) return null
  try {
    return {
      ...(conditions.hours && { hours: compileEnvCondition(conditions.hours, timeZone, 'hours') }),
      ...(conditions.ip && { ip: compileEnvCondition(conditions.ip, timeZone, 'ipRanges') }),
    }
  } catch (error) {
    if (error instanceof ConditionError) return null
    throw error
  }
}

function loginConditions(value: unknown): LoginConditions | null {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) return null
  const { hours, ipRanges } = value as Record<string, unknown>
  let out: LoginConditions = {}
  if (hours !== undefined) {
    if (typeof hours !== 'object' || hours === null) return null
    const { start, end, days } = hours as Record<string, unknown>
    if (typeof start !== 'string' || typeof end !== 'string') return null
    if (!HHMM.test(start) || !HHMM.test(end)) return null
    if (days !== undefined && !isDayList(days)) return null
    const condition = hoursCondition(start, end, days)
    if (condition !== undefined) out = { ...out, hours: condition }
  }
  if (ipRanges !== undefined) {
    if (!Array.isArray(ipRanges) || !ipRanges.every((r) => typeof r === 'string')) return null
    const cidrs = ipRanges.map(cidrOf)
    if (cidrs.some((c) => c === null)) return null
    out = { ...out, ip: { ipIn: cidrs as string[] } }
  }
  return out
}

function isDayList(days: unknown): days is number[] {
  return Array.isArray(days) && days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6)
}

/**
 * The window [start, end) as timeOfDay and weekday conditions; undefined when it is always open.
 * An overnight window (end at or before start) is split at midnight, and its early hours belong
 * to the day it began on: the part after midnight checks the next weekday. `days` 0 (Sunday) … 6
 * are the engine's ISO weekdays 7, 1 … 6.
 */
function hoursCondition(
  start: string,
  end: string,
  days: number[] | undefined,
): Condition | undefined {
  const on = (window: Condition | undefined, dayShift: number): Condition | undefined => {
    const weekday = days && { weekday: days.map((d) => (d + dayShift) % 7 || 7) }
    return window && weekday ? { and: [window, weekday] } : (window ?? weekday)
  }
  if (end > start) return on({ timeOfDay: { from: start, to: end } }, 0)
  // timeOfDay wraps past midnight when from > to: [start, 00:00) runs to the end of the day
  const evening = on(start === '00:00' ? undefined : { timeOfDay: { from: start, to: '00:00' } }, 0)
  if (end === '00:00') return evening
  // start is not 00:00 here (end would be before it), so the evening part is a real window
  return { or: [evening, on({ timeOfDay: { from: '00:00', to: end } }, 1)] as Condition[] }
}

/**
 * A stored range as the engine's CIDR: a single address is its own /32 or /128. The address is
 * held to the standard notations (the engine's parser also takes forms such as `10/8`, read as
 * 0.0.0.10, which nobody writing an allow-list means).
 */
function cidrOf(range: string): string | null {
  const [address = '', prefix, ...rest] = range.trim().split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return null
  if (prefix === undefined) return `${address}/${family === 6 ? 128 : 32}`
  return /^\d{1,3}$/.test(prefix) ? `${address}/${prefix}` : null
}
