/**
 * The console shows dates in the company's time zone (`GET /me` `company.timeZone`, issue 12)
 * and reads a date picked in a filter on the same clock: web/src/format.ts, tested here as
 * plain functions (no browser needed).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatDateTime, wallTimeToIso } from '../web/src/format.js'

const at = (year: number, month: number, day: number, hour: number, minute = 0, second = 0) => ({
  year,
  month,
  day,
  hour,
  minute,
  second,
})

describe('console dates in the company time zone', () => {
  it('reads a picked wall time on the company clock', () => {
    expect(wallTimeToIso(at(2026, 11, 23, 9), 'Asia/Shanghai')).toBe('2026-11-23T01:00:00.000Z')
    expect(wallTimeToIso(at(2026, 11, 23, 9), 'Europe/Moscow')).toBe('2026-11-23T06:00:00.000Z')
    expect(wallTimeToIso(at(2026, 11, 23, 9), 'UTC')).toBe('2026-11-23T09:00:00.000Z')
    // either side of Berlin's spring change (02:00 → 03:00 on 2026-03-29)
    expect(wallTimeToIso(at(2026, 3, 29, 1, 30), 'Europe/Berlin')).toBe('2026-03-29T00:30:00.000Z')
    expect(wallTimeToIso(at(2026, 3, 29, 3, 30), 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z')
  })

  it('shows an instant on the company clock, not the browser one', () => {
    const iso = '2026-11-23T01:00:00.000Z'
    expect(formatDateTime(iso, 'en', 'Asia/Shanghai')).toContain('9:00')
    expect(formatDateTime(iso, 'en', 'Europe/Moscow')).toContain('4:00')
  })

  it('a wall time read on a zone and shown on it again is the same wall time', () => {
    // the zones' spring gaps (Berlin and New York skip 02:00–03:00) are left out of the hours:
    // such a wall time does not exist; every other one, ambiguous autumn hours included, must
    // come back exactly
    const zones = ['Asia/Shanghai', 'Europe/Moscow', 'Europe/Berlin', 'America/New_York', 'UTC']
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 2000, max: 2040 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }).filter((h) => h !== 2),
        fc.integer({ min: 0, max: 59 }),
        (zone, year, month, day, hour, minute) => {
          const iso = wallTimeToIso(at(year, month, day, hour, minute), zone)
          const parts = new Intl.DateTimeFormat('en-US', {
            timeZone: zone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
          }).formatToParts(new Date(iso))
          const n = (type: string) => Number(parts.find((p) => p.type === type)?.value)
          expect([n('year'), n('month'), n('day'), n('hour'), n('minute')]).toEqual([
            year,
            month,
            day,
            hour,
            minute,
          ])
        },
      ),
      { numRuns: 500 },
    )
  })
})
