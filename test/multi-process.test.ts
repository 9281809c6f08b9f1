import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, onPostgres, startTwoServers, type Server } from './servers.js'

// Issue 6, point 5: several server processes on one PostgreSQL behave as one. Two real servers
// (src/main.ts in child processes, as deployed), real HTTP (test/servers.ts). PostgreSQL only:
// PGlite is one process by construction.

const password = 'Correct-Horse-42'

describe.skipIf(!onPostgres)('two server processes on one PostgreSQL', () => {
  let a: Server
  let b: Server
  let slug = ''
  let admin = ''
  let adminId = ''
  let stop = async () => {}
  beforeAll(async () => {
    ;({ a, b, stop } = await startTwoServers())
    const signup = await call(a, 'POST', '/api/v1/signup', {
      companyName: 'Two Processes',
      name: 'Ada',
      email: 'ada@two.test',
      password,
    })
    slug = (signup.json['company'] as { slug: string }).slug
    admin = signup.json['token'] as string
    adminId = (signup.json['user'] as { id: string }).id
  }, 180_000) // two servers starting (tsx compiles src/) on a shared, busy machine
  afterAll(() => stop(), 60_000)

  it('a role removed from a user through one is denied by the other on the next request', async () => {
    const role = await call(
      a,
      'POST',
      '/api/v1/roles',
      { name: 'Directory', grants: [{ actions: ['user.view'], scope: 'company' }] },
      admin,
    )
    expect(role.status).toBe(201)
    const roleId = role.json['id'] as string
    const user = await call(
      a,
      'POST',
      '/api/v1/users',
      { email: 'reader@two.test', name: 'Reader', password, roleIds: [roleId] },
      admin,
    )
    expect(user.status).toBe(201)
    const login = await call(b, 'POST', '/api/v1/auth/login', {
      company: slug,
      email: 'reader@two.test',
      password,
    })
    const reader = login.json['token'] as string
    expect((await call(b, 'GET', `/api/v1/users/${adminId}`, undefined, reader)).status).toBe(200)

    const revoked = await call(
      a,
      'PUT',
      `/api/v1/users/${user.json['id'] as string}/roles`,
      { roleIds: [] },
      admin,
    )
    expect(revoked.status).toBe(200)
    expect((await call(b, 'GET', `/api/v1/users/${adminId}`, undefined, reader)).status).toBe(404)

    // and a change of the role itself (a policy change) the same way
    await call(
      a,
      'PUT',
      `/api/v1/users/${user.json['id'] as string}/roles`,
      { roleIds: [roleId] },
      admin,
    )
    expect((await call(b, 'GET', `/api/v1/users/${adminId}`, undefined, reader)).status).toBe(200)
    const edited = await call(a, 'PATCH', `/api/v1/roles/${roleId}`, { grants: [] }, admin)
    expect(edited.status).toBe(200)
    expect((await call(b, 'GET', `/api/v1/users/${adminId}`, undefined, reader)).status).toBe(404)
  })

  it('the decision API kept in memory on one: a revocation through the other holds on the next request', async () => {
    const role = await call(
      a,
      'POST',
      '/api/v1/roles',
      { name: 'Checker', grants: [{ actions: ['user.view'], scope: 'company' }] },
      admin,
    )
    const roleId = role.json['id'] as string
    const user = await call(
      a,
      'POST',
      '/api/v1/users',
      { email: 'checker@two.test', name: 'Checker', password, roleIds: [roleId] },
      admin,
    )
    const userId = user.json['id'] as string
    // no login here: the rate-limit test below counts every login attempt of this file
    const q = { action: 'user.view', resource: { type: 'user', id: adminId } }
    const about = { ...q, subject: { userId } }
    const key = await call(a, 'POST', '/api/v1/api-keys', { name: 'pdp', roleId }, admin)
    const apiKey = key.json['key'] as string
    const apiKeyId = (key.json['apiKey'] as { id: string }).id
    // warm on b: the callers (session, key) and the subject asked about are kept in b's memory
    for (let i = 0; i < 2; i++) {
      expect((await call(b, 'POST', '/api/v1/authz/check', about, admin)).json['allowed']).toBe(
        true,
      )
      expect((await call(b, 'POST', '/api/v1/authz/check', q, apiKey)).json['allowed']).toBe(true)
    }

    await call(a, 'PUT', `/api/v1/users/${userId}/roles`, { roleIds: [] }, admin)
    expect((await call(b, 'POST', '/api/v1/authz/check', about, admin)).json['reason']).toBe(
      'not_granted',
    )
    await call(a, 'PUT', `/api/v1/users/${userId}/roles`, { roleIds: [roleId] }, admin)
    expect((await call(b, 'POST', '/api/v1/authz/check', about, admin)).json['allowed']).toBe(true)

    expect((await call(a, 'DELETE', `/api/v1/api-keys/${apiKeyId}`, undefined, admin)).status).toBe(
      204,
    )
    expect((await call(b, 'POST', '/api/v1/authz/check', q, apiKey)).status).toBe(401)

    await call(a, 'PATCH', `/api/v1/users/${userId}`, { status: 'suspended' }, admin)
    expect((await call(b, 'POST', '/api/v1/authz/check', about, admin)).json['reason']).toBe(
      'subject_inactive',
    )
  })

  it('a lockout after failed logins on one holds on the other', async () => {
    const wrong = { company: slug, email: 'ada@two.test', password: 'Wrong-Horse-1' }
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      statuses.push((await call(i % 2 === 0 ? a : b, 'POST', '/api/v1/auth/login', wrong)).status)
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401])
    // S13: a locked account answers like a wrong password (401), even to the right one
    const right = { company: slug, email: 'ada@two.test', password }
    const onB = await call(b, 'POST', '/api/v1/auth/login', right)
    const onA = await call(a, 'POST', '/api/v1/auth/login', right)
    expect([onB.status, onB.json['code']]).toEqual([401, 'not_authenticated'])
    expect([onA.status, onA.json['code']]).toEqual([401, 'not_authenticated'])
  })

  it('the login rate limit counts the attempts made on both', async () => {
    // 20 attempts per client address and minute (the default); all come from 127.0.0.1, and
    // the tests above made some already: keep trying on alternate servers until refused.
    const unknown = { company: slug, email: 'nobody@two.test', password: 'Wrong-Horse-1' }
    const statuses: number[] = []
    for (let i = 0; i < 25; i++) {
      statuses.push((await call(i % 2 === 0 ? a : b, 'POST', '/api/v1/auth/login', unknown)).status)
    }
    const firstRefusal = statuses.indexOf(429)
    expect(firstRefusal).toBeGreaterThan(0)
    expect(statuses.slice(firstRefusal).every((s) => s === 429)).toBe(true)
    // 1 + 5 + 2 login attempts above, then `firstRefusal` here: 20 in all, on both servers
    expect(8 + firstRefusal).toBe(20)
  }, 120_000) // up to 25 password checks on a shared, busy machine
})
