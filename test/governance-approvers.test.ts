/**
 * Issue 11: who sees and who decides a request. A data-supplement request's values are shown to
 * anyone but its requester as that person's own field rules show the customer's fields (an
 * approver whose role masks or hides a field never reads it through the request); approval
 * route steps may name a role or a person, and only they decide that step, still only what they
 * could grant. Another company's ids are 404 / 400, bad input 400, writing nothing. PGlite by
 * default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { addRole, builtinRoleId } from './fixtures.js'
import { governanceWorld } from './governance-setup.js'
import { logIn, problem, strongPassword } from './test-app.js'

const w = await governanceWorld()
const { app, db, a, b, asA, asB, call, t1, nia, sam, lee, lou, oscar, ada2, customer } = w
type Res = Awaited<ReturnType<typeof asA>>
type Json = Record<string, unknown> & { id: string }

const must = async (res: Promise<Res>, status = 201) => {
  const r = await res
  if (r.statusCode !== status) throw new Error(`setup: ${r.statusCode} ${r.body}`)
  return r.json() as Json
}

/** A person of company A with these roles, at this level, signed in. */
async function person(email: string, roleIds: string[], level: string, orgUnitId: string | null) {
  const user = await must(
    asA('POST', '/api/v1/users', {
      email,
      name: email.split('@')[0],
      password: strongPassword,
      orgUnitId,
      level,
      roleIds,
    }),
  )
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id: user.id, as: call(token) }
}

// a team lead of team one whose role reads customers with the phone masked and the name hidden
const maskingLead = await addRole(db, a.companyId, 'Masking lead', {
  grants: [
    { actions: ['customer.view'], scope: 'team', fields: { phone: 'masked', name: 'hidden' } },
  ],
})
const mia = await person('mia@a.test', [maskingLead], 'lead', t1)

const supplementOf = async (customerId: string) =>
  must(
    nia.as('POST', '/api/v1/approvals', {
      type: 'dataSupplement',
      payload: {
        customerId,
        fields: { name: 'Sun Li', phone: '+86 139-1111-2222', email: 'Sun.Li@Example.com' },
      },
      reason: 'the customer gave these on the phone',
    }),
  )

describe('a data-supplement request as an approver sees it', () => {
  it('masks each value as the approver’s own field rules mask it on the record', async () => {
    const c = await must(
      asA('POST', '/api/v1/customers', {
        name: 'Old name',
        phone: '+86 138-0000-9999',
        orgUnitId: t1,
        ownerId: nia.id,
      }),
    )
    const request = await supplementOf(c.id)
    // the requester sees what she asked for, in clear
    expect(request['payload']).toMatchObject({
      fields: { name: 'Sun Li', phone: '+8613911112222', email: 'sun.li@example.com' },
    })
    // Mia's role masks the phone and hides the name on the record…
    const record = (await mia.as('GET', `/api/v1/customers/${c.id}`)).json() as Json
    expect(record['name']).toBeUndefined()
    expect(record['maskedFields']).toContain('phone')
    // …and so in the request (routed to her, a lead of the requester's team)
    const seen = await must(mia.as('GET', `/api/v1/approvals/${request.id}`), 200)
    const payload = seen['payload'] as { fields: Record<string, string>; maskedFields: string[] }
    expect(payload.fields['phone']).not.toContain('1111')
    expect(payload.fields['phone']).toMatch(/\*/)
    expect(payload.fields['name']).not.toBe('Sun Li')
    expect(payload.fields['name']).toMatch(/^\*+$/)
    expect(payload.fields['email']).toBe('sun.li@example.com')
    expect(payload.maskedFields.sort()).toEqual(['name', 'phone'])
    expect(JSON.stringify(seen)).not.toContain('Sun Li')
    expect(JSON.stringify(seen)).not.toContain('13911112222')
    // the same in her list of requests to decide, when it is listed there
    const queue = await must(mia.as('GET', '/api/v1/approvals?view=to-decide'), 200)
    for (const item of queue['items'] as Json[])
      expect(JSON.stringify(item)).not.toContain('13911112222')
    // the team lead who reads the customer in clear sees the personal fields in clear
    const lees = await must(lee.as('GET', `/api/v1/approvals/${request.id}`), 200)
    expect((lees['payload'] as { fields: Record<string, string> }).fields).toMatchObject({
      name: 'Sun Li',
    })
    // and an admin, who may not view the customer's secrets in the request either way
    const adas = await must(ada2.as('GET', `/api/v1/approvals/${request.id}`), 200)
    expect((adas['payload'] as { fields: Record<string, string> }).fields['name']).toBe('Sun Li')
  })

  it('masks every value whole for someone who may see the request but not the customer', async () => {
    const blind = await addRole(db, a.companyId, 'Blind lead', {
      grants: [{ actions: ['ticket.view'], scope: 'team' }],
    })
    const bo = await person('bo@a.test', [blind], 'lead', t1)
    const c = await must(
      asA('POST', '/api/v1/customers', { name: 'Other', orgUnitId: t1, ownerId: nia.id }),
    )
    const request = await supplementOf(c.id)
    const seen = await must(bo.as('GET', `/api/v1/approvals/${request.id}`), 200)
    const fields = (seen['payload'] as { fields: Record<string, string> }).fields
    for (const value of Object.values(fields)) expect(value).toMatch(/^\*+$/)
  })
})

