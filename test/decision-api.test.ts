import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { caller } from './fixtures.js'
import { onPostgres } from './servers.js'
import { createTestApp, logIn, signUp, strongPassword } from './test-app.js'

// Issue 9 defect 1 (an inactive person is denied everything, with its own reason) and issue 8
// point 4 (the decision API answers from memory, and every change that affects a caller or a
// subject is in force on the very next request). Both backends: TESSERA_TEST_DATABASE_URL.
// On PostgreSQL a warm check reads the company's two counters (one round trip: other processes
// may have moved them); on embedded PGlite, where every change is this process's own, it reads
// nothing while nothing was sent to the database since (db/local-epoch.ts).

type Query = (...args: unknown[]) => unknown
const proto = pg.Client.prototype as unknown as { query: Query }
const original = proto.query
afterEach(() => {
  proto.query = original
})

/** The statements sent to the database while `fn` runs (see round-trips.test.ts). */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = []
  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    const first = args[0]
    const text = typeof first === 'string' ? first : String((first as { text?: unknown }).text)
    seen.push(text.replace(/\s+/g, ' ').trim())
    return original.apply(this, args)
  }
  try {
    await fn()
  } finally {
    proto.query = original
  }
  return seen
}

const { app, db, clock } = await createTestApp()
const call = caller(app)
const co = await signUp(app, { companyName: 'Decisions' })
const other = await signUp(app, { companyName: 'Elsewhere' })
const asAdmin = call(co.token)

const role = (
  await asAdmin('POST', '/api/v1/roles', {
    name: 'Directory',
    grants: [{ actions: ['user.view'], scope: 'company' }],
  })
).json()
expect(role.id).toBeTypeOf('string')

async function newUser(email: string): Promise<string> {
  const res = await asAdmin('POST', '/api/v1/users', {
    email,
    name: 'Agent',
    password: strongPassword,
    roleIds: [role.id],
  })
  expect(res.statusCode).toBe(201)
  return res.json().id as string
}

async function tokenOf(email: string): Promise<string> {
  const res = await logIn(app, { company: co.slug, email })
  expect(res.statusCode).toBe(200)
  return res.json().token as string
}

const question = (userId?: string) => ({
  ...(userId !== undefined && { subject: { userId } }),
  action: 'user.view',
  resource: { type: 'user', id: co.userId, attrs: { id: co.userId } },
})

async function check(token: string, body: unknown) {
  return call(token)('POST', '/api/v1/authz/check', body)
}

/** The round trips of a check answered from memory: the counters on PostgreSQL, none on PGlite. */
const warmStatements = onPostgres ? 1 : 0

/**
 * Asks until answered from memory (the memory path in use: `warmStatements` round trips) and
 * expects `allowed` each time; then the change under test must deny the next one. On PGlite the
 * first ask may read the caller in a transaction, whose statements move the epoch, and the second
 * reads the counters again: the third reads nothing.
 */
async function allowedFromMemory(token: string, body: unknown): Promise<void> {
  expect((await check(token, body)).json().allowed).toBe(true)
  expect((await check(token, body)).json().allowed).toBe(true)
  const warm = await statementsOf(async () => {
    expect((await check(token, body)).json().allowed).toBe(true)
  })
  expect(warm, warm.join(' | ')).toHaveLength(warmStatements)
}

describe('an inactive subject is denied everything, with its own reason (issue 9, defect 1)', () => {
  it('suspended, offboarded, active again: check, batch and explain agree', async () => {
    const agentId = await newUser('inactive@decisions.test')
    const allowed = await check(co.token, question(agentId))
    expect(allowed.statusCode).toBe(200)
    expect(allowed.json()).toMatchObject({ allowed: true, reason: 'granted' })
    // asked twice: the second answer comes from memory, and agrees
    expect((await check(co.token, question(agentId))).json().allowed).toBe(true)

    for (const status of ['suspended', 'offboarded']) {
      const changed = await asAdmin('PATCH', `/api/v1/users/${agentId}`, { status })
      expect(changed.statusCode).toBe(200)
      const one = await check(co.token, question(agentId))
      expect(one.statusCode).toBe(200)
      expect(one.json()).toEqual({
        allowed: false,
        reason: 'subject_inactive',
        matched: [],
        obligations: { fields: {}, audit: false, reasonRequired: false, approvalRequired: false },
      })
      const batch = await check(co.token, { checks: [question(agentId), question()] })
      expect(batch.statusCode).toBe(200)
      expect(batch.json().results.map((r: { reason: string }) => r.reason)).toEqual([
        'subject_inactive',
        'granted',
      ])
      const explained = await asAdmin('POST', '/api/v1/authz/explain', question(agentId))
      expect(explained.statusCode).toBe(200)
      expect(explained.json()).toMatchObject({
        allowed: false,
        reason: 'subject_inactive',
        action: 'user.view',
        trace: [],
      })
    }

    expect(
      (await asAdmin('PATCH', `/api/v1/users/${agentId}`, { status: 'active' })).statusCode,
    ).toBe(200)
    expect((await check(co.token, question(agentId))).json().reason).toBe('granted')
  })

  it('the catalog lists the reason; another company cannot ask; a bad question is 400', async () => {
    const reasons = (await app.inject({ method: 'GET', url: '/api/v1/permissions' })).json()
      .reasons as { code: string }[]
    expect(reasons.map((r) => r.code)).toContain('subject_inactive')
    const agentId = await newUser('foreign@decisions.test')
    await asAdmin('PATCH', `/api/v1/users/${agentId}`, { status: 'suspended' })
    const foreign = await check(other.token, question(agentId))
    expect([foreign.statusCode, foreign.json().code]).toEqual([404, 'not_found'])
    const bad = await check(co.token, { ...question(agentId), action: 'user.fly' })
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'validation_failed'])
  })
})

