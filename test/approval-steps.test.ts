/**
 * W1–W3 (issue 11, item 1): data-supplement requests, script changes as approval requests, and
 * several approval steps per request type. A novice agent asks to fill in a customer's email and
 * ID number she may not edit; an admin who may edit them approves and the customer write path
 * applies them, audited, once. A trainer's submission of a script is a request in the same inbox:
 * approving publishes it, rejecting takes it back to a draft, and nobody approves a script they
 * wrote. An admin configures "team lead, then admin": each step is decided by someone else, the
 * last approval applies it, a rejection at step 1 ends it; two leads approving step 1 at once get
 * one 200 and one 409. Another company's requests are 404; bad input is 400, writing nothing.
 * PGlite by default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { newPerson } from './fixtures.js'
import { countRows, governanceWorld } from './governance-setup.js'
import { auditActions, problem } from './test-app.js'

const w = await governanceWorld()
const { app, db, a, asA, asB, t1, t2, nia, lee, lou, ada2, other, foreign } = w
type Res = Awaited<ReturnType<typeof asA>>
type Json = Record<string, unknown> & { id: string }

const must = async (res: Promise<Res>, status = 201) => {
  const r = await res
  if (r.statusCode !== status) throw new Error(`setup: ${r.statusCode} ${r.body}`)
  return r.json() as Json
}

const tara = await newPerson(app, db, a, { email: 'tara@a.test', role: 'Trainer', orgUnitId: t1 })

/** A customer of team one owned by the novice agent, with no email and no ID number. */
const niasCustomer = async (name: string) =>
  must(asA('POST', '/api/v1/customers', { name, orgUnitId: t1, ownerId: nia.id }))

const requests = () => countRows(db, 'approval_requests', a.companyId)
const stepRows = async () =>
  db
    .selectFrom('approval_steps')
    .selectAll()
    .where('company_id', '=', a.companyId)
    .orderBy('approval_id')
    .orderBy('step')
    .execute()
const customerRow = (id: string) =>
  db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const audit = async (action: string, target: string) =>
  (await auditActions(db, a.companyId)).filter((e) => e.action === action && e.target_id === target)

const supplement = (as: typeof asA, customerId: string, fields: Record<string, unknown>) =>
  as('POST', '/api/v1/approvals', {
    type: 'dataSupplement',
    payload: { customerId, fields },
    reason: 'the customer gave these on the phone',
  })

