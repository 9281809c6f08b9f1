import type { Database } from '../src/domain/database.js'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { generateSync } from 'otplib'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig, loadTestDatabaseUrl } from '../src/config.js'
import { createDb } from '../src/db/index.js'
import { buildApp } from '../src/http/app.js'
import {
  addUser,
  auditActions,
  bearer,
  createTestApp,
  logIn,
  problem,
  signUp,
  testSecretKey,
} from './test-app.js'

// Issue 7: S13 (no account oracle in login answers) on both databases; S3 (one-time codes are
// single use) and S6 (parallel failures lock the account) under real concurrency on PostgreSQL.

const { app, db, clock } = await createTestApp()
const co = await signUp(app, { companyName: 'Login Security Co' })
const wrong = 'Wrong-guess-99'

/** Moves past the login rate limiter's window, so each test starts with a fresh allowance. */
const nextMinute = () => clock.advance(61_000)

/** The parts of an answer a client can compare: status, code, title, detail. */
function answer(res: LightMyRequestResponse) {
  return { status: res.statusCode, type: res.headers['content-type'], body: res.json() }
}

describe('S13: login answers do not tell which accounts exist or how they stand', () => {
  it('answers a locked account exactly like an unknown email, right password or not', async () => {
    nextMinute()
    const email = 'locked-out@example.com'
    await addUser(db, co.companyId, { email })
    for (let i = 0; i < 5; i++) {
      problem(
        await logIn(app, { company: co.slug, email, password: wrong }),
        401,
        'not_authenticated',
      )
    }
    const unknown = answer(await logIn(app, { company: co.slug, email: 'nobody@example.com' }))
    expect(unknown.status).toBe(401)
    expect(answer(await logIn(app, { company: co.slug, email, password: wrong }))).toEqual(unknown)
    expect(answer(await logIn(app, { company: co.slug, email }))).toEqual(unknown)
    const reasons = (await auditActions(db, co.companyId))
      .filter((e) => e.action === 'auth.login_failed')
      .map((e) => (e.after as { reason: string }).reason)
    expect(reasons.slice(-3)).toEqual(['unknown_email', 'locked', 'locked'])
  })

  it.each(['suspended', 'offboarded'] as const)(
    'answers a %s account like a wrong password, whether or not the password is right',
    async (status) => {
      nextMinute()
      const email = `${status}@example.com`
      const id = await addUser(db, co.companyId, { email })
      await db.updateTable('users').set({ status }).where('id', '=', id).execute()
      const wrongPassword = answer(
        await logIn(app, { company: co.slug, email: co.email, password: wrong }),
      )
      expect(wrongPassword.status).toBe(401)
      expect(answer(await logIn(app, { company: co.slug, email }))).toEqual(wrongPassword)
      expect(answer(await logIn(app, { company: co.slug, email, password: wrong }))).toEqual(
        wrongPassword,
      )
      const unknown = answer(await logIn(app, { company: co.slug, email: 'nobody@example.com' }))
      expect(unknown).toEqual(wrongPassword)
    },
  )
})

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
  const db2 = await createDb<Database>({ databaseUrl: url.toString(), dataDir: 'memory://' })
  const app2 = await buildApp({
    config: loadConfig({}),
    db: db2,
    clock,
    // Servers of one deployment share the key, or one cannot open what another sealed (S15).
    secretKey: testSecretKey,
  })
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
    const userId = await addUser(db, co.companyId, { email })
    const results = await inParallel(10, { company: co.slug, email, password: wrong })
    // Five counted one after another, the fifth locked, the rest met the lock: all alike (S13).
    for (const r of results) expect(r.body).toBe(results[0]?.body)
    problem(results[0] as LightMyRequestResponse, 401, 'not_authenticated')
    const mine = (await auditActions(db, co.companyId)).filter((e) => e.target_id === userId)
    expect(mine.filter((e) => e.action === 'auth.locked')).toHaveLength(1)
    const reasons = mine.map((e) => (e.after as { reason?: string }).reason).filter(Boolean)
    expect(reasons.sort()).toEqual([...Array(5).fill('locked'), ...Array(5).fill('wrong_password')])

    nextMinute()
    const right = await logIn(app, { company: co.slug, email })
    problem(right, 401, 'not_authenticated')
    expect((await auditActions(db, co.companyId)).at(-1)?.after).toMatchObject({
      reason: 'locked',
    })
    clock.advance(15 * 60_000)
    expect((await logIn(app, { company: co.slug, email })).statusCode).toBe(200)
  })
})
