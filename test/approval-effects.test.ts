/**
 * W3 (issue 11): changes that need approval open the request instead of being refused. A
 * marketing person's tag change (`customer.tag` with `approvalRequired`, the Marketing preset)
 * and a team lead's sixth number of the day (`numberPool.addNumber`, 5 a day, P8) answer 202 with
 * a pending request and change nothing; an approver who could make the change themselves applies
 * it, once, in the decision's transaction, audited; rejecting or expiry applies nothing; the
 * requester never decides their own; an approver who could not make the change is refused;
 * another company's records are 404 and bad input 400, writing nothing. PGlite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest'
import { newPerson } from './fixtures.js'
import { countRows, governanceWorld } from './governance-setup.js'
import { auditActions, problem } from './test-app.js'

const w = await governanceWorld()
const { app, db, clock, a, asA, asB, t1, lee, lou, ada2, customer, foreign } = w
type Res = Awaited<ReturnType<typeof asA>>

const must = async (res: Promise<Res>, status = 201) => {
  const r = await res
  if (r.statusCode !== status) throw new Error(`setup: ${r.statusCode} ${r.body}`)
  return r.json() as { id: string } & Record<string, unknown>
}

// a marketing person of team one (novice level: routed to the team's lead)
const mia = await newPerson(app, db, a, { email: 'mia@a.test', role: 'Marketing', orgUnitId: t1 })
// a customer of team one the lead owns (the Team lead preset tags the customers it owns)
const leads = await must(
  asA('POST', '/api/v1/customers', {
    name: 'Zhao Min',
    orgUnitId: t1,
    ownerId: lee.id,
    tags: ['new'],
  }),
)
const teamPool = await must(asA('POST', '/api/v1/number-pools', { name: 'One', orgUnitId: t1 }))
const foreignPool = await must(asB('POST', '/api/v1/number-pools', { name: 'B pool' }))

const tagsOf = async (id: string) => (await must(asA('GET', `/api/v1/customers/${id}`), 200)).tags
const requests = () => countRows(db, 'approval_requests', a.companyId)
const audit = async (action: string, target: string) =>
  (await auditActions(db, a.companyId)).filter((e) => e.action === action && e.target_id === target)

interface Pending {
  applied: false
  detail: string
  approvalRequest: {
    id: string
    type: string
    status: string
    route: string
    requesterId: string
    payload: Record<string, unknown>
    effect: unknown
  }
}

/** A write that needs approval: 202, a Location to the request, and the request pending. */
function pending(res: Res): Pending['approvalRequest'] {
  expect(res.statusCode, res.body).toBe(202)
  const body = res.json() as Pending
  expect(body.applied).toBe(false)
  expect(body.detail).toMatch(/^Not changed yet/)
  expect(res.headers['location']).toBe(`/api/v1/approvals/${body.approvalRequest.id}`)
  expect(body.approvalRequest.status).toBe('pending')
  return body.approvalRequest
}

const retag = (as: typeof asA, id: string, tags: string[]) =>
  as('PATCH', `/api/v1/customers/${id}`, { tags })

