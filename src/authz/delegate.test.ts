import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bindSubject,
  builtinRoles,
  canDelegate,
  compilePolicy,
  decide,
  presetRoles,
  type Action,
  type Condition,
  type FieldLevel,
  type Grant,
  type Policy,
  type Resource,
  type Subject,
  type TemporaryGrant,
} from './index.js'

const policy: Policy = {
  version: 1,
  timeZone: 'UTC',
  orgUnits: { r1: null, b1: 'r1', t1: 'b1', t2: 'b1', t3: 'r1' },
  roles: [...builtinRoles, ...presetRoles],
}
const engine = compilePolicy(policy)
const env = { now: 1_000_000 }
const person = (
  id: string,
  roles: string[],
  orgUnitId: string,
  grants: TemporaryGrant[] = [],
): Subject => ({
  id,
  companyId: 'c1',
  orgUnitId,
  projectIds: id === 'lead1' ? ['p1', 'p2'] : ['p1'],
  roles,
  grants,
})

describe('canDelegate', () => {
  const lead = bindSubject(engine, person('lead1', ['team-lead'], 't1'))
  const agent = bindSubject(engine, person('a1', ['novice-agent'], 't1'))
  const otherTeam = bindSubject(engine, person('a3', ['novice-agent'], 't3'))

  it.each<[string, Grant, boolean]>([
    ['the team’s customers, read', { actions: ['customer.view'], scope: 'team' }, true],
    [
      'company-wide customers (wider than held)',
      { actions: ['customer.view'], scope: 'company' },
      false,
    ],
    ['customer export (not held)', { actions: ['customer.export'], scope: 'team' }, false],
    [
      'unmasked ID numbers (more revealing)',
      { actions: ['customer.view'], scope: 'team', fields: { idNumber: 'read' } },
      false,
    ],
    ['closed-ticket edits (looser condition)', { actions: ['ticket.edit'], scope: 'team' }, false],
    [
      'open-ticket edits (same condition)',
      {
        actions: ['ticket.edit'],
        scope: 'team',
        when: { ne: [{ ref: 'resource.status' }, 'closed'] },
        fields: { customerLevel: 'hidden', faultCode: 'read' },
      },
      true,
    ],
    [
      '10 numbers a day (above quota)',
      { actions: ['numberPool.addNumber'], scope: 'team', limits: { perDay: 10 } },
      false,
    ],
    [
      '3 numbers a day (within quota)',
      { actions: ['numberPool.addNumber'], scope: 'team', limits: { perDay: 3 } },
      true,
    ],
  ])('a team lead delegating %s → %s', (_name, grant, allowed) => {
    expect(canDelegate(lead, agent, grant).allowed).toBe(allowed)
  })

  it('a relative scope is judged for the grantee: "team" of another team is wider', () => {
    const v = canDelegate(lead, otherTeam, { actions: ['customer.view'], scope: 'team' })
    expect(v.allowed).toBe(false)
    expect(v.violations[0]?.reason).toMatch(/scope/)
  })

  it('a one-record grant is allowed when the granter can reach that record', () => {
    const record: Resource = {
      type: 'customer',
      id: 'cu5',
      companyId: 'c1',
      attrs: { ownerId: 'x', orgUnitId: 't1' },
    }
    expect(
      canDelegate(lead, agent, { actions: ['customer.view'], scope: { record: 'cu5' } }, { record })
        .allowed,
    ).toBe(true)
    const far = { ...record, attrs: { ownerId: 'x', orgUnitId: 't3' } }
    expect(
      canDelegate(
        lead,
        agent,
        { actions: ['customer.view'], scope: { record: 'cu5' } },
        { record: far },
      ).allowed,
    ).toBe(false)
  })
})

