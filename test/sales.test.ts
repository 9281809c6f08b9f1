/**
 * Sales (issue 10, item 4, [002]) through HTTP: marketing creates leads and assigns them to sales
 * reps, who then own them; reps see their team's opportunities (other teams' are 404) and their
 * own quotes and contracts; quotes are hidden from service; a quote or contract is approved by
 * someone other than its owner or writer, once (two approvals at once: one 200, one 409); amounts
 * are confidential (hidden or masked where a role says so); another company's records and
 * references are 404; bad input is 400 writing nothing. PGlite by default, PostgreSQL when
 * TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { addRole, caller, giveRole, newPerson, newTeam } from './fixtures.js'
import { auditActions, createTestApp, problem, signUp } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Sales A' })
const b = await signUp(app, { companyName: 'Sales B' })
const asA = call(a.token)
const asB = call(b.token)

const t1 = await newTeam(asA, 'Sales one')
const t2 = await newTeam(asA, 'Sales two')
const person = (email: string, role: string, orgUnitId: string | null = t1) =>
  newPerson(app, db, a, { email, role, orgUnitId })
const rita = await person('rita@sales.test', 'Sales rep')
const rob = await person('rob@sales.test', 'Sales rep')
const tom = await person('tom@sales.test', 'Sales rep', t2)
const mia = await person('mia@sales.test', 'Marketing', null)
const sam = await person('sam@sales.test', 'After-sales agent')
const sue = await person('sue@sales.test', 'Supervisor', null)
const bTeam = await newTeam(asB, 'Their team')
const bea = await newPerson(app, db, b, {
  email: 'bea@sales.test',
  role: 'Sales rep',
  orgUnitId: bTeam,
})

type Json = Record<string, unknown> & { id: string }
type As = typeof asA

async function created(as: As, url: string, body: Record<string, unknown>): Promise<Json> {
  const res = await as('POST', url, body)
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
  return res.json() as Json
}
const ids = (res: { json: () => { items: Json[] } }) =>
  res
    .json()
    .items.map((x) => x.id)
    .sort()
const count = async (as: As, url: string) => (await as('GET', `${url}/count`)).json().count
const tableRows = (table: 'leads' | 'opportunities' | 'quotes' | 'contracts') =>
  db.selectFrom(table).selectAll().where('company_id', '=', a.companyId).orderBy('id').execute()

/** The table and the audit log, to prove a refused write wrote nothing. */
async function snapshot() {
  return {
    leads: await tableRows('leads'),
    opportunities: await tableRows('opportunities'),
    quotes: await tableRows('quotes'),
    contracts: await tableRows('contracts'),
    audit: (await auditActions(db, a.companyId)).length,
  }
}

const ritaDeal = await created(rita.as, '/api/v1/opportunities', {
  name: 'Rita big deal',
  amount: 120000.5,
})
const tomDeal = await created(tom.as, '/api/v1/opportunities', { name: 'Tom deal', amount: 900 })
const theirDeal = await created(bea.as, '/api/v1/opportunities', { name: 'B deal', amount: 1 })
const ritaQuote = await created(rita.as, '/api/v1/quotes', {
  name: 'Rita quote',
  amount: 110000,
  opportunityId: ritaDeal.id,
})

