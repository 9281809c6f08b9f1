/**
 * Issue 11: no escalation out of nothing, across every governance path a non-admin can take.
 * Random short sequences by the people of one company who are not admins — access requests of
 * every type (a temporary grant, a data supplement, a customer-tag change), approvals and
 * rejections by anyone, direct temporary grants, previews (with a write attempted inside them),
 * policy imports — run through HTTP. Before and after every step the engine is asked (the
 * decision API, as the admin) about every person, action and customer of a fixed universe:
 *
 * - whatever a step gave someone, the step's actor (the approver or granter) held just before,
 *   at least as openly (by induction: nobody ends up with access nobody held at the start);
 * - approving a change (data supplement, tags) succeeds only for an approver who could make it
 *   themselves (`customer.edit` / `customer.tag` on the customer);
 * - a preview, and every non-admin policy import (dry run or not), change nothing: the import is
 *   refused (403) and the company's exported policy is the same bytes.
 *
 * test/approvals-property.test.ts covers temporary grants and revocations with more steps; this
 * file covers the other paths, fewer steps each.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { builtinRoleId } from './fixtures.js'
import { governanceWorld } from './governance-setup.js'

const w = await governanceWorld()
const { clock, asA, sam, nia, lee, lou, oscar, customer, other, a, db } = w
const people = { sam, nia, lee, lou, oscar }
type Name = keyof typeof people
const names = Object.keys(people) as Name[]
const actions = [
  'customer.view',
  'customer.unmask',
  'customer.edit',
  'customer.tag',
  'customer.export',
] as const
const records = [
  { id: customer.id, attrs: { id: customer.id, orgUnitId: w.t1, ownerId: sam.id } },
  { id: other.id, attrs: { id: other.id, orgUnitId: w.t2, ownerId: null } },
]
const rank: Record<string, number> = { hidden: 0, masked: 1, read: 2, edit: 3 }
const roleIds = {
  Admin: await builtinRoleId(db, a.companyId, 'Admin'),
  'Team lead': await builtinRoleId(db, a.companyId, 'Team lead'),
}

// beside the shared world: lou (a lead of team one) holds a "Data desk" group — the team's
// customers' contact data editable and their tags — so data supplements and tag changes can be
// approved; sam and nia may tag the team's customers only with an approval, so they ask
async function group(name: string, grants: unknown[], holders: { id: string }[]) {
  const res = await asA('POST', '/api/v1/permission-groups', { name, grants })
  expect(res.statusCode, res.body).toBe(201)
  for (const h of holders) {
    const put = await asA('PUT', `/api/v1/users/${h.id}/groups`, { groupIds: [res.json().id] })
    expect(put.statusCode, put.body).toBe(200)
  }
}
await group(
  'Data desk',
  [
    {
      actions: ['customer.view', 'customer.edit', 'customer.tag'],
      scope: 'team',
      fields: { name: 'edit', email: 'edit', phone: 'edit', idNumber: 'edit', tags: 'edit' },
    },
  ],
  [lou],
)
await group(
  'Tagging',
  [{ actions: ['customer.tag'], scope: 'team', approvalRequired: true }],
  [sam, nia],
)

/** person → `action record` → the ID number's level (−1: not allowed). */
type Snapshot = Map<Name, Map<string, number>>

async function snapshot(): Promise<Snapshot> {
  const questions = names.flatMap((n) =>
    actions.flatMap((action) =>
      records.map((r) => ({
        subject: { userId: people[n].id },
        action,
        resource: { type: 'customer', id: r.id, attrs: r.attrs },
      })),
    ),
  )
  const res = await asA('POST', '/api/v1/authz/check', { checks: questions })
  expect(res.statusCode, res.body).toBe(200)
  const results = res.json().results as {
    allowed: boolean
    obligations: { fields: Record<string, string> }
  }[]
  const out: Snapshot = new Map(names.map((n) => [n, new Map()]))
  questions.forEach((q, i) => {
    const d = results[i]
    const name = names.find((n) => people[n].id === q.subject.userId) as Name
    const level = d?.allowed ? (rank[d.obligations.fields['idNumber'] ?? 'masked'] ?? 1) : -1
    out.get(name)?.set(`${q.action} ${q.resource.id}`, level)
  })
  return out
}

