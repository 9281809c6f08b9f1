/**
 * The shared conformance suite: every case runs through `decide` on objects and through a list
 * filter built from `planFilter`; the record ids must be identical. Run it against any filter
 * implementation (in memory here, SQL on PGlite/PostgreSQL in db/authz-filter.test.ts).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bindSubject, compilePolicy, decide, planFilter, type Plan } from './index.js'
import type { Action } from './catalog.js'
import type { Condition } from './condition.js'
import type { Env, Grant, Policy, Restriction, Scope, Subject, TemporaryGrant } from './model.js'

/** A ticket-shaped record; columns are the snake_case of these names. */
export type ConformanceRow = {
  readonly id: string
  readonly companyId: string
  readonly assigneeId: string | null
  readonly orgUnitId: string | null
  readonly projectId: string | null
  readonly status: string | null
  readonly priority: number | null
  readonly escalated: boolean | null
}

export const orgUnits: Policy['orgUnits'] = {
  r1: null,
  b1: 'r1',
  t1: 'b1',
  t2: 'b1',
  r2: null,
  b2: 'r2',
  t3: 'b2',
}

/** Every combination of the attributes that scopes and conditions read, in two companies. */
export const conformanceRows: readonly ConformanceRow[] = (() => {
  const rows: ConformanceRow[] = []
  let n = 0
  for (const companyId of ['c1', 'c2']) {
    for (const assigneeId of ['u1', 'u2', 'u3', null]) {
      for (const orgUnitId of ['t1', 't2', 't3', 'b1', null]) {
        for (const status of ['open', 'closed', null]) {
          for (const projectId of ['p1', 'p2', null]) {
            n++
            rows.push({
              id: `r${n}`,
              companyId,
              assigneeId,
              orgUnitId,
              projectId,
              status,
              priority: n % 6 === 0 ? null : n % 5,
              escalated: n % 7 === 0 ? null : n % 2 === 0,
            })
          }
        }
      }
    }
  }
  return rows
})()

/** Runs a list filter: the ids of the rows the plan selects for the subject's company. */
export type FilterFn = (
  plan: Plan,
  companyId: string,
  rows: readonly ConformanceRow[],
) => Promise<readonly string[]>

export interface ConformanceCase {
  readonly name: string
  readonly grants?: readonly Grant[]
  readonly restrictions?: readonly Restriction[]
  readonly subject?: Partial<Subject>
  readonly env?: Partial<Env>
  /** How many rows the case must select, so that a case that selects nothing by mistake fails. */
  readonly count: number | 'some'
}

const noon = Date.UTC(2026, 10, 23, 4, 0) // 12:00 in Asia/Shanghai
const evening = Date.UTC(2026, 10, 23, 11, 0) // 19:00 in Asia/Shanghai

const notClosed: Condition = { ne: [{ ref: 'resource.status' }, 'closed'] }
const view = (scope: Scope, when?: Condition): Grant => ({
  actions: ['ticket.view'],
  scope,
  ...(when ? { when } : {}),
})
const temp = (from: number, until: number, scope: Scope = 'company'): TemporaryGrant => ({
  id: 'tg1',
  actions: ['ticket.view'],
  scope,
  validFrom: from,
  validUntil: until,
})