describe('opportunities: the team sees them, the owner changes them, other teams never', () => {
  it('a rep’s opportunity is hers and her team’s by default', () => {
    expect(ritaDeal).toMatchObject({
      name: 'Rita big deal',
      stage: 'prospecting',
      amount: 120000.5,
      ownerId: rita.id,
      orgUnitId: t1,
      createdBy: rita.id,
    })
  })

  it('a teammate sees it but may not change it; another team’s rep gets 404', async () => {
    const seen = await rob.as('GET', `/api/v1/opportunities/${ritaDeal.id}`)
    expect(seen.statusCode).toBe(200)
    expect(seen.json().amount).toBe(120000.5)
    problem(
      await rob.as('PATCH', `/api/v1/opportunities/${ritaDeal.id}`, { stage: 'won' }),
      403,
      'forbidden',
    )
    problem(await tom.as('GET', `/api/v1/opportunities/${ritaDeal.id}`), 404, 'not_found')
    problem(
      await tom.as('PATCH', `/api/v1/opportunities/${ritaDeal.id}`, { stage: 'won' }),
      404,
      'not_found',
    )
    expect(ids(await rob.as('GET', '/api/v1/opportunities'))).toEqual([ritaDeal.id].sort())
    expect(ids(await tom.as('GET', '/api/v1/opportunities'))).toEqual([tomDeal.id])
    expect(await count(tom.as, '/api/v1/opportunities')).toBe(1)
    expect(await count(rob.as, '/api/v1/opportunities')).toBe(1)
  })

  it('the owner changes it; handing it to another team’s rep is a delegation (403)', async () => {
    const res = await rita.as('PATCH', `/api/v1/opportunities/${ritaDeal.id}`, {
      stage: 'proposal',
    })
    expect(res.statusCode).toBe(200)
    expect(res.json().stage).toBe('proposal')
    // her edit right reaches her own opportunities only: Tom's would be out of it
    const away = await rita.as('PATCH', `/api/v1/opportunities/${ritaDeal.id}`, { ownerId: tom.id })
    expect(problem(away, 403, 'forbidden').errors).toEqual([
      expect.objectContaining({ path: 'body/ownerId' }),
    ])
    expect((await tableRows('opportunities')).find((r) => r.id === ritaDeal.id)?.owner_id).toBe(
      rita.id,
    )
  })

  it('another company’s opportunity is 404 everywhere, as a reference too', async () => {
    problem(await asA('GET', `/api/v1/opportunities/${theirDeal.id}`), 404, 'not_found')
    problem(
      await asA('PATCH', `/api/v1/opportunities/${theirDeal.id}`, { name: 'mine' }),
      404,
      'not_found',
    )
    problem(await asA('DELETE', `/api/v1/opportunities/${theirDeal.id}`), 404, 'not_found')
    problem(await asB('GET', `/api/v1/opportunities/${ritaDeal.id}`), 404, 'not_found')
    const body = problem(
      await asA('POST', '/api/v1/quotes', { name: 'x', amount: 1, opportunityId: theirDeal.id }),
      404,
      'not_found',
    )
    expect(body.errors).toEqual([{ path: 'body/opportunityId', message: 'no such opportunity' }])
  })

  it('a customer named must be one the caller may view', async () => {
    const cust = await created(asB, '/api/v1/customers', { name: 'Their customer' })
    const res = await asA('POST', '/api/v1/opportunities', {
      name: 'x',
      amount: 1,
      customerId: cust.id,
    })
    expect(problem(res, 404, 'not_found').errors).toEqual([
      { path: 'body/customerId', message: 'no such customer' },
    ])
  })

  it('an opportunity a quote names is not deleted (409), its row stays', async () => {
    problem(await asA('DELETE', `/api/v1/opportunities/${ritaDeal.id}`), 409, 'conflict')
    expect((await tableRows('opportunities')).some((r) => r.id === ritaDeal.id)).toBe(true)
  })
})

