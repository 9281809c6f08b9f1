import { describe, expect, it } from 'vitest'
import { addRole, giveRole } from './fixtures.js'
import {
  addUser,
  auditActions,
  bearer,
  createTestApp,
  logIn,
  problem,
  signUp,
  strongPassword,
} from './test-app.js'

const { app, db, clock } = await createTestApp()
const co = await signUp(app, { companyName: 'Session Co' })

async function newToken(email = co.email) {
  const res = await logIn(app, { company: co.slug, email })
  expect(res.statusCode).toBe(200)
  return res.json().token as string
}

const listSessions = (headers: Record<string, string>) =>
  app.inject({ url: '/api/v1/auth/sessions', headers })

describe('sessions', () => {
  it('answers 401 without a token, with an unknown token, and with a malformed header', async () => {
    problem(await listSessions({}), 401, 'not_authenticated')
    problem(await listSessions(bearer('not-a-token')), 401, 'not_authenticated')
    problem(await listSessions({ authorization: 'Basic abc' }), 401, 'not_authenticated')
  })

  it('lists my live sessions and marks the current one', async () => {
    const token = await newToken()
    const res = await listSessions(bearer(token))
    expect(res.statusCode).toBe(200)
    const items = res.json().items as { id: string; current: boolean }[]
    expect(items.length).toBeGreaterThanOrEqual(2)
    expect(items.filter((s) => s.current)).toHaveLength(1)
  })

  it('logout ends the session: the token no longer works, and it is audited', async () => {
    const token = await newToken()
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: bearer(token),
    })
    expect(res.statusCode).toBe(204)
    problem(await listSessions(bearer(token)), 401, 'not_authenticated')
    expect((await auditActions(db, co.companyId)).at(-1)?.action).toBe('auth.logout')
  })

  it('revokes one of my other sessions', async () => {
    const mine = await newToken()
    const other = await newToken()
    const otherId = (await listSessions(bearer(other)))
      .json()
      .items.find((s: { current: boolean }) => s.current).id
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${otherId}`,
      headers: bearer(mine),
    })
    expect(res.statusCode).toBe(204)
    problem(await listSessions(bearer(other)), 401, 'not_authenticated')
    expect((await listSessions(bearer(mine))).statusCode).toBe(200)
    expect((await auditActions(db, co.companyId)).at(-1)).toMatchObject({
      action: 'session.revoked',
      target_id: otherId,
    })
  })

  it("answers 404 for another user's session and leaves it alone", async () => {
    await addUser(db, co.companyId, { email: 'colleague@example.com' })
    const theirs = await newToken('colleague@example.com')
    const theirId = (await listSessions(bearer(theirs))).json().items[0].id
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${theirId}`,
      headers: bearer(await newToken()),
    })
    problem(res, 404, 'not_found')
    expect((await listSessions(bearer(theirs))).statusCode).toBe(200)
  })

  it('expires a session idle for 30 minutes', async () => {
    const token = await newToken()
    clock.advance(29 * 60_000)
    expect((await listSessions(bearer(token))).statusCode).toBe(200)
    clock.advance(29 * 60_000)
    expect((await listSessions(bearer(token))).statusCode).toBe(200)
    clock.advance(31 * 60_000)
    problem(await listSessions(bearer(token)), 401, 'not_authenticated')
  })

  it('expires a session 12 hours after login however busy it is', async () => {
    const token = await newToken()
    for (let i = 0; i < 24; i++) {
      clock.advance(29 * 60_000)
      expect((await listSessions(bearer(token))).statusCode).toBe(200)
    }
    clock.advance(29 * 60_000)
    problem(await listSessions(bearer(token)), 401, 'not_authenticated')
  })

  it('ends the sessions of a user who is suspended', async () => {
    const id = await addUser(db, co.companyId, { email: 'leaver@example.com' })
    const token = await newToken('leaver@example.com')
    await db.updateTable('users').set({ status: 'suspended' }).where('id', '=', id).execute()
    problem(await listSessions(bearer(token)), 401, 'not_authenticated')
  })
})

