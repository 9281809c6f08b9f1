/**
 * Limits that hold across server processes (issue 10, point 3; P8, P9): two real servers on one
 * PostgreSQL (test/servers.ts), 20 requests at once split between them. A novice's 20 dials
 * never hold more than 2 lines (the dial locks the caller's user row and counts their calls not
 * ended); a team lead's 20 pool additions never pass the daily quota of 5 (counted atomically
 * in `usage_counters`). Two inbound calls arriving at once at one queue, one on each server,
 * with two free members: each member is rung by one (issue 10: an arrival locks only the row of
 * the member it tries). PostgreSQL only: PGlite is one process by construction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, onPostgres, startTwoServers, type Server } from './servers.js'

const password = 'Correct-Horse-42'

describe.skipIf(!onPostgres)('calls: limits across two server processes on one PostgreSQL', () => {
  let a: Server
  let b: Server
  let admin = ''
  let nina = ''
  let lee = ''
  let poolId = ''
  const ids = new Map<string, string>()
  /** A person of the company holding one role, by name: logged in; their id kept in `ids`. */
  let person = async (_email: string, _role: string): Promise<string> => ''
  let stop = async () => {}
  const dialled = '+8613800138000'

  beforeAll(async () => {
    ;({ a, b, stop } = await startTwoServers())
    const signup = await call(a, 'POST', '/api/v1/signup', {
      companyName: 'Busy Lines',
      name: 'Ada',
      email: 'ada@lines.test',
      password,
    })
    expect(signup.status).toBe(201)
    const slug = (signup.json['company'] as { slug: string }).slug
    admin = signup.json['token'] as string
    const team = await call(
      a,
      'POST',
      '/api/v1/org-units',
      { kind: 'team', name: 'Outbound', parentId: null },
      admin,
    )
    const teamId = team.json['id'] as string
    const roles = (await call(a, 'GET', '/api/v1/roles?limit=200', undefined, admin)).json[
      'items'
    ] as { id: string; name: string }[]
    const roleId = (name: string) => roles.find((r) => r.name === name)?.id as string
    person = async (email: string, role: string) => {
      const made = await call(
        a,
        'POST',
        '/api/v1/users',
        { email, name: email, password, orgUnitId: teamId, roleIds: [roleId(role)] },
        admin,
      )
      expect(made.status).toBe(201)
      ids.set(email, made.json['id'] as string)
      const login = await call(b, 'POST', '/api/v1/auth/login', { company: slug, email, password })
      expect(login.status).toBe(200)
      return login.json['token'] as string
    }
    nina = await person('nina@lines.test', 'Novice agent')
    lee = await person('lee@lines.test', 'Team lead')
    const pool = await call(
      a,
      'POST',
      '/api/v1/number-pools',
      { name: 'Outbound numbers', orgUnitId: teamId },
      admin,
    )
    expect(pool.status).toBe(201)
    poolId = pool.json['id'] as string
    const added = await call(
      b,
      'POST',
      `/api/v1/number-pools/${poolId}/numbers`,
      { phone: dialled },
      admin,
    )
    expect(added.status).toBe(201)
  }, 180_000) // two servers starting (tsx compiles src/) on a shared, busy machine
  afterAll(() => stop(), 60_000)

  it('20 parallel dials by a novice hold at most 2 lines; a hang-up on one server frees a line on the other', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(i % 2 === 0 ? a : b, 'POST', '/api/v1/calls', { phone: dialled }, nina),
      ),
    )
    const statuses = answers.map((r) => r.status).sort()
    expect(statuses).toEqual([...Array(2).fill(201), ...Array(18).fill(429)])
    for (const r of answers.filter((x) => x.status === 429)) {
      expect(r.json['code']).toBe('line_limit_reached')
    }
    const live = await call(a, 'GET', '/api/v1/calls/count?status=ringing', undefined, admin)
    expect(live.json).toEqual({ count: 2 })
    const first = answers.find((r) => r.status === 201)?.json['id'] as string
    expect((await call(b, 'POST', `/api/v1/calls/${first}/hangup`, undefined, nina)).status).toBe(
      200,
    )
    expect((await call(a, 'POST', '/api/v1/calls', { phone: dialled }, nina)).status).toBe(201)
    expect((await call(b, 'POST', '/api/v1/calls', { phone: dialled }, nina)).status).toBe(429)
  }, 60_000)

  it('20 parallel pool additions by a team lead never pass the daily quota of 5: the rest ask for approval', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(
          i % 2 === 0 ? a : b,
          'POST',
          `/api/v1/number-pools/${poolId}/numbers`,
          { phone: `+86138001381${String(i).padStart(2, '0')}` },
          lee,
        ),
      ),
    )
    const statuses = answers.map((r) => r.status).sort()
    // W3: beyond the quota each one opens an approval request (202) and adds nothing
    expect(statuses).toEqual([...Array(5).fill(201), ...Array(15).fill(202)])
    for (const r of answers.filter((x) => x.status === 202)) {
      expect(r.json).toMatchObject({ applied: false, approvalRequest: { type: 'poolNumbers' } })
    }
    const numbers = await call(
      b,
      'GET',
      `/api/v1/number-pools/${poolId}/numbers?limit=200`,
      undefined,
      admin,
    )
    const items = numbers.json['items'] as { phone: string }[]
    // the admin's first number and the lead's 5
    expect(items).toHaveLength(6)
  }, 60_000)

  it('two calls arriving at once at one queue with two free members: each member is rung by one', async () => {
    const project = await call(a, 'POST', '/api/v1/projects', { name: 'Hotline' }, admin)
    expect(project.status).toBe(201)
    const projectId = project.json['id'] as string
    await person('ona@lines.test', 'Novice agent')
    await person('pim@lines.test', 'Novice agent')
    const members = [ids.get('ona@lines.test'), ids.get('pim@lines.test')] as string[]
    for (const m of members) {
      const joined = await call(b, 'PUT', `/api/v1/projects/${projectId}/members/${m}`, {}, admin)
      expect(joined.status).toBe(204)
    }
    const queue = await call(
      a,
      'POST',
      '/api/v1/queues',
      { projectId, name: 'Hotline', memberIds: members, strategy: 'longest-idle' },
      admin,
    )
    expect(queue.status).toBe(201)
    const queueId = queue.json['id'] as string
    for (let round = 0; round < 5; round++) {
      const arrivals = await Promise.all(
        [a, b].map((server, i) =>
          call(
            server,
            'POST',
            `/api/v1/queues/${queueId}/inbound`,
            { phone: `+861390000${round}${i}00` },
            admin,
          ),
        ),
      )
      expect(arrivals.map((r) => r.status)).toEqual([201, 201])
      const rung = arrivals.map((r) => r.json['call'] as { id: string; agentId: string })
      expect(rung.map((c) => c.agentId).sort()).toEqual([...members].sort())
      for (const c of rung) {
        const ended = await call(a, 'POST', `/api/v1/calls/${c.id}/hangup`, undefined, admin)
        expect(ended.status).toBe(200)
      }
    }
    const waiting = await call(b, 'GET', `/api/v1/queues/${queueId}/waiting`, undefined, admin)
    expect(waiting.json['items']).toEqual([])
  }, 120_000)
})
