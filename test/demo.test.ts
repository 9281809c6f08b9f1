import { describe, expect, it } from 'vitest'
import { presetRoles } from '../src/authz/index.js'
import { demoLogins, demoPassword, seedDemo } from '../src/demo.js'
import { demoTable } from '../src/serve.js'
import { bearer, createTestApp, logIn } from './test-app.js'

const { app, db } = await createTestApp()
const demo = await seedDemo(db, new Date('2026-11-23T09:30:00Z'))

// One login each (the login rate limit counts per client address, and the test clock stands still).
const tokens = new Map<string, string>()
async function as(email: string) {
  let token = tokens.get(email)
  if (token === undefined) {
    const login = await logIn(app, { company: demo.slug, email, password: demoPassword })
    expect(login.statusCode, email).toBe(200)
    token = login.json().token as string
    tokens.set(email, token)
  }
  const headers = bearer(token)
  return (url: string) => app.inject({ method: 'GET', url, headers })
}

async function peopleSeenBy(email: string): Promise<number | string[]> {
  const res = await (await as(email))('/api/v1/users?limit=200')
  if (res.statusCode !== 200) return res.statusCode
  return res
    .json()
    .items.map((u: { email: string }) => u.email)
    .sort()
}

const teamA = demoLogins.filter((l) => l.unit === 'Team A').map((l) => l.email)
const teamB = demoLogins.filter((l) => l.unit === 'Team B').map((l) => l.email)

describe('npm run demo', () => {
  it('is idempotent: a second run finds the company and returns the same logins', async () => {
    const again = await seedDemo(db, new Date('2026-11-23T09:30:00Z'))
    expect(again.slug).toBe(demo.slug)
    expect(again.logins).toEqual(demo.logins)
  })

  it('has every preset position, a Supervisor, an Operator and two teams, each login working (R1, R2)', async () => {
    const roles = new Set(demo.logins.map((l) => l.role))
    for (const preset of presetRoles) expect(roles, preset.id).toContain(preset.id)
    for (const builtin of ['Admin', 'Supervisor', 'Operator']) expect(roles).toContain(builtin)
    expect(teamA.length).toBeGreaterThan(1)
    expect(teamB.length).toBeGreaterThan(1)
    for (const { email } of demo.logins) await as(email)
  })

  it('shows scope differences at once: each lead sees their own team, not the other (P3)', async () => {
    expect(await peopleSeenBy('team-lead@demo.test')).toEqual([...teamA].sort())
    expect(await peopleSeenBy('team-lead-b@demo.test')).toEqual([...teamB].sort())
    const everyone = demo.logins.map((l) => l.email).sort()
    expect(everyone.length).toBe(17)
    for (const email of ['admin@demo.test', 'supervisor@demo.test', 'management@demo.test'])
      expect(await peopleSeenBy(email), email).toEqual(everyone)
    for (const email of ['operator@demo.test', 'novice-agent@demo.test', 'sales-rep@demo.test'])
      expect(await peopleSeenBy(email), email).toBe(403)
  })

  it('prints what it claims: team sizes and 403s in the table hold', async () => {
    const table = demoTable(demo)
    expect(table).toContain(demoPassword)
    expect(table).toContain(demo.slug)
    for (const login of demo.logins) {
      expect(table).toContain(login.email)
      const claimed = /(\d+) people|all (\d+)/.exec(login.sees)
      const seen = await peopleSeenBy(login.email)
      if (login.sees.includes('403')) expect(seen, login.email).toBe(403)
      else if (claimed)
        expect((seen as string[]).length, login.email).toBe(Number(claimed[1] ?? claimed[2]))
    }
  })

  it('gives the Supervisor all but the three settings, the Operator only its own work (R1)', async () => {
    const actions = async (email: string) =>
      ((await (await as(email))('/api/v1/me')).json().permissions as { action: string }[]).map(
        (p) => p.action,
      )
    const supervisor = await actions('supervisor@demo.test')
    expect(supervisor).toContain('user.edit')
    expect(supervisor).not.toContain('securitySettings.edit')
    const operator = await actions('operator@demo.test')
    expect(operator).toContain('ticket.create')
    expect(operator).not.toContain('user.view')
    const qa = await actions('qa-inspector@demo.test')
    expect(qa).toContain('qaEvaluation.create')
    expect(qa).not.toContain('call.dial')
  })

  it('puts each team in its own project (P10)', async () => {
    const admin = await as('admin@demo.test')
    const projects = (await admin('/api/v1/projects')).json().items as {
      id: string
      name: string
    }[]
    expect(projects.map((p) => p.name).sort()).toEqual(['Bank hotline', 'Telecom sales'])
    const members = async (name: string) => {
      const id = projects.find((p) => p.name === name)?.id
      const res = await admin(`/api/v1/projects/${id}/members`)
      return res.json().items.length as number
    }
    expect(await members('Bank hotline')).toBeGreaterThan(1)
    expect(await members('Telecom sales')).toBeGreaterThan(1)
  })
})