describe('the decision API from memory: every change is in force on the next request', () => {
  it('a warm /authz/check reads only the company counters: one round trip, none on PGlite', async () => {
    const agentId = await newUser('warm@decisions.test')
    // the first reads the person asked about in a transaction (on PGlite its statements move the
    // epoch, so the second reads the counters again)
    await check(co.token, { checks: [question(agentId), question()] })
    await check(co.token, { checks: [question(agentId), question()] })
    const own = await statementsOf(async () => {
      expect((await check(co.token, question())).json().allowed).toBe(true)
    })
    expect(own).toHaveLength(warmStatements)
    if (onPostgres)
      expect(own[0]).toMatch(
        /^\/\* reads only \*\/ select policy_version, subject_version from companies/,
      )
    const about = await statementsOf(async () => {
      const res = await check(co.token, { checks: [question(agentId), question()] })
      expect(res.json().results.map((r: { allowed: boolean }) => r.allowed)).toEqual([true, true])
    })
    expect(about).toHaveLength(warmStatements)
  })

  it('role removal, suspension and logout: denied on the very next request', async () => {
    const agentId = await newUser('revoked@decisions.test')
    const agent = await tokenOf('revoked@decisions.test')
    expect((await check(agent, question())).json().allowed).toBe(true)
    expect((await check(agent, question())).json().allowed).toBe(true) // from memory

    const removed = await asAdmin('PUT', `/api/v1/users/${agentId}/roles`, { roleIds: [] })
    expect(removed.statusCode).toBe(200)
    expect((await check(agent, question())).json()).toMatchObject({
      allowed: false,
      reason: 'not_granted',
    })
    await asAdmin('PUT', `/api/v1/users/${agentId}/roles`, { roleIds: [role.id] })
    expect((await check(agent, question())).json().allowed).toBe(true)

    // the role itself edited: a policy change
    const narrowed = await asAdmin('PATCH', `/api/v1/roles/${role.id}`, {
      grants: [{ actions: ['user.view'], scope: 'own' }],
    })
    expect(narrowed.statusCode).toBe(200)
    expect((await check(agent, question())).json().allowed).toBe(false)
    await asAdmin('PATCH', `/api/v1/roles/${role.id}`, {
      grants: [{ actions: ['user.view'], scope: 'company' }],
    })
    expect((await check(agent, question())).json().allowed).toBe(true)

    // logging out ends the session everywhere at once
    const second = await tokenOf('revoked@decisions.test')
    expect((await check(second, question())).statusCode).toBe(200)
    expect((await call(second)('POST', '/api/v1/auth/logout')).statusCode).toBe(204)
    expect((await check(second, question())).statusCode).toBe(401)

    // suspension ends the person's sessions: the kept caller is not used again
    await asAdmin('PATCH', `/api/v1/users/${agentId}`, { status: 'suspended' })
    expect((await check(agent, question())).statusCode).toBe(401)
  })

  it('a revoked API key is refused on the next request', async () => {
    const created = await asAdmin('POST', '/api/v1/api-keys', { name: 'pdp', roleId: role.id })
    expect(created.statusCode).toBe(201)
    const { key, apiKey } = created.json() as { key: string; apiKey: { id: string } }
    await allowedFromMemory(key, question())
    expect((await asAdmin('DELETE', `/api/v1/api-keys/${apiKey.id}`)).statusCode).toBe(204)
    expect((await check(key, question())).statusCode).toBe(401)
  })
})