describe('W3: a customer tag change that needs approval', () => {
  it('answers 202 with a pending request routed to the team lead, changing nothing; the lead approves: tags set, audited', async () => {
    const before = await requests()
    const request = pending(await retag(mia.as, leads.id, ['vip-prospect', 'campaign-12']))
    expect(request).toMatchObject({
      type: 'customerTags',
      route: 'lead',
      requesterId: mia.id,
      payload: { customerId: leads.id, tags: ['vip-prospect', 'campaign-12'] },
      effect: null,
    })
    expect(await requests()).toBe(before + 1)
    expect(await tagsOf(leads.id)).toEqual(['new'])
    expect(await audit('customer.updated', leads.id)).toEqual([])
    expect((await audit('approval.requested', request.id))[0]?.after).toMatchObject({
      type: 'customerTags',
      requesterId: mia.id,
    })
    // the request is readable where Location says, by the requester
    expect((await must(mia.as('GET', `/api/v1/approvals/${request.id}`), 200)).status).toBe(
      'pending',
    )

    // nobody decides their own request
    problem(await mia.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'own_request')
    const queue = await must(lee.as('GET', '/api/v1/approvals?view=to-decide'), 200)
    expect((queue['items'] as { id: string }[]).map((r) => r.id)).toContain(request.id)

    const approved = await lee.as('POST', `/api/v1/approvals/${request.id}/approve`, {
      reason: 'campaign 12 is on',
    })
    expect(approved.statusCode, approved.body).toBe(200)
    expect(approved.json()).toMatchObject({
      status: 'approved',
      decidedBy: lee.id,
      grantId: null,
      effect: { customerId: leads.id, tags: ['vip-prospect', 'campaign-12'] },
    })
    expect(await tagsOf(leads.id)).toEqual(['vip-prospect', 'campaign-12'])
    const [updated, ...more] = await audit('customer.updated', leads.id)
    expect(more).toEqual([])
    expect(updated).toMatchObject({
      actor_user_id: lee.id,
      after: { tags: ['vip-prospect', 'campaign-12'] },
    })
    const event = (await audit('approval.approved', request.id))[0]
    expect(event?.after).toMatchObject({ status: 'approved', effect: { customerId: leads.id } })
    // before → after of the customer itself
    const rows = await db
      .selectFrom('audit_events')
      .select(['before', 'after'])
      .where('company_id', '=', a.companyId)
      .where('action', '=', 'customer.updated')
      .where('target_id', '=', leads.id)
      .execute()
    expect(rows[0]?.before).toMatchObject({ tags: ['new'] })
    // once: a second approval is 409 and changes nothing
    problem(await asA('POST', `/api/v1/approvals/${request.id}/approve`), 409, 'conflict')
    expect(await audit('customer.updated', leads.id)).toHaveLength(1)
  })

  it('refuses an approver who may not change the tags (403 cannot_grant, approving or rejecting); an admin approves', async () => {
    // the customer is owned by the senior agent: the lead may view but not tag them
    const request = pending(await retag(mia.as, customer.id, ['complaint-risk']))
    const refused = problem(
      await lee.as('POST', `/api/v1/approvals/${request.id}/approve`),
      403,
      'cannot_grant',
    )
    expect(JSON.stringify(refused.errors)).toContain('customer.tag')
    problem(
      await lou.as('POST', `/api/v1/approvals/${request.id}/reject`, { reason: 'no' }),
      403,
      'cannot_grant',
    )
    expect(await tagsOf(customer.id)).toEqual([])
    expect((await must(mia.as('GET', `/api/v1/approvals/${request.id}`), 200)).status).toBe(
      'pending',
    )
    const approved = await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
    expect(await tagsOf(customer.id)).toEqual(['complaint-risk'])
  })

  it('refuses an approver whose own tag changes need approval (403 cannot_grant)', async () => {
    const group = await must(
      asA('POST', '/api/v1/permission-groups', {
        name: 'Tags by approval',
        grants: [{ actions: ['customer.tag'], scope: 'company', approvalRequired: true }],
      }),
    )
    await must(asA('PUT', `/api/v1/users/${lou.id}/groups`, { groupIds: [group.id] }), 200)
    const request = pending(await retag(mia.as, customer.id, ['asked-twice']))
    const refused = problem(
      await lou.as('POST', `/api/v1/approvals/${request.id}/approve`),
      403,
      'cannot_grant',
    )
    expect(JSON.stringify(refused.errors)).toContain('needs an approval for you too')
    expect(await tagsOf(customer.id)).not.toContain('asked-twice')
    await must(asA('PUT', `/api/v1/users/${lou.id}/groups`, { groupIds: [] }), 200)
  })

  it('applies nothing on reject, nor once the request expired', async () => {
    const before = await tagsOf(leads.id)
    const rejected = pending(await retag(mia.as, leads.id, ['churned']))
    const answer = await lee.as('POST', `/api/v1/approvals/${rejected.id}/reject`, {
      reason: 'not churned: they called yesterday',
    })
    expect(answer.statusCode, answer.body).toBe(200)
    expect(answer.json()).toMatchObject({ status: 'rejected', effect: null })
    expect(await tagsOf(leads.id)).toEqual(before)
    problem(await asA('POST', `/api/v1/approvals/${rejected.id}/approve`), 409, 'conflict')

    // expiry is the same for every type: asked with a short wait here, the clock moved
    const expiring = await must(
      mia.as('POST', '/api/v1/approvals', {
        type: 'customerTags',
        payload: { customerId: leads.id, tags: ['late'] },
        reason: 'campaign 13',
        expiresInMinutes: 5,
      }),
    )
    clock.advance(5 * 60_000)
    expect((await must(mia.as('GET', `/api/v1/approvals/${expiring.id}`), 200)).status).toBe(
      'expired',
    )
    problem(await lee.as('POST', `/api/v1/approvals/${expiring.id}/approve`), 409, 'conflict')
    expect(await tagsOf(leads.id)).toEqual(before)
  })

  it('keeps 409 approval_required for tags sent with another change, writing nothing', async () => {
    const role = await must(
      asA('POST', '/api/v1/roles', {
        name: 'Editor, tags by approval',
        grants: [
          { actions: ['customer.view', 'customer.edit'], scope: 'company' },
          { actions: ['customer.tag'], scope: 'company', approvalRequired: true },
        ],
      }),
    )
    const ed = await newPerson(app, db, a, {
      email: 'ed@a.test',
      role: role['name'] as string,
      orgUnitId: t1,
    })
    const before = await requests()
    const refused = problem(
      await ed.as('PATCH', `/api/v1/customers/${leads.id}`, { name: 'Zhao M.', tags: ['x'] }),
      409,
      'approval_required',
    )
    expect(JSON.stringify(refused.errors)).toContain('body/name')
    expect(await requests()).toBe(before)
    expect((await must(asA('GET', `/api/v1/customers/${leads.id}`), 200)).name).toBe('Zhao Min')
    // the tags alone: 202
    pending(await ed.as('PATCH', `/api/v1/customers/${leads.id}`, { tags: ['x'] }))
    // an API key is nobody to ask for: its tag change stays 409, and opens nothing
    const key = await must(asA('POST', '/api/v1/api-keys', { name: 'CRM', roleId: role.id }))
    const asKey = w.call(key['key'] as string)
    const count = await requests()
    problem(
      await asKey('PATCH', `/api/v1/customers/${leads.id}`, { tags: ['y'] }),
      409,
      'approval_required',
    )
    expect(await requests()).toBe(count)
  })

  it('answers 404 for another company’s customer and 400 for bad tags, writing nothing; asks the same through POST /approvals', async () => {
    const before = await requests()
    problem(await retag(mia.as, foreign.id, ['x']), 404, 'not_found')
    for (const tags of [['  '], ['a', 'a']]) {
      problem(await retag(mia.as, leads.id, tags), 400, 'validation_failed')
    }
    const ask = (payload: unknown) =>
      mia.as('POST', '/api/v1/approvals', { type: 'customerTags', payload, reason: 'campaign' })
    const missing = problem(await ask({ customerId: foreign.id, tags: ['x'] }), 404, 'not_found')
    expect(JSON.stringify(missing.errors)).toContain('body/payload/customerId')
    for (const [payload, path] of [
      [{ customerId: leads.id, tags: [' '] }, 'body/payload/tags/0'],
      [{ customerId: leads.id, tags: ['a', 'a'] }, 'body/payload/tags'],
      [{ customerId: leads.id, tags: ['a'], extra: 1 }, 'body/payload/extra'],
      [{ customerId: leads.id, tags: await tagsOf(leads.id) }, 'body/payload/tags'],
      [{ customerId: leads.id }, 'body/payload/tags'],
    ] as const) {
      const refused = problem(await ask(payload), 400, 'validation_failed')
      expect(JSON.stringify(refused.errors), path).toContain(path)
    }
    // another company's approver: 404 on its request
    const request = await ask({ customerId: leads.id, tags: ['asked-directly'] })
    expect(request.statusCode, request.body).toBe(201)
    expect(request.json()).toMatchObject({ type: 'customerTags', status: 'pending' })
    problem(await asB('POST', `/api/v1/approvals/${request.json().id}/approve`), 404, 'not_found')
    expect(await requests()).toBe(before + 1)
    // someone without customer.tag on the customer may not ask for it: 404 when they may not
    // view the customer (the senior agent, of another owner's customer)
    problem(
      await w.sam.as('POST', '/api/v1/approvals', {
        type: 'customerTags',
        payload: { customerId: leads.id, tags: ['x'] },
        reason: 'r',
      }),
      404,
      'not_found',
    )
  })
})

