/**
 * A timestamp in the reader's language, in the company's time zone (`GET /me` `company.timeZone`;
 * the browser's when it is not known yet).
 */
export function formatDateTime(iso: string, language: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(language, {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso))
}

/** The same to the second, where the order of events matters (the audit log). */
export function formatDateTimeSeconds(iso: string, language: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(language, {
    dateStyle: 'medium',
    timeStyle: 'medium',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso))
}

/** How far `timeZone`'s wall clock is ahead of UTC at the instant `utcMs`, in milliseconds. */
function offsetAt(timeZone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(utcMs))
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'))
  return wall - Math.floor(utcMs / 1000) * 1000
}

/**
 * The instant at which the wall clock of `timeZone` reads the given date and time (a date picked
 * in the page is meant in the company's zone, whatever the browser's), as an ISO string.
 */
export function wallTimeToIso(
  wall: { year: number; month: number; day: number; hour: number; minute: number; second: number },
  timeZone: string,
): string {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second)
  // two passes settle the offset on either side of a daylight-saving change
  let t = asUtc - offsetAt(timeZone, asUtc)
  t = asUtc - offsetAt(timeZone, t)
  return new Date(t).toISOString()
}
