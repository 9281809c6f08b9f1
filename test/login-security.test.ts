import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { generateSync } from 'otplib'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig, loadTestDatabaseUrl } from '../src/config.js'
import { createDb } from '../src/db/index.js'
import { buildApp } from '../src/http/app.js'
import { addUser, auditActions, bearer, createTestApp, logIn, problem, signUp } from './test-app.js'

// Issue 7: S3 (one-time codes are single use) and S6 (parallel failures lock the account) under
// real concurrency on PostgreSQL.

const { app, db, clock } = await createTestApp()
const co = await signUp(app, { companyName: 'Login Security Co' })
const wrong = 'Wrong-guess-99'

/** Moves past the login rate limiter's window, so each test starts with a fresh allowance. */
const nextMinute = () => clock.advance(61_000)

// ---------------------------------------------------------------------------------------------
// Races. PGlite has one connection, so requests cannot overlap in the database there.

const testDatabaseUrl = loadTestDatabaseUrl()

/**
 * A second server on the same database with its own connection pool, as a second process behind
 * a load balancer would be: the parallel requests below alternate between the two.
 */
async function secondServer(): Promise<FastifyInstance> {
  const url = new URL(testDatabaseUrl ?? '')
  const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db)
  url.pathname = `/${rows[0]?.name}`
  const db2 = await createDb({ databaseUrl: url.toString(), dataDir: 'memory://' })
  const app2 = await buildApp({ config: loadConfig({}), db: db2, clock })
  afterAll(async () => {
    await app2.close()
    await db2.destroy()
  })
  return app2
}

const servers = testDatabaseUrl === undefined ? [app] : [app, await secondServer()]

/** The same login sent `n` times at once, spread over the servers. */
function inParallel(n: number, body: Parameters<typeof logIn>[1]) {
  return Promise.all(
    Array.from({ length: n }, (_, i) => logIn(servers[i % servers.length] ?? app, body)),
  )
}

const totp = (secret: string) =>
  generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) })

/** A user with MFA on (enrolled through the API), and their secret and recovery codes. */
async function userWithMfa(email: string) {
  await addUser(db, co.companyId, { email })
  const token = (await logIn(app, { company: co.slug, email })).json().token as string
  const post = (url: string, payload?: object) =>
    app.inject({ method: 'POST', url, headers: bearer(token), ...(payload && { payload }) })
  const secret = (await post('/api/v1/auth/mfa/enrol')).json().secret as string
  const confirmed = await post('/api/v1/auth/mfa/confirm', { code: totp(secret) })
  expect(confirmed.statusCode).toBe(200)
  clock.advance(30_000)
  return { email, token, secret, recoveryCodes: confirmed.json().recoveryCodes as string[] }
}

const statuses = (responses: LightMyRequestResponse[]) =>
  responses.map((r) => r.statusCode).sort((a, b) => a - b)

describe.skipIf(testDatabaseUrl === undefined)('races on PostgreSQL', () => {
  it('S3: one TOTP code sent 4 times at once logs in once', async () => {
    nextMinute()
    const user = await userWithMfa('totp-race@example.com')
    const code = totp(user.secret)
    const results = await inParallel(4, { company: co.slug, email: user.email, totp: code })
    expect(statuses(results)).toEqual([200, 401, 401, 401])
    for (const r of results.filter((r) => r.statusCode !== 200)) problem(r, 401, 'mfa_required')
  })

  it('S3: one recovery code sent 4 times at once logs in once', async () => {
    nextMinute()
    const user = await userWithMfa('recovery-race@example.com')
    const code = user.recoveryCodes[0] ?? ''
    const results = await inParallel(4, { company: co.slug, email: user.email, totp: code })
    expect(statuses(results)).toEqual([200, 401, 401, 401])
    const used = (await auditActions(db, co.companyId)).filter(
      (e) =>
        e.action === 'auth.login_succeeded' && (e.after as { via: string }).via === 'recovery_code',
    )
    expect(used).toHaveLength(1)
  })

  it('S3: one recovery code proves the second factor once for MFA changes too', async () => {
    nextMinute()
    const user = await userWithMfa('regen-race@example.com')
    const code = user.recoveryCodes[0] ?? ''
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        (servers[i % servers.length] ?? app).inject({
          method: 'POST',
          url: '/api/v1/auth/mfa/recovery-codes',
          headers: bearer(user.token),
          payload: { code },
        }),
      ),
    )
    expect(statuses(results)).toEqual([200, 400, 400, 400])
  })

  it('S6: 10 wrong passwords at once lock the account; the right one is then refused', async () => {
    nextMinute()
    const email = 'burst@example.com'
    await addUser(db, co.companyId, { email })
    const results = await inParallel(10, { company: co.slug, email, password: wrong })
    // Five wrong passwords counted one after another; the fifth locked; the rest met the lock.
    expect(statuses(results)).toEqual([401, 401, 401, 401, 401, 423, 423, 423, 423, 423])
    const events = (await auditActions(db, co.companyId)).filter((e) =>
      e.action.startsWith('auth.'),
    )
    expect(events.filter((e) => e.action === 'auth.locked')).toHaveLength(1)

    nextMinute()
    const right = await logIn(app, { company: co.slug, email })
    problem(right, 423, 'locked')
    expect((await auditActions(db, co.companyId)).at(-1)?.after).toMatchObject({
      reason: 'locked',
    })
    clock.advance(15 * 60_000)
    expect((await logIn(app, { company: co.slug, email })).statusCode).toBe(200)
  })
})
