/**
 * Issue 10 (protected workspace), item 1: one scenario per built-in role and preset position
 * (R1, R2), through HTTP, as docs/presets.md describes each one — what the person can and cannot
 * do on customers, tickets, calls, campaigns, dialers, leads and reports: fields masked or
 * hidden, records out of scope answered 404 (as ids never issued), actions not granted on a
 * record they may see 403, another company's records 404, bad input 400.
 *
 * The expectations are read from docs/presets.md, not from running the code.
 */
import { describe, expect, it } from 'vitest'
import { builtinRoleId, caller } from './fixtures.js'
import { createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Positions A' })
const b = await signUp(app, { companyName: 'Positions B' })
const asA = call(a.token)
const asB = call(b.token)

type Res = { statusCode: number; body: string; json(): any } // eslint-disable-line @typescript-eslint/no-explicit-any
function must(res: Res, status = 201) {
  if (res.statusCode !== status)
    throw new Error(`expected ${status}: ${res.statusCode} ${res.body}`)
  return (res.body === '' ? {} : res.json()) as Record<string, unknown> & { id: string }
}
const ids = (res: Res): string[] => {
  expect(res.statusCode).toBe(200)
  return (res.json().items as { id: string }[]).map((x) => x.id).sort()
}
const sorted = (...xs: string[]) => [...xs].sort()

const team = must(await asA('POST', '/api/v1/org-units', { kind: 'team', name: 'Day' })).id
const otherTeam = must(await asA('POST', '/api/v1/org-units', { kind: 'team', name: 'Night' })).id
const apollo = must(await asA('POST', '/api/v1/projects', { name: 'Apollo' })).id
const zeus = must(await asA('POST', '/api/v1/projects', { name: 'Zeus' })).id

async function person(email: string, role: string, orgUnitId: string | null = team) {
  const roleId = await builtinRoleId(db, a.companyId, role)
  const id = must(
    await asA('POST', '/api/v1/users', {
      email,
      name: email.split('@')[0],
      password: strongPassword,
      orgUnitId,
      roleIds: [roleId],
    }),
  ).id
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id, as: call(token) }
}

const supervisor = await person('supervisor@a.test', 'Supervisor')
const operator = await person('operator@a.test', 'Operator')
const novice = await person('novice@a.test', 'Novice agent')
const senior = await person('senior@a.test', 'Senior agent')
const lead = await person('lead@a.test', 'Team lead')
const qa = await person('qa@a.test', 'QA inspector', null)
const trainer = await person('trainer@a.test', 'Trainer', null)
const telesales = await person('telesales@a.test', 'Telesales agent')
const afterSales = await person('aftersales@a.test', 'After-sales agent')
const analyst = await person('analyst@a.test', 'Data analyst', null)
const marketing = await person('marketing@a.test', 'Marketing', null)
const management = await person('management@a.test', 'Management', null)
const tech = await person('tech@a.test', 'Tech support', null)
const rep = await person('rep@a.test', 'Sales rep')
const nightAgent = await person('night@a.test', 'Senior agent', otherTeam)
for (const who of [telesales, marketing]) {
  must(await asA('PUT', `/api/v1/projects/${apollo}/members/${who.id}`), 204)
}

const ID = '110101199003077777'
const customer = async (name: string, ownerId: string, orgUnitId = team) =>
  must(
    await asA('POST', '/api/v1/customers', {
      name,
      phone: '+8613800138000',
      email: `${name.toLowerCase()}@example.com`,
      idNumber: ID,
      orgUnitId,
      ownerId,
    }),
  ).id
const noviceCustomer = await customer('Nova', novice.id)
const seniorCustomer = await customer('Sena', senior.id)
const telesalesCustomer = await customer('Tess', telesales.id)
const repCustomer = await customer('Rex', rep.id)
const nightCustomer = await customer('Nyx', nightAgent.id, otherTeam)
for (const c of [noviceCustomer, seniorCustomer, repCustomer, nightCustomer]) {
  must(await asA('POST', `/api/v1/customers/${c}/complaints`, { summary: 'late delivery' }))
}
const bCustomer = must(await asB('POST', '/api/v1/customers', { name: 'Bea' })).id

const ticket = async (title: string, assigneeId: string, orgUnitId = team) =>
  must(await asA('POST', '/api/v1/tickets', { title, assigneeId, orgUnitId })).id
