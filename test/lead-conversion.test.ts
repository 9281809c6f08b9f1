/**
 * Lead conversion ([002]): POST /leads/{id}/convert makes a customer (and, if asked, an
 * opportunity) from a lead in one transaction, checked like a create of each (a phone or email
 * the converter may not set is left off and named in `omitted`); twice is 409, also
 * when two conversions race (in one process, and on PostgreSQL on two server processes:
 * test/servers.ts); invisible and other company's leads 404; bad input 400, nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addRole, caller, newPerson, newTeam } from './fixtures.js'
import { call as send, onPostgres, startTwoServers, type Server } from './servers.js'
import { auditActions, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Convert A' })
const b = await signUp(app, { companyName: 'Convert B' })
const asA = call(a.token)
const asB = call(b.token)
const t1 = await newTeam(asA, 'Team one')
const t2 = await newTeam(asA, 'Team two')
const marketing = await newPerson(app, db, a, {
  email: 'mk@c.test',
  role: 'Marketing',
  orgUnitId: t1,
})
const rep = await newPerson(app, db, a, { email: 'rep@c.test', role: 'Sales rep', orgUnitId: t1 })
/** A person holding one custom role: the company's leads, and customers with these field rules. */
async function converter(email: string, fields: Record<string, string>) {
  const roleId = await addRole(db, a.companyId, email, {
    grants: [
      { actions: ['lead.view', 'lead.edit'], scope: 'company' },
      { actions: ['customer.view', 'orgUnit.view', 'user.view', 'project.view'], scope: 'company' },
      { actions: ['customer.create'], scope: 'company', fields },
    ],
  })
  const res = await asA('POST', '/api/v1/users', {
    email,
    name: email.split('@')[0],
    password: strongPassword,
    orgUnitId: t1,
    roleIds: [roleId],
  })
  if (res.statusCode !== 201) throw new Error(`user: ${res.statusCode} ${res.body}`)
  return call((await logIn(app, { company: a.slug, email })).json().token as string)
}

