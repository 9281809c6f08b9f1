/**
 * `decide` takes the entry's quick test (one allow, no deny, no cap; own or team scope and at
 * most one literal comparison) instead of walking the rules: the full `Decision` — allowed,
 * reason, matched rules, obligations — must be the walk's, deep-equal. The walk is forced by a
 * copy of the bound subject whose entries carry no quick form.
 */
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ActionEntry } from './compile.js'
import { caseSubject, casePolicy, conformanceRows, scenarioArb } from './conformance.case.js'
import {
  bindSubject,
  compilePolicy,
  decide,
  decideMany,
  withCeiling,
  type Action,
  type BoundSubject,
  type Grant,
  type Resource,
  type Restriction,
} from './index.js'

/** The same subject without the shortcut: every entry's quick forms removed. */
function walking(s: BoundSubject): BoundSubject {
  const entries = s.entries.map(
    (e): ActionEntry | undefined =>
      e && { ...e, quick: undefined, quickScope: undefined, merged: undefined },
  )
  return {
    ...s,
    entries,
    table: { ...s.table, entries },
    ceiling: s.ceiling && walking(s.ceiling),
  }
}

function records(): Resource[] {
  const out: Resource[] = []
  for (const r of conformanceRows) {
    out.push({ type: 'ticket', id: r.id, companyId: r.companyId, attrs: r })
    out.push({ type: 'ticket', id: r.id, attrs: r })
    out.push({ type: 'ticket', id: r.id, companyId: r.companyId })
  }
  return out
}

const all = records()
const actions: readonly Action[] = ['ticket.view', 'ticket.edit', 'customer.view']

function differences(me: BoundSubject, env: { now: number; ip?: string }): unknown[] {
  const slow = walking(me)
  const differ: unknown[] = []
  for (const action of actions) {
    for (const record of [...all, undefined]) {
      const a = decide(me, action, record, env)
      const b = decide(slow, action, record, env)
      // decisions are shared frozen objects: the same one, or a deep-equal copy
      if (a !== b && !isDeepStrictEqual(a, b)) differ.push({ action, record, quick: a, walk: b })
    }
  }
  return differ
}

const ref = (name: string) => ({ ref: `resource.${name}` })
const literal = fc.oneof(
  fc
    .constantFrom('status', 'orgUnitId', 'assigneeId')
    .chain((name) =>
      fc.constantFrom('open', 'closed', 't1', 'u1').map((v) => [ref(name), v] as const),
    ),
  fc.constantFrom(true, false).map((v) => [ref('escalated'), v] as const),
  fc.integer({ min: 0, max: 5 }).map((v) => [ref('priority'), v] as const),
)
/** Grants of the shapes the quick test takes, with the obligations a decision carries. */
const quickGrant = fc.record({
  actions: fc.constantFrom(['ticket.view'] as const, ['ticket.view', 'ticket.edit'] as const),
  scope: fc.constantFrom('own' as const, 'team' as const),
  when: fc.option(
    fc.tuple(fc.constantFrom('eq', 'ne'), literal).map(([op, args]) => ({ [op]: args })),
    { nil: undefined },
  ),
  fields: fc.option(fc.constantFrom({ description: 'masked' }, { '*': 'read' }), {
    nil: undefined,
  }),
  limits: fc.option(fc.constant({ perDay: 5 }), { nil: undefined }),
  audit: fc.boolean(),
  reasonRequired: fc.boolean(),
})
/** A field cap (no deny: it keeps `allowed`, changes the obligations) or a deny. */
const restriction = fc.oneof(
  fc.constant<Restriction>({
    id: 'cap',
    actions: ['ticket.view'],
    fields: { description: 'hidden' },
  }),
  fc.constant<Restriction>({
    id: 'deny',
    actions: ['ticket.edit'],
    when: { eq: [ref('status'), 'closed'] } as never,
  }),
)

describe('decide with the quick test ≡ decide walking the rules (full Decision)', () => {
  it('for the conformance suite’s random policies, subjects, times and networks', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const me = bindSubject(
          compilePolicy(casePolicy(s)),
          caseSubject({ subject: { ...s.subject, companyId: 'c1' } }),
        )
        expect(differences(me, s.env)).toEqual([])
      }),
      { numRuns: 100 },
    )
  })

  it('for the shapes the quick test takes, with obligations, caps and denies', () => {
    fc.assert(
      fc.property(
        fc.array(quickGrant, { minLength: 1, maxLength: 2 }),
        fc.array(restriction, { maxLength: 1 }),
        scenarioArb,
        (grants, restrictions, s) => {
          const me = bindSubject(
            compilePolicy(casePolicy({ grants: grants as Grant[], restrictions })),
            caseSubject({ subject: s.subject }),
          )
          expect(differences(me, s.env)).toEqual([])
        },
      ),
      { numRuns: 300 },
    )
  })

  it('in a preview bounded by its viewer, and in a batch', () => {
    fc.assert(
      fc.property(
        fc.array(quickGrant, { minLength: 1, maxLength: 2 }),
        fc.array(quickGrant, { minLength: 1, maxLength: 2 }),
        scenarioArb,
        (mine, theirs, s) => {
          const policy = casePolicy({ grants: mine as Grant[] })
          const cp = compilePolicy({
            ...policy,
            roles: [
              ...policy.roles,
              { id: 'viewer', name: 'viewer', kind: 'custom', grants: theirs as Grant[] },
            ],
          })
          const viewer = bindSubject(cp, caseSubject({ subject: { roles: ['viewer'] } }))
          const me = withCeiling(bindSubject(cp, caseSubject({ subject: s.subject })), viewer)
          expect(differences(me, s.env)).toEqual([])
          const batch = all.map((resource) => ({ action: 'ticket.view' as const, resource }))
          expect(decideMany(me, batch, s.env)).toStrictEqual(decideMany(walking(me), batch, s.env))
        },
      ),
      { numRuns: 100 },
    )
  })

  it('takes the quick test: a decision of the quick shape needs no evaluation input', () => {
    // the walk fills the policy's evaluation input; the quick test never touches it, so a
    // subject whose policy has no input still decides on the quick path (and would throw on the walk)
    const cp = compilePolicy(
      casePolicy({
        grants: [
          { actions: ['ticket.view'], scope: 'team', when: { ne: [ref('status'), 'closed'] } },
        ] as Grant[],
      }),
    )
    const me = bindSubject(cp, caseSubject({}))
    const broken: BoundSubject = { ...me, policy: { ...cp, scratch: undefined as never } }
    const open = { type: 'ticket', id: 'x', attrs: { orgUnitId: 't1', status: 'open' } } as const
    const closed = { ...open, attrs: { orgUnitId: 't1', status: 'closed' } }
    const away = { ...open, attrs: { orgUnitId: 't3', status: 'open' } }
    expect(decide(broken, 'ticket.view', open, { now: 0 }).allowed).toBe(true)
    expect(decide(broken, 'ticket.view', closed, { now: 0 }).reason).toBe('condition_not_met')
    expect(decide(broken, 'ticket.view', away, { now: 0 }).reason).toBe('out_of_scope')
    expect(() => decide(walking(broken), 'ticket.view', open, { now: 0 })).toThrow()
  })
})
