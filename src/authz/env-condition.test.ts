import { describe, expect, it } from 'vitest'
import {
  bindSubject,
  compileEnvCondition,
  compilePolicy,
  ConditionError,
  decide,
  type Condition,
} from './index.js'

const monday0930 = Date.UTC(2026, 10, 23, 1, 30) // Monday 09:30 in Asia/Shanghai
const monday1830 = Date.UTC(2026, 10, 23, 10, 30) // Monday 18:30 in Asia/Shanghai
const sunday0030 = Date.UTC(2026, 10, 21, 16, 30) // Sunday 00:30 in Asia/Shanghai

describe('compileEnvCondition', () => {
  it.each<[string, Condition, { now: number; ip?: string }, boolean]>([
    [
      'reads the time of day in the company zone',
      { timeOfDay: { from: '08:00', to: '18:00' } },
      { now: monday0930 },
      true,
    ],
    [
      'refuses after the window',
      { timeOfDay: { from: '08:00', to: '18:00' } },
      { now: monday1830 },
      false,
    ],
    [
      'wraps a window past midnight',
      { timeOfDay: { from: '22:00', to: '06:00' } },
      { now: sunday0030 },
      true,
    ],
    ['reads ISO weekdays', { weekday: [1, 2, 3, 4, 5] }, { now: monday0930 }, true],
    ['refuses a weekday not listed', { weekday: [1, 2, 3, 4, 5] }, { now: sunday0030 }, false],
    ['matches an address in a range', { ipIn: ['10.0.0.0/8'] }, { now: 0, ip: '10.9.8.7' }, true],
    [
      'matches a v4 address seen through a v6 socket',
      { ipIn: ['10.0.0.0/8'] },
      { now: 0, ip: '::ffff:10.9.8.7' },
      true,
    ],
    ['refuses an unknown address', { ipIn: ['10.0.0.0/8'] }, { now: 0 }, false],
    [
      'combines conditions',
      { and: [{ weekday: [1] }, { not: { ipIn: ['192.0.2.0/24'] } }] },
      { now: monday0930, ip: '10.0.0.1' },
      true,
    ],
  ])('%s', (_name, condition, env, expected) => {
    expect(compileEnvCondition(condition, 'Asia/Shanghai')(env)).toBe(expected)
  })

  it('agrees with a compiled policy on the same condition and time', () => {
    const when: Condition = { timeOfDay: { from: '09:00', to: '18:00' } }
    const engine = compilePolicy({
      version: 1,
      timeZone: 'Asia/Shanghai',
      orgUnits: {},
      roles: [
        {
          id: 'r',
          name: 'r',
          kind: 'custom',
          grants: [{ actions: ['user.view'], scope: 'company', when }],
        },
      ],
    })
    const me = bindSubject(engine, { id: 'u', companyId: 'c', roles: ['r'] })
    const holds = compileEnvCondition(when, 'Asia/Shanghai')
    for (let minute = 0; minute < 24 * 60; minute += 7) {
      const now = monday0930 + minute * 60_000
      expect(holds({ now })).toBe(decide(me, 'user.view', undefined, { now }).allowed)
    }
  })

  it.each<[string, unknown, string, string]>([
    [
      'a resource reference',
      { eq: [{ ref: 'resource.status' }, 'open'] },
      'UTC',
      'resource.status',
    ],
    ['a subject reference', { in: ['x', { ref: 'subject.projectIds' }] }, 'UTC', 'subject.'],
    ['a malformed range', { ipIn: ['10.0.0.0/99'] }, 'UTC', 'CIDR'],
    ['an unknown time zone', { weekday: [1] }, 'Mars/Olympus', 'time zone'],
  ])('refuses %s', (_name, condition, timeZone, message) => {
    expect(() => compileEnvCondition(condition, timeZone, 'hours')).toThrow(ConditionError)
    expect(() => compileEnvCondition(condition, timeZone, 'hours')).toThrow(message)
  })
})
