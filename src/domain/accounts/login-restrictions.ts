import { BlockList, isIP } from 'node:net'

/**
 * P6/P7: when and from where a login is allowed. Stored as JSON in the company's settings
 * (`loginRestrictions`) and on a user (`users.login_restrictions`); both must allow a login.
 * `hours` is local time in the company's time zone; `end` may be before `start` (overnight);
 * `days` are 0 (Sunday) … 6 (Saturday). `ipRanges` are CIDRs or single addresses, v4 or v6.
 */
export interface LoginRestrictions {
  readonly hours?: { readonly start: string; readonly end: string; readonly days?: number[] }
  readonly ipRanges?: readonly string[]
}

export type LoginRefusal = 'outside_hours' | 'ip_not_allowed' | 'restrictions_invalid'

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/

/** Reads stored restrictions; null when they are malformed (the check then fails closed). */
export function readLoginRestrictions(value: unknown): LoginRestrictions | null {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) return null
  const { hours, ipRanges } = value as Record<string, unknown>
  if (hours !== undefined) {
    if (typeof hours !== 'object' || hours === null) return null
    const { start, end, days } = hours as Record<string, unknown>
    if (typeof start !== 'string' || typeof end !== 'string') return null
    if (!HHMM.test(start) || !HHMM.test(end)) return null
    if (days !== undefined && !isDayList(days)) return null
  }
  if (ipRanges !== undefined) {
    if (!Array.isArray(ipRanges) || !ipRanges.every((r) => typeof r === 'string')) return null
    if (buildBlockList(ipRanges) === null) return null
  }
  return value as LoginRestrictions
}

/** Why a login at `now` from `ip` is refused by `r`, or null when it is allowed. */
export function loginRefusal(
  restrictions: unknown,
  at: { now: Date; timeZone: string; ip: string | null },
): LoginRefusal | null {
  const r = readLoginRestrictions(restrictions)
  if (r === null) return 'restrictions_invalid'
  if (r.hours !== undefined && !withinHours(r.hours, at.now, at.timeZone)) return 'outside_hours'
  if (r.ipRanges !== undefined) {
    const list = buildBlockList(r.ipRanges)
    const ip = normaliseIp(at.ip)
    if (list === null || ip === null || !list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4')) {
      return 'ip_not_allowed'
    }
  }
  return null
}

function isDayList(days: unknown): days is number[] {
  return Array.isArray(days) && days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6)
}

function withinHours(hours: NonNullable<LoginRestrictions['hours']>, now: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now)
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'))
  const minutes = Number(part('hour')) * 60 + Number(part('minute'))
  const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
  const start = toMinutes(hours.start)
  const end = toMinutes(hours.end)
  const overnight = end <= start
  const inWindow = overnight ? minutes >= start || minutes < end : minutes >= start && minutes < end
  if (!inWindow) return false
  if (hours.days === undefined) return true
  // An overnight window's early hours belong to the day the window started on.
  const windowDay = overnight && minutes < end ? (day + 6) % 7 : day
  return hours.days.includes(windowDay)
}

function buildBlockList(ranges: readonly string[]): BlockList | null {
  const list = new BlockList()
  for (const range of ranges) {
    const [address = '', prefix] = range.trim().split('/')
    const family = isIP(address)
    if (family === 0) return null
    const type = family === 6 ? 'ipv6' : 'ipv4'
    if (prefix === undefined) {
      list.addAddress(address, type)
      continue
    }
    const bits = Number(prefix)
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) return null
    list.addSubnet(address, bits, type)
  }
  return list
}

/** `::ffff:10.1.2.3` (IPv4 seen through an IPv6 socket) → `10.1.2.3`. */
function normaliseIp(ip: string | null): string | null {
  if (ip === null) return null
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  const plain = mapped?.[1] ?? ip
  return isIP(plain) === 0 ? null : plain
}