const noviceTicket = await ticket('Novice ticket', novice.id)
const seniorTicket = await ticket('Senior ticket', senior.id)
const operatorTicket = await ticket('Operator ticket', operator.id)
const nightTicket = await ticket('Night ticket', nightAgent.id, otherTeam)
const escalated = await ticket('Escalated ticket', senior.id)
must(await asA('POST', `/api/v1/tickets/${escalated}/status`, { status: 'escalated' }), 200)
const bTicket = must(await asB('POST', '/api/v1/tickets', { title: 'B ticket' })).id

// the team's number pool; the novice's and the night agent's calls
const dialled = '+8613900139000'
const teamPool = must(await asA('POST', '/api/v1/number-pools', { name: 'Day', orgUnitId: team }))
must(await asA('POST', `/api/v1/number-pools/${teamPool.id}/numbers`, { phone: dialled }))
const nightPool = must(
  await asA('POST', '/api/v1/number-pools', { name: 'Night', orgUnitId: otherTeam }),
)
must(await asA('POST', `/api/v1/number-pools/${nightPool.id}/numbers`, { phone: dialled }))
const noviceCall = must(await novice.as('POST', '/api/v1/calls', { phone: dialled })).id
must(await novice.as('POST', `/api/v1/calls/${noviceCall}/hangup`), 200)
const nightCall = must(await nightAgent.as('POST', '/api/v1/calls', { phone: dialled })).id
must(await nightAgent.as('POST', `/api/v1/calls/${nightCall}/hangup`), 200)

// campaigns and dialers: one of Apollo (telesales and marketing are members), one of Zeus
const apolloDialer = must(await asA('POST', '/api/v1/dialers', { projectId: apollo, name: 'A' })).id
const zeusDialer = must(await asA('POST', '/api/v1/dialers', { projectId: zeus, name: 'Z' })).id
const apolloCampaign = must(
  await asA('POST', '/api/v1/campaigns', { projectId: apollo, name: 'A' }),
).id
const zeusCampaign = must(await asA('POST', '/api/v1/campaigns', { projectId: zeus, name: 'Z' })).id

describe('Admin (R1): everything, every field in clear', () => {
  it('reads the ID number in clear, exports and deletes', async () => {
    const c = must(await asA('GET', `/api/v1/customers/${noviceCustomer}`), 200)
    expect(c.idNumber).toBe(ID)
    expect(c.maskedFields ?? []).not.toContain('idNumber')
    expect((await asA('GET', '/api/v1/customers/export')).statusCode).toBe(200)
    const spare = await customer('Spare', novice.id)
    expect((await asA('DELETE', `/api/v1/customers/${spare}`)).statusCode).toBe(204)
  })
  it("another company's records are 404", async () => {
    problem(await asA('GET', `/api/v1/customers/${bCustomer}`), 404, 'not_found')
    problem(await asA('GET', `/api/v1/tickets/${bTicket}`), 404, 'not_found')
  })
})

describe('Supervisor (R1): Admin less finance, KPI and security settings', () => {
  it('reads every customer and ticket of the company', async () => {
    expect(ids(await supervisor.as('GET', '/api/v1/customers'))).toContain(nightCustomer)
    expect(ids(await supervisor.as('GET', '/api/v1/tickets'))).toContain(nightTicket)
  })
  it('is refused the finance, KPI and security settings', async () => {
    for (const section of ['finance', 'kpi', 'security']) {
      problem(await supervisor.as('GET', `/api/v1/settings/${section}`), 403, 'forbidden')
    }
    expect((await asA('GET', '/api/v1/settings/security')).statusCode).toBe(200)
  })
})

describe('Operator (R1): tickets, the whole call log', () => {
  it('reads every user’s calls, and the tickets assigned to them only', async () => {
    expect(ids(await operator.as('GET', '/api/v1/calls'))).toEqual(sorted(noviceCall, nightCall))
    expect(ids(await operator.as('GET', '/api/v1/tickets'))).toEqual([operatorTicket])
    problem(await operator.as('GET', `/api/v1/tickets/${noviceTicket}`), 404, 'not_found')
  })
  it('creates a support ticket but never sets a fault code', async () => {
    must(await operator.as('POST', '/api/v1/tickets', { title: 'Headset broken' }))
    problem(
      await operator.as('POST', '/api/v1/tickets', { title: 'x', faultCode: 'E42' }),
      403,
      'forbidden',
    )
  })
  it('does not read customers (no customer.view)', async () => {
    problem(await operator.as('GET', '/api/v1/customers'), 403, 'forbidden')
  })
})