describe('quotes: own, referenced visibly, hidden from service', () => {
  it('the rep’s quote is a draft of hers; her teammate does not know it (own scope)', async () => {
    expect(ritaQuote).toMatchObject({
      status: 'draft',
      ownerId: rita.id,
      opportunityId: ritaDeal.id,
      amount: 110000,
      approvedBy: null,
    })
    problem(await rob.as('GET', `/api/v1/quotes/${ritaQuote.id}`), 404, 'not_found')
    expect(ids(await rob.as('GET', '/api/v1/quotes'))).toEqual([])
  })

  it('a quote on an opportunity the rep may not see is 404 on the reference, nothing written', async () => {
    const before = await snapshot()
    const res = await rita.as('POST', '/api/v1/quotes', {
      name: 'On Tom’s deal',
      amount: 5,
      opportunityId: tomDeal.id,
    })
    expect(problem(res, 404, 'not_found').errors).toEqual([
      { path: 'body/opportunityId', message: 'no such opportunity' },
    ])
    expect(await snapshot()).toEqual(before)
  })

  it('a service agent (After-sales preset) is never told a quote exists', async () => {
    problem(await sam.as('GET', `/api/v1/quotes/${ritaQuote.id}`), 404, 'not_found')
    const list = await sam.as('GET', '/api/v1/quotes')
    expect(list.statusCode).toBe(200)
    expect(list.json()).toEqual({ items: [], nextCursor: null })
    expect(await count(sam.as, '/api/v1/quotes')).toBe(0)
    expect((await sam.as('GET', '/api/v1/quotes?q=Rita')).json().items).toEqual([])
    const before = await snapshot()
    problem(
      await sam.as('POST', '/api/v1/quotes', { name: 'x', amount: 1, opportunityId: ritaDeal.id }),
      404,
      'not_found',
    )
    problem(
      await sam.as('PATCH', `/api/v1/quotes/${ritaQuote.id}`, { amount: 1 }),
      404,
      'not_found',
    )
    problem(await sam.as('POST', `/api/v1/quotes/${ritaQuote.id}/approve`), 404, 'not_found')
    problem(await sam.as('DELETE', `/api/v1/quotes/${ritaQuote.id}`), 404, 'not_found')
    expect(await snapshot()).toEqual(before)
  })

  it('marketing holds no quote right either', async () => {
    problem(await mia.as('GET', `/api/v1/quotes/${ritaQuote.id}`), 404, 'not_found')
    expect(await count(mia.as, '/api/v1/quotes')).toBe(0)
  })
})

describe('amounts are confidential: field projection applies', () => {
  it('hidden where a role hides it, masked where a role masks it', async () => {
    const hide = await addRole(db, a.companyId, 'Deal counter', {
      grants: [{ actions: ['opportunity.view'], scope: 'company', fields: { amount: 'hidden' } }],
    })
    const mask = await addRole(db, a.companyId, 'Quote glancer', {
      grants: [{ actions: ['quote.view'], scope: 'company', fields: { amount: 'masked' } }],
    })
    const hal = await person('hal@sales.test', 'Novice agent', t2)
    await giveRole(db, a.companyId, hal.id, hide)
    await giveRole(db, a.companyId, hal.id, mask)
    const deal = (await hal.as('GET', `/api/v1/opportunities/${ritaDeal.id}`)).json()
    expect(deal.name).toBe('Rita big deal')
    expect(deal).not.toHaveProperty('amount')
    const quote = (await hal.as('GET', `/api/v1/quotes/${ritaQuote.id}`)).json()
    expect(quote.maskedFields).toEqual(['amount'])
    expect(quote.amount).not.toBe(110000)
    expect(String(quote.amount)).not.toContain('110000')
  })
})

