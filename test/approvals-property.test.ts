/**
 * Issue 11, "Done when": no sequence of access requests, approvals, rejections, direct grants and
 * revocations by non-admins ever yields an (action, record) — or a more revealing ID number —
 * that no approver held. Random sequences run through HTTP; before and after every step the
 * engine is asked (the decision API, as the admin) about every person, action and customer of a
 * fixed universe. Whatever a step gave someone, the step's actor could do themselves just before
 * (by induction: nobody ends up with access nobody held at the start).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  customerRecords,
  expectNothingFromNothing,
  names,
  nonAdmins,
  snapshotter,
  type Name,
} from './governance-property-kit.js'
import { governanceWorld } from './governance-setup.js'

const w = await governanceWorld()
const { clock, customer } = w
const people = nonAdmins(w)
const actions = ['customer.view', 'customer.unmask', 'customer.edit', 'customer.export'] as const
const records = customerRecords(w)
const snapshot = snapshotter(w, actions, records)

const anySpec = fc.record({
  // mostly what the dispute desk holds, sometimes anything
  actions: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(['customer.view'], ['customer.view', 'customer.unmask']),
    },
    { weight: 1, arbitrary: fc.subarray([...actions], { minLength: 1 }) },
  ),
  target: fc.oneof(
    fc.constantFrom(...records.map((r) => ({ resource: { type: 'customer', id: r.id } }))),
    fc.constantFrom({ scope: 'own' }, { scope: 'team' }, { scope: 'company' }) as fc.Arbitrary<
      { resource: { type: string; id: string } } | { scope: string }
    >,
  ),
  idNumber: fc.constantFrom(undefined, 'masked', 'read', 'read', 'edit'),
  phone: fc.boolean(),
})
const spec = fc.oneof(
  // the dispute: one customer's full record, as the story asks
  {
    weight: 2,
    arbitrary: fc.constant({
      actions: ['customer.view', 'customer.unmask'],
      target: { resource: { type: 'customer', id: customer.id } } as
        { resource: { type: string; id: string } } | { scope: string },
      idNumber: 'read' as string | undefined,
      phone: true,
    }),
  },
  { weight: 3, arbitrary: anySpec },
)
type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never
const grantBody = (s: Spec) => ({
  actions: s.actions,
  ...s.target,
  ...((s.idNumber !== undefined || s.phone) && {
    fields: {
      ...(s.idNumber !== undefined && { idNumber: s.idNumber }),
      ...(s.phone && { phone: 'read' }),
    },
  }),
})

// mostly the lead who holds the dispute desk, sometimes anyone
const deciders = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Name>('lee') },
  { weight: 2, arbitrary: fc.constantFrom(...names) },
)
const step = fc.oneof(
  fc.record({
    kind: fc.constant('request' as const),
    by: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom<Name>('sam', 'nia') },
      { weight: 1, arbitrary: fc.constantFrom(...names) },
    ),
    spec,
  }),
  fc.record({
    kind: fc.constantFrom('approve' as const, 'approve' as const, 'reject' as const),
    by: deciders,
    pick: fc.nat({ max: 3 }),
  }),
  fc.record({
    kind: fc.constant('grant' as const),
    by: deciders,
    to: fc.constantFrom(...names),
    spec,
  }),
  fc.record({
    kind: fc.constant('revoke' as const),
    by: fc.constantFrom(...names),
    pick: fc.nat(),
  }),
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 10 }) }),
)

const requests: string[] = []
const grants: string[] = []
const start = clock.now()

describe('W1–W3 property: nothing nobody held', () => {
  it('every access a step gives, its actor held just before', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 10 }), async (steps) => {
        for (const s of steps) {
          const before = await snapshot()
          let actor: Name | undefined
          if (s.kind === 'wait') {
            // the clock only moves forward (a grant given later must not come into force by a
            // rewind), and stays within the sessions' 12 hours
            if (clock.now().getTime() - start.getTime() > 11 * 3600_000) continue
            clock.advance(s.minutes * 60_000)
            // keep every session alive (idle sessions end after 30 minutes)
            for (const n of names) await people[n].as('GET', '/api/v1/me')
          } else if (s.kind === 'request') {
            const res = await people[s.by].as('POST', '/api/v1/approvals', {
              type: 'temporaryGrant',
              payload: { ...grantBody(s.spec), durationMinutes: 15 },
              reason: 'property',
            })
            expect(res.statusCode, res.body).toBeLessThan(500)
            if (res.statusCode === 201) requests.push(res.json().id)
          } else if (s.kind === 'approve' || s.kind === 'reject') {
            // mostly the latest requests: those still pending
            const id = requests[requests.length - 1 - (s.pick % Math.max(1, requests.length))]
            if (id === undefined) continue
            const res = await people[s.by].as(
              'POST',
              `/api/v1/approvals/${id}/${s.kind}`,
              s.kind === 'reject' ? { reason: 'property' } : {},
            )
            expect(res.statusCode, res.body).toBeLessThan(500)
            if (res.statusCode === 200 && s.kind === 'approve') {
              actor = s.by
              grants.push(res.json().grantId)
            }
          } else if (s.kind === 'grant') {
            const res = await people[s.by].as('POST', '/api/v1/grants', {
              userId: people[s.to].id,
              ...grantBody(s.spec),
              endsAt: new Date(clock.now().getTime() + 15 * 60_000).toISOString(),
              reason: 'property',
            })
            expect(res.statusCode, res.body).toBeLessThan(500)
            if (res.statusCode === 201) {
              actor = s.by
              grants.push(res.json().id)
            }
          } else {
            const id = grants[s.pick % Math.max(1, grants.length)]
            if (id === undefined) continue
            const res = await people[s.by].as('DELETE', `/api/v1/grants/${id}`)
            expect(res.statusCode, res.body).toBeLessThan(500)
          }
          expectNothingFromNothing(before, await snapshot(), actor, s.kind)
        }
      }),
      { numRuns: 25 },
    )
    // the run did something: some grants were given
    expect(grants.length).toBeGreaterThan(0)
  }, 300_000)
})
