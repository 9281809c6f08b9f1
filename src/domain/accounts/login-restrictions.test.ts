import { describe, expect, it } from 'vitest'
import { loginRefusal } from './login-restrictions.js'

const at = (iso: string, ip: string | null = '10.0.0.1', timeZone = 'Europe/Berlin') => ({
  now: new Date(iso),
  timeZone,
  ip,
})

describe('loginRefusal', () => {
  it.each([
    ['allows anything without restrictions', {}, at('2026-11-23T03:00:00Z'), null],
    [
      'allows inside the hours (Berlin is UTC+1 in November)',
      { hours: { start: '08:00', end: '18:00' } },
      at('2026-11-23T16:59:00Z'),
      null,
    ],
    [
      'refuses at the end minute',
      { hours: { start: '08:00', end: '18:00' } },
      at('2026-11-23T17:00:00Z'),
      'outside_hours',
    ],
    [
      'refuses before the start',
      { hours: { start: '08:00', end: '18:00' } },
      at('2026-11-23T06:59:00Z'),
      'outside_hours',
    ],
    [
      'allows late in an overnight window',
      { hours: { start: '22:00', end: '06:00' } },
      at('2026-11-23T22:30:00Z'),
      null,
    ],
    [
      'allows early in an overnight window',
      { hours: { start: '22:00', end: '06:00' } },
      at('2026-11-23T04:30:00Z'),
      null,
    ],
    [
      'refuses midday in an overnight window',
      { hours: { start: '22:00', end: '06:00' } },
      at('2026-11-23T11:00:00Z'),
      'outside_hours',
    ],
    // Saturday 01:00 Berlin belongs to Friday night's window.
    [
      'counts overnight early hours to the day the window began',
      { hours: { start: '22:00', end: '06:00', days: [5] } },
      at('2026-11-28T00:00:00Z'),
      null,
    ],
    // Sunday 02:00 Berlin belongs to Saturday night's window (day 6 wraps to 0).
    [
      'wraps an overnight window from Saturday into Sunday',
      { hours: { start: '22:00', end: '06:00', days: [6] } },
      at('2026-11-29T01:00:00Z'),
      null,
    ],
    [
      'refuses the early hours of a day whose previous night is not listed',
      { hours: { start: '22:00', end: '06:00', days: [6] } },
      at('2026-11-28T01:00:00Z'),
      'outside_hours',
    ],
    [
      'treats an equal start and end as a whole day from that time',
      { hours: { start: '08:00', end: '08:00', days: [1] } },
      at('2026-11-24T06:59:00Z'),
      null,
    ],
    [
      'ends a whole-day window at its start time the next day',
      { hours: { start: '08:00', end: '08:00', days: [1] } },
      at('2026-11-24T07:00:00Z'),
      'outside_hours',
    ],
    [
      'treats 00:00 to 00:00 as the listed days, all day',
      { hours: { start: '00:00', end: '00:00', days: [1] } },
      at('2026-11-23T22:59:00Z'),
      null,
    ],
    [
      'refuses on a day not listed',
      { hours: { start: '00:00', end: '23:59', days: [1, 2, 3, 4, 5] } },
      at('2026-11-22T12:00:00Z'),
      'outside_hours',
    ],
    [
      'allows an address in a v4 range',
      { ipRanges: ['10.0.0.0/8'] },
      at('2026-11-23T12:00:00Z', '10.200.1.1'),
      null,
    ],
    [
      'allows a v4 address seen through a v6 socket',
      { ipRanges: ['10.0.0.0/8'] },
      at('2026-11-23T12:00:00Z', '::ffff:10.2.3.4'),
      null,
    ],
    [
      'refuses an address outside every range',
      { ipRanges: ['10.0.0.0/8', '192.168.1.7'] },
      at('2026-11-23T12:00:00Z', '192.168.1.8'),
      'ip_not_allowed',
    ],
    [
      'refuses an unknown address when ranges are set',
      { ipRanges: ['10.0.0.0/8'] },
      at('2026-11-23T12:00:00Z', null),
      'ip_not_allowed',
    ],
    [
      'fails closed on a malformed range',
      { ipRanges: ['10.0.0.0/99'] },
      at('2026-11-23T12:00:00Z'),
      'restrictions_invalid',
    ],
    [
      'fails closed on a range the engine would read as another network',
      { ipRanges: ['10/8'] },
      at('2026-11-23T12:00:00Z'),
      'restrictions_invalid',
    ],
    [
      'fails closed on a malformed hour',
      { hours: { start: '8', end: '18:00' } },
      at('2026-11-23T12:00:00Z'),
      'restrictions_invalid',
    ],
  ])('%s', (_name, restrictions, when, expected) => {
    expect(loginRefusal(restrictions, when)).toBe(expected)
  })
})