describe('cookie authentication and CSRF', () => {
  async function cookieLogin() {
    const res = await logIn(app, { company: co.slug, email: co.email })
    const session = res.cookies.find((c) => c.name === 'tessera_session')?.value ?? ''
    const csrf = res.cookies.find((c) => c.name === 'tessera_csrf')?.value ?? ''
    return { cookie: `tessera_session=${session}; tessera_csrf=${csrf}`, csrf }
  }

  it('reads with the session cookie alone', async () => {
    const { cookie } = await cookieLogin()
    expect((await listSessions({ cookie })).statusCode).toBe(200)
  })

  it('refuses a cookie-authenticated state change without the CSRF header', async () => {
    const { cookie } = await cookieLogin()
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie },
    })
    problem(res, 403, 'forbidden')
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': 'guess' },
    })
    problem(wrong, 403, 'forbidden')
    expect((await listSessions({ cookie })).statusCode).toBe(200)
  })

  it('accepts it with the CSRF header matching the session, and clears the cookies', async () => {
    const { cookie, csrf } = await cookieLogin()
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': csrf },
    })
    expect(res.statusCode).toBe(204)
    expect(res.cookies.find((c) => c.name === 'tessera_session')?.value).toBe('')
    problem(await listSessions({ cookie }), 401, 'not_authenticated')
  })

  it("does not accept another session's CSRF token", async () => {
    const a = await cookieLogin()
    const b = await cookieLogin()
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: a.cookie, 'x-csrf-token': b.csrf },
    })
    problem(res, 403, 'forbidden')
  })
})

describe('POST /api/v1/users/{id}/force-offline (G5)', () => {
  it('lets an Admin end every session of a user, audited', async () => {
    const id = await addUser(db, co.companyId, { email: 'agent@example.com' })
    const t1 = await newToken('agent@example.com')
    const t2 = await newToken('agent@example.com')
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/users/${id}/force-offline`,
      headers: bearer(await newToken()),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ revoked: 2 })
    problem(await listSessions(bearer(t1)), 401, 'not_authenticated')
    problem(await listSessions(bearer(t2)), 401, 'not_authenticated')
    expect((await auditActions(db, co.companyId)).at(-1)).toMatchObject({
      action: 'user.forced_offline',
      target_id: id,
    })
  })

  it('answers 404 to an operator, who may not even see other users (no existence oracle)', async () => {
    await addUser(db, co.companyId, { email: 'operator@example.com', role: 'Operator' })
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/users/${co.userId}/force-offline`,
      headers: bearer(await newToken('operator@example.com')),
    })
    problem(res, 404, 'not_found')
  })

  it('a team-scoped holder forces their own team offline, and only it: another team is 404', async () => {
    const admin = bearer(await newToken())
    const unit = async (name: string) =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/org-units',
          headers: admin,
          payload: { kind: 'team', name, parentId: null },
        })
      ).json().id as string
    const person = async (email: string, orgUnitId: string) =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/users',
          headers: admin,
          payload: { email, name: email, password: strongPassword, orgUnitId },
        })
      ).json().id as string
    const day = await unit('Day')
    const night = await unit('Night')
    const lead = await person('lead@example.com', day)
    const mate = await person('mate@example.com', day)
    const other = await person('other@example.com', night)
    const role = await addRole(db, co.companyId, 'Shift lead', {
      grants: [{ actions: ['user.view', 'user.forceOffline'], scope: 'team' }],
    })
    await giveRole(db, co.companyId, lead, role)
    const leadToken = await newToken('lead@example.com')
    await newToken('mate@example.com')
    const force = (id: string) =>
      app.inject({
        method: 'POST',
        url: `/api/v1/users/${id}/force-offline`,
        headers: bearer(leadToken),
      })
    const res = await force(mate)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ revoked: 1 })
    problem(await force(other), 404, 'not_found')
  })

  it('answers 404 for an unknown user', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/users/nope/force-offline',
      headers: bearer(await newToken()),
    })
    problem(res, 404, 'not_found')
  })
})
