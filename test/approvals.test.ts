/**
 * W1–W3 (issue 11): access requests and approvals through HTTP. The [000] dispute story end to
 * end — a senior agent sees a customer's ID number masked, asks for the full record with a reason,
 * the team lead approves, the record is in clear and the unmask audited, and after the end time
 * (the test clock moved, not slept) it is masked again. Routing by level (a lead's request goes to
 * an admin), nobody decides their own request nor one they could not grant (canDelegate),
 * undecided requests expire by the clock, two approvals at once apply once, another company's
 * ids are 404 and bad input is 400 writing nothing.
 */
import { describe, expect, it } from 'vitest'
import { countRows, governanceWorld } from './governance-setup.js'
import { auditActions, problem } from './test-app.js'

const w = await governanceWorld()
const { db, clock, a, asA, asB, sam, nia, lee, lou, oscar, ada2, customer } = w

const disputeRequest = (extra: Record<string, unknown> = {}) => ({
  type: 'temporaryGrant',
  payload: {
    actions: ['customer.view', 'customer.unmask'],
    resource: { type: 'customer', id: customer.id },
    fields: { idNumber: 'read', phone: 'read' },
    durationMinutes: 20,
  },
  reason: '售后纠纷 #4411: the caller disputes a refund; confirm their ID number',
  ...extra,
})

async function ask(as: typeof sam.as, body: Record<string, unknown> = disputeRequest()) {
  const res = await as('POST', '/api/v1/approvals', body)
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; route: string; status: string }
}