describe('leads: marketing assigns, the rep then owns', () => {
  it('marketing creates a lead, assigns it to a rep, who then sees it as owner; audited', async () => {
    const lead = await created(mia.as, '/api/v1/leads', {
      name: 'Zhou Min',
      phone: '+86 138-1234-5678',
      email: ' Zhou@Example.COM ',
      source: 'trade fair',
    })
    expect(lead).toMatchObject({
      phone: '+8613812345678',
      email: 'zhou@example.com',
      status: 'new',
      ownerId: mia.id,
    })
    problem(await rita.as('GET', `/api/v1/leads/${lead.id}`), 404, 'not_found')
    const res = await mia.as('POST', `/api/v1/leads/${lead.id}/assign`, { ownerId: rita.id })
    expect(res.statusCode).toBe(200)
    expect(res.json().ownerId).toBe(rita.id)
    const mine = await rita.as('GET', `/api/v1/leads/${lead.id}`)
    expect(mine.statusCode).toBe(200)
    expect(mine.json()).toMatchObject({ ownerId: rita.id, phone: '+8613812345678' })
    expect(ids(await rita.as('GET', '/api/v1/leads'))).toContain(lead.id)
    const event = (await auditActions(db, a.companyId)).findLast(
      (e) => e.action === 'lead.updated' && e.target_id === lead.id,
    )
    expect(event?.actor_user_id).toBe(mia.id)
    expect(event?.after).toMatchObject({ ownerId: rita.id })
    const before = await db
      .selectFrom('audit_events')
      .select('before')
      .where('company_id', '=', a.companyId)
      .where('action', '=', 'lead.updated')
      .where('target_id', '=', lead.id)
      .executeTakeFirstOrThrow()
    expect(before.before).toMatchObject({ ownerId: mia.id })
    // the rep works it (lead.edit, own) but does not hand it on (no lead.assign)
    const work = await rita.as('PATCH', `/api/v1/leads/${lead.id}`, { status: 'contacted' })
    expect(work.json().status).toBe('contacted')
    problem(
      await rita.as('POST', `/api/v1/leads/${lead.id}/assign`, { ownerId: rob.id }),
      403,
      'forbidden',
    )
  })

  it('assigning to another company’s person, or to nobody known, is 404 and changes nothing', async () => {
    const lead = await created(mia.as, '/api/v1/leads', { name: 'Qian Li' })
    const before = await snapshot()
    for (const ownerId of [bea.id, b.userId, 'no-such-user']) {
      const res = await mia.as('POST', `/api/v1/leads/${lead.id}/assign`, { ownerId })
      expect(problem(res, 404, 'not_found').errors).toEqual([
        expect.objectContaining({ path: 'body/ownerId' }),
      ])
    }
    expect(await snapshot()).toEqual(before)
    // and another company's lead is 404 to the assigner
    const theirs = await created(asB, '/api/v1/leads', { name: 'Their lead' })
    problem(
      await mia.as('POST', `/api/v1/leads/${theirs.id}/assign`, { ownerId: rita.id }),
      404,
      'not_found',
    )
  })

  it('an assigner whose reach is their own leads cannot give one away (a delegation)', async () => {
    const role = await addRole(db, a.companyId, 'Own lead keeper', {
      grants: [
        { actions: ['lead.view', 'lead.create', 'lead.assign'], scope: 'own' },
        { actions: ['user.view'], scope: 'company' },
      ],
    })
    const kit = await person('kit@sales.test', 'Novice agent')
    await giveRole(db, a.companyId, kit.id, role)
    const lead = await created(kit.as, '/api/v1/leads', { name: 'Kept lead' })
    const before = await snapshot()
    const res = await kit.as('POST', `/api/v1/leads/${lead.id}/assign`, { ownerId: rob.id })
    expect(problem(res, 403, 'forbidden').errors).toEqual([
      expect.objectContaining({ path: 'body/ownerId' }),
    ])
    expect(await snapshot()).toEqual(before)
  })

  it('phone and email are masked where a role says masked, by the catalog masks', async () => {
    const role = await addRole(db, a.companyId, 'Lead viewer, masked', {
      grants: [
        {
          actions: ['lead.view'],
          scope: 'company',
          fields: { phone: 'masked', email: 'masked' },
        },
      ],
    })
    const val = await person('val@sales.test', 'Novice agent')
    await giveRole(db, a.companyId, val.id, role)
    const lead = await created(mia.as, '/api/v1/leads', {
      name: 'Masked lead',
      phone: '+8613912345678',
      email: 'masked@example.com',
    })
    const seen = (await val.as('GET', `/api/v1/leads/${lead.id}`)).json()
    expect(seen.phone).toBe('+86*******5678')
    expect(seen.email).toMatch(/^m\*+$/)
    expect(seen.maskedFields.sort()).toEqual(['email', 'phone'])
    // a search never finds a lead through a value the caller reads masked
    expect(ids(await val.as('GET', '/api/v1/leads?q=masked%40example'))).toEqual([])
    expect(ids(await val.as('GET', '/api/v1/leads?q=Masked'))).toContain(lead.id)
  })

  it('lists page by cursor and search by name', async () => {
    for (const name of ['Page one', 'Page two', 'Page three']) {
      await created(mia.as, '/api/v1/leads', { name })
    }
    const first = await mia.as('GET', '/api/v1/leads?q=page&limit=2')
    expect(first.json().items).toHaveLength(2)
    const next = first.json().nextCursor as string
    expect(next).toEqual(expect.any(String))
    const second = await mia.as('GET', `/api/v1/leads?q=page&limit=2&cursor=${next}`)
    expect(second.json().items).toHaveLength(1)
    expect(second.json().nextCursor).toBeNull()
    expect(await count(mia.as, '/api/v1/leads')).toBeGreaterThan(3)
    expect((await mia.as('GET', '/api/v1/leads/count?q=page')).json().count).toBe(3)
  })
})