describe('Novice agent: basic customer information, own records, two lines', () => {
  it('sees their own customer with the ID number masked; complaints hidden', async () => {
    const c = must(await novice.as('GET', `/api/v1/customers/${noviceCustomer}`), 200)
    expect(c.idNumber).not.toBe(ID)
    expect(c.maskedFields).toContain('idNumber')
    problem(
      await novice.as('GET', `/api/v1/customers/${noviceCustomer}/complaints`),
      403,
      'forbidden',
    )
    problem(await novice.as('GET', `/api/v1/customers/${noviceCustomer}/orders`), 403, 'forbidden')
  })
  it('never sees another agent’s customer (404) nor edits, deletes or exports', async () => {
    expect(ids(await novice.as('GET', '/api/v1/customers'))).toEqual([noviceCustomer])
    problem(await novice.as('GET', `/api/v1/customers/${seniorCustomer}`), 404, 'not_found')
    problem(
      await novice.as('PATCH', `/api/v1/customers/${noviceCustomer}`, { name: 'Nova N' }),
      403,
      'forbidden',
    )
    problem(await novice.as('DELETE', `/api/v1/customers/${noviceCustomer}`), 403, 'forbidden')
    problem(await novice.as('GET', '/api/v1/customers/export'), 403, 'forbidden')
  })
  it('works their own tickets, not the senior’s, and cannot close one', async () => {
    expect(ids(await novice.as('GET', '/api/v1/tickets'))).toEqual([noviceTicket])
    problem(await novice.as('GET', `/api/v1/tickets/${seniorTicket}`), 404, 'not_found')
    must(await novice.as('POST', `/api/v1/tickets/${noviceTicket}/replies`, { body: 'On it' }))
    problem(
      await novice.as('POST', `/api/v1/tickets/${noviceTicket}/status`, { status: 'closed' }),
      403,
      'forbidden',
    )
  })
  it('has two outbound lines: the third dial is 429', async () => {
    const one = must(await novice.as('POST', '/api/v1/calls', { phone: dialled })).id
    const two = must(await novice.as('POST', '/api/v1/calls', { phone: dialled })).id
    problem(await novice.as('POST', '/api/v1/calls', { phone: dialled }), 429, 'line_limit_reached')
    for (const id of [one, two]) must(await novice.as('POST', `/api/v1/calls/${id}/hangup`), 200)
    expect(ids(await novice.as('GET', '/api/v1/calls'))).not.toContain(nightCall)
  })
  it("another company's customer and ticket are 404", async () => {
    problem(await novice.as('GET', `/api/v1/customers/${bCustomer}`), 404, 'not_found')
    problem(await novice.as('GET', `/api/v1/tickets/${bTicket}`), 404, 'not_found')
  })
})

describe('Senior agent: history, contact edits, closes own tickets, five lines', () => {
  it('reads the complaints and the order history of their own customer', async () => {
    const complaints = must(
      await senior.as('GET', `/api/v1/customers/${seniorCustomer}/complaints`),
      200,
    )
    expect(complaints.items).toHaveLength(1)
    must(await senior.as('GET', `/api/v1/customers/${seniorCustomer}/orders`), 200)
    const c = must(await senior.as('GET', `/api/v1/customers/${seniorCustomer}`), 200)
    expect(c.maskedFields).toContain('idNumber')
  })
  it('edits contact details only; bad input is 400 and writes nothing', async () => {
    const edited = must(
      await senior.as('PATCH', `/api/v1/customers/${seniorCustomer}`, { email: 'sena@new.test' }),
      200,
    )
    expect(edited.email).toBe('sena@new.test')
    problem(
      await senior.as('PATCH', `/api/v1/customers/${seniorCustomer}`, {
        idNumber: '110101199003078888',
      }),
      403,
      'forbidden',
    )
    problem(
      await senior.as('PATCH', `/api/v1/customers/${seniorCustomer}`, { name: 'Se\u0000na' }),
      400,
      'validation_failed',
    )
    const after = must(await senior.as('GET', `/api/v1/customers/${seniorCustomer}`), 200)
    expect(after.name).toBe('Sena')
    problem(await senior.as('DELETE', `/api/v1/customers/${seniorCustomer}`), 403, 'forbidden')
  })
  it('closes their own ticket, which then is read-only but reopens', async () => {
    const own = await ticket('Senior closes', senior.id)
    must(await senior.as('POST', `/api/v1/tickets/${own}/status`, { status: 'closed' }), 200)
    problem(await senior.as('PATCH', `/api/v1/tickets/${own}`, { title: 'x' }), 403, 'forbidden')
    must(await senior.as('POST', `/api/v1/tickets/${own}/status`, { status: 'reopened' }), 200)
  })
})