describe('npm run demo: the workspace (issue 10, point 6)', () => {
  type Item = Record<string, unknown> & { id: string }
  const items = async (email: string, url: string): Promise<Item[] | number> => {
    const res = await (await as(email))(url)
    if (res.statusCode !== 200) return res.statusCode
    return res.json().items as Item[]
  }
  const names = (list: Item[] | number, key: string) =>
    typeof list === 'number' ? list : list.map((i) => String(i[key])).sort()

  it('each team sees its own customers; the novice sees ID number and bank card masked (P3, P4)', async () => {
    expect(names(await items('team-lead@demo.test', '/api/v1/customers'), 'name')).toEqual([
      'Li Wei',
      'Wang Fang',
      'Zhang Min',
    ])
    expect(names(await items('team-lead-b@demo.test', '/api/v1/customers'), 'name')).toEqual([
      'Anna Smirnova',
      'Ivan Petrov',
    ])
    const novice = await items('novice-agent@demo.test', '/api/v1/customers')
    expect(names(novice, 'name')).toEqual(['Wang Fang', 'Zhang Min'])
    const wang = (novice as Item[]).find((c) => c['name'] === 'Wang Fang')
    expect(wang?.['maskedFields']).toEqual(expect.arrayContaining(['idNumber', 'bankCard']))
    expect(wang?.['idNumber']).not.toBe('110101199003074578')
    const admin = await items('admin@demo.test', '/api/v1/customers')
    expect((admin as Item[]).find((c) => c['name'] === 'Wang Fang')?.['idNumber']).toBe(
      '110101199003074578',
    )
  })

  it('tickets at several points of the workflow: tech sees only the escalated one (W4), the closed one is read-only (P5)', async () => {
    expect(names(await items('tech-support@demo.test', '/api/v1/tickets'), 'title')).toEqual([
      'Disputed charge of 1,280 CNY',
    ])
    const lead = (await items('team-lead@demo.test', '/api/v1/tickets')) as Item[]
    expect(lead.map((t) => t['status']).sort()).toEqual(['closed', 'escalated', 'new'])
    expect(names(await items('team-lead-b@demo.test', '/api/v1/tickets'), 'title')).toEqual([
      'Mobile internet slow in the evening',
      'Tariff change request',
    ])
    const closed = lead.find((t) => t['status'] === 'closed')
    const login = await logIn(app, {
      company: demo.slug,
      email: 'team-lead@demo.test',
      password: demoPassword,
    })
    const edit = await app.inject({
      method: 'PATCH',
      url: `/api/v1/tickets/${closed?.id}`,
      headers: bearer(login.json().token as string),
      payload: { priority: 1 },
    })
    expect(edit.statusCode).toBe(403)
  })

  it('calls: the novice dials the team pool, never the blacklisted number; QA never dials (P9, P11)', async () => {
    const dial = async (email: string, phone: string) => {
      await as(email)
      return app.inject({
        method: 'POST',
        url: '/api/v1/calls',
        headers: bearer(tokens.get(email) as string),
        payload: { phone },
      })
    }
    const placed = await dial('novice-agent@demo.test', '+86 138 0013 8000')
    expect(placed.statusCode, placed.body).toBe(201)
    expect((await dial('novice-agent@demo.test', '+86 137 0000 1111')).json().code).toBe(
      'number_blacklisted',
    )
    // Team B's pool belongs to the Telecom sales project: not Team A's novice's
    expect((await dial('novice-agent@demo.test', '+7 916 123-45-67')).json().code).toBe(
      'number_not_in_pool',
    )
    expect((await dial('telesales-agent@demo.test', '+7 916 123-45-67')).statusCode).toBe(201)
    expect((await dial('qa-inspector@demo.test', '+86 138 0013 8000')).statusCode).toBe(403)
    const calls = await (await as('qa-inspector@demo.test'))('/api/v1/calls')
    expect(calls.json().items).toHaveLength(2)
  })
})

describe('npm run demo: the dispute story (W1, docs/approvals.md)', () => {
  it('the senior agent asks for Li Wei’s full record, Team A’s lead approves, Team B’s may not', async () => {
    const post = async (email: string, url: string, payload: unknown) => {
      await as(email)
      return app.inject({
        method: 'POST',
        url,
        headers: bearer(tokens.get(email) as string),
        payload: payload as object,
      })
    }
    const mine = (await (await as('senior-agent@demo.test'))('/api/v1/customers')).json().items as {
      id: string
      name: string
      idNumber: string
    }[]
    const li = mine.find((c) => c.name === 'Li Wei')
    expect(li?.idNumber).toBe('310104********0035')
    const asked = await post('senior-agent@demo.test', '/api/v1/approvals', {
      type: 'temporaryGrant',
      payload: {
        actions: ['customer.view', 'customer.unmask'],
        resource: { type: 'customer', id: li?.id },
        fields: { idNumber: 'read', phone: 'read' },
        durationMinutes: 60,
      },
      reason: 'the customer disputes a mortgage payment',
    })
    expect(asked.statusCode, asked.body).toBe(201)
    const id = asked.json().id as string
    expect(
      (await post('team-lead-b@demo.test', `/api/v1/approvals/${id}/approve`, {})).statusCode,
    ).toBe(404)
    const approved = await post('team-lead@demo.test', `/api/v1/approvals/${id}/approve`, {})
    expect(approved.statusCode, approved.body).toBe(200)
    const seen = await (await as('senior-agent@demo.test'))(`/api/v1/customers/${li?.id}`)
    expect(seen.json().idNumber).toBe('310104198512120035')
  })
})