async function lead(as: typeof asA, body: Record<string, unknown>) {
  const res = await as('POST', '/api/v1/leads', body)
  if (res.statusCode !== 201) throw new Error(`lead: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const rows = async (table: 'customers' | 'opportunities') =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )
const customers = () => rows('customers')
const opportunities = () => rows('opportunities')

describe('lead conversion', () => {
  it('makes a customer and an opportunity from the lead, marks it converted, audited', async () => {
    const id = await lead(asA, {
      name: 'Zhang San',
      phone: '+86 138 0013 8000',
      email: 'zs@example.com',
      orgUnitId: t1,
    })
    const res = await asA('POST', `/api/v1/leads/${id}/convert`, {
      opportunity: { name: 'First order', amount: 500 },
    })
    expect(res.statusCode).toBe(201)
    const out = res.json() as {
      lead: { status: string }
      customerId: string
      opportunityId: string
      omitted: string[]
    }
    expect(out.lead.status).toBe('converted')
    expect(out.omitted).toEqual([])
    const customer = (await asA('GET', `/api/v1/customers/${out.customerId}`)).json()
    expect(customer).toMatchObject({ name: 'Zhang San', phone: '+8613800138000', orgUnitId: t1 })
    const opp = (await asA('GET', `/api/v1/opportunities/${out.opportunityId}`)).json()
    expect(opp).toMatchObject({ name: 'First order', amount: 500, customerId: out.customerId })
    const actions = (await auditActions(db, a.companyId)).map((e) => e.action)
    expect(actions).toEqual(
      expect.arrayContaining(['lead.updated', 'customer.created', 'opportunity.created']),
    )
    const before = await customers()
    problem(await asA('POST', `/api/v1/leads/${id}/convert`, {}), 409, 'conflict')
    expect(await customers()).toBe(before)
  })

  it('of two conversions at once, one is 201 and the other 409, one customer made', async () => {
    const id = await lead(asA, { name: 'Race lead', orgUnitId: t1 })
    const before = await customers()
    const answers = await Promise.all([
      asA('POST', `/api/v1/leads/${id}/convert`, {}),
      asA('POST', `/api/v1/leads/${id}/convert`, {}),
    ])
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409])
    expect(await customers()).toBe(before + 1)
  })

  it('is 403 to a converter who may not create customers, nothing written', async () => {
    const id = await lead(asA, { name: 'Marketing lead', orgUnitId: t1 })
    const [c, o] = [await customers(), await opportunities()]
    problem(await marketing.as('POST', `/api/v1/leads/${id}/convert`, {}), 403, 'forbidden')
    expect([await customers(), await opportunities()]).toEqual([c, o])
    expect((await asA('GET', `/api/v1/leads/${id}`)).json().status).toBe('new')
  })

  it('leaves off the customer a phone or email the converter may not set, and names them', async () => {
    const asReader = await converter('contact-reader@c.test', { phone: 'read', email: 'masked' })
    const id = await lead(asA, {
      name: 'Li Lei',
      phone: '+86 138 0013 8001',
      email: 'll@example.com',
      orgUnitId: t1,
    })
    const res = await asReader('POST', `/api/v1/leads/${id}/convert`, {})
    expect(res.statusCode).toBe(201)
    const out = res.json() as { customerId: string; omitted: string[] }
    expect(out.omitted.sort()).toEqual(['email', 'phone'])
    const customer = (await asA('GET', `/api/v1/customers/${out.customerId}`)).json()
    expect(customer).toMatchObject({ name: 'Li Lei', phone: null, email: null, orgUnitId: t1 })
    // the lead keeps its contact data
    expect((await asA('GET', `/api/v1/leads/${id}`)).json()).toMatchObject({
      status: 'converted',
      email: 'll@example.com',
    })
    // only what the lead has is named: a lead without an email leaves off its phone alone
    const phoneOnly = await lead(asA, { name: 'Han Meimei', phone: '+8613800138002' })
    const again = await asReader('POST', `/api/v1/leads/${phoneOnly}/convert`, {})
    expect(again.statusCode).toBe(201)
    expect(again.json().omitted).toEqual(['phone'])
  })

  it('is 403 when the converter may not set the name or the owner, nothing written', async () => {
    const noName = await converter('no-name@c.test', { name: 'read' })
    const noOwner = await converter('no-owner@c.test', { ownerId: 'read' })
    for (const [as, body] of [
      [noName, { name: 'Name locked', orgUnitId: t1 }],
      [noOwner, { name: 'Owner locked', orgUnitId: t1, ownerId: rep.id }],
    ] as const) {
      const id = await lead(asA, body)
      const [c, o] = [await customers(), await opportunities()]
      problem(await as('POST', `/api/v1/leads/${id}/convert`, {}), 403, 'forbidden')
      expect([await customers(), await opportunities()]).toEqual([c, o])
      expect((await asA('GET', `/api/v1/leads/${id}`)).json().status).toBe('new')
    }
  })

  it('is 404 for a lead the caller may not see and for another company’s lead', async () => {
    const other = await lead(asA, { name: 'Not mine', orgUnitId: t2, ownerId: null })
    problem(await rep.as('POST', `/api/v1/leads/${other}/convert`, {}), 404, 'not_found')
    const theirs = await lead(asB, { name: 'Theirs' })
    problem(await asA('POST', `/api/v1/leads/${theirs}/convert`, {}), 404, 'not_found')
    expect((await asB('GET', `/api/v1/leads/${theirs}`)).json().status).toBe('new')
  })

  it('answers bad input with 400 and writes nothing', async () => {
    const id = await lead(asA, { name: 'Bad input lead', orgUnitId: t1 })
    const [c, o] = [await customers(), await opportunities()]
    for (const body of [
      { opportunity: { name: '', amount: 1 } },
      { opportunity: { name: 'x', amount: -1 } },
      { opportunity: { name: 'x', amount: 1.234 } },
      { opportunity: { name: 'a\u0000b', amount: 1 } },
      { other: true },
    ]) {
      problem(await asA('POST', `/api/v1/leads/${id}/convert`, body), 400, 'validation_failed')
    }
    expect([await customers(), await opportunities()]).toEqual([c, o])
    expect((await asA('GET', `/api/v1/leads/${id}`)).json().status).toBe('new')
  })
})

describe.skipIf(!onPostgres)('lead conversion on two server processes (PostgreSQL)', () => {
  let one: Server
  let two: Server
  let stop = async () => {}
  let admin = ''
  beforeAll(async () => {
    ;({ a: one, b: two, stop } = await startTwoServers())
    const signup = await send(one, 'POST', '/api/v1/signup', {
      companyName: 'Convert Twice',
      name: 'Ada',
      email: 'ada@convert.test',
      password: strongPassword,
    })
    expect(signup.status).toBe(201)
    admin = signup.json['token'] as string
  }, 180_000) // two servers starting (tsx compiles src/) on a shared, busy machine
  afterAll(() => stop(), 60_000)

  const count = async (what: 'customers' | 'opportunities') =>
    (await send(two, 'GET', `/api/v1/${what}/count`, undefined, admin)).json['count']

  it('of two conversions of a lead at once, one on each server, one is 201 and the other 409', async () => {
    for (let i = 0; i < 8; i++) {
      const made = await send(one, 'POST', '/api/v1/leads', { name: `Race ${i}` }, admin)
      expect(made.status).toBe(201)
      const id = made.json['id'] as string
      const [before, opps] = [await count('customers'), await count('opportunities')]
      const body = { opportunity: { name: `Deal ${i}`, amount: 100 } }
      const answers = await Promise.all(
        (i % 2 === 0 ? [one, two] : [two, one]).map((s) =>
          send(s, 'POST', `/api/v1/leads/${id}/convert`, body, admin),
        ),
      )
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409])
      expect([await count('customers'), await count('opportunities')]).toEqual([
        (before as number) + 1,
        (opps as number) + 1,
      ])
      const lead = await send(one, 'GET', `/api/v1/leads/${id}`, undefined, admin)
      const won = answers.find((r) => r.status === 201)?.json as { customerId: string }
      expect(lead.json).toMatchObject({ status: 'converted' })
      const customer = await send(
        two,
        'GET',
        `/api/v1/customers/${won.customerId}`,
        undefined,
        admin,
      )
      expect(customer.json).toMatchObject({ name: `Race ${i}` })
    }
  }, 120_000)
})