describe('each revocation is in force on the very next check while the memory path is in use', () => {
  /** The first check after a change reads again; the ones after it come from memory again. */
  async function deniedNext(token: string, body: unknown, reason = 'not_granted') {
    const [first, second] = await Promise.all([check(token, body), check(token, body)])
    for (const res of [first, second]) {
      expect(res?.statusCode).toBe(200)
      expect(res?.json()).toMatchObject({ allowed: false, reason })
    }
  }

  it('a role taken away, a role narrowed, a group taken away', async () => {
    const agentId = await newUser('classes@decisions.test')
    const agent = await tokenOf('classes@decisions.test')
    const set = (what: 'roles' | 'groups', ids: string[]) =>
      asAdmin('PUT', `/api/v1/users/${agentId}/${what}`, {
        [what === 'roles' ? 'roleIds' : 'groupIds']: ids,
      }).then((res) => expect(res.statusCode, res.body).toBe(200))
    const viewAll = [{ actions: ['user.view'], scope: 'company' }]

    await allowedFromMemory(agent, question())
    await set('roles', [])
    await deniedNext(agent, question())

    const group = await asAdmin('POST', '/api/v1/permission-groups', {
      name: 'Directory add-on',
      grants: viewAll,
    })
    await set('groups', [group.json().id])
    await allowedFromMemory(agent, question())
    await set('groups', [])
    await deniedNext(agent, question())

    const narrow = await asAdmin('POST', '/api/v1/roles', { name: 'Narrowed', grants: viewAll })
    await set('roles', [narrow.json().id])
    await allowedFromMemory(agent, question())
    const edited = await asAdmin('PATCH', `/api/v1/roles/${narrow.json().id}`, {
      grants: [{ actions: ['user.view'], scope: 'own' }],
    })
    expect(edited.statusCode).toBe(200)
    await deniedNext(agent, question(), 'out_of_scope')
  })

  it('a key revoked, a person deactivated (as the caller and as the subject asked about)', async () => {
    const created = await asAdmin('POST', '/api/v1/api-keys', { name: 'pdp 2', roleId: role.id })
    const { key, apiKey } = created.json() as { key: string; apiKey: { id: string } }
    await allowedFromMemory(key, question())
    expect((await asAdmin('DELETE', `/api/v1/api-keys/${apiKey.id}`)).statusCode).toBe(204)
    expect((await check(key, question())).statusCode).toBe(401)

    const agentId = await newUser('deactivated@decisions.test')
    const agent = await tokenOf('deactivated@decisions.test')
    await allowedFromMemory(agent, question())
    await allowedFromMemory(co.token, question(agentId))
    await asAdmin('PATCH', `/api/v1/users/${agentId}`, { status: 'suspended' })
    expect((await check(agent, question())).statusCode).toBe(401)
    await deniedNext(co.token, question(agentId), 'subject_inactive')
  })

  it('a temporary grant revoked, and one that ends by the clock (decided in memory)', async () => {
    const agentId = await newUser('granted@decisions.test')
    const agent = await tokenOf('granted@decisions.test')
    await asAdmin('PUT', `/api/v1/users/${agentId}/roles`, { roleIds: [] })
    const give = (endsAt: Date) =>
      asAdmin('POST', '/api/v1/grants', {
        userId: agentId,
        actions: ['user.view'],
        scope: 'company',
        endsAt: endsAt.toISOString(),
        reason: 'covers the directory today',
      })
    const given = await give(new Date(clock.now().getTime() + 3_600_000))
    expect(given.statusCode, given.body).toBe(201)
    await allowedFromMemory(agent, question())
    expect((await asAdmin('DELETE', `/api/v1/grants/${given.json().id}`)).statusCode).toBe(200)
    await deniedNext(agent, question())

    // nothing is written when a grant ends: the engine decides by the request's time
    const ending = await give(new Date(clock.now().getTime() + 30_000))
    expect(ending.statusCode, ending.body).toBe(201)
    await allowedFromMemory(agent, question())
    clock.advance(31_000)
    const ended = await statementsOf(() => deniedNext(agent, question(), 'grant_inactive'))
    expect(ended).toHaveLength(2 * warmStatements)
  })

  it('a change written past the services, and one rolled back: the next check reads again', async () => {
    const agentId = await newUser('direct@decisions.test')
    const agent = await tokenOf('direct@decisions.test')
    await allowedFromMemory(agent, question())
    // a transaction that removed the role and then rolled back changed nothing, yet moved the
    // epoch: the next check reads the counters again (and finds them as they were)
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.deleteFrom('user_roles').where('user_id', '=', agentId).execute()
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    const reread = await statementsOf(async () => {
      expect((await check(agent, question())).json().allowed).toBe(true)
    })
    expect(reread.length).toBeGreaterThanOrEqual(1)
    await allowedFromMemory(agent, question())
    // the same change committed by a statement no service sent: the triggers moved the counters
    await db.deleteFrom('user_roles').where('user_id', '=', agentId).execute()
    await deniedNext(agent, question())
  })
})
