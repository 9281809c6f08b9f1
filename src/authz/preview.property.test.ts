/**
 * G4: a preview bounded by its viewer (`withCeiling`). For random roles of the subject previewed
 * and of the viewer (with random restrictions and field levels on either), every decision of the
 * preview is exactly the preview's own AND the viewer's, its list plan selects exactly the
 * records it decides to allow, and no field is shown more than either would show it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bindSubject,
  check,
  compilePolicy,
  decide,
  effectivePermissions,
  evaluatePlan,
  explain,
  fieldLevels,
  planFilter,
  withCeiling,
  type FieldLevel,
  type Grant,
  type Policy,
  type Restriction,
  type Scope,
} from './index.js'
import { conditionArb, conformanceRows, orgUnits } from './conformance.case.js'

const rank = (l: FieldLevel | undefined) => (l === undefined ? -1 : fieldLevels.indexOf(l))

const scopeArb = fc.constantFrom<Scope>('own', 'team', 'subtree', 'project', 'company')
const levelArb = fc.constantFrom<FieldLevel>('hidden', 'masked', 'read', 'edit')
const grantArb: fc.Arbitrary<Grant> = fc
  .record({
    actions: fc.constant(['ticket.view'] as const),
    scope: scopeArb,
    when: fc.option(conditionArb, { nil: undefined }),
    fields: fc.option(fc.record({ customerLevel: levelArb, faultCode: levelArb }), {
      nil: undefined,
    }),
    limits: fc.option(fc.record({ perDay: fc.integer({ min: 0, max: 9 }) }), { nil: undefined }),
    audit: fc.boolean(),
  })
  .map(
    (g) =>
      Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)) as unknown as Grant,
  )
const restrictionArb = (role: string): fc.Arbitrary<Restriction> =>
  fc.oneof(
    fc.record({
      id: fc.constant(`deny-${role}`),
      actions: fc.constant(['ticket.*'] as const),
      appliesTo: fc.constant({ roles: [role] }),
      when: conditionArb,
    }),
    fc.record({
      id: fc.constant(`cap-${role}`),
      actions: fc.constant(['ticket.view'] as const),
      appliesTo: fc.constant({ roles: [role] }),
      fields: fc.record({ customerLevel: levelArb }),
    }),
  )

const scenarioArb = fc.record({
  previewed: fc.array(grantArb, { maxLength: 3 }),
  viewer: fc.array(grantArb, { maxLength: 3 }),
  restrictions: fc.array(fc.oneof(restrictionArb('p'), restrictionArb('v')), { maxLength: 2 }),
  viewerUnit: fc.constantFrom('t1', 't3', 'b1', null),
  previewUnit: fc.constantFrom('t1', 't3', 'b1', null),
  previewId: fc.constantFrom('u1', 'u2'),
  now: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 0, 15) }),
})

describe('G4: a preview never decides more than its viewer', () => {
  it('decisions, plans, fields, limits and obligations are the intersection', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const policy: Policy = {
          version: 1,
          timeZone: 'Asia/Shanghai',
          orgUnits,
          roles: [
            { id: 'p', name: 'previewed', kind: 'custom', grants: s.previewed },
            { id: 'v', name: 'viewer', kind: 'custom', grants: s.viewer },
          ],
          restrictions: s.restrictions.map((x, i) => ({ ...x, id: `${x.id}-${i}` })),
        }
        const engine = compilePolicy(policy)
        const viewer = bindSubject(engine, {
          id: 'u1',
          companyId: 'c1',
          orgUnitId: s.viewerUnit,
          projectIds: ['p1'],
          roles: ['v'],
        })
        const own = bindSubject(engine, {
          id: s.previewId,
          companyId: 'c1',
          orgUnitId: s.previewUnit,
          projectIds: ['p2'],
          roles: ['p'],
        })
        const preview = withCeiling(own, viewer)
        const env = { now: s.now, ip: '10.0.0.7' }
        const plan = planFilter(preview, 'ticket.view', env)
        for (const r of conformanceRows) {
          const res = { type: 'ticket' as const, id: r.id, companyId: r.companyId, attrs: r }
          const d = decide(preview, 'ticket.view', res, env)
          const a = decide(own, 'ticket.view', res, env)
          const b = decide(viewer, 'ticket.view', res, env)
          expect(d.allowed).toBe(a.allowed && b.allowed)
          expect(check(preview, 'ticket.view', res, env)).toBe(d.allowed)
          expect(explain(preview, 'ticket.view', res, env).allowed).toBe(d.allowed)
          const selected =
            r.companyId === 'c1' &&
            (plan.kind === 'all' || (plan.kind === 'where' && evaluatePlan(plan.condition, r)))
          expect(selected).toBe(d.allowed)
          if (!d.allowed) continue
          for (const [f, l] of Object.entries(d.obligations.fields)) {
            expect(rank(l)).toBeLessThanOrEqual(rank(a.obligations.fields[f]))
            expect(rank(l)).toBeLessThanOrEqual(rank(b.obligations.fields[f]))
            expect(rank(l)).toBe(
              Math.min(rank(a.obligations.fields[f]), rank(b.obligations.fields[f])),
            )
          }
          for (const k of ['perDay', 'concurrent'] as const) {
            const limit = d.obligations.limits?.[k] ?? Infinity
            expect(limit).toBeLessThanOrEqual(a.obligations.limits?.[k] ?? Infinity)
            expect(limit).toBeLessThanOrEqual(b.obligations.limits?.[k] ?? Infinity)
          }
          expect(d.obligations.audit).toBe(a.obligations.audit || b.obligations.audit)
        }
        const typeLevel = decide(preview, 'ticket.view', undefined, env).allowed
        const listed = effectivePermissions(preview, env).some((p) => p.action === 'ticket.view')
        expect(listed).toBe(typeLevel)
        if (typeLevel) {
          expect(decide(own, 'ticket.view', undefined, env).allowed).toBe(true)
          expect(decide(viewer, 'ticket.view', undefined, env).allowed).toBe(true)
        }
      }),
      { numRuns: 150 },
    )
  })

  it("marks the viewer's rules in an explanation, and answers the viewer's denial", () => {
    const policy: Policy = {
      version: 1,
      timeZone: 'Asia/Shanghai',
      orgUnits,
      roles: [
        {
          id: 'p',
          name: 'p',
          kind: 'custom',
          grants: [{ actions: ['ticket.view'], scope: 'company' }],
        },
        {
          id: 'v',
          name: 'v',
          kind: 'custom',
          grants: [{ actions: ['ticket.view'], scope: 'team' }],
        },
      ],
    }
    const engine = compilePolicy(policy)
    const viewer = bindSubject(engine, { id: 'u1', companyId: 'c1', orgUnitId: 't1', roles: ['v'] })
    const preview = withCeiling(
      bindSubject(engine, { id: 'u1', companyId: 'c1', orgUnitId: 't1', roles: ['p'] }),
      viewer,
    )
    const env = { now: Date.UTC(2026, 0, 5) }
    const elsewhere = {
      type: 'ticket' as const,
      id: 'x',
      companyId: 'c1',
      attrs: { orgUnitId: 't2' },
    }
    const e = explain(preview, 'ticket.view', elsewhere, env)
    expect(e.allowed).toBe(false)
    expect(e.reason).toBe('out_of_scope')
    expect(e.trace).toEqual([
      { rule: expect.objectContaining({ id: 'p' }), effect: 'allow', outcome: 'matched' },
      {
        rule: expect.objectContaining({ id: 'v' }),
        effect: 'allow',
        outcome: 'out_of_scope',
        by: 'previewer',
      },
    ])
    expect(planFilter(preview, 'ticket.view', env)).toEqual(planFilter(viewer, 'ticket.view', env))
  })
})