const idNumberOf = async (as: typeof sam.as) => {
  const res = await as('GET', `/api/v1/customers/${customer.id}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json().idNumber as string
}
const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((r) => r.id)

describe('[000] the dispute story, end to end', () => {
  it('masked → request → the team lead approves → full record, unmask audited → masked again after the end', async () => {
    expect(await idNumberOf(sam.as)).toBe('110101********1234')
    problem(
      await sam.as('POST', `/api/v1/customers/${customer.id}/unmask`, {
        field: 'idNumber',
        reason: 'dispute',
      }),
      403,
      'forbidden',
    )

    const request = await ask(sam.as)
    expect(request).toMatchObject({ status: 'pending', route: 'lead', requesterId: sam.id })
    expect(ids(await sam.as('GET', '/api/v1/approvals?view=mine'))).toContain(request.id)
    expect(ids(await lee.as('GET', '/api/v1/approvals?view=to-decide'))).toContain(request.id)
    // not in the queue of a lead of another team, nor in my own
    expect(ids(await oscar.as('GET', '/api/v1/approvals?view=to-decide'))).not.toContain(request.id)
    expect(ids(await sam.as('GET', '/api/v1/approvals?view=to-decide'))).toEqual([])

    const approved = await lee.as('POST', `/api/v1/approvals/${request.id}/approve`, {
      reason: 'checked the dispute ticket',
    })
    expect(approved.statusCode, approved.body).toBe(200)
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: lee.id })
    const grantId = approved.json().grantId as string
    expect(grantId).toBeTruthy()
    expect(ids(await lee.as('GET', '/api/v1/approvals?view=to-decide'))).not.toContain(request.id)

    // the full record, for the same (kept) session, and the unmask, audited with its reason
    expect(await idNumberOf(sam.as)).toBe('110101199003071234')
    const unmasked = await sam.as('POST', `/api/v1/customers/${customer.id}/unmask`, {
      field: 'phone',
      reason: 'call back about dispute #4411',
    })
    expect(unmasked.statusCode, unmasked.body).toBe(200)
    expect(unmasked.json().value).toBe('+8613812345678')
    const me = (await sam.as('GET', '/api/v1/me')).json()
    expect(me.grants.map((g: { id: string }) => g.id)).toEqual([grantId])
    const actionsOf = (m: { permissions: { action: string }[] }) =>
      m.permissions.map((p) => p.action)
    expect(actionsOf(me)).toContain('customer.unmask')

    const events = await auditActions(db, a.companyId)
    const of = (action: string, target?: string) =>
      events.filter((e) => e.action === action && (target === undefined || e.target_id === target))
    expect(of('approval.requested', request.id)).toHaveLength(1)
    expect(of('approval.approved', request.id)[0]?.after).toMatchObject({
      status: 'approved',
      grantId,
    })
    expect(of('grant.created', grantId)[0]?.after).toMatchObject({
      userId: sam.id,
      approvalId: request.id,
    })
    expect(of('customer.unmasked', customer.id).at(-1)).toMatchObject({
      actor_user_id: sam.id,
      after: { field: 'phone', reason: 'call back about dispute #4411' },
    })
    expect(of('access.customer.view').some((e) => e.actor_user_id === sam.id)).toBe(true)

    // after the end time: masked again, unmask refused, nothing listed in me
    const grant = (await sam.as('GET', `/api/v1/grants/${grantId}`)).json()
    clock.set(grant.validUntil)
    expect(await idNumberOf(sam.as)).toBe('110101********1234')
    problem(
      await sam.as('POST', `/api/v1/customers/${customer.id}/unmask`, {
        field: 'idNumber',
        reason: 'once more',
      }),
      403,
      'forbidden',
    )
    const after = (await sam.as('GET', '/api/v1/me')).json()
    expect(after.grants).toEqual([])
    expect(actionsOf(after)).not.toContain('customer.unmask')
    // deciding it again: 409
    problem(await lee.as('POST', `/api/v1/approvals/${request.id}/approve`), 409, 'conflict')
  })
})

describe('routing and who decides', () => {
  it("routes a lead's request to an admin: another lead of the team may not decide it", async () => {
    const request = await ask(lee.as, {
      type: 'temporaryGrant',
      payload: { actions: ['customer.export'], scope: 'team', durationMinutes: 60 },
      reason: 'monthly dispute report for the branch',
    })
    expect(request.route).toBe('admin')
    expect(ids(await lou.as('GET', '/api/v1/approvals?view=to-decide'))).not.toContain(request.id)
    expect(ids(await asA('GET', '/api/v1/approvals?view=to-decide'))).toContain(request.id)
    problem(await lou.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'not_approver')
    const approved = await asA('POST', `/api/v1/approvals/${request.id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
    const grant = (await lee.as('GET', `/api/v1/grants/${approved.json().grantId}`)).json()
    expect(grant).toMatchObject({ actions: ['customer.export'], scope: 'team', userId: lee.id })
  })

  it('routes an agent of a unit without a lead to an admin', async () => {
    const moved = await asA('PATCH', `/api/v1/users/${nia.id}`, { orgUnitId: w.t2 })
    expect(moved.statusCode, moved.body).toBe(200)
    // oscar leads t2: the novice's request goes to him
    const toOscar = await ask(nia.as, {
      type: 'temporaryGrant',
      payload: { actions: ['ticket.view'], scope: 'team', durationMinutes: 30 },
      reason: 'cover for a colleague',
    })
    expect(toOscar.route).toBe('lead')
    const unit = await asA('POST', '/api/v1/org-units', {
      kind: 'team',
      name: 'No lead',
      parentId: null,
    })
    await asA('PATCH', `/api/v1/users/${nia.id}`, { orgUnitId: unit.json().id })
    const toAdmin = await ask(nia.as, {
      type: 'temporaryGrant',
      payload: { actions: ['ticket.view'], scope: 'team', durationMinutes: 30 },
      reason: 'cover for a colleague',
    })
    expect(toAdmin.route).toBe('admin')
    // an old request does not keep an emptied unit from being deleted
    await asA('PATCH', `/api/v1/users/${nia.id}`, { orgUnitId: w.t1 })
    const deleted = await asA('DELETE', `/api/v1/org-units/${unit.json().id}`)
    expect(deleted.statusCode, deleted.body).toBeLessThan(300)
    expect((await nia.as('GET', `/api/v1/approvals/${toAdmin.id}`)).json().orgUnitId).toBe(
      unit.json().id,
    )
  })

  it('refuses self-approval (403 own_request), for an admin too', async () => {
    const request = await ask(ada2.as, {
      type: 'temporaryGrant',
      payload: { actions: ['customer.view'], scope: 'company', durationMinutes: 60 },
      reason: 'audit week',
    })
    expect(request.route).toBe('admin')
    problem(await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'own_request')
    problem(
      await ada2.as('POST', `/api/v1/approvals/${request.id}/reject`, { reason: 'no' }),
      403,
      'own_request',
    )
    expect(ids(await ada2.as('GET', '/api/v1/approvals?view=to-decide'))).not.toContain(request.id)
    expect((await asA('GET', `/api/v1/approvals/${request.id}`)).json().status).toBe('pending')
  })

  it('refuses an approver who does not hold what is asked (403 cannot_grant), approving or rejecting; nothing written', async () => {
    const request = await ask(sam.as)
    const before = await countRows(db, 'grants', a.companyId)
    const refused = problem(
      await lou.as('POST', `/api/v1/approvals/${request.id}/approve`),
      403,
      'cannot_grant',
    )
    expect(JSON.stringify(refused.errors)).toContain('customer.unmask')
    problem(
      await lou.as('POST', `/api/v1/approvals/${request.id}/reject`, { reason: 'no' }),
      403,
      'cannot_grant',
    )
    expect(await countRows(db, 'grants', a.companyId)).toBe(before)
    expect((await sam.as('GET', `/api/v1/approvals/${request.id}`)).json().status).toBe('pending')
    // a lead of another team does not even see it
    problem(await oscar.as('POST', `/api/v1/approvals/${request.id}/approve`), 404, 'not_found')
    problem(await oscar.as('GET', `/api/v1/approvals/${request.id}`), 404, 'not_found')
    // the lead who holds it rejects it, with a reason kept on the request
    const rejected = await lee.as('POST', `/api/v1/approvals/${request.id}/reject`, {
      reason: 'the last four digits are enough',
    })
    expect(rejected.statusCode, rejected.body).toBe(200)
    expect(rejected.json()).toMatchObject({
      status: 'rejected',
      decisionReason: 'the last four digits are enough',
      grantId: null,
    })
    problem(await lee.as('POST', `/api/v1/approvals/${request.id}/approve`), 409, 'conflict')
    expect(await countRows(db, 'grants', a.companyId)).toBe(before)
    const event = (await auditActions(db, a.companyId)).find(
      (e) => e.action === 'approval.rejected' && e.target_id === request.id,
    )
    expect(event?.after).toMatchObject({ status: 'rejected' })
  })

  it('refuses a request for a record the requester may not view (404: no existence oracle)', async () => {
    problem(
      await sam.as(
        'POST',
        '/api/v1/approvals',
        disputeRequest({
          payload: { ...disputeRequest().payload, resource: { type: 'customer', id: w.other.id } },
        }),
      ),
      404,
      'not_found',
    )
  })
})