describe('Team lead: the team’s customers, calls and tickets, never another team’s', () => {
  it('lists the team’s customers, calls and tickets; other teams’ are 404', async () => {
    const customers = ids(await lead.as('GET', '/api/v1/customers'))
    expect(customers).toEqual(
      expect.arrayContaining([noviceCustomer, seniorCustomer, telesalesCustomer, repCustomer]),
    )
    expect(customers).not.toContain(nightCustomer)
    problem(await lead.as('GET', `/api/v1/customers/${nightCustomer}`), 404, 'not_found')
    expect(ids(await lead.as('GET', '/api/v1/calls'))).toContain(noviceCall)
    problem(await lead.as('GET', `/api/v1/calls/${nightCall}`), 404, 'not_found')
    expect(ids(await lead.as('GET', '/api/v1/tickets'))).toContain(noviceTicket)
    problem(await lead.as('GET', `/api/v1/tickets/${nightTicket}`), 404, 'not_found')
  })
  it('reads the team’s report, changes no settings and exports no customers', async () => {
    expect((await lead.as('GET', '/api/v1/reports/team-metrics')).statusCode).toBe(200)
    problem(await lead.as('GET', '/api/v1/settings/security'), 403, 'forbidden')
    problem(await lead.as('GET', '/api/v1/customers/export'), 403, 'forbidden')
  })
})

describe('QA inspector: every call, scoring; no outbound, no customer contact', () => {
  it('reads every call but dials none and sees no customer', async () => {
    expect(ids(await qa.as('GET', '/api/v1/calls'))).toEqual(
      expect.arrayContaining([noviceCall, nightCall]),
    )
    problem(await qa.as('POST', '/api/v1/calls', { phone: dialled }), 403, 'forbidden')
    problem(await qa.as('GET', '/api/v1/customers'), 403, 'forbidden')
    problem(await qa.as('POST', '/api/v1/tickets', { title: 'x' }), 403, 'forbidden')
  })
  it('reads and exports the quality report', async () => {
    expect((await qa.as('GET', '/api/v1/reports/team-metrics')).statusCode).toBe(200)
    expect((await qa.as('GET', '/api/v1/reports/team-metrics/export')).statusCode).toBe(200)
  })
})

describe('Trainer: scripts and IVR menus; listens to calls', () => {
  it('writes a script and reads calls; no customers, no dial', async () => {
    must(await trainer.as('POST', '/api/v1/scripts', { title: 'Greeting', body: 'Hello' }))
    expect(ids(await trainer.as('GET', '/api/v1/calls'))).toContain(nightCall)
    problem(await trainer.as('GET', '/api/v1/customers'), 403, 'forbidden')
    problem(await trainer.as('POST', '/api/v1/calls', { phone: dialled }), 403, 'forbidden')
  })
})

