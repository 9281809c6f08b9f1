import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { caller } from './fixtures.js'
import { bearer, createTestApp, signUp } from './test-app.js'

// Issue 6, point 4: one transaction per request, the fewest round trips. Both backends reach the
// database through node-postgres's Client (PGlite through its node-postgres adapter), so wrapping
// Client#query while one request runs sees every round trip, BEGIN and COMMIT included.

type Query = (...args: unknown[]) => unknown
const proto = pg.Client.prototype as unknown as { query: Query }
const original = proto.query

afterEach(() => {
  proto.query = original
})

function statementOf(args: unknown[]): string {
  const first = args[0]
  const text =
    typeof first === 'string' ? first : String((first as { text?: unknown } | null)?.text ?? '?')
  return text.replace(/\s+/g, ' ').trim()
}

/** The statements sent to the database while `fn` runs. */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = []
  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    seen.push(statementOf(args))
    return original.apply(this, args)
  }
  try {
    await fn()
  } finally {
    proto.query = original
  }
  return seen
}

const { app, clock } = await createTestApp()
const call = caller(app)
const co = await signUp(app, { companyName: 'Round Trips' })
const asAdmin = call(co.token)
const agent = (
  await asAdmin('POST', '/api/v1/users', {
    email: 'agent@rt.test',
    name: 'Agent',
    password: 'Correct-Horse-42',
  })
).json()

const readAgent = async () => {
  const res = await app.inject({
    method: 'GET',
    url: `/api/v1/users/${agent.id}`,
    headers: bearer(co.token),
  })
  expect(res.statusCode).toBe(200)
  expect(res.json().id).toBe(agent.id)
}

describe('round trips of an authorized request', () => {
  it('reads one record in one transaction of at most 5 round trips: 3', async () => {
    await readAgent() // the compiled policy is cached from here on
    const statements = await statementsOf(readAgent)
    expect(statements.length).toBeLessThanOrEqual(5)
    // BEGIN with the company's counters and the tenant binding, in one simple-query round trip
    // (db/deferred-begin.ts; the caller itself is kept in memory while the counters hold, issue 8
    // point 4); the user; COMMIT
    expect(statements).toHaveLength(3)
    expect(statements[0]?.toLowerCase()).toMatch(/^begin; with c as materialized/)
    expect(statements[0]).toContain('set_config')
    expect(statements[0]).toContain('subject_version')
    expect(statements[0]).not.toContain('token_hash')
    expect(statements[1]).toMatch(/^select .* from "users"/)
    expect(statements.at(-1)?.toLowerCase()).toBe('commit')
    expect(statements.filter((s) => s.toLowerCase().startsWith('begin'))).toHaveLength(1)
  })

  it('writes last_seen_at at most once a minute: one more round trip then', async () => {
    clock.advance(61_000)
    const touched = await statementsOf(readAgent)
    // the session is read by token hash (a parameter): BEGIN goes alone, then the touch
    expect(touched).toHaveLength(5)
    expect(touched[0]?.toLowerCase()).toBe('begin')
    expect(touched.some((s) => s.startsWith('update "sessions"'))).toBe(true)
    expect(await statementsOf(readAgent)).toHaveLength(3)
  })

  it('reads with an API key in at most three more: the S8 standing check reads the key, its creator and its role', async () => {
    const roles = (await asAdmin('GET', '/api/v1/roles')).json().items as {
      id: string
      name: string
    }[]
    const operator = roles.find((r) => r.name === 'Operator')
    const created = await asAdmin('POST', '/api/v1/api-keys', {
      name: 'reader',
      roleId: operator?.id,
    })
    expect(created.statusCode).toBe(201)
    const key = created.json().key as string
    const me = () =>
      app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(key) }).then((res) => {
        expect(res.statusCode).toBe(200)
      })
    await me() // its first use writes last_used_at
    expect((await statementsOf(me)).length).toBeLessThanOrEqual(8)
  })

  it('a policy write seeds the cache: the next read does not load the policy again', async () => {
    const created = await asAdmin('POST', '/api/v1/roles', {
      name: 'Viewer',
      grants: [{ actions: ['user.view'], scope: 'company' }],
    })
    expect(created.statusCode).toBe(201)
    // the counters moved: the caller is read again in the same transaction (one more statement)
    const next = await statementsOf(readAgent)
    expect(next).toHaveLength(4)
    expect(next[1]).toContain('token_hash')
    expect(next.some((s) => s.includes('permission_groups'))).toBe(false)
    expect(await statementsOf(readAgent)).toHaveLength(3)
  })

  it('find-by-id is compiled once: each read still gets its own id and company (another company: 404)', async () => {
    const second = (
      await asAdmin('POST', '/api/v1/users', {
        email: 'second@rt.test',
        name: 'Second',
        password: 'Correct-Horse-42',
      })
    ).json()
    const other = await signUp(app, { companyName: 'Round Trips Elsewhere' })
    const read = (token: string, id: string) =>
      app.inject({ method: 'GET', url: `/api/v1/users/${id}`, headers: bearer(token) })
    const texts: string[][] = []
    for (const [token, id, status] of [
      [co.token, agent.id, 200],
      [co.token, second.id, 200],
      [co.token, other.userId, 404],
      [other.token, agent.id, 404],
      [other.token, other.userId, 200],
      [co.token, 'no-such-user', 404],
    ] as const) {
      let res: Awaited<ReturnType<typeof read>> | undefined
      texts.push(
        await statementsOf(async () => {
          res = await read(token, id)
        }),
      )
      expect(res?.statusCode, `${id}`).toBe(status)
      if (status === 200) expect(res?.json().id).toBe(id)
    }
    // the same statement text every time (one compiled query), with the values bound per read
    const finds = new Set(texts.map((t) => t.find((s) => s.includes('from "users"'))))
    expect(finds.size).toBe(1)
  })

  it('an unknown token costs no transaction beyond its own lookup and answers 401', async () => {
    const statements = await statementsOf(async () => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/users/${agent.id}`,
        headers: bearer('not-a-token'),
      })
      expect(res.statusCode).toBe(401)
    })
    expect(statements.map((s) => s.split(' ')[0]?.toLowerCase())).toEqual([
      'begin',
      'with',
      'rollback',
    ])
  })
})
