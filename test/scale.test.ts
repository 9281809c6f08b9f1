/**
 * `npm run seed:scale` (issue 10, point 6), small: the generated company is a real one — its
 * people log in, each lead sees exactly their team's tickets and customers, the analyst exports
 * one branch's customers with identity data masked, and the counters moved so nothing is read
 * from a stale cache.
 */
import { describe, expect, it } from 'vitest'
import { findScale, seedScale } from '../src/scale.js'
import { bearer, createTestApp, logIn } from './test-app.js'

const { app, db } = await createTestApp()
const scale = await seedScale(db, {
  tickets: 1_200,
  customers: 400,
  teams: 4,
  batch: 500,
  log: () => {},
})

async function as(email: string) {
  const login = await logIn(app, { company: scale.slug, email, password: scale.password })
  expect(login.statusCode, email).toBe(200)
  const headers = bearer(login.json().token as string)
  return (url: string) => app.inject({ method: 'GET', url, headers })
}

describe('seed:scale', () => {
  it('fills the rows asked for', async () => {
    const count = async (table: 'tickets' | 'customers' | 'users') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('company_id', '=', scale.companyId)
            .executeTakeFirstOrThrow()
        ).n,
      )
    expect(await count('tickets')).toBe(1_200)
    expect(await count('customers')).toBe(400)
    expect(await count('users')).toBe(1 + 4 * 10 + 1)
  })

  it('is found again by its size (bench:workspace --reuse), and not for another size', async () => {
    expect(await findScale(db, { tickets: 1_200, customers: 400, teams: 4 })).toEqual(scale)
    expect(await findScale(db, { tickets: 1_201, customers: 400, teams: 4 })).toBeUndefined()
    expect(await findScale(db, { tickets: 1_200, customers: 400, teams: 6 })).toBeUndefined()
  })

  it("a lead sees exactly their team's tickets and customers; the Admin all", async () => {
    const lead = await as(scale.leadEmail)
    const tickets = await lead('/api/v1/tickets/count')
    expect(tickets.statusCode).toBe(200)
    expect(tickets.json().count).toBe(300)
    const customers = await lead('/api/v1/customers/count')
    expect(customers.json().count).toBe(100)
    const admin = await as(scale.adminEmail)
    expect((await admin('/api/v1/tickets/count')).json().count).toBe(1_200)
    // an agent: own tickets only
    const agent = await as(scale.agentEmail)
    const own = (await agent('/api/v1/tickets?limit=200')).json().items as { assigneeId: string }[]
    expect(own.length).toBeGreaterThan(0)
    expect(new Set(own.map((t) => t.assigneeId)).size).toBe(1)
  })

  it("the analyst exports branch 1's customers, ID number and phone masked", async () => {
    const analyst = await as(scale.analystEmail)
    const res = await analyst('/api/v1/customers/export')
    expect(res.statusCode).toBe(200)
    const lines = res.body.trim().split('\n')
    expect(lines.length - 1).toBe(200)
    expect(res.body).not.toMatch(/1101011990\d{8}/)
    expect(res.body).not.toMatch(/\+86138\d{8}/)
  })
})