async function policy(): Promise<string> {
  const res = await asA('GET', '/api/v1/policy')
  expect(res.statusCode, res.body).toBe(200)
  return res.body
}

// mostly team one's customer, whom the people asking may see
const customerIds = [customer.id, customer.id, customer.id, other.id]
const grantSpec = fc.record({
  actions: fc.subarray([...actions], { minLength: 1 }),
  target: fc.oneof(
    fc.constantFrom(...customerIds).map((id) => ({ resource: { type: 'customer', id } })),
    fc.constantFrom({ scope: 'own' }, { scope: 'team' }, { scope: 'company' }) as fc.Arbitrary<
      { resource: { type: string; id: string } } | { scope: string }
    >,
  ),
  idNumber: fc.constantFrom(undefined, 'masked', 'read', 'edit'),
})
type GrantSpec = typeof grantSpec extends fc.Arbitrary<infer T> ? T : never
const grantBody = (s: GrantSpec) => ({
  actions: s.actions,
  ...s.target,
  ...(s.idNumber !== undefined && { fields: { idNumber: s.idNumber } }),
})

const dispute = {
  type: 'temporaryGrant' as const,
  payload: {
    actions: ['customer.view', 'customer.unmask'],
    resource: { type: 'customer', id: customer.id },
    fields: { idNumber: 'read' },
    durationMinutes: 15,
  } as Record<string, unknown>,
}
const request = fc.oneof(
  fc.constant(dispute),
  grantSpec.map((s) => ({
    type: 'temporaryGrant' as const,
    payload: { ...grantBody(s), durationMinutes: 15 } as Record<string, unknown>,
  })),
  fc
    .record({
      customerId: fc.constantFrom(...customerIds),
      fields: fc.constantFrom<Record<string, string | null>>(
        { email: 'sun.li@example.com' },
        { idNumber: '110101199003071234' },
        { name: 'Sun Li', email: null },
      ),
    })
    .map((payload) => ({ type: 'dataSupplement' as const, payload })),
  fc
    .record({
      customerId: fc.constantFrom(...customerIds),
      tags: fc.constantFrom(['vip'], ['dispute', 'vip'], ['churn-risk']),
    })
    .map((payload) => ({ type: 'customerTags' as const, payload })),
)

// a permissive document: the Dispute desk made company-wide with everything, and a new role
async function escalatingDocument(variant: number): Promise<Record<string, unknown>> {
  const doc = parse(await policy()) as Record<string, unknown>
  const everything = {
    actions: [...actions],
    scope: 'company',
    fields: { idNumber: 'edit', phone: 'edit', bankCard: 'edit' },
  }
  const groups = (doc['groups'] as { name: string; grants: unknown[] }[] | undefined) ?? []
  if (variant % 2 === 0)
    return {
      ...doc,
      groups: groups.map((g) => (g.name === 'Dispute desk' ? { ...g, grants: [everything] } : g)),
    }
  return {
    ...doc,
    roles: [
      ...((doc['roles'] as unknown[] | undefined) ?? []),
      { name: 'Everything', grants: [everything] },
    ],
  }
}

const step = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      // mostly the agents, sometimes anyone
      by: fc.constantFrom<Name>('sam', 'sam', 'nia', 'nia', 'lee', 'lou', 'oscar'),
      request,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('approve' as const, 'approve' as const, 'reject' as const),
      // mostly the leads of team one, sometimes anyone
      by: fc.constantFrom<Name>('lee', 'lee', 'lou', 'lou', 'sam', 'nia', 'oscar'),
      pick: fc.nat({ max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('grant' as const),
      by: fc.constantFrom<Name>('lee', 'lee', 'lou', 'oscar', 'sam'),
      to: fc.constantFrom(...names),
      spec: grantSpec,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('preview' as const),
      by: fc.constantFrom(...names),
      as: fc.oneof(
        fc.constantFrom(...names).map((n) => ({ userId: people[n].id })),
        fc.constantFrom(roleIds.Admin, roleIds['Team lead']).map((roleId) => ({ roleId })),
      ),
      to: fc.constantFrom(...names),
      spec: grantSpec,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('import' as const),
      by: fc.constantFrom(...names),
      variant: fc.nat({ max: 1 }),
      dryRun: fc.boolean(),
    }),
  },
)