describe('Telesales agent: the dialers and campaigns of their projects (P10)', () => {
  it('sees and starts its project’s dialer; another project’s is 404', async () => {
    expect(ids(await telesales.as('GET', '/api/v1/dialers'))).toEqual([apolloDialer])
    problem(await telesales.as('GET', `/api/v1/dialers/${zeusDialer}`), 404, 'not_found')
    must(await telesales.as('POST', `/api/v1/dialers/${apolloDialer}/start`), 200)
    must(await telesales.as('POST', `/api/v1/dialers/${apolloDialer}/stop`), 200)
    problem(await telesales.as('POST', `/api/v1/dialers/${zeusDialer}/start`), 404, 'not_found')
    problem(
      await telesales.as('PATCH', `/api/v1/dialers/${apolloDialer}`, { name: 'Mine' }),
      403,
      'forbidden',
    )
  })
  it('reads its project’s campaigns, not another project’s', async () => {
    expect(ids(await telesales.as('GET', '/api/v1/campaigns'))).toEqual([apolloCampaign])
    problem(await telesales.as('GET', `/api/v1/campaigns/${zeusCampaign}`), 404, 'not_found')
  })
  it('own customers with complaints hidden; no tickets (no complaints or refunds)', async () => {
    expect(ids(await telesales.as('GET', '/api/v1/customers'))).toEqual([telesalesCustomer])
    problem(
      await telesales.as('GET', `/api/v1/customers/${telesalesCustomer}/complaints`),
      403,
      'forbidden',
    )
    problem(await telesales.as('POST', '/api/v1/tickets', { title: 'Refund' }), 403, 'forbidden')
  })
})

describe('After-sales agent: the team’s customers and tickets with history; no campaigns, no quotes', () => {
  it('reads the team’s customers with complaints, and the team’s tickets', async () => {
    const customers = ids(await afterSales.as('GET', '/api/v1/customers'))
    expect(customers).toContain(noviceCustomer)
    expect(customers).not.toContain(nightCustomer)
    must(await afterSales.as('GET', `/api/v1/customers/${noviceCustomer}/complaints`), 200)
    expect(ids(await afterSales.as('GET', '/api/v1/tickets'))).toContain(seniorTicket)
    problem(await afterSales.as('GET', `/api/v1/tickets/${nightTicket}`), 404, 'not_found')
  })
  it('enters a refund request as a ticket, without a fault code', async () => {
    must(await afterSales.as('POST', '/api/v1/tickets', { title: 'Refund for order 7' }))
    problem(
      await afterSales.as('POST', '/api/v1/tickets', { title: 'x', faultCode: 'E1' }),
      403,
      'forbidden',
    )
  })
  it('has no campaigns and sees no quotes', async () => {
    problem(await afterSales.as('GET', '/api/v1/campaigns'), 403, 'forbidden')
    expect(ids(await afterSales.as('GET', '/api/v1/quotes'))).toEqual([])
  })
})

describe('Data analyst: reports; the call log with phone numbers masked', () => {
  it('reads calls with the number masked, exports the report, reads no customer', async () => {
    const c = must(await analyst.as('GET', `/api/v1/calls/${nightCall}`), 200)
    expect(c.phone).not.toBe(dialled)
    expect(c.maskedFields).toContain('phone')
    expect((await analyst.as('GET', '/api/v1/reports/team-metrics/export')).statusCode).toBe(200)
    problem(await analyst.as('GET', '/api/v1/customers'), 403, 'forbidden')
    problem(await analyst.as('GET', '/api/v1/calls/export'), 403, 'forbidden')
  })
})

describe('Marketing: leads, the campaigns of its projects; tags through approval', () => {
  it('creates and assigns leads', async () => {
    const lead1 = must(await marketing.as('POST', '/api/v1/leads', { name: 'Prospect' })).id
    must(await marketing.as('POST', `/api/v1/leads/${lead1}/assign`, { ownerId: rep.id }), 200)
    problem(await marketing.as('DELETE', `/api/v1/leads/${lead1}`), 403, 'forbidden')
    problem(
      await marketing.as('POST', '/api/v1/leads', { name: 'Bad\u0000name' }),
      400,
      'validation_failed',
    )
  })
  it('manages its project’s campaigns; another project’s is 404', async () => {
    expect(ids(await marketing.as('GET', '/api/v1/campaigns'))).toEqual([apolloCampaign])
    must(
      await marketing.as('PATCH', `/api/v1/campaigns/${apolloCampaign}`, { name: 'Spring' }),
      200,
    )
    problem(await marketing.as('GET', `/api/v1/campaigns/${zeusCampaign}`), 404, 'not_found')
    problem(
      await marketing.as('POST', '/api/v1/campaigns', { projectId: zeus, name: 'Not mine' }),
      404,
      'not_found',
    )
  })
  it('reads customers with phone and email masked and history hidden; tags need approval', async () => {
    const c = must(await marketing.as('GET', `/api/v1/customers/${nightCustomer}`), 200)
    expect(c.maskedFields).toEqual(expect.arrayContaining(['phone', 'email']))
    problem(
      await marketing.as('GET', `/api/v1/customers/${nightCustomer}/complaints`),
      403,
      'forbidden',
    )
    const tagged = await marketing.as('PATCH', `/api/v1/customers/${nightCustomer}`, {
      tags: ['vip-prospect'],
    })
    expect(tagged.statusCode).toBe(202)
    const now = must(await asA('GET', `/api/v1/customers/${nightCustomer}`), 200)
    expect(now.tags).toEqual([])
    expect(ids(await marketing.as('GET', '/api/v1/quotes'))).toEqual([])
  })
})

