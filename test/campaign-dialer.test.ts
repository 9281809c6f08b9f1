/**
 * Issue 10 (protected workspace), item 2: a campaign's contact list and the dialer run that calls
 * it through the telephony simulator, obeying the rules of a manual dial (number pools, the
 * blacklist, line limits counted in the database); contacts refused are reported one by one with
 * the reason. Only members of the campaign's project run it (P10). Another company's campaign and
 * customers 404, bad input 400 with nothing written.
 */
import { describe, expect, it } from 'vitest'
import { builtinRoleId, caller } from './fixtures.js'
import { auditActions, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Dialer A' })
const b = await signUp(app, { companyName: 'Dialer B' })
const asA = call(a.token)
const asB = call(b.token)

type Res = { statusCode: number; body: string; json(): any } // eslint-disable-line @typescript-eslint/no-explicit-any
function must(res: Res, status = 201) {
  if (res.statusCode !== status)
    throw new Error(`expected ${status}: ${res.statusCode} ${res.body}`)
  return (res.body === '' ? {} : res.json()) as Record<string, any> & { id: string } // eslint-disable-line @typescript-eslint/no-explicit-any
}

const team = must(await asA('POST', '/api/v1/org-units', { kind: 'team', name: 'Sales' })).id
const apollo = must(await asA('POST', '/api/v1/projects', { name: 'Apollo' })).id

async function person(email: string, role: string) {
  const roleId = await builtinRoleId(db, a.companyId, role)
  const id = must(
    await asA('POST', '/api/v1/users', {
      email,
      name: email.split('@')[0],
      password: strongPassword,
      orgUnitId: team,
      roleIds: [roleId],
    }),
  ).id
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id, as: call(token) }
}
const tess = await person('tess@a.test', 'Telesales agent')
const outsider = await person('otto@a.test', 'Telesales agent')
const mia = await person('mia@a.test', 'Marketing')
const sam = await person('sam@a.test', 'Senior agent')
for (const who of [tess, mia]) {
  must(await asA('PUT', `/api/v1/projects/${apollo}/members/${who.id}`), 204)
}

// the project's pool holds the numbers Tess may dial; one of them is blacklisted
const pool = must(await asA('POST', '/api/v1/number-pools', { name: 'Apollo', projectId: apollo }))
const numbers = Array.from({ length: 8 }, (_, i) => `+86139000000${10 + i}`)
for (const phone of numbers) {
  must(await asA('POST', `/api/v1/number-pools/${pool.id}/numbers`, { phone }))
}
must(await asA('POST', '/api/v1/blacklist', { phone: numbers[7], reason: 'asked not to' }))

const customer = async (name: string, phone: string | null, ownerId = tess.id) =>
  must(await asA('POST', '/api/v1/customers', { name, phone, ownerId, orgUnitId: team })).id
const callable = [] as string[]
for (let i = 0; i < 6; i += 1) callable.push(await customer(`C${i}`, numbers[i]!))
const noPhone = await customer('No phone', null)
const blacklisted = await customer('Blacklisted', numbers[7]!)
const notInPool = await customer('Elsewhere', '+8613700000001')
const samsCustomer = await customer('Not Tess’s', numbers[6]!, sam.id)
const bCustomer = must(await asB('POST', '/api/v1/customers', { name: 'B' })).id

const dialer = must(await asA('POST', '/api/v1/dialers', { projectId: apollo, name: 'Apollo' })).id
// the Admin names the dialer (marketing does not see dialers); Mia owns and runs the campaign
const campaign = must(
  await asA('POST', '/api/v1/campaigns', {
    projectId: apollo,
    name: 'Spring',
    dialerId: dialer,
    ownerId: mia.id,
  }),
).id
const bProject = must(await asB('POST', '/api/v1/projects', { name: 'B' })).id
const bCampaign = must(
  await asB('POST', '/api/v1/campaigns', { projectId: bProject, name: 'B' }),
).id

