import { describe, expect, it } from 'vitest'
import { addUser, bearer, createTestApp, logIn, problem, signUp } from './test-app.js'

const { app, db } = await createTestApp()
const a = await signUp(app, { companyName: 'Company A' })
const b = await signUp(app, { companyName: 'Company B' })
await addUser(db, b.companyId, { email: 'b-agent@example.com' })
const bAgent = (await logIn(app, { company: b.slug, email: 'b-agent@example.com' })).json()

describe("company A's admin and company B's data", () => {
  it("cannot revoke B's session: 404, and the session keeps working", async () => {
    const bSession = (
      await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(bAgent.token) })
    ).json().items[0].id
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${bSession}`,
      headers: bearer(a.token),
    })
    problem(res, 404, 'not_found')
    const still = await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(bAgent.token) })
    expect(still.statusCode).toBe(200)
  })

  it("cannot force B's user offline: 404, exactly as for a missing user", async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/users/${bAgent.user.id}/force-offline`,
      headers: bearer(a.token),
    })
    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/users/no-such-user/force-offline',
      headers: bearer(a.token),
    })
    expect(problem(res, 404, 'not_found').detail).toBe(problem(missing, 404, 'not_found').detail)
  })

  it("does not list or filter B's audit events", async () => {
    const res = await app.inject({
      url: `/api/v1/audit?actorId=${b.userId}`,
      headers: bearer(a.token),
    })
    expect(res.json().items).toEqual([])
  })

  it("cannot log into B with A's credentials", async () => {
    problem(await logIn(app, { company: b.slug, email: a.email }), 401, 'not_authenticated')
  })

  it("does not list B's sessions among mine", async () => {
    const mine = (
      await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(a.token) })
    ).json()
    const bIds = (
      await db.selectFrom('sessions').select('id').where('company_id', '=', b.companyId).execute()
    ).map((s) => s.id)
    expect(mine.items.some((s: { id: string }) => bIds.includes(s.id))).toBe(false)
  })
})