describe('a restriction two people share is no shield when it reads the subject', () => {
  // Found by test/delegation-property.test.ts (CI, seed -78502620): a novice put the role they
  // share with a lead under "novices see less", then granted customer.view to that role. The
  // restriction was the same rule on both, so it counted as carried, but it binds only novices.
  const shared: Policy = {
    version: 1,
    timeZone: 'UTC',
    orgUnits: { r1: null, t1: 'r1', t2: 'r1' },
    roles: [
      ...builtinRoles,
      {
        id: 'desk',
        name: 'Desk',
        kind: 'custom',
        grants: [{ actions: ['customer.view'], scope: 'company' }],
        restrictions: [
          {
            id: 'novices-see-less',
            actions: ['customer.view'],
            when: { eq: [{ ref: 'subject.level' }, 'novice'] },
          },
          { id: 'own-team-only', actions: ['customer.export'], scope: 'team' },
        ],
      },
      {
        id: 'wide',
        name: 'Wide',
        kind: 'custom',
        grants: [{ actions: ['customer.view', 'customer.export'], scope: 'company' }],
      },
    ],
  }
  const e = compilePolicy(shared)
  const at = (id: string, level: string, unit: string) =>
    bindSubject(e, {
      id,
      companyId: 'c1',
      orgUnitId: unit,
      roles: ['desk', 'wide'],
      attrs: { level },
    })
  const view: Grant = { actions: ['customer.view'], scope: 'company' }
  const exportAll: Grant = { actions: ['customer.export'], scope: 'company' }

  it('a novice cannot grant what the restriction keeps from them to a lead it spares', () => {
    const v = canDelegate(at('n', 'novice', 't1'), at('l', 'lead', 't1'), view)
    expect(v.allowed).toBe(false)
    expect(v.violations[0]?.reason).toMatch(/restricted here \(novices-see-less\)/)
  })

  it('between two novices the shared restriction still travels with the grant', () => {
    expect(canDelegate(at('n', 'novice', 't1'), at('m', 'novice', 't2'), view).allowed).toBe(true)
  })

  it('a team-scoped restriction travels only to someone of the same team', () => {
    expect(canDelegate(at('n', 'lead', 't1'), at('m', 'lead', 't1'), exportAll).allowed).toBe(true)
    const v = canDelegate(at('n', 'lead', 't1'), at('m', 'lead', 't2'), exportAll)
    expect(v.allowed).toBe(false)
    expect(v.violations[0]?.reason).toMatch(/own-team-only/)
  })
})

// The property: no sequence of delegations by non-admins produces a permission nobody held.
const actions: Action[] = [
  'customer.view',
  'customer.edit',
  'ticket.view',
  'ticket.edit',
  'ticket.reopen',
  'call.dial',
  'numberPool.addNumber',
  'customer.export',
]
const conditions: (Condition | undefined)[] = [
  undefined,
  { ne: [{ ref: 'resource.status' }, 'closed'] },
  { eq: [{ ref: 'resource.status' }, 'closed'] },
  { eq: [{ ref: 'resource.orgUnitId' }, { ref: 'subject.orgUnitId' }] },
]
const levels: FieldLevel[] = ['hidden', 'masked', 'read', 'edit']
const grantArb: fc.Arbitrary<Grant> = fc
  .record({
    actions: fc.subarray(actions, { minLength: 1, maxLength: 2 }),
    scope: fc.constantFrom<Grant['scope']>('own', 'team', 'subtree', 'project', 'company', {
      subtree: 'b1',
    }),
    when: fc.constantFrom(...conditions),
    idNumber: fc.constantFrom(...levels),
    perDay: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  })
  .map(({ actions, scope, when, idNumber, perDay }) => ({
    actions,
    // numberPool has no owner: "own" is not a valid scope for it (compilePolicy would refuse)
    scope: scope === 'own' && actions.some((a) => a.startsWith('numberPool.')) ? 'team' : scope,
    // S1: only tickets and calls have a status attribute; compilePolicy refuses it elsewhere
    ...(when &&
    (!JSON.stringify(when).includes('resource.status') ||
      actions.every((a) => a.startsWith('ticket.') || a.startsWith('call.')))
      ? { when }
      : {}),
    ...(actions.every((a) => a.startsWith('customer.')) ? { fields: { idNumber } } : {}),
    ...(perDay ? { limits: { perDay } } : {}),
  }))

