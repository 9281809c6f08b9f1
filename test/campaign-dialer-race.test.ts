/**
 * Issue 10 (protected workspace), item 2: two dialer runs of one campaign at once, one on each of
 * two real server processes on one PostgreSQL (test/servers.ts). Nobody on the list is called
 * twice (runs of a campaign take turns on its row lock; a contact is marked called with its
 * call), and the runner's line limit holds (the Telesales agent's 5, counted under their user row
 * lock): the first pair of runs places 5 calls in all and leaves the rest pending; after the
 * hang-ups the next pair, racing three manual dials of the runner on both servers, shares the
 * same 5 lines with them; a last pair places whatever is left. PostgreSQL only: PGlite is one process by construction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, onPostgres, startTwoServers, type Server } from './servers.js'

const password = 'Correct-Horse-42'

type Run = { placed: { customerId: string; callId: string }[]; skipped: { reason: string }[] }

describe.skipIf(!onPostgres)('two dialer runs of one campaign at once, on two servers', () => {
  let a: Server
  let b: Server
  let admin = ''
  let tess = ''
  let campaign = ''
  const customers: string[] = []
  /** A number of the pool on no list, which Tess dials by hand while runs go on. */
  const manual = '+8613900000200'
  let stop = async () => {}

  async function must(
    server: Server,
    method: string,
    path: string,
    body: unknown,
    token: string,
    status = 201,
  ) {
    const res = await call(server, method, path, body, token)
    if (res.status !== status) {
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`)
    }
    return res.json
  }

  beforeAll(async () => {
    ;({ a, b, stop } = await startTwoServers())
    const signup = await call(a, 'POST', '/api/v1/signup', {
      companyName: 'Race Dialer',
      name: 'Ada',
      email: 'ada@race.test',
      password,
    })
    expect(signup.status).toBe(201)
    const slug = (signup.json['company'] as { slug: string }).slug
    admin = signup.json['token'] as string
    const team = (await must(a, 'POST', '/api/v1/org-units', { kind: 'team', name: 'T' }, admin))[
      'id'
    ] as string
    const project = (await must(a, 'POST', '/api/v1/projects', { name: 'Apollo' }, admin))[
      'id'
    ] as string
    const roles = (await must(a, 'GET', '/api/v1/roles?limit=200', undefined, admin, 200))[
      'items'
    ] as { id: string; name: string }[]
    const telesales = roles.find((r) => r.name === 'Telesales agent')?.id as string
    const user = await must(
      a,
      'POST',
      '/api/v1/users',
      { email: 'tess@race.test', name: 'Tess', password, orgUnitId: team, roleIds: [telesales] },
      admin,
    )
    const tessId = user['id'] as string
    await must(a, 'PUT', `/api/v1/projects/${project}/members/${tessId}`, undefined, admin, 204)
    const login = await call(b, 'POST', '/api/v1/auth/login', {
      company: slug,
      email: 'tess@race.test',
      password,
    })
    tess = login.json['token'] as string
    const pool = (
      await must(a, 'POST', '/api/v1/number-pools', { name: 'P', projectId: project }, admin)
    )['id'] as string
    await must(a, 'POST', `/api/v1/number-pools/${pool}/numbers`, { phone: manual }, admin)
    for (let i = 0; i < 8; i++) {
      const phone = `+86139000001${String(i).padStart(2, '0')}`
      await must(b, 'POST', `/api/v1/number-pools/${pool}/numbers`, { phone }, admin)
      const c = await must(
        a,
        'POST',
        '/api/v1/customers',
        { name: `C${i}`, phone, ownerId: tessId, orgUnitId: team },
        admin,
      )
      customers.push(c['id'] as string)
    }
    const dialer = (
      await must(a, 'POST', '/api/v1/dialers', { projectId: project, name: 'D' }, admin)
    )['id'] as string
    campaign = (
      await must(
        a,
        'POST',
        '/api/v1/campaigns',
        { projectId: project, name: 'C', dialerId: dialer },
        admin,
      )
    )['id'] as string
    await must(
      a,
      'POST',
      `/api/v1/campaigns/${campaign}/contacts`,
      { customerIds: customers },
      admin,
      200,
    )
    await must(a, 'POST', `/api/v1/dialers/${dialer}/start`, undefined, admin, 200)
    await must(b, 'POST', `/api/v1/campaigns/${campaign}/launch`, undefined, admin, 200)
  }, 180_000) // two servers starting (tsx compiles src/) on a shared, busy machine
  afterAll(() => stop(), 60_000)

  const runBoth = async () => {
    const runs = await Promise.all(
      [a, b].map((s) => call(s, 'POST', `/api/v1/campaigns/${campaign}/dial`, {}, tess)),
    )
    for (const r of runs) expect(r.status).toBe(200)
    return runs.map((r) => r.json as unknown as Run)
  }
  const contacts = async () =>
    (
      await must(
        a,
        'GET',
        `/api/v1/campaigns/${campaign}/contacts?limit=100`,
        undefined,
        admin,
        200,
      )
    )['items'] as { customerId: string; status: string; callId: string | null }[]
  const lines = async () =>
    (await must(b, 'GET', '/api/v1/calls/lines', undefined, tess, 200)) as {
      inUse: number
      limit: number
    }

  it('call nobody twice and never pass the line limit', async () => {
    const first = await runBoth()
    const placed1 = first.flatMap((r) => r.placed)
    expect(placed1).toHaveLength(5) // Tess's 5 lines
    expect(new Set(placed1.map((p) => p.customerId)).size).toBe(5)
    // the other contacts were refused for busy lines and stay pending
    for (const s of first.flatMap((r) => r.skipped)) expect(s.reason).toBe('line_limit_reached')
    expect(await lines()).toMatchObject({ inUse: 5, limit: 5 })
    let list = await contacts()
    expect(list.filter((c) => c.status === 'called')).toHaveLength(5)
    expect(list.filter((c) => c.status === 'pending')).toHaveLength(3)

    for (const p of placed1) {
      const hung = await call(b, 'POST', `/api/v1/calls/${p.callId}/hangup`, undefined, tess)
      expect(hung.status).toBe(200)
    }
    // the next pair runs while Tess dials three times by hand, on both servers: 6 calls wanted,
    // 5 lines, so exactly 5 are placed, whichever comes first
    const [second, dials] = await Promise.all([
      runBoth(),
      Promise.all([a, b, a].map((s) => call(s, 'POST', '/api/v1/calls', { phone: manual }, tess))),
    ])
    const placed2 = second.flatMap((r) => r.placed)
    const dialled = dials.filter((d) => d.status === 201)
    for (const d of dials.filter((x) => x.status !== 201)) {
      expect([d.status, d.json['code']]).toEqual([429, 'line_limit_reached'])
    }
    expect(placed2.length + dialled.length).toBe(5)
    expect(await lines()).toMatchObject({ inUse: 5, limit: 5 })
    for (const id of [...placed2.map((p) => p.callId), ...dialled.map((d) => d.json['id'])]) {
      const hung = await call(a, 'POST', `/api/v1/calls/${id as string}/hangup`, undefined, tess)
      expect(hung.status).toBe(200)
    }
    const third = await runBoth()
    const placed3 = third.flatMap((r) => r.placed)
    const everyone = [...placed1, ...placed2, ...placed3].map((p) => p.customerId)
    expect(everyone).toHaveLength(8)
    expect(everyone.sort()).toEqual([...customers].sort())
    list = await contacts()
    expect(list.every((c) => c.status === 'called' && c.callId !== null)).toBe(true)
    // one call per customer in the log: nobody on the list was dialled twice
    const log = (await must(a, 'GET', '/api/v1/calls?limit=100', undefined, admin, 200))[
      'items'
    ] as { customerId: string | null }[]
    const toCustomers = log.filter((c) => c.customerId !== null)
    expect(toCustomers).toHaveLength(8)
    expect(new Set(toCustomers.map((c) => c.customerId)).size).toBe(8)
    expect(log).toHaveLength(8 + dialled.length)
    expect((await lines()).inUse).toBe(placed3.length)
  }, 120_000)
})