// 180 rows per company; the counts below are worked out from the generator above.
export const conformanceCases: readonly ConformanceCase[] = [
  { name: 'a role with no grants selects nothing (P12)', grants: [], count: 0 },
  {
    name: 'company scope selects the whole company and nothing of another',
    grants: [view('company')],
    count: 180,
  },
  { name: 'own selects the records assigned to the subject', grants: [view('own')], count: 45 },
  { name: "team selects the subject's unit only", grants: [view('team')], count: 36 },
  {
    name: 'subtree covers the unit and every unit below it',
    grants: [view('subtree')],
    subject: { orgUnitId: 'b1' },
    count: 108,
  },
  {
    name: 'an anchored subtree covers that branch only',
    grants: [view({ subtree: 'r2' })],
    count: 36,
  },
  {
    name: "project selects the subject's projects (P10)",
    grants: [view('project')],
    subject: { projectIds: ['p1'] },
    count: 60,
  },
  {
    name: 'project with no memberships selects nothing',
    grants: [view('project')],
    subject: { projectIds: [] },
    count: 0,
  },
  { name: 'one record', grants: [view({ record: 'r7' })], count: 1 },
  {
    name: 'team scope without an org unit selects nothing',
    grants: [view('team')],
    subject: { orgUnitId: null },
    count: 0,
  },
  {
    name: 'closed tickets are excluded by a not-closed condition, nulls kept (P5)',
    grants: [view('team', notClosed)],
    count: 24,
  },
  {
    name: 'a restriction overrides a company-wide grant',
    grants: [view('company')],
    restrictions: [
      { id: 'x', actions: ['ticket.view'], when: { eq: [{ ref: 'resource.status' }, 'closed'] } },
    ],
    count: 120,
  },
  { name: 'grants add up (own or team)', grants: [view('own'), view('team')], count: 72 },
  {
    name: 'after-hours restriction applies at 19:00 (P6)',
    grants: [view('company')],
    restrictions: [
      { id: 'night', actions: ['ticket.*'], when: { timeOfDay: { from: '18:00', to: '08:00' } } },
    ],
    env: { now: evening },
    count: 0,
  },
  {
    name: 'after-hours restriction does not apply at noon (P6)',
    grants: [view('company')],
    restrictions: [
      { id: 'night', actions: ['ticket.*'], when: { timeOfDay: { from: '18:00', to: '08:00' } } },
    ],
    count: 180,
  },
  {
    name: 'outside the office network nothing is visible (P7)',
    grants: [view('company', { ipIn: ['10.0.0.0/8'] })],
    env: { ip: '203.0.113.9' },
    count: 0,
  },
  {
    name: 'inside the office network',
    grants: [view('company', { ipIn: ['10.0.0.0/8'] })],
    env: { ip: '10.1.2.3' },
    count: 180,
  },
  {
    name: 'an active temporary grant',
    subject: { grants: [temp(noon - 1, noon + 1)] },
    count: 180,
  },
  {
    name: 'an expired temporary grant selects nothing',
    subject: { grants: [temp(noon - 10, noon - 1)] },
    count: 0,
  },
  {
    name: 'eq null selects records without the attribute',
    grants: [view('company', { eq: [{ ref: 'resource.status' }, null] })],
    count: 60,
  },
  {
    name: 'ordered comparisons never select nulls',
    grants: [view('company', { gte: [{ ref: 'resource.priority' }, 3] })],
    count: 'some',
  },
  {
    name: 'not of an ordered comparison keeps nulls',
    grants: [view('company', { not: { lt: [{ ref: 'resource.priority' }, 2] } })],
    count: 'some',
  },
  {
    name: 'in with null in the list',
    grants: [view('company', { in: [{ ref: 'resource.status' }, ['open', null]] })],
    count: 120,
  },
  {
    name: 'not in',
    grants: [view('company', { not: { in: [{ ref: 'resource.projectId' }, ['p1', 'p2']] } })],
    count: 60,
  },
  {
    name: 'in a subject list',
    grants: [
      view('company', { in: [{ ref: 'resource.projectId' }, { ref: 'subject.projectIds' }] }),
    ],
    subject: { projectIds: ['p2'] },
    count: 60,
  },
  {
    name: 'boolean attribute',
    grants: [view('company', { eq: [{ ref: 'resource.escalated' }, true] })],
    count: 'some',
  },
  {
    name: 'subject of another company sees only its own company',
    grants: [view('company')],
    subject: { companyId: 'c2' },
    count: 180,
  },
]

export function caseSubject(c: Pick<ConformanceCase, 'subject'>): Subject {
  return {
    id: 'u1',
    companyId: 'c1',
    orgUnitId: 't1',
    projectIds: ['p1'],
    roles: ['r'],
    ...c.subject,
  }
}

export function casePolicy(c: Pick<ConformanceCase, 'grants' | 'restrictions'>): Policy {
  return {
    version: 1,
    timeZone: 'Asia/Shanghai',
    orgUnits,
    roles: [{ id: 'r', name: 'r', kind: 'custom', grants: c.grants ?? [] }],
    restrictions: c.restrictions ?? [],
  }
}

/** The ids `decide` allows, one record at a time. */
export function decidedIds(
  policy: Policy,
  subject: Subject,
  action: Action,
  env: Env,
  rows: readonly ConformanceRow[],
): string[] {
  const me = bindSubject(compilePolicy(policy), subject)
  return rows
    .filter(
      (r) =>
        decide(me, action, { type: 'ticket', id: r.id, companyId: r.companyId, attrs: r }, env)
          .allowed,
    )
    .map((r) => r.id)
}