describe('Management: reads everything, changes nothing directly', () => {
  it('reads every customer (ID masked), ticket and call, and exports reports', async () => {
    const c = must(await management.as('GET', `/api/v1/customers/${nightCustomer}`), 200)
    expect(c.maskedFields).toContain('idNumber')
    expect(ids(await management.as('GET', '/api/v1/tickets'))).toContain(nightTicket)
    expect(ids(await management.as('GET', '/api/v1/calls'))).toContain(nightCall)
    expect((await management.as('GET', '/api/v1/reports/team-metrics/export')).statusCode).toBe(200)
  })
  it('edits, creates and deletes nothing; reads no settings', async () => {
    problem(
      await management.as('PATCH', `/api/v1/customers/${nightCustomer}`, { name: 'X' }),
      403,
      'forbidden',
    )
    problem(await management.as('POST', '/api/v1/customers', { name: 'New' }), 403, 'forbidden')
    problem(await management.as('DELETE', `/api/v1/tickets/${nightTicket}`), 403, 'forbidden')
    problem(await management.as('GET', '/api/v1/settings/finance'), 403, 'forbidden')
    problem(await management.as('GET', `/api/v1/customers/${bCustomer}`), 404, 'not_found')
  })
})

describe('Tech support: escalated tickets only, the fault code’s only editor', () => {
  it('sees an escalated ticket without the customer level; others are 404', async () => {
    expect(ids(await tech.as('GET', '/api/v1/tickets'))).toEqual([escalated])
    const t = must(await tech.as('GET', `/api/v1/tickets/${escalated}`), 200)
    expect(t).not.toHaveProperty('customerLevel')
    problem(await tech.as('GET', `/api/v1/tickets/${noviceTicket}`), 404, 'not_found')
  })
  it('sets the fault code; a senior agent may not', async () => {
    const t = must(
      await tech.as('PATCH', `/api/v1/tickets/${escalated}`, { faultCode: 'e42' }),
      200,
    )
    expect(t.faultCode).toBe('E42')
    problem(
      await senior.as('PATCH', `/api/v1/tickets/${seniorTicket}`, { faultCode: 'E1' }),
      403,
      'forbidden',
    )
  })
})

describe('Sales rep: own customers with orders but not complaints; the team’s opportunities', () => {
  it('reads orders, not complaints, of their own customer only', async () => {
    expect(ids(await rep.as('GET', '/api/v1/customers'))).toEqual([repCustomer])
    must(await rep.as('GET', `/api/v1/customers/${repCustomer}/orders`), 200)
    problem(await rep.as('GET', `/api/v1/customers/${repCustomer}/complaints`), 403, 'forbidden')
    problem(await rep.as('GET', `/api/v1/customers/${noviceCustomer}`), 404, 'not_found')
  })
  it('creates an opportunity and a contract; deletes none', async () => {
    const opp = must(
      await rep.as('POST', '/api/v1/opportunities', {
        name: 'Big deal',
        amount: 1000,
        customerId: repCustomer,
      }),
    ).id
    must(
      await rep.as('POST', '/api/v1/contracts', {
        name: 'Contract',
        amount: 1000,
        opportunityId: opp,
      }),
    )
    problem(await rep.as('DELETE', `/api/v1/opportunities/${opp}`), 403, 'forbidden')
    // another team's opportunity is hidden
    const theirs = must(
      await asA('POST', '/api/v1/opportunities', {
        name: 'Night deal',
        amount: 5,
        orgUnitId: otherTeam,
        ownerId: nightAgent.id,
      }),
    ).id
    problem(await rep.as('GET', `/api/v1/opportunities/${theirs}`), 404, 'not_found')
    expect(ids(await rep.as('GET', '/api/v1/opportunities'))).toEqual([opp])
  })
})