describe('approval: four eyes, once', () => {
  it('nobody approves a quote they own or wrote (403 own_request)', async () => {
    const adminQuote = await created(asA, '/api/v1/quotes', {
      name: 'Admin quote',
      amount: 10,
      opportunityId: ritaDeal.id,
    })
    problem(await asA('POST', `/api/v1/quotes/${adminQuote.id}/approve`), 403, 'own_request')
    // a rep given quote.approve still cannot approve her own
    const role = await addRole(db, a.companyId, 'Quote approver', {
      grants: [{ actions: ['quote.view', 'quote.approve'], scope: 'company' }],
    })
    await giveRole(db, a.companyId, rob.id, role)
    const robQuote = await created(rob.as, '/api/v1/quotes', {
      name: 'Rob quote',
      amount: 20,
      opportunityId: ritaDeal.id,
    })
    const before = await snapshot()
    problem(await rob.as('POST', `/api/v1/quotes/${robQuote.id}/approve`), 403, 'own_request')
    expect(await snapshot()).toEqual(before)
    // a rep without quote.approve who may see the quote: 403
    problem(await rita.as('POST', `/api/v1/quotes/${ritaQuote.id}/approve`), 403, 'forbidden')
  })

  it('someone else approves a draft once; an approved quote does not change', async () => {
    const q = await created(rita.as, '/api/v1/quotes', {
      name: 'To approve',
      amount: 30,
      opportunityId: ritaDeal.id,
    })
    const res = await sue.as('POST', `/api/v1/quotes/${q.id}/approve`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'approved', approvedBy: sue.id })
    expect(res.json().approvedAt).toEqual(expect.any(String))
    problem(await sue.as('POST', `/api/v1/quotes/${q.id}/approve`), 409, 'conflict')
    problem(await rita.as('PATCH', `/api/v1/quotes/${q.id}`, { amount: 1 }), 409, 'conflict')
    const events = (await auditActions(db, a.companyId)).filter((e) => e.target_id === q.id)
    expect(events.map((e) => e.action)).toEqual(['quote.created', 'quote.updated'])
  })

  it('contracts: from a visible quote or opportunity, approved by someone else', async () => {
    const c = await created(rita.as, '/api/v1/contracts', {
      name: 'Rita contract',
      amount: 110000,
      quoteId: ritaQuote.id,
      opportunityId: ritaDeal.id,
    })
    expect(c).toMatchObject({ status: 'draft', ownerId: rita.id, quoteId: ritaQuote.id })
    problem(await rob.as('GET', `/api/v1/contracts/${c.id}`), 404, 'not_found')
    problem(await rita.as('POST', `/api/v1/contracts/${c.id}/approve`), 403, 'forbidden')
    problem(await asB('POST', `/api/v1/contracts/${c.id}/approve`), 404, 'not_found')
    const ok = await sue.as('POST', `/api/v1/contracts/${c.id}/approve`)
    expect(ok.json()).toMatchObject({ status: 'approved', approvedBy: sue.id })
    const before = await snapshot()
    problem(
      await rita.as('POST', '/api/v1/contracts', { name: 'x', amount: 1 }),
      400,
      'validation_failed',
    )
    problem(
      await rita.as('POST', '/api/v1/contracts', {
        name: 'x',
        amount: 1,
        quoteId: ritaQuote.id,
        opportunityId: tomDeal.id,
      }),
      404,
      'not_found',
    )
    problem(
      await rita.as('POST', '/api/v1/contracts', { name: 'x', amount: 1, quoteId: 'nope' }),
      404,
      'not_found',
    )
    expect(await snapshot()).toEqual(before)
  })

  it('the same approval twice at once: one 200, one 409 (conditional UPDATE)', async () => {
    const q = await created(rita.as, '/api/v1/quotes', {
      name: 'Raced',
      amount: 40,
      opportunityId: ritaDeal.id,
    })
    const answers = await Promise.all([
      sue.as('POST', `/api/v1/quotes/${q.id}/approve`),
      asA('POST', `/api/v1/quotes/${q.id}/approve`),
    ])
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409])
    const row = (await tableRows('quotes')).find((r) => r.id === q.id)
    expect(row?.status).toBe('approved')
    const events = (await auditActions(db, a.companyId)).filter(
      (e) => e.target_id === q.id && e.action === 'quote.updated',
    )
    expect(events).toHaveLength(1)
  })
})