export async function filteredIds(
  policy: Policy,
  subject: Subject,
  action: Action,
  env: Env,
  filter: FilterFn,
  rows = conformanceRows,
): Promise<string[]> {
  const me = bindSubject(compilePolicy(policy), subject)
  return [...(await filter(planFilter(me, action, env), subject.companyId, rows))].sort(byId)
}

const byId = (a: string, b: string) => Number(a.slice(1)) - Number(b.slice(1))

// Random policies for the property: small domains, so that matches and misses both happen.
const ref = (name: string) => ({ ref: `resource.${name}` as const })
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.constantFrom<Condition>(
    { eq: [ref('status'), 'closed'] },
    { eq: [ref('status'), null] },
    { ne: [ref('status'), 'open'] },
    { eq: [ref('escalated'), true] },
    { ne: [ref('escalated'), false] },
    { eq: [ref('orgUnitId'), { ref: 'subject.orgUnitId' }] },
    { eq: [ref('assigneeId'), { ref: 'subject.id' }] },
    { in: [ref('projectId'), { ref: 'subject.projectIds' }] },
    { in: [ref('status'), ['open', null]] },
    { timeOfDay: { from: '18:00', to: '08:00' } },
    { weekday: [1, 2, 3, 4, 5] },
    { ipIn: ['10.0.0.0/8'] },
  ),
  fc
    .record({
      op: fc.constantFrom('lt', 'lte', 'gt', 'gte', 'eq', 'ne'),
      v: fc.integer({ min: -1, max: 6 }),
    })
    .map(({ op, v }) => ({ [op]: [ref('priority'), v] }) as unknown as Condition),
)
export const conditionArb: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('c'), { maxLength: 3 }).map((xs) => ({ and: xs })),
    fc.array(tie('c'), { maxLength: 3 }).map((xs) => ({ or: xs })),
    tie('c').map((x) => ({ not: x })),
  ),
})).c

const scopeArb = fc.constantFrom<Scope>(
  'own',
  'team',
  'subtree',
  'project',
  'company',
  { subtree: 'b1' },
  { record: 'r42' },
)
const grantArb: fc.Arbitrary<Grant> = fc
  .record({
    actions: fc.constant(['ticket.view'] as const),
    scope: scopeArb,
    when: fc.option(conditionArb, { nil: undefined }),
  })
  .map((g) => (g.when === undefined ? { actions: g.actions, scope: g.scope } : g))
const restrictionArb: fc.Arbitrary<Restriction> = fc.record({
  id: fc.constant('x'),
  actions: fc.constant(['ticket.*'] as const),
  scope: scopeArb,
  when: conditionArb,
})

export const scenarioArb = fc.record({
  grants: fc.array(grantArb, { maxLength: 3 }),
  restrictions: fc.array(restrictionArb, { maxLength: 1 }),
  subject: fc.record({
    id: fc.constantFrom('u1', 'u2', 'u3'),
    orgUnitId: fc.constantFrom('t1', 't3', 'b1', null),
    projectIds: fc.subarray(['p1', 'p2']),
  }),
  env: fc.record({
    now: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 0, 15) }),
    ip: fc.constantFrom('10.0.0.7', '192.168.1.1', '::1'),
  }),
})

/** Runs the shared suite against `filter`. `runs` bounds the property-based part. */
export function runConformance(name: string, getFilter: () => FilterFn, runs = 200): void {
  describe(`conformance: decide ≡ ${name}`, () => {
    it.each(conformanceCases)('$name', async (c) => {
      const policy = casePolicy(c)
      const subject = caseSubject(c)
      const env = { now: noon, ...c.env }
      const expected = decidedIds(policy, subject, 'ticket.view', env, conformanceRows)
      const got = await filteredIds(policy, subject, 'ticket.view', env, getFilter())
      expect(got).toEqual(expected)
      if (c.count === 'some') expect(expected.length).toBeGreaterThan(0)
      else expect(expected.length).toBe(c.count)
      if (subject.companyId === 'c1')
        expect(got.every((id) => Number(id.slice(1)) <= 180)).toBe(true)
    })

    it('agrees with decide for random policies, subjects, times and networks', async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, async (s) => {
          const policy = casePolicy(s)
          const subject = caseSubject({ subject: s.subject })
          const expected = decidedIds(policy, subject, 'ticket.view', s.env, conformanceRows)
          const got = await filteredIds(policy, subject, 'ticket.view', s.env, getFilter())
          expect(got).toEqual(expected)
        }),
        { numRuns: runs },
      )
    })
  })
}