const disputeRequest = {
  type: 'temporaryGrant',
  payload: {
    actions: ['customer.view', 'customer.unmask'],
    resource: { type: 'customer', id: customer.id },
    fields: { idNumber: 'read', phone: 'read' },
    durationMinutes: 20,
  },
  reason: 'dispute #4411: confirm the ID number',
}
const route = (steps: unknown[], as = asA) =>
  as('PUT', '/api/v1/approval-routes/temporaryGrant', { steps })
const routeRow = () =>
  db
    .selectFrom('approval_routes')
    .selectAll()
    .where('company_id', '=', a.companyId)
    .where('type', '=', 'temporaryGrant')
    .executeTakeFirst()
const grantsOf = async (userId: string) =>
  (await db.selectFrom('grants').select('id').where('user_id', '=', userId).execute()).length
const ids = (res: Res) => (res.json().items as Json[]).map((r) => r.id)

describe('approval steps naming a person or a role', () => {
  it('a step naming a person: only they decide it, nobody else — not another lead, not an admin', async () => {
    await must(route([`user:${lee.id}`]), 200)
    const request = await must(sam.as('POST', '/api/v1/approvals', disputeRequest))
    expect(request).toMatchObject({ route: `user:${lee.id}`, steps: [{ route: `user:${lee.id}` }] })
    expect(ids(await lee.as('GET', '/api/v1/approvals?view=to-decide'))).toContain(request.id)
    expect(ids(await ada2.as('GET', '/api/v1/approvals?view=to-decide'))).not.toContain(request.id)
    expect(ids(await lou.as('GET', '/api/v1/approvals?view=to-decide'))).not.toContain(request.id)
    const before = await grantsOf(sam.id)
    problem(await lou.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'not_approver')
    problem(await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'not_approver')
    expect(await grantsOf(sam.id)).toBe(before)
    const approved = await lee.as('POST', `/api/v1/approvals/${request.id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: lee.id })
    expect(await grantsOf(sam.id)).toBe(before + 1)
  })

  it('a named person who could not grant what is asked is refused (canDelegate), nothing granted', async () => {
    await must(route([`user:${lou.id}`]), 200)
    const request = await must(sam.as('POST', '/api/v1/approvals', disputeRequest))
    const before = await grantsOf(sam.id)
    problem(await lou.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'cannot_grant')
    expect(await grantsOf(sam.id)).toBe(before)
    expect((await sam.as('GET', `/api/v1/approvals/${request.id}`)).json().status).toBe('pending')
  })

  it('a step naming a role: whoever holds it decides (with every other check), nobody else', async () => {
    const leadRole = await builtinRoleId(db, a.companyId, 'Team lead')
    await must(route([`role:${leadRole}`]), 200)
    const request = await must(sam.as('POST', '/api/v1/approvals', disputeRequest))
    expect(ids(await lee.as('GET', '/api/v1/approvals?view=to-decide'))).toContain(request.id)
    expect(ids(await ada2.as('GET', '/api/v1/approvals?view=to-decide'))).not.toContain(request.id)
    // the admin holds no Team lead role
    problem(await ada2.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'not_approver')
    // a holder of the role whose rules do not let them approve the other team's request
    const oscars = await oscar.as('POST', `/api/v1/approvals/${request.id}/approve`)
    expect([403, 404]).toContain(oscars.statusCode)
    // a holder who could not grant it
    problem(await lou.as('POST', `/api/v1/approvals/${request.id}/approve`), 403, 'cannot_grant')
    const approved = await lee.as('POST', `/api/v1/approvals/${request.id}/approve`)
    expect(approved.statusCode, approved.body).toBe(200)
  })

  it('a named role or person must be the company’s: another company’s is 404, a bad name 400, nothing written', async () => {
    await must(route(['admin']), 200)
    const before = await routeRow()
    const theirRole = await builtinRoleId(db, b.companyId, 'Team lead')
    const theirAdmin = (await asB('GET', '/api/v1/me')).json().id as string
    for (const step of [`role:${theirRole}`, `user:${theirAdmin}`, 'user:no-such-person']) {
      const res = problem(await route(['admin', step]), 404, 'not_found')
      expect(JSON.stringify(res.errors)).toContain('body/steps/1')
    }
    for (const step of ['role:', 'user', 'team:x', 'user:a b', 'user:\u0000', 'role:\ud800'])
      problem(await route([step]), 400, 'validation_failed')
    // only an admin configures routes
    problem(await route([`user:${lee.id}`], lee.as), 403, 'forbidden')
    expect(await routeRow()).toEqual(before)
    // company B cannot name company A's people either
    problem(
      await asB('PUT', '/api/v1/approval-routes/temporaryGrant', { steps: [`user:${lee.id}`] }),
      404,
      'not_found',
    )
  })
})