describe('bad input is 400 and writes nothing', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['POST', '/api/v1/leads', { name: 'Nul\u0000name' }],
    ['POST', '/api/v1/leads', { name: 'x', source: 'fair\u0000' }],
    ['POST', '/api/v1/leads', { name: 'x'.repeat(201) }],
    ['POST', '/api/v1/leads', { name: '   ' }],
    ['POST', '/api/v1/leads', { name: 'x', phone: '12' }],
    ['POST', '/api/v1/leads', { name: 'x', email: 'not an email' }],
    ['POST', '/api/v1/leads', { name: 'x', status: 'won' }],
    ['POST', '/api/v1/leads', { name: 42 }],
    ['POST', '/api/v1/leads', { name: 'x', extra: true }],
    ['POST', '/api/v1/opportunities', { name: 'x', amount: 'lots' }],
    ['POST', '/api/v1/opportunities', { name: 'x', amount: -1 }],
    ['POST', '/api/v1/opportunities', { name: 'x', amount: 1.234 }],
    ['POST', '/api/v1/opportunities', { name: 'x', amount: 1e13 }],
    ['POST', '/api/v1/opportunities', { name: 'x', amount: 1, stage: 'dreaming' }],
    ['POST', '/api/v1/quotes', { name: 'x', amount: 1 }],
    ['POST', '/api/v1/contracts', { name: 'x\u0000', amount: 1, quoteId: 'q' }],
  ]
  it.each(cases)('%s %s %j', async (method, url, body) => {
    const before = await snapshot()
    problem(await asA(method as 'POST', url, body), 400, 'validation_failed')
    expect(await snapshot()).toEqual(before)
  })

  it('a patch with a NUL byte or nothing at all changes nothing', async () => {
    const before = await snapshot()
    problem(
      await rita.as('PATCH', `/api/v1/opportunities/${ritaDeal.id}`, { name: 'a\u0000b' }),
      400,
      'validation_failed',
    )
    problem(
      await rita.as('PATCH', `/api/v1/opportunities/${ritaDeal.id}`, {}),
      400,
      'validation_failed',
    )
    problem(
      await mia.as('POST', `/api/v1/leads/${ritaDeal.id}/assign`, { ownerId: 'a\u0000' }),
      400,
      'validation_failed',
    )
    expect(await snapshot()).toEqual(before)
  })
})