describe('W3: data-supplement requests', () => {
  it('an agent asks to fill in fields she may not edit; an admin who may approves; applied once through the customer write, audited', async () => {
    const c = await niasCustomer('Sun Li')
    // she sees the customer but may not edit them
    problem(
      await nia.as('PATCH', `/api/v1/customers/${c.id}`, { email: 'sun@example.com' }),
      403,
      'forbidden',
    )
    const asked = await supplement(nia.as, c.id, {
      email: 'Sun.Li@Example.com',
      idNumber: '110101-19900307-1234',
    })
    expect(asked.statusCode, asked.body).toBe(201)
    const request = asked.json() as Json
    // normalised as PATCH normalises them; shown in clear to the requester
    expect(request).toMatchObject({
      type: 'dataSupplement',
      route: 'lead',
      step: 1,
      steps: [{ route: 'lead', status: 'pending', decidedBy: null }],
      payload: {
        customerId: c.id,
        fields: { email: 'sun.li@example.com', idNumber: '110101199003071234' },
      },
    })
    // anyone but the requester sees a secret value masked, as the audit keeps it; the other
    // values as their own field rules show them on the record (an admin reads the email)
    const seen = await must(ada2.as('GET', `/api/v1/approvals/${request.id}`), 200)
    const fields = (seen['payload'] as { fields: Record<string, string> }).fields
    expect(fields['idNumber']).toBe('110101********1234')
    expect(fields['email']).toBe('sun.li@example.com')
    expect(seen['payload']).toMatchObject({ maskedFields: ['idNumber'] })
    const requested = (await audit('approval.requested', request.id))[0]
    expect(JSON.stringify(requested?.after)).not.toContain('110101199003071234')

    // nobody decides their own request
    problem(await nia.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'own_request')
    // the team lead is routed the request but may not edit this customer's ID number: refused,
    // approving and rejecting, nothing written
    const refused = problem(
      await lee.as('POST', `/api/v1/approvals/${request.id}/approve`),
      403,
      'cannot_grant',
    )
    expect(JSON.stringify(refused.errors)).toContain('customer.edit')
    problem(
      await lee.as('POST', `/api/v1/approvals/${request.id}/reject`, { reason: 'no' }),
      403,
      'cannot_grant',
    )
    expect(await customerRow(c.id)).toMatchObject({ email: null, id_number: null })
    expect((await stepRows()).filter((s) => s.approval_id === request.id)).toEqual([])

    const approved = await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`, {
      reason: 'checked against the contract',
    })
    expect(approved.statusCode, approved.body).toBe(200)
    expect(approved.json()).toMatchObject({
      status: 'approved',
      decidedBy: ada2.id,
      step: null,
      steps: [{ route: 'lead', status: 'approved', decidedBy: ada2.id }],
      effect: { customerId: c.id, fields: ['email', 'idNumber'] },
    })
    expect(await customerRow(c.id)).toMatchObject({
      email: 'sun.li@example.com',
      id_number: '110101199003071234',
    })
    const [updated, ...more] = await audit('customer.updated', c.id)
    expect(more).toEqual([])
    expect(updated?.actor_user_id).toBe(ada2.id)
    expect(updated?.after).toMatchObject({ idNumber: '110101********1234' })
    expect(JSON.stringify(updated?.after)).not.toContain('110101199003071234')
    // exactly once
    problem(await asA('POST', `/api/v1/approvals/${request.id}/approve`), 409, 'conflict')
    expect(await audit('customer.updated', c.id)).toHaveLength(1)
  })

  it('refuses bad input as PATCH does (400), a customer out of reach or of another company (404), writing nothing', async () => {
    const c = await niasCustomer('Bad Input')
    const before = await requests()
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ idNumber: '12' }, 400, 'validation_failed', 'body/payload/fields/idNumber'],
      [{ phone: 'not a phone' }, 400, 'validation_failed', 'body/payload/fields/phone'],
      [{ email: 'nope' }, 400, 'validation_failed', 'body/payload/fields/email'],
      [{ bankCard: '4111111111111112' }, 400, 'validation_failed', 'body/payload/fields/bankCard'],
      [{ name: '   ' }, 400, 'validation_failed', 'body/payload/fields/name'],
      [{ email: 'a\u0000b@example.com' }, 400, 'validation_failed', ''],
      [{ name: 'x'.repeat(201) }, 400, 'validation_failed', ''],
      [{ tags: ['vip'] }, 400, 'validation_failed', ''],
      [{ ownerId: nia.id }, 400, 'validation_failed', ''],
      [{}, 400, 'validation_failed', ''],
      [{ idNumber: 12345 }, 400, 'validation_failed', ''],
    ]
    for (const [fields, status, code, path] of cases) {
      const p = problem(await supplement(nia.as, c.id, fields), status, code)
      if (path !== '')
        expect((p.errors as { path: string }[]).map((e) => e.path).join(' ')).toContain(path)
    }
    problem(
      await nia.as('POST', '/api/v1/approvals', {
        type: 'dataSupplement',
        payload: { customerId: c.id, fields: { email: 'x@example.com' } },
        reason: 'nul \u0000 reason',
      }),
      400,
      'validation_failed',
    )
    // another team's customer, another company's, one never issued: 404 on the path
    for (const id of [other.id, foreign.id, 'no-such-customer']) {
      const p = problem(await supplement(nia.as, id, { email: 'x@example.com' }), 404, 'not_found')
      expect(JSON.stringify(p.errors)).toContain('body/payload/customerId')
    }
    expect(await requests()).toBe(before)
    expect(await customerRow(c.id)).toMatchObject({ email: null })
  })
})

describe('W3: a script submitted for publication is an approval request', () => {
  const draft = async (title: string) =>
    must(tara.as('POST', '/api/v1/scripts', { title, body: `${title}: the wording.` }))
  const submit = async (id: string) => {
    const res = await tara.as('POST', `/api/v1/scripts/${id}/submit`)
    expect(res.statusCode, res.body).toBe(202)
    expect(res.headers['location']).toMatch(/^\/api\/v1\/approvals\//)
    return (res.json() as { approvalRequest: Json }).approvalRequest
  }
  const statusOf = async (id: string) =>
    (await must(tara.as('GET', `/api/v1/scripts/${id}`), 200))['status']

  it('waits in the inbox of whoever may publish it; approving publishes it, once; the writer never approves', async () => {
    const s = await draft('Greeting')
    const request = await submit(s.id)
    expect(request).toMatchObject({
      type: 'scriptChange',
      route: 'publisher',
      requesterId: tara.id,
      payload: { scriptId: s.id, version: 1, title: 'Greeting' },
    })
    expect(await statusOf(s.id)).toBe('pending')
    const queue = async (as: typeof asA) =>
      ((await must(as('GET', '/api/v1/approvals?view=to-decide'), 200))['items'] as Json[]).map(
        (r) => r.id,
      )
    expect(await queue(asA)).toContain(request.id)
    // a lead does not publish scripts (no script.approve): not in their inbox, not theirs
    expect(await queue(lee.as)).not.toContain(request.id)
    problem(await lee.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'not_approver')
    problem(await tara.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'own_request')
    expect(await statusOf(s.id)).toBe('pending')

    const approved = await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
    expect(approved.json()).toMatchObject({
      status: 'approved',
      effect: { scriptId: s.id, status: 'published', archivedIds: [] },
    })
    expect(await must(tara.as('GET', `/api/v1/scripts/${s.id}`), 200)).toMatchObject({
      status: 'published',
      publishedBy: ada2.id,
    })
    problem(await asA('POST', `/api/v1/approvals/${request.id}/approve`), 409, 'conflict')
    problem(await asA('POST', `/api/v1/scripts/${s.id}/publish`), 409, 'conflict')
  })

  it('an approver who wrote part of the text may not approve it (four eyes); /publish approves the same request', async () => {
    const s = await draft('Refunds')
    await must(asA('PATCH', `/api/v1/scripts/${s.id}`, { body: 'Refunds take 5 days.' }), 200)
    const request = await submit(s.id)
    problem(await asA('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'own_request')
    problem(await asA('POST', `/api/v1/scripts/${s.id}/publish`), 403, 'own_request')
    problem(await tara.as('POST', `/api/v1/scripts/${s.id}/publish`), 403, 'forbidden')
    const published = await ada2.as('POST', `/api/v1/scripts/${s.id}/publish`)
    expect(published.statusCode, published.body).toBe(200)
    expect(published.json()).toMatchObject({ status: 'published' })
    const closed = await must(tara.as('GET', `/api/v1/approvals/${request.id}`), 200)
    expect(closed).toMatchObject({ status: 'approved', decidedBy: ada2.id })
  })

  it('rejecting or cancelling takes the version back to a draft; a second submission replaces a stale request', async () => {
    const s = await draft('Closing')
    const first = await submit(s.id)
    const rejected = await asA('POST', `/api/v1/approvals/${first.id}/reject`, {
      reason: 'mention the survey',
    })
    expect(rejected.statusCode, rejected.body).toBe(200)
    expect(await statusOf(s.id)).toBe('draft')

    const second = await submit(s.id)
    expect((await must(tara.as('POST', `/api/v1/approvals/${second.id}/cancel`), 200)).status).toBe(
      'cancelled',
    )
    expect(await statusOf(s.id)).toBe('draft')

    // an edit of a pending version makes it a draft; submitting again closes the stale request
    const third = await submit(s.id)
    await must(tara.as('PATCH', `/api/v1/scripts/${s.id}`, { body: 'Closing, v2.' }), 200)
    problem(await asA('POST', `/api/v1/approvals/${third.id}/approve`), 409, 'conflict')
    const fourth = await submit(s.id)
    expect((await must(tara.as('GET', `/api/v1/approvals/${third.id}`), 200)).status).toBe(
      'cancelled',
    )
    expect((await must(asA('POST', `/api/v1/approvals/${fourth.id}/approve`), 200)).status).toBe(
      'approved',
    )
    expect(await statusOf(s.id)).toBe('published')
  })

  it('answers 404 for another company’s script and a draft the caller may not know', async () => {
    const theirs = await must(asB('POST', '/api/v1/scripts', { title: 'B', body: 'b' }))
    const before = await requests()
    problem(await tara.as('POST', `/api/v1/scripts/${theirs.id}/submit`), 404, 'not_found')
    problem(
      await tara.as('POST', '/api/v1/approvals', {
        type: 'scriptChange',
        payload: { scriptId: theirs.id },
        reason: 'x',
      }),
      404,
      'not_found',
    )
    const mine = await draft('Hidden from agents')
    problem(await nia.as('POST', `/api/v1/scripts/${mine.id}/submit`), 404, 'not_found')
    expect(await requests()).toBe(before)
    expect(await statusOf(mine.id)).toBe('draft')
  })
})

describe('W2: several steps per request type', () => {
  const route = (as: typeof asA, type: string, steps: unknown) =>
    as('PUT', `/api/v1/approval-routes/${type}`, { steps })

  it('is configured by an admin only, audited; bad routes are 400, writing nothing', async () => {
    // from here on the leads of team one may edit their team's contact data, ID numbers included
    const dataDesk = await must(
      asA('POST', '/api/v1/permission-groups', {
        name: 'Data desk',
        grants: [
          {
            actions: ['customer.edit'],
            scope: 'team',
            fields: { '*': 'read', email: 'edit', idNumber: 'edit', phone: 'edit', name: 'edit' },
          },
        ],
      }),
    )
    for (const lead of [lee, lou])
      await must(asA('PUT', `/api/v1/users/${lead.id}/groups`, { groupIds: [dataDesk.id] }), 200)
    const listed = await must(asA('GET', '/api/v1/approval-routes'), 200)
    expect(listed['items']).toContainEqual(
      expect.objectContaining({ type: 'dataSupplement', configured: false, steps: null }),
    )
    problem(await route(lee.as, 'dataSupplement', ['lead', 'admin']), 403, 'forbidden')
    problem(await lee.as('GET', '/api/v1/approval-routes'), 403, 'forbidden')
    for (const steps of [[], ['boss'], ['publisher'], Array(6).fill('admin'), ['lead\u0000']])
      problem(await route(asA, 'dataSupplement', steps), 400, 'validation_failed')
    problem(await route(asA, 'noSuchType', ['admin']), 400, 'validation_failed')
    expect(await db.selectFrom('approval_routes').selectAll().execute()).toEqual([])

    const set = await route(asA, 'dataSupplement', ['lead', 'admin'])
    expect(set.statusCode, set.body).toBe(200)
    expect(set.json()).toMatchObject({ configured: true, steps: ['lead', 'admin'] })
    const [event] = await audit('approvalRoute.updated', 'dataSupplement')
    expect(event).toMatchObject({
      actor_user_id: a.userId,
      after: { steps: ['lead', 'admin'] },
    })
    // another company keeps its default
    const theirs = await must(asB('GET', '/api/v1/approval-routes'), 200)
    expect(theirs['items']).toContainEqual(
      expect.objectContaining({ type: 'dataSupplement', configured: false }),
    )
  })

  it('team lead, then admin: each step by someone else; the last approval applies it', async () => {
    const c = await niasCustomer('Two Steps')
    const request = await must(supplement(nia.as, c.id, { email: 'two@example.com' }))
    expect(request).toMatchObject({
      route: 'lead',
      step: 1,
      steps: [
        { route: 'lead', status: 'pending' },
        { route: 'admin', status: 'waiting' },
      ],
    })
    const first = await lee.as('POST', `/api/v1/approvals/${request.id}/approve`, { step: 1 })
    expect(first.statusCode, first.body).toBe(200)
    expect(first.json()).toMatchObject({
      status: 'pending',
      route: 'admin',
      step: 2,
      steps: [
        { route: 'lead', status: 'approved', decidedBy: lee.id },
        { route: 'admin', status: 'pending' },
      ],
    })
    // nothing applied before the last step
    expect((await customerRow(c.id)).email).toBeNull()
    expect(await audit('approval.step_approved', request.id)).toHaveLength(1)
    // the lead does not decide the next step, nor does the other lead; a stale step is 409
    problem(await lee.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'not_approver')
    problem(await lou.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'not_approver')
    problem(
      await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`, { step: 1 }),
      409,
      'conflict',
    )
    // the lead still sees the request they decided a step of
    expect((await must(lee.as('GET', `/api/v1/approvals/${request.id}`), 200)).step).toBe(2)

    const last = await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`, { step: 2 })
    expect(last.statusCode, last.body).toBe(200)
    expect(last.json()).toMatchObject({
      status: 'approved',
      decidedBy: ada2.id,
      effect: { customerId: c.id, fields: ['email'] },
    })
    expect((await customerRow(c.id)).email).toBe('two@example.com')
    expect(await audit('customer.updated', c.id)).toHaveLength(1)
  })

  it('nobody decides two steps, even where they may decide both (admin, then admin)', async () => {
    await must(route(asA, 'dataSupplement', ['admin', 'admin']), 200)
    const c = await niasCustomer('Same Person')
    const request = await must(supplement(nia.as, c.id, { email: 'same@example.com' }))
    await must(ada2.as('POST', `/api/v1/approvals/${request.id}/approve`), 200)
    const queue = (await must(ada2.as('GET', '/api/v1/approvals?view=to-decide'), 200))[
      'items'
    ] as Json[]
    expect(queue.map((r) => r.id)).not.toContain(request.id)
    const twice = problem(
      await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`),
      403,
      'not_approver',
    )
    expect(JSON.stringify(twice.errors)).toContain('two steps')
    problem(
      await ada2.as('POST', `/api/v1/approvals/${request.id}/reject`, {
        reason: 'changed my mind',
      }),
      403,
      'not_approver',
    )
    expect((await customerRow(c.id)).email).toBeNull()
    expect((await must(asA('POST', `/api/v1/approvals/${request.id}/approve`), 200)).status).toBe(
      'approved',
    )
    expect((await customerRow(c.id)).email).toBe('same@example.com')
    await must(route(asA, 'dataSupplement', ['lead', 'admin']), 200)
  })

  it('a rejection at step 1 ends the request and applies nothing', async () => {
    const c = await niasCustomer('Rejected Early')
    const request = await must(supplement(nia.as, c.id, { idNumber: '110101199001011111' }))
    const rejected = await lee.as('POST', `/api/v1/approvals/${request.id}/reject`, {
      reason: 'the number does not match the contract',
    })
    expect(rejected.statusCode, rejected.body).toBe(200)
    expect(rejected.json()).toMatchObject({
      status: 'rejected',
      step: null,
      steps: [
        { route: 'lead', status: 'rejected', decidedBy: lee.id },
        { route: 'admin', status: 'skipped' },
      ],
    })
    problem(await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`), 409, 'conflict')
    expect((await customerRow(c.id)).id_number).toBeNull()
    expect(await audit('customer.updated', c.id)).toEqual([])
  })

  it('two leads approving step 1 at the same moment: one 200, one 409, one step recorded', async () => {
    const c = await niasCustomer('Race')
    const request = await must(supplement(nia.as, c.id, { email: 'race@example.com' }))
    const answers = await Promise.all([
      lee.as('POST', `/api/v1/approvals/${request.id}/approve`, { step: 1 }),
      lou.as('POST', `/api/v1/approvals/${request.id}/approve`, { step: 1 }),
    ])
    expect(answers.map((r) => r.statusCode).sort(), answers.map((r) => r.body).join()).toEqual([
      200, 409,
    ])
    const steps = (await stepRows()).filter((s) => s.approval_id === request.id)
    expect(steps).toHaveLength(1)
    expect(await audit('approval.step_approved', request.id)).toHaveLength(1)
    expect((await customerRow(c.id)).email).toBeNull()
  })

  it('requests keep the steps they were made with; a reset brings the default back', async () => {
    const c = await niasCustomer('Kept Steps')
    const request = await must(supplement(nia.as, c.id, { email: 'kept@example.com' }))
    const reset = await asA('DELETE', '/api/v1/approval-routes/dataSupplement')
    expect(reset.statusCode, reset.body).toBe(204)
    problem(await asA('DELETE', '/api/v1/approval-routes/dataSupplement'), 404, 'not_found')
    expect((await must(nia.as('GET', `/api/v1/approvals/${request.id}`), 200)).steps).toHaveLength(
      2,
    )
    const fresh = await must(supplement(nia.as, c.id, { email: 'fresh@example.com' }))
    expect(fresh['steps']).toHaveLength(1)
  })

  it('a script through a lead, then whoever may publish it: the lead without script.approve is refused; /publish decides a step', async () => {
    await must(route(asA, 'scriptChange', ['lead', 'publisher']), 200)
    const s = await must(tara.as('POST', '/api/v1/scripts', { title: 'Two-step', body: 'Text.' }))
    const asked = await tara.as('POST', `/api/v1/scripts/${s.id}/submit`)
    expect(asked.statusCode, asked.body).toBe(202)
    const request = (asked.json() as { approvalRequest: Json }).approvalRequest
    expect(request).toMatchObject({ route: 'lead', step: 1 })
    // a lead of the unit is routed step 1 but may not publish scripts
    const refused = problem(
      await lee.as('POST', `/api/v1/approvals/${request.id}/approve`),
      403,
      'cannot_grant',
    )
    expect(JSON.stringify(refused.errors)).toContain('script.approve')
    // an admin decides step 1 through /publish: not published yet, 202 with the request
    const first = await ada2.as('POST', `/api/v1/scripts/${s.id}/publish`)
    expect(first.statusCode, first.body).toBe(202)
    expect((first.json() as { approvalRequest: Json }).approvalRequest).toMatchObject({
      route: 'publisher',
      step: 2,
    })
    expect((await must(tara.as('GET', `/api/v1/scripts/${s.id}`), 200))['status']).toBe('pending')
    problem(await ada2.as('POST', `/api/v1/scripts/${s.id}/publish`), 403, 'not_approver')
    const last = await asA('POST', `/api/v1/scripts/${s.id}/publish`)
    expect(last.statusCode, last.body).toBe(200)
    expect(last.json()).toMatchObject({ status: 'published', publishedBy: a.userId })
    expect((await asA('DELETE', '/api/v1/approval-routes/scriptChange')).statusCode).toBe(204)
  })

  it('answers 404 for another company’s request and team’s request, on every route', async () => {
    const c = await niasCustomer('Tenancy')
    const request = await must(supplement(nia.as, c.id, { email: 'ten@example.com' }))
    for (const [method, url, body] of [
      ['GET', `/api/v1/approvals/${request.id}`, undefined],
      ['POST', `/api/v1/approvals/${request.id}/approve`, {}],
      ['POST', `/api/v1/approvals/${request.id}/reject`, { reason: 'x' }],
    ] as const)
      problem(await asB(method, url, body), 404, 'not_found')
    // the lead of team two does not see team one's request
    const oscar = w.oscar
    problem(await oscar.as('GET', `/api/v1/approvals/${request.id}`), 404, 'not_found')
    expect(t2).not.toBe(t1)
  })
})