describe('the clock and the lifecycle of a request', () => {
  it('expires an undecided request by the clock: shown expired, not decidable, not queued', async () => {
    const request = await ask(sam.as, disputeRequest({ expiresInMinutes: 5 }))
    clock.advance(5 * 60_000)
    expect((await sam.as('GET', `/api/v1/approvals/${request.id}`)).json().status).toBe('expired')
    expect(ids(await lee.as('GET', '/api/v1/approvals?view=to-decide'))).not.toContain(request.id)
    const before = await countRows(db, 'grants', a.companyId)
    problem(await lee.as('POST', `/api/v1/approvals/${request.id}/approve`), 409, 'conflict')
    problem(await sam.as('POST', `/api/v1/approvals/${request.id}/cancel`), 409, 'conflict')
    expect(await countRows(db, 'grants', a.companyId)).toBe(before)
  })

  it('lets the requester cancel a pending request, and nobody else', async () => {
    const request = await ask(sam.as)
    problem(await lee.as('POST', `/api/v1/approvals/${request.id}/cancel`), 403, 'forbidden')
    const cancelled = await sam.as('POST', `/api/v1/approvals/${request.id}/cancel`)
    expect(cancelled.statusCode, cancelled.body).toBe(200)
    expect(cancelled.json().status).toBe('cancelled')
    problem(await lee.as('POST', `/api/v1/approvals/${request.id}/approve`), 409, 'conflict')
  })

  it('applies a double approval once: two approvers at the same moment, one grant', async () => {
    for (let i = 0; i < 3; i++) {
      const request = await ask(sam.as)
      const answers = await Promise.all([
        lee.as('POST', `/api/v1/approvals/${request.id}/approve`),
        asA('POST', `/api/v1/approvals/${request.id}/approve`),
      ])
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409])
      const rows = await db
        .selectFrom('grants')
        .select('id')
        .where('approval_id', '=', request.id)
        .execute()
      expect(rows).toHaveLength(1)
      const winner = answers.find((r) => r.statusCode === 200)?.json()
      expect(winner.grantId).toBe(rows[0]?.id)
    }
  })
})