describe('W3: a number-pool addition beyond the daily quota', () => {
  const add = (as: typeof asA, poolId: string, phone: string) =>
    as('POST', `/api/v1/number-pools/${poolId}/numbers`, { phone })
  const numbersOf = async (poolId: string) =>
    (
      (await must(asA('GET', `/api/v1/number-pools/${poolId}/numbers?limit=200`), 200))[
        'items'
      ] as { phone: string; addedBy: string }[]
    ).map((n) => n.phone)

  it('adds 5 a day directly; the 6th answers 202 routed to an admin; the admin approves: added once, audited', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await add(lee.as, teamPool.id, `+861380013810${i}`)).statusCode).toBe(201)
    }
    const before = await requests()
    const request = pending(await add(lee.as, teamPool.id, '+86 138 0013 8106'))
    expect(request).toMatchObject({
      type: 'poolNumbers',
      route: 'admin',
      requesterId: lee.id,
      payload: { poolId: teamPool.id, numbers: ['+8613800138106'] },
    })
    expect(await requests()).toBe(before + 1)
    expect(await numbersOf(teamPool.id)).not.toContain('+8613800138106')

    problem(await lee.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'own_request')
    problem(await lou.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'not_approver')
    const approved = await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
    const effect = approved.json().effect as { poolId: string; numberIds: string[] }
    expect(effect.poolId).toBe(teamPool.id)
    expect(effect.numberIds).toHaveLength(1)
    expect((await numbersOf(teamPool.id)).filter((n) => n === '+8613800138106')).toHaveLength(1)
    const [added] = await audit('numberPool.number_added', teamPool.id).then((es) =>
      es.filter((e) => (e.after as { numberId?: string }).numberId === effect.numberIds[0]),
    )
    expect(added?.actor_user_id).toBe(ada2.id)
    problem(await asA('POST', `/api/v1/approvals/${request.id}/approve`), 409, 'conflict')
    expect((await numbersOf(teamPool.id)).length).toBe(6)

    // the quota stays spent: the next one asks again; a number in the pool already is 409
    problem(await add(lee.as, teamPool.id, '+8613800138106'), 409, 'conflict')
    const next = pending(await add(lee.as, teamPool.id, '+8613800138107'))
    // added meanwhile by someone else: approving it is 409, nothing added twice
    expect((await add(asA, teamPool.id, '+8613800138107')).statusCode).toBe(201)
    problem(await ada2.as('POST', `/api/v1/approvals/${next.id}/approve`), 409, 'conflict')
    expect((await must(lee.as('GET', `/api/v1/approvals/${next.id}`), 200)).status).toBe('pending')
    const rejected = await ada2.as('POST', `/api/v1/approvals/${next.id}/reject`, {
      reason: 'added already',
    })
    expect(rejected.statusCode, rejected.body).toBe(200)
  })

  it("spends the approver's own daily quota when their rule has one (429 once it is spent); an admin's has none", async () => {
    const role = await must(
      asA('POST', '/api/v1/roles', {
        name: 'Pool helper',
        grants: [
          { actions: ['numberPool.view'], scope: 'team' },
          { actions: ['numberPool.addNumber'], scope: 'team', limits: { perDay: 1 } },
        ],
      }),
    )
    const pia = await newPerson(app, db, a, {
      email: 'pia@a.test',
      role: role['name'] as string,
      orgUnitId: t1,
    })
    expect((await add(pia.as, teamPool.id, '+8613800138130')).statusCode).toBe(201)
    const request = pending(await add(pia.as, teamPool.id, '+8613800138131'))
    expect(request.route).toBe('lead')
    // the lead has added 5 today (above): approving would be their sixth
    const refused = await lee.as('POST', `/api/v1/approvals/${request.id}/approve`)
    problem(refused, 429, 'quota_exceeded')
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    expect(await numbersOf(teamPool.id)).not.toContain('+8613800138131')
    expect((await must(pia.as('GET', `/api/v1/approvals/${request.id}`), 200)).status).toBe(
      'pending',
    )
    const approved = await asA('POST', `/api/v1/approvals/${request.id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
    expect(await numbersOf(teamPool.id)).toContain('+8613800138131')
  })

  it('answers 404 for another company’s pool and 400 for a bad number, writing nothing', async () => {
    const before = await requests()
    const numbers = (await numbersOf(teamPool.id)).length
    problem(await add(lee.as, foreignPool.id, '+8613800138120'), 404, 'not_found')
    problem(await add(lee.as, teamPool.id, 'not a phone'), 400, 'validation_failed')
    const ask = (payload: unknown) =>
      lee.as('POST', '/api/v1/approvals', { type: 'poolNumbers', payload, reason: 'campaign' })
    problem(await ask({ poolId: foreignPool.id, numbers: ['+8613800138120'] }), 404, 'not_found')
    for (const [payload, path] of [
      [{ poolId: teamPool.id, numbers: ['12345'] }, 'body/payload/numbers/0'],
      [
        { poolId: teamPool.id, numbers: ['+8613800138120', '0086 13800138120'] },
        'body/payload/numbers',
      ],
      [{ poolId: teamPool.id, numbers: [] }, 'body/payload/numbers'],
    ] as const) {
      const refused = problem(await ask(payload), 400, 'validation_failed')
      expect(JSON.stringify(refused.errors), path).toContain(path)
    }
    problem(await ask({ poolId: teamPool.id, numbers: ['+8613800138100'] }), 409, 'conflict')
    expect(await requests()).toBe(before)
    expect((await numbersOf(teamPool.id)).length).toBe(numbers)
    // asked directly for two numbers: the admin's approval adds both
    const asked = await ask({ poolId: teamPool.id, numbers: ['+8613800138121', '+8613800138122'] })
    expect(asked.statusCode, asked.body).toBe(201)
    const approved = await asA('POST', `/api/v1/approvals/${asked.json().id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
    expect(approved.json().effect.numberIds).toHaveLength(2)
    expect((await numbersOf(teamPool.id)).length).toBe(numbers + 2)
  })
})
