/**
 * Issue 11: no escalation out of nothing, across every governance path a non-admin can take.
 * Random short sequences by the people of one company who are not admins — access requests of
 * every type (a temporary grant, a data supplement, a customer-tag change, a number-pool
 * addition, a script change), approvals and rejections by anyone, direct temporary grants,
 * previews of a role or a person (with a grant attempted inside them), policy imports — run
 * through HTTP. Before and after every step the engine is asked (the decision API, as the admin)
 * about every person, action and customer of a fixed universe:
 *
 * - whatever a step gave someone, the step's actor (the approver or granter) held just before,
 *   at least as openly (by induction: nobody ends up with access nobody held at the start);
 * - approving a change succeeds only for an approver who could make it themselves, just before:
 *   `customer.edit` / `customer.tag` on the customer, `numberPool.addNumber` on the pool,
 *   `script.approve` on the version (and never by its author); and the change is then made;
 * - a preview, and every non-admin policy import (dry run or not), change nothing: a grant inside
 *   a preview is refused (403), the import is refused (403) and the exported policy is the same
 *   bytes.
 *
 * Oscar may test a role (`role.preview`), so previews do open; lou may publish scripts
 * (`script.approve`), and a number-pool request is decided by another team lead (a configured
 * route), so those changes are approved by non-admins too. Each path is checked to have run.
 *
 * test/approvals-property.test.ts covers temporary grants and revocations with more steps; this
 * file covers the other paths, fewer steps each. Both share test/governance-property-kit.ts.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { builtinRoleId } from './fixtures.js'
import {
  expectNothingFromNothing,
  names,
  nonAdmins,
  snapshotter,
  type Name,
} from './governance-property-kit.js'
import { governanceWorld } from './governance-setup.js'

const w = await governanceWorld()
const { clock, asA, sam, nia, lou, oscar, customer, other, a, db } = w
const people = nonAdmins(w)
const actions = [
  'customer.view',
  'customer.unmask',
  'customer.edit',
  'customer.tag',
  'customer.export',
] as const
const snapshot = snapshotter(w, actions)
const roleIds = {
  Admin: await builtinRoleId(db, a.companyId, 'Admin'),
  'Team lead': await builtinRoleId(db, a.companyId, 'Team lead'),
}

const must = async (res: Promise<{ statusCode: number; body: string }>, status = 201) => {
  const r = await res
  expect(r.statusCode, r.body).toBe(status)
  return JSON.parse(r.body) as { id: string } & Record<string, unknown>
}

// beside the shared world: lou (a lead of team one) holds a "Data desk" group — the team's
// customers' contact data editable and their tags — so data supplements and tag changes can be
// approved, and a "Script desk" — publishing scripts — so script changes can be; sam and nia
// may tag the team's customers only with an approval, so they ask; oscar (a lead of team two)
// may test a role ("Role testers": role.view and role.preview), so previews open
const groupIds = new Map<string, string>(
  (
    (await must(asA('GET', '/api/v1/permission-groups'), 200)).items as {
      id: string
      name: string
    }[]
  ).map((g) => [g.name, g.id]),
)
async function group(name: string, grants: unknown[]) {
  groupIds.set(name, (await must(asA('POST', '/api/v1/permission-groups', { name, grants }))).id)
}
async function holds(person: { id: string }, names: string[]) {
  const ids = names.map((n) => groupIds.get(n))
  await must(asA('PUT', `/api/v1/users/${person.id}/groups`, { groupIds: ids }), 200)
}
await group('Data desk', [
  {
    actions: ['customer.view', 'customer.edit', 'customer.tag'],
    scope: 'team',
    fields: { name: 'edit', email: 'edit', phone: 'edit', idNumber: 'edit', tags: 'edit' },
  },
])
await group('Tagging', [{ actions: ['customer.tag'], scope: 'team', approvalRequired: true }])
await group('Script desk', [{ actions: ['script.view', 'script.approve'], scope: 'company' }])
await group('Role testers', [{ actions: ['role.view', 'role.preview'], scope: 'company' }])
await holds(lou, ['Data desk', 'Script desk'])
await holds(sam, ['Tagging'])
await holds(nia, ['Tagging'])
await holds(oscar, ['Dispute desk', 'Role testers'])
// a team's pool, and the other team's; a number-pool request is decided by another team lead
const pools = {
  one: (await must(asA('POST', '/api/v1/number-pools', { name: 'One', orgUnitId: w.t1 }))).id,
  two: (await must(asA('POST', '/api/v1/number-pools', { name: 'Two', orgUnitId: w.t2 }))).id,
}
const poolTeam = { [pools.one]: w.t1, [pools.two]: w.t2 }
await must(
  asA('PUT', '/api/v1/approval-routes/poolNumbers', { steps: [`role:${roleIds['Team lead']}`] }),
  200,
)

/** Whether the engine allows `name` the action on the record now (the decision API). */
async function allows(
  name: Name,
  action: string,
  resource: { type: string; id: string; attrs: Record<string, unknown> },
): Promise<boolean> {
  const res = await asA('POST', '/api/v1/authz/check', {
    action,
    resource,
    subject: { userId: people[name].id },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().allowed as boolean
}
const scriptRow = (id: string) =>
  db
    .selectFrom('scripts')
    .select(['id', 'author_id', 'project_id', 'status'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()

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
// a number-pool request names fresh numbers, made when the step runs (one in the pool is 409)
let phones = 0
const freshPhone = () => `+86139${String(++phones).padStart(8, '0')}`

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
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('script' as const),
      // a draft written and submitted (or asked for with POST /approvals): mostly by a lead of
      // team one, whose requests lou may decide; sometimes anyone (an agent writes no script)
      by: fc.constantFrom<Name>('lee', 'lee', 'lou', 'oscar', 'sam'),
      via: fc.constantFrom('submit' as const, 'ask' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('pool' as const),
      // numbers beyond the quota, asked for: mostly by a lead of team one, whose requests the
      // other lead decides (the route); sometimes anyone (an agent adds no number: 403)
      by: fc.constantFrom<Name>('lee', 'lee', 'lou', 'oscar', 'sam'),
      poolId: fc.constantFrom(pools.one, pools.one, pools.two),
      count: fc.integer({ min: 1, max: 2 }),
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
      // mostly oscar, who may test a role; sometimes anyone (403)
      by: fc.constantFrom<Name>('oscar', 'oscar', 'oscar', ...names),
      as: fc.oneof(
        {
          weight: 3,
          arbitrary: fc
            .constantFrom(roleIds.Admin, roleIds['Team lead'])
            .map((roleId) => ({ roleId }) as { roleId: string } | { userId: string }),
        },
        { weight: 1, arbitrary: fc.constantFrom(...names).map((n) => ({ userId: people[n].id })) },
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
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never

interface Asked {
  id: string
  type: string
  by: Name
  customerId?: string
  scriptId?: string
  poolId?: string
  numbers?: string[]
  open: boolean
}
const requests: Asked[] = []
/** How often each path did something (the non-vacuity checks below). */
const ran = { given: 0, decided: 0, scriptsPublished: 0, numbersAdded: 0, previewGrants: 0 }

/** A draft by `by`, then its request: submitted (202 with it) or asked for directly (201). */
async function scriptRequest(by: Name, via: 'submit' | 'ask'): Promise<void> {
  const n = requests.length
  const draft = await people[by].as('POST', '/api/v1/scripts', {
    title: `Property ${n}`,
    body: `Hello, this is script ${n}.`,
  })
  expect(draft.statusCode, draft.body).toBeLessThan(500)
  if (draft.statusCode !== 201) return
  const scriptId = draft.json().id as string
  const res =
    via === 'submit'
      ? await people[by].as('POST', `/api/v1/scripts/${scriptId}/submit`)
      : await people[by].as('POST', '/api/v1/approvals', {
          type: 'scriptChange',
          payload: { scriptId },
          reason: 'property',
        })
  expect(res.statusCode, res.body).toBe(via === 'submit' ? 202 : 201)
  const id = (via === 'submit' ? res.json().approvalRequest.id : res.json().id) as string
  requests.push({ id, type: 'scriptChange', by, scriptId, open: true })
}

/**
 * What an approver must be able to do themselves, just before, for a change to be approved:
 * undefined for a temporary grant (the snapshot's invariant covers it).
 */
async function couldMake(by: Name, r: Asked, before: Map<Name, Map<string, number>>) {
  if (r.type === 'dataSupplement' || r.type === 'customerTags') {
    const needs = r.type === 'dataSupplement' ? 'customer.edit' : 'customer.tag'
    return (before.get(by)?.get(`${needs} ${r.customerId}`) ?? -1) >= 0
  }
  if (r.type === 'scriptChange') {
    const row = await scriptRow(r.scriptId as string)
    const attrs = {
      id: row.id,
      authorId: row.author_id,
      projectId: row.project_id,
      status: row.status,
    }
    return allows(by, 'script.approve', { type: 'script', id: row.id, attrs })
  }
  if (r.type === 'poolNumbers') {
    const poolId = r.poolId as string
    const attrs = { id: poolId, userId: null, orgUnitId: poolTeam[poolId], projectId: null }
    return allows(by, 'numberPool.addNumber', { type: 'numberPool', id: poolId, attrs })
  }
  return undefined
}

async function run(s: Step): Promise<void> {
  const before = await snapshot()
  let actor: Name | undefined
  if (s.kind === 'request') {
    const body = s.request
    const res = await people[s.by].as('POST', '/api/v1/approvals', { ...body, reason: 'property' })
    expect(res.statusCode, res.body).toBeLessThan(500)
    if (res.statusCode === 201) {
      const payload = body.payload as Record<string, unknown>
      requests.push({
        id: res.json().id,
        type: body.type,
        by: s.by,
        customerId: payload['customerId'] as string | undefined,
        open: true,
      })
    }
  } else if (s.kind === 'script') {
    await scriptRequest(s.by, s.via)
  } else if (s.kind === 'pool') {
    const numbers = Array.from({ length: s.count }, freshPhone)
    const res = await people[s.by].as('POST', '/api/v1/approvals', {
      type: 'poolNumbers',
      payload: { poolId: s.poolId, numbers },
      reason: 'property',
    })
    expect(res.statusCode, res.body).toBeLessThan(500)
    if (res.statusCode === 201)
      requests.push({
        id: res.json().id,
        type: 'poolNumbers',
        by: s.by,
        poolId: s.poolId,
        numbers,
        open: true,
      })
  } else if (s.kind === 'approve' || s.kind === 'reject') {
    // one of the latest requests still open
    const open = requests.filter((x) => x.open)
    const r = open[open.length - 1 - (s.pick % Math.max(1, open.length))]
    if (r === undefined) return
    const could = s.kind === 'approve' ? await couldMake(s.by, r, before) : undefined
    const res = await people[s.by].as(
      'POST',
      `/api/v1/approvals/${r.id}/${s.kind}`,
      s.kind === 'reject' ? { reason: 'property' } : {},
    )
    expect(res.statusCode, res.body).toBeLessThan(500)
    if (res.statusCode === 200) r.open = false
    if (res.statusCode === 200 && s.kind === 'approve') {
      actor = s.by
      ran.decided++
      // a change is approved only by someone who could make it, and it is then made
      if (could !== undefined)
        expect(could, `${s.by} approved a ${r.type} they could not make: ${res.body}`).toBe(true)
      if (r.type === 'temporaryGrant') ran.given++
      if (r.type === 'scriptChange') {
        expect(s.by, 'a script approved by its author').not.toBe(r.by)
        expect((await scriptRow(r.scriptId as string)).status).toBe('published')
        ran.scriptsPublished++
      }
      if (r.type === 'poolNumbers') {
        const added = await db
          .selectFrom('pool_numbers')
          .select('phone')
          .where('pool_id', '=', r.poolId as string)
          .where('phone', 'in', r.numbers as string[])
          .execute()
        expect(added.map((x) => x.phone).sort()).toEqual([...(r.numbers as string[])].sort())
        ran.numbersAdded += added.length
      }
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
      ran.given++
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
      expect(res.json().code, res.body).toBe('preview_read_only')
      ran.previewGrants++
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
  expectNothingFromNothing(before, await snapshot(), actor, s.kind)
}

const anyGrant: GrantSpec = {
  actions: ['customer.view'],
  target: { scope: 'team' },
  idNumber: undefined,
}

describe('governance property: no escalation out of nothing', () => {
  it('whatever a non-admin sequence gives, an approver or granter held; imports are refused', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        for (const s of steps) await run(s)
      }),
      {
        numRuns: 25,
        // run first, so that the non-vacuity checks below never rest on the random runs alone
        // (the first failed 2 of 5 times without it): the seed's dispute story, asked by sam
        // and approved by lee, who holds the Dispute desk; a script lee submits, published by
        // lou; two numbers lee asks for, added by lou; oscar testing the Team lead role
        examples: [
          [
            [
              { kind: 'request', by: 'sam', request: dispute },
              { kind: 'approve', by: 'lee', pick: 0 },
            ],
          ],
          [
            [
              { kind: 'script', by: 'lee', via: 'submit' },
              { kind: 'approve', by: 'lou', pick: 0 },
            ],
          ],
          [
            [
              { kind: 'pool', by: 'lee', poolId: pools.one, count: 2 },
              { kind: 'approve', by: 'lou', pick: 0 },
            ],
          ],
          [
            [
              {
                kind: 'preview',
                by: 'oscar',
                as: { roleId: roleIds['Team lead'] },
                to: 'sam',
                spec: anyGrant,
              },
            ],
          ],
        ],
      },
    )
    // every path did something: requests made, a grant given or change approved, a script
    // published, numbers added, a grant attempted (and refused) inside a preview
    expect(requests.length).toBeGreaterThan(0)
    expect(ran.given + ran.decided).toBeGreaterThan(0)
    expect(requests.filter((r) => r.type === 'scriptChange').length).toBeGreaterThan(0)
    expect(requests.filter((r) => r.type === 'poolNumbers').length).toBeGreaterThan(0)
    expect(ran.scriptsPublished).toBeGreaterThan(0)
    expect(ran.numbersAdded).toBeGreaterThan(0)
    expect(ran.previewGrants).toBeGreaterThan(0)
  }, 300_000)
})