describe('other companies and bad input', () => {
  it('answers 404 for another company’s request, on every route, and lists none of them', async () => {
    const request = await ask(sam.as)
    for (const [method, url, body] of [
      ['GET', `/api/v1/approvals/${request.id}`, undefined],
      ['POST', `/api/v1/approvals/${request.id}/approve`, {}],
      ['POST', `/api/v1/approvals/${request.id}/reject`, { reason: 'no' }],
      ['POST', `/api/v1/approvals/${request.id}/cancel`, undefined],
    ] as const) {
      problem(await asB(method, url, body), 404, 'not_found')
    }
    expect(ids(await asB('GET', '/api/v1/approvals?view=to-decide'))).toEqual([])
    problem(
      await asB(
        'POST',
        '/api/v1/approvals',
        disputeRequest(), // company A's customer: B may not know it exists
      ),
      404,
      'not_found',
    )
    expect((await sam.as('GET', `/api/v1/approvals/${request.id}`)).json().status).toBe('pending')
  })

  it('refuses bad input with 400 naming the field, writing nothing', async () => {
    const before = await countRows(db, 'approval_requests', a.companyId)
    const base = disputeRequest()
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, reason: 'dispute\u0000' }, 'body/reason'],
      [{ ...base, reason: '\ud800' }, 'body/reason'],
      [{ ...base, reason: '' }, 'body/reason'],
      [{ ...base, type: 'scriptChange' }, 'body/type'],
      [
        { ...base, payload: { ...base.payload, actions: ['customer.fly'] } },
        'body/payload/actions/0',
      ],
      [
        { ...base, payload: { ...base.payload, durationMinutes: 0 } },
        'body/payload/durationMinutes',
      ],
      [
        { ...base, payload: { ...base.payload, durationMinutes: 43_201 } },
        'body/payload/durationMinutes',
      ],
      [
        { ...base, payload: { ...base.payload, fields: { salary: 'read' } } },
        'body/payload/fields/salary',
      ],
      [{ ...base, payload: { ...base.payload, scope: 'company' } }, 'body/payload/scope'],
      [{ ...base, expiresInMinutes: 0 }, 'body/expiresInMinutes'],
      [{ ...base, extra: true }, 'body'],
    ]
    for (const [body, path] of cases) {
      const refused = problem(
        await sam.as('POST', '/api/v1/approvals', body),
        400,
        'validation_failed',
      )
      expect(JSON.stringify(refused.errors ?? refused), path).toContain(path)
    }
    problem(
      await lee.as('POST', `/api/v1/approvals/${'x'.repeat(101)}/approve`),
      400,
      'validation_failed',
    )
    problem(
      await lee.as('POST', `/api/v1/approvals/00000000-0000-4000-8000-000000000000/reject`, {}),
      400,
      'validation_failed',
    )
    expect(await countRows(db, 'approval_requests', a.companyId)).toBe(before)
  })
})