async function contactRows() {
  const row = await db
    .selectFrom('campaign_contacts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', a.companyId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
const contacts = async (as = mia.as) =>
  must(await as('GET', `/api/v1/campaigns/${campaign}/contacts`), 200).items as {
    customerId: string
    status: string
    reason: string | null
    callId: string | null
  }[]

describe('the contact list', () => {
  it('bad input is 400 and adds nothing (an empty list, a NUL byte, an unknown field)', async () => {
    for (const body of [
      { customerIds: [] },
      { customerIds: ['a\u0000b'] },
      { customerIds: [callable[0]], extra: 1 },
      { customerIds: 'x' },
    ]) {
      problem(
        await mia.as('POST', `/api/v1/campaigns/${campaign}/contacts`, body),
        400,
        'validation_failed',
      )
    }
    problem(
      await mia.as('GET', `/api/v1/campaigns/${campaign}/contacts?status=nope`),
      400,
      'validation_failed',
    )
    expect(await contactRows()).toBe(0)
  })

  it('a customer the writer may not see, or of another company, is 404 and nothing is added', async () => {
    const res = await mia.as('POST', `/api/v1/campaigns/${campaign}/contacts`, {
      customerIds: [callable[0], bCustomer],
    })
    expect(problem(res, 404, 'not_found').errors).toEqual([
      expect.objectContaining({ path: 'body/customerIds/1' }),
    ])
    expect(await contactRows()).toBe(0)
  })

  it('marketing (campaign.edit on its project) adds customers; a repeat is not added twice', async () => {
    const all = [...callable, noPhone, blacklisted, notInPool, samsCustomer]
    const res = must(
      await mia.as('POST', `/api/v1/campaigns/${campaign}/contacts`, { customerIds: all }),
      200,
    )
    expect(res.added).toBe(all.length)
    const again = must(
      await mia.as('POST', `/api/v1/campaigns/${campaign}/contacts`, {
        customerIds: [callable[0], callable[0]],
      }),
      200,
    )
    expect(again.added).toBe(0)
    const list = await contacts()
    expect(list.map((c) => c.customerId).sort()).toEqual([...all].sort())
    expect(list.every((c) => c.status === 'pending')).toBe(true)
    const events = await auditActions(db, a.companyId)
    expect(events.filter((e) => e.action === 'campaign.contacts_added')).toHaveLength(2)
  })

  it('the telesales agent reads the list but may not change it (403); others get 404', async () => {
    expect(await contacts(tess.as)).toHaveLength(10)
    problem(
      await tess.as('POST', `/api/v1/campaigns/${campaign}/contacts`, { customerIds: [noPhone] }),
      403,
      'forbidden',
    )
    problem(await outsider.as('GET', `/api/v1/campaigns/${campaign}/contacts`), 404, 'not_found')
    problem(await sam.as('GET', `/api/v1/campaigns/${campaign}/contacts`), 404, 'not_found')
    problem(
      await outsider.as('DELETE', `/api/v1/campaigns/${campaign}/contacts/${noPhone}`),
      404,
      'not_found',
    )
  })

  it("another company's campaign is 404 on every contact route", async () => {
    for (const [method, url, body] of [
      ['GET', `/api/v1/campaigns/${bCampaign}/contacts`, undefined],
      ['POST', `/api/v1/campaigns/${bCampaign}/contacts`, { customerIds: [callable[0]] }],
      ['DELETE', `/api/v1/campaigns/${bCampaign}/contacts/${callable[0]}`, undefined],
      ['POST', `/api/v1/campaigns/${bCampaign}/dial`, {}],
    ] as const) {
      problem(await asA(method, url, body), 404, 'not_found')
    }
    problem(await asB('GET', `/api/v1/campaigns/${campaign}/contacts`), 404, 'not_found')
  })

  it('removes a contact (audited); one not on the list is 404', async () => {
    const spare = await customer('Spare', numbers[0]!)
    must(
      await mia.as('POST', `/api/v1/campaigns/${campaign}/contacts`, { customerIds: [spare] }),
      200,
    )
    must(await mia.as('DELETE', `/api/v1/campaigns/${campaign}/contacts/${spare}`), 204)
    problem(
      await mia.as('DELETE', `/api/v1/campaigns/${campaign}/contacts/${spare}`),
      404,
      'not_found',
    )
    const events = await auditActions(db, a.companyId)
    expect(events.some((e) => e.action === 'campaign.contact_removed')).toBe(true)
  })
})

describe('the dialer run', () => {
  it('needs a running campaign and a running dialer (409), placing nothing', async () => {
    problem(await tess.as('POST', `/api/v1/campaigns/${campaign}/dial`, {}), 409, 'conflict')
    must(await mia.as('POST', `/api/v1/campaigns/${campaign}/launch`), 200)
    problem(await tess.as('POST', `/api/v1/campaigns/${campaign}/dial`, {}), 409, 'conflict')
    must(await tess.as('POST', `/api/v1/dialers/${dialer}/start`), 200)
    expect(must(await tess.as('GET', '/api/v1/calls'), 200).items).toEqual([])
  })

  it('only a project member holding dialer.start runs it; bad input 400', async () => {
    problem(await outsider.as('POST', `/api/v1/campaigns/${campaign}/dial`, {}), 404, 'not_found')
    problem(await sam.as('POST', `/api/v1/campaigns/${campaign}/dial`, {}), 404, 'not_found')
    // marketing sees the campaign but does not run dialers
    problem(await mia.as('POST', `/api/v1/campaigns/${campaign}/dial`, {}), 403, 'forbidden')
    // the Admin may start any dialer, but is not a member of the project
    problem(await asA('POST', `/api/v1/campaigns/${campaign}/dial`, {}), 403, 'forbidden')
    problem(
      await tess.as('POST', `/api/v1/campaigns/${campaign}/dial`, { limit: 0 }),
      400,
      'validation_failed',
    )
    problem(
      await tess.as('POST', `/api/v1/campaigns/${campaign}/dial`, { limit: '1\u0000' }),
      400,
      'validation_failed',
    )
    expect((await contacts()).every((c) => c.status === 'pending')).toBe(true)
  })

  it('places calls as a manual dial would, reporting each skipped contact with its reason', async () => {
    const run = must(await tess.as('POST', `/api/v1/campaigns/${campaign}/dial`, {}), 200)
    // five lines: five of the six callable customers are called, the sixth waits for a line
    expect(run.placed).toHaveLength(5)
    const reasons = Object.fromEntries(
      (run.skipped as { customerId: string; reason: string }[]).map((s) => [
        s.customerId,
        s.reason,
      ]),
    )
    expect(reasons[noPhone]).toBe('no_phone')
    expect(reasons[blacklisted]).toBe('number_blacklisted')
    expect(reasons[notInPool]).toBe('number_not_in_pool')
    expect(reasons[samsCustomer]).toBe('customer_not_found')
    const waiting = callable.filter((c) => !run.placed.some((p: any) => p.customerId === c)) // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(waiting).toHaveLength(1)
    expect(reasons[waiting[0]!]).toBe('line_limit_reached')

    // the calls are Tess's, ringing, in her call log
    const log = must(await tess.as('GET', '/api/v1/calls'), 200).items as {
      id: string
      status: string
      agentId: string
    }[]
    expect(log.map((c) => c.id).sort()).toEqual(run.placed.map((p: any) => p.callId).sort()) // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(log.every((c) => c.status === 'ringing' && c.agentId === tess.id)).toBe(true)

    const list = await contacts()
    const byId = new Map(list.map((c) => [c.customerId, c]))
    expect(byId.get(noPhone)).toMatchObject({ status: 'skipped', reason: 'no_phone' })
    expect(byId.get(waiting[0]!)).toMatchObject({ status: 'pending', reason: null })
    for (const placed of run.placed as { customerId: string; callId: string }[]) {
      expect(byId.get(placed.customerId)).toMatchObject({
        status: 'called',
        reason: null,
        callId: placed.callId,
      })
    }
    const events = await auditActions(db, a.companyId)
    expect(events.filter((e) => e.action === 'call.dialed')).toHaveLength(5)
    expect(events.find((e) => e.action === 'campaign.dialed')?.after).toMatchObject({
      placed: 5,
      skipped: 5,
    })

    // a line freed, the next run calls the contact that waited, and nobody twice
    must(await tess.as('POST', `/api/v1/calls/${log[0]!.id}/hangup`), 200)
    const next = must(await tess.as('POST', `/api/v1/campaigns/${campaign}/dial`, {}), 200)
    expect(next).toEqual({
      placed: [expect.objectContaining({ customerId: waiting[0] })],
      skipped: [],
    })
  })
})
