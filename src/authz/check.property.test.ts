/**
 * `check` is `decide(...).allowed`: the same evaluation, answered on the check path from the
 * table's byte, the entry's quick test (own/team scope and one literal comparison) or the rule
 * walk. Random policies of the conformance suite, every one of its records, with and without
 * their attributes and company.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { caseSubject, casePolicy, conformanceRows, scenarioArb } from './conformance.case.js'
import { bindSubject, check, compilePolicy, decide, type Action, type Resource } from './index.js'

const actions: readonly Action[] = ['ticket.view', 'ticket.edit', 'customer.view']

describe('check ≡ decide(...).allowed', () => {
  it('for random policies, subjects, times and networks, on every record', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const me = bindSubject(
          compilePolicy(casePolicy(s)),
          caseSubject({ subject: { ...s.subject, companyId: 'c1' } }),
        )
        const differ: unknown[] = []
        for (const r of conformanceRows) {
          const records: Resource[] = [
            { type: 'ticket', id: r.id, companyId: r.companyId, attrs: r },
            { type: 'ticket', id: r.id, attrs: r },
            { type: 'ticket', id: r.id, companyId: r.companyId },
          ]
          for (const record of records)
            for (const action of actions)
              if (check(me, action, record, s.env) !== decide(me, action, record, s.env).allowed)
                differ.push([action, record])
        }
        for (const action of actions)
          if (check(me, action, undefined, s.env) !== decide(me, action, undefined, s.env).allowed)
            differ.push([action, 'type level'])
        expect(differ).toEqual([])
      }),
      { numRuns: 200 },
    )
  })

  it('for the shapes the quick test takes (own or team, one literal comparison), on every record', () => {
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
    const grant = fc.record({
      actions: fc.constant(['ticket.view'] as const),
      scope: fc.constantFrom('own' as const, 'team' as const),
      when: fc.option(
        fc.tuple(fc.constantFrom('eq', 'ne'), literal).map(([op, args]) => ({ [op]: args })),
        { nil: undefined },
      ),
    })
    fc.assert(
      fc.property(fc.array(grant, { minLength: 1, maxLength: 2 }), scenarioArb, (grants, s) => {
        const me = bindSubject(
          compilePolicy(casePolicy({ grants: grants as never, restrictions: s.restrictions })),
          caseSubject({ subject: s.subject }),
        )
        const differ: unknown[] = []
        for (const r of conformanceRows) {
          const record: Resource = { type: 'ticket', id: r.id, companyId: r.companyId, attrs: r }
          if (
            check(me, 'ticket.view', record, s.env) !==
            decide(me, 'ticket.view', record, s.env).allowed
          )
            differ.push(record)
        }
        expect(differ).toEqual([])
      }),
      { numRuns: 300 },
    )
  })

  it('an action outside the catalog, or an inherited name, is never allowed', () => {
    const me = bindSubject(
      compilePolicy(casePolicy({ grants: [{ actions: ['ticket.*'], scope: 'company' }] })),
      caseSubject({ subject: {} }),
    )
    for (const name of ['ticket.nope', 'constructor', '__proto__', 'toString', '0', ''])
      expect(check(me, name as Action, undefined, { now: 0 })).toBe(false)
    expect(check(me, 'ticket.view', undefined, { now: 0 })).toBe(true)
  })
})