const requests: { id: string; type: string; customerId?: string; open: boolean }[] = []
let given = 0
let decided = 0

describe('governance property: no escalation out of nothing', () => {
  it('whatever a non-admin sequence gives, an approver or granter held; imports are refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        for (const s of steps) {
          const before = await snapshot()
          let actor: Name | undefined
          if (s.kind === 'request') {
            const res = await people[s.by].as('POST', '/api/v1/approvals', {
              ...s.request,
              reason: 'property',
            })
            expect(res.statusCode, res.body).toBeLessThan(500)
            if (res.statusCode === 201)
              requests.push({
                id: res.json().id,
                type: s.request.type,
                customerId: s.request.payload['customerId'] as string | undefined,
                open: true,
              })
          } else if (s.kind === 'approve' || s.kind === 'reject') {
            // one of the latest requests still open
            const open = requests.filter((x) => x.open)
            const r = open[open.length - 1 - (s.pick % Math.max(1, open.length))]
            if (r === undefined) continue
            const res = await people[s.by].as(
              'POST',
              `/api/v1/approvals/${r.id}/${s.kind}`,
              s.kind === 'reject' ? { reason: 'property' } : {},
            )
            expect(res.statusCode, res.body).toBeLessThan(500)
            if (res.statusCode === 200) r.open = false
            if (res.statusCode === 200 && s.kind === 'approve') {
              actor = s.by
              decided++
              // a change is approved only by someone who could make it
              const needs =
                r.type === 'dataSupplement'
                  ? 'customer.edit'
                  : r.type === 'customerTags'
                    ? 'customer.tag'
                    : undefined
              if (needs !== undefined)
                expect(
                  before.get(s.by)?.get(`${needs} ${r.customerId}`) ?? -1,
                  `${s.by} approved a ${r.type} on ${r.customerId} without ${needs}`,
                ).toBeGreaterThanOrEqual(0)
              else given++
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
              given++
            }
          } else if (s.kind === 'preview') {
            const started = await people[s.by].as('POST', '/api/v1/previews', s.as)
            expect(started.statusCode, started.body).toBeLessThan(500)
            if (started.statusCode === 201) {
              // a preview is read-only: a grant attempted inside it is refused
              const res = await people[s.by].as('POST', '/api/v1/grants', {
                userId: people[s.to].id,
                ...grantBody(s.spec),
                endsAt: new Date(clock.now().getTime() + 15 * 60_000).toISOString(),
                reason: 'property',
              })
              expect(res.statusCode, res.body).toBe(403)
              const ended = await people[s.by].as('DELETE', '/api/v1/previews/current')
              expect(ended.statusCode, ended.body).toBe(204)
            }
          } else if (s.kind === 'import') {
            const was = await policy()
            const res = await people[s.by].as(
              'POST',
              `/api/v1/policy/import${s.dryRun ? '?dryRun=true' : ''}`,
              await escalatingDocument(s.variant),
            )
            expect(res.statusCode, `${s.by} imported: ${res.body}`).toBe(403)
            expect(await policy()).toBe(was)
          }
          const after = await snapshot()
          for (const n of names) {
            for (const [key, level] of after.get(n) ?? []) {
              const was = before.get(n)?.get(key) ?? -1
              if (level <= was) continue
              // something was given: only by this step's actor, who held at least as much
              expect(actor, `${n} gained ${key} (${s.kind}) with nobody giving it`).toBeDefined()
              const held = before.get(actor as Name)?.get(key) ?? -1
              expect(
                held,
                `${n} gained ${key} (${level}) from ${actor} (${held})`,
              ).toBeGreaterThanOrEqual(level)
            }
          }
        }
      }),
      {
        numRuns: 25,
        // run first, so that the non-vacuity check below never rests on the random runs alone
        // (it failed 2 of 5 times without it): the seed's dispute story, asked by sam and
        // approved by lee, who holds the Dispute desk
        examples: [
          [
            [
              { kind: 'request', by: 'sam', request: dispute },
              { kind: 'approve', by: 'lee', pick: 0 },
            ],
          ],
        ],
      },
    )
    // the runs did something: requests were made, some grant given or change approved
    expect(requests.length).toBeGreaterThan(0)
    expect(given + decided).toBeGreaterThan(0)
  }, 120_000)
})
