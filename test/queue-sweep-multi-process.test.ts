/**
 * Issue 10: the queue sweep (src/domain/calls/sweep.ts) in two real server processes on one
 * PostgreSQL (test/servers.ts), both sweeping every 50 ms. One call waits in a queue whose only
 * agent is busy; two more members get a temporary grant of `call.view` starting a few seconds
 * later — nothing hands the call on until then but the sweeps, which both find it takeable at
 * the same moment. It is handed to exactly one of them, once: one `call.routed`, the call theirs,
 * the queue empty, and the other holds no line. PostgreSQL only: PGlite is one process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, onPostgres, startTwoServers, type Server } from './servers.js'

const password = 'Correct-Horse-42'

describe.skipIf(!onPostgres)('the queue sweep in two server processes at once', () => {
  let a: Server
  let b: Server
  let admin = ''
  let stop = async () => {}
  const ids = new Map<string, string>()
  let phones = 0

  beforeAll(async () => {
    ;({ a, b, stop } = await startTwoServers({ TESSERA_QUEUE_SWEEP_MS: '50' }))
    const signup = await call(a, 'POST', '/api/v1/signup', {
      companyName: 'Swept Queues',
      name: 'Ada',
      email: 'ada@swept.test',
      password,
    })
    expect(signup.status).toBe(201)
    admin = signup.json['token'] as string
  }, 180_000) // two servers starting (tsx compiles src/) on a shared, busy machine
  afterAll(() => stop(), 60_000)

  const must = async (
    res: Promise<{ status: number; json: Record<string, unknown> }>,
    status = 201,
  ) => {
    const r = await res
    if (r.status !== status)
      throw new Error(`expected ${status}: ${r.status} ${JSON.stringify(r.json)}`)
    return r.json
  }

  it('hands the waiting call to exactly one of the two members whose grants started', async () => {
    const team = await must(
      call(a, 'POST', '/api/v1/org-units', { kind: 'team', name: 'Desk', parentId: null }, admin),
    )
    const project = await must(call(a, 'POST', '/api/v1/projects', { name: 'Hotline' }, admin))
    const roles = (await must(call(a, 'GET', '/api/v1/roles?limit=200', undefined, admin), 200))[
      'items'
    ] as { id: string; name: string }[]
    const person = async (email: string, role: string) => {
      const roleId = roles.find((r) => r.name === role)?.id
      const made = await must(
        call(
          a,
          'POST',
          '/api/v1/users',
          { email, name: email, password, orgUnitId: team['id'], roleIds: [roleId] },
          admin,
        ),
      )
      const id = made['id'] as string
      ids.set(email, id)
      await must(
        call(b, 'PUT', `/api/v1/projects/${project['id']}/members/${id}`, undefined, admin),
        204,
      )
      return id
    }
    const busy = await person('busy@swept.test', 'Novice agent') // two lines
    const u = await person('u@swept.test', 'Marketing') // no call.view
    const v = await person('v@swept.test', 'Marketing')
    const queue = await must(
      call(
        a,
        'POST',
        '/api/v1/queues',
        { projectId: project['id'], name: 'Main', memberIds: [busy, u, v], strategy: 'ring-all' },
        admin,
      ),
    )
    const arrive = () =>
      call(
        a,
        'POST',
        `/api/v1/queues/${queue['id']}/inbound`,
        {
          phone: `+86139${String(++phones).padStart(8, '0')}`,
        },
        admin,
      )
    expect((await must(arrive()))['routed']).toBe(true)
    expect((await must(arrive()))['routed']).toBe(true)
    const left = await must(arrive(), 202)
    const waitingId = (left['queued'] as { id: string }).id

    // both grants start at the same moment, a few seconds from now (the servers' clock)
    const startsAt = new Date(Date.now() + 3_000)
    for (const [userId, server] of [
      [u, a],
      [v, b],
    ] as const) {
      await must(
        call(
          server,
          'POST',
          '/api/v1/grants',
          {
            userId,
            actions: ['call.view'],
            scope: 'own',
            startsAt: startsAt.toISOString(),
            endsAt: new Date(startsAt.getTime() + 60 * 60_000).toISOString(),
            reason: 'evening cover',
          },
          admin,
        ),
      )
    }
    const waiting = async () =>
      (
        (
          await must(call(b, 'GET', `/api/v1/queues/${queue['id']}/waiting`, undefined, admin), 200)
        )['items'] as { id: string }[]
      ).map((c) => c.id)
    // until the grants start, the call waits (nothing but a sweep can hand it on now)
    expect(await waiting()).toEqual([waitingId])
    await expect.poll(waiting, { timeout: 30_000, interval: 100 }).toEqual([])

    const taken = await must(call(a, 'GET', `/api/v1/calls/${waitingId}`, undefined, admin), 200)
    expect([u, v]).toContain(taken['agentId'])
    const routed = (
      await must(
        call(a, 'GET', `/api/v1/audit?action=call.routed&targetId=${waitingId}`, undefined, admin),
        200,
      )
    )['items'] as { actorUserId: string | null }[]
    expect(routed).toHaveLength(1)
    expect(routed[0]?.actorUserId).toBeNull() // the system's: nobody did it
    // the other member holds no line: one call, one agent
    const live = (await must(call(b, 'GET', '/api/v1/calls?limit=100', undefined, admin), 200))[
      'items'
    ] as { id: string; agentId: string; status: string }[]
    const ofMembers = live.filter((c) => [u, v].includes(c.agentId) && c.status !== 'ended')
    expect(ofMembers.map((c) => c.id)).toEqual([waitingId])
  }, 90_000)
})