const people: Subject[] = [
  person('lead1', ['team-lead'], 't1'),
  person('lead3', ['team-lead'], 't3'),
  person('s1', ['senior-agent'], 't1'),
  person('n2', ['novice-agent'], 't2'),
  person('as1', ['after-sales-agent'], 't2'),
  person('qa', ['qa-inspector'], 'b1'),
]
const records: Resource[] = []
for (const type of ['customer', 'ticket', 'call', 'numberPool'] as const) {
  for (const orgUnitId of ['t1', 't2', 't3']) {
    for (const owner of ['lead1', 's1', 'n2', 'zz']) {
      for (const status of ['open', 'closed']) {
        records.push({
          type,
          id: `${type}-${orgUnitId}-${owner}-${status}`,
          companyId: 'c1',
          attrs: {
            ownerId: owner,
            assigneeId: owner,
            agentId: owner,
            orgUnitId,
            projectId: 'p1',
            status,
          },
        })
      }
    }
  }
}
const rank = { hidden: 0, masked: 1, read: 2, edit: 3 } as const

/** For each (action, record): the most any one person could do before any delegation. */
function holdings(subjects: Subject[]) {
  const out = new Map<string, { idNumber: number; perDay: number }>()
  for (const s of subjects) {
    const me = bindSubject(engine, s)
    for (const r of records) {
      for (const a of actions) {
        if (!a.startsWith(`${r.type}.`)) continue
        const d = decide(me, a, r, env)
        if (!d.allowed) continue
        const key = `${a}|${r.id}`
        const prev = out.get(key) ?? { idNumber: -1, perDay: -1 }
        out.set(key, {
          idNumber: Math.max(prev.idNumber, rank[d.obligations.fields['idNumber'] ?? 'hidden']),
          perDay: Math.max(prev.perDay, d.obligations.limits?.perDay ?? Infinity),
        })
      }
    }
  }
  return out
}

describe('delegation never escalates', () => {
  const before = holdings(people)
  it('holds for every random sequence of delegations between non-admins', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            from: fc.nat(people.length - 1),
            to: fc.nat(people.length - 1),
            grant: grantArb,
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (steps) => {
          const now = people.map((p) => ({ ...p, grants: [...(p.grants ?? [])] }))
          let accepted = 0
          steps.forEach((step, i) => {
            const granter = bindSubject(engine, now[step.from] as Subject)
            const grantee = bindSubject(engine, now[step.to] as Subject)
            const temp: TemporaryGrant = {
              ...step.grant,
              id: `d${i}`,
              validFrom: 0,
              validUntil: 1e13,
            }
            if (canDelegate(granter, grantee, temp).allowed) {
              ;(now[step.to] as Subject & { grants: TemporaryGrant[] }).grants.push(temp)
              accepted++
            }
          })
          const after = holdings(now)
          for (const [key, got] of after) {
            const held = before.get(key)
            expect(held, `nobody held ${key} before`).toBeDefined()
            expect(got.idNumber, key).toBeLessThanOrEqual((held as { idNumber: number }).idNumber)
            expect(got.perDay, key).toBeLessThanOrEqual((held as { perDay: number }).perDay)
          }
          return accepted >= 0
        },
      ),
      { numRuns: 150 },
    )
  })

  it('the generator does produce accepted delegations (the property is not vacuous)', () => {
    const lead = bindSubject(engine, people[0] as Subject)
    const agent = bindSubject(engine, people[2] as Subject)
    let accepted = 0
    fc.assert(
      fc.property(grantArb, (g) => {
        if (canDelegate(lead, agent, { ...g, id: 'x', validFrom: 0, validUntil: 1e13 }).allowed)
          accepted++
      }),
      { numRuns: 2000 },
    )
    // a team-scoped lead → an agent: most random grants are refused (S17: no subtree from a team
    // holder), so count over many runs (seen: 26–48 of 2000; once only 1 of 400)
    expect(accepted).toBeGreaterThan(5)
  })
})
