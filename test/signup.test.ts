import type { LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { createSignupLimiter } from '../src/domain/accounts/index.js'
import { buildApp } from '../src/http/app.js'
import {
  auditActions,
  bearer,
  createTestApp,
  problem,
  signUp,
  strongPassword,
  testSecretKey,
} from './test-app.js'

const { app, db } = await createTestApp()

const validBody = {
  companyName: 'Acme Support',
  name: 'Ann Admin',
  email: 'Ann@Acme.test',
  password: strongPassword,
  timezone: 'Europe/Berlin',
}

async function countRows() {
  const [companies, users, audit] = await Promise.all(
    (['companies', 'users', 'audit_events'] as const).map((t) =>
      db
        .selectFrom(t)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ),
  )
  return { companies: companies?.n, users: users?.n, audit: audit?.n }
}

describe('POST /api/v1/signup', () => {
  it('creates the company, its built-in roles and an Admin who is logged in', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/signup', payload: validBody })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body.company).toEqual({
      id: expect.any(String),
      slug: 'acme-support',
      name: 'Acme Support',
    })
    expect(body.user).toMatchObject({ email: 'ann@acme.test', status: 'active', level: 'admin' })
    expect(body.token).toEqual(expect.any(String))

    const cookies = res.cookies
    const session = cookies.find((c) => c.name === 'tessera_session')
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    expect(cookies.find((c) => c.name === 'tessera_csrf')?.httpOnly).toBeFalsy()

    const roles = await db
      .selectFrom('roles')
      .select(['name', 'kind'])
      .where('company_id', '=', body.company.id)
      .where('kind', '=', 'builtin')
      .orderBy('name')
      .execute()
    expect(roles).toEqual([
      { name: 'Admin', kind: 'builtin' },
      { name: 'Operator', kind: 'builtin' },
      { name: 'Supervisor', kind: 'builtin' },
    ])
    const assigned = await db
      .selectFrom('user_roles')
      .innerJoin('roles', 'roles.id', 'user_roles.role_id')
      .select('roles.name')
      .where('user_roles.user_id', '=', body.user.id)
      .execute()
    expect(assigned).toEqual([{ name: 'Admin' }])

    const actions = (await auditActions(db, body.company.id)).map((e) => e.action)
    expect(actions).toEqual([
      'company.created',
      'user.created',
      'user.role_assigned',
      'session.opened',
    ])

    const sessions = await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(body.token) })
    expect(sessions.statusCode).toBe(200)
  })

  it('derives a free slug when the name is taken', async () => {
    const again = await signUp(app, { companyName: 'Acme Support' })
    expect(again.slug).toBe('acme-support-2')
    const third = await signUp(app, { companyName: 'ACME support!!' })
    expect(third.slug).toBe('acme-support-3')
  })

  it("GET /me names the caller's company, its sign-in name and time zone, to a person and to an API key", async () => {
    const moscow = await signUp(app, { companyName: 'Zvezda Contact', timezone: 'Europe/Moscow' })
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(moscow.token) })
    expect(me.statusCode).toBe(200)
    expect(me.json().company).toEqual({
      id: moscow.companyId,
      name: 'Zvezda Contact',
      slug: moscow.slug,
      timeZone: 'Europe/Moscow',
    })
    const roles = await app.inject({
      method: 'GET',
      url: '/api/v1/roles',
      headers: bearer(moscow.token),
    })
    const operator = (roles.json().items as { id: string; name: string }[]).find(
      (r) => r.name === 'Operator',
    )
    const key = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(moscow.token),
      payload: { name: 'wallboard', roleId: operator?.id },
    })
    expect(key.statusCode).toBe(201)
    const asKey = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: bearer(key.json().key as string),
    })
    expect(asKey.statusCode).toBe(200)
    expect(asKey.json().user).toBeNull()
    expect(asKey.json().company.timeZone).toBe('Europe/Moscow')
    // another company's caller sees their own company, never this one
    const other = await signUp(app, { timezone: 'Asia/Shanghai' })
    const theirs = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: bearer(other.token),
    })
    expect(theirs.json().company).toMatchObject({ id: other.companyId, timeZone: 'Asia/Shanghai' })
  })

  it('stores only a scrypt hash of the password', async () => {
    const row = await db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'ann@acme.test')
      .executeTakeFirstOrThrow()
    expect(row.password_hash).toMatch(/^scrypt\$/)
    expect(row.password_hash).not.toContain(strongPassword)
  })

  const { companyName: _omit, ...missingCompany } = validBody
  it.each([
    ['a missing field', missingCompany, 'body/companyName'],
    ['a wrong type', { ...validBody, companyName: 42 }, 'body/companyName'],
    ['a too long value', { ...validBody, name: 'x'.repeat(201) }, 'body/name'],
    ['an unknown field', { ...validBody, isAdmin: true }, 'body/isAdmin'],
    ['an invalid email', { ...validBody, email: 'not-an-email' }, 'body/email'],
    ['a weak password', { ...validBody, password: 'aaaaaaaaaaaa' }, 'body/password'],
    ['a short password', { ...validBody, password: 'Ab1' }, 'body/password'],
    ['an unknown time zone', { ...validBody, timezone: 'Mars/Olympus' }, 'body/timezone'],
  ])('rejects %s with 400 problem+json and writes nothing', async (_name, payload, path) => {
    const before = await countRows()
    const res = await app.inject({ method: 'POST', url: '/api/v1/signup', payload })
    const body = problem(res, 400, 'validation_failed')
    expect(body.errors).toContainEqual(expect.objectContaining({ path }))
    expect(await countRows()).toEqual(before)
  })

  it('rejects a body that is not JSON', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/signup',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify(validBody),
    })
    problem(res, 415, 'unsupported_media_type')
    const broken = await app.inject({
      method: 'POST',
      url: '/api/v1/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"companyName": ',
    })
    problem(broken, 400, 'validation_failed')
  })
})

describe('sign-up rate limit (S12)', async () => {
  // The default limits, as a server gets them (buildApp without a signupLimiter).
  const limited = await createTestApp({ signupLimiter: createSignupLimiter() })
  let n = 0
  const signUpFrom = (remoteAddress: string) => {
    n += 1
    return limited.app.inject({
      method: 'POST',
      url: '/api/v1/signup',
      remoteAddress,
      payload: { ...validBody, companyName: `Spam ${n}`, email: `spam${n}@example.com` },
    })
  }
  const companies = async () =>
    Number(
      (
        await limited.db
          .selectFrom('companies')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )

  it('25 sign-ups from one address do not make 25 companies; 429 with Retry-After', async () => {
    const statuses: number[] = []
    let refused: LightMyRequestResponse | undefined
    for (let i = 0; i < 25; i++) {
      const res = await signUpFrom('10.7.7.7')
      statuses.push(res.statusCode)
      if (res.statusCode === 429) refused ??= res
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(10)
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true)
    expect(await companies()).toBe(10)
    if (refused === undefined) throw new Error('no 429')
    problem(refused, 429, 'rate_limited')
    expect(refused.headers['retry-after']).toBe('3600')

    // Another address is not held up; the limited one may sign up again once the hour is over.
    expect((await signUpFrom('10.7.7.8')).statusCode).toBe(201)
    limited.clock.advance(30 * 60_000)
    const later = await signUpFrom('10.7.7.7')
    problem(later, 429, 'rate_limited')
    expect(later.headers['retry-after']).toBe('1800')
    limited.clock.advance(30 * 60_000)
    expect((await signUpFrom('10.7.7.7')).statusCode).toBe(201)
  })

  it('is bounded in total whatever the addresses, and shared by servers on one database', async () => {
    const limiter = () => createSignupLimiter({ perAddress: 2, total: 5, windowMs: 60_000 })
    const one = await createTestApp({ signupLimiter: limiter() })
    // A second server process on the same database: its own limiter, the same counts.
    const two = await buildApp({
      config: loadConfig({}),
      db: one.db,
      clock: one.clock,
      secretKey: testSecretKey,
      signupLimiter: limiter(),
    })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const app = i % 2 === 0 ? one.app : two
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/signup',
        remoteAddress: `10.8.0.${i}`,
        payload: { ...validBody, companyName: `Wide ${i}`, email: `wide${i}@example.com` },
      })
      statuses.push(res.statusCode)
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429])
    // Per address across both servers: 10.8.0.0 signed up once above, twice is its limit.
    one.clock.advance(61_000)
    const again = (app: typeof two, i: number) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/signup',
        remoteAddress: '10.8.0.0',
        payload: { ...validBody, companyName: `Again ${i}`, email: `again${i}@example.com` },
      })
    expect([
      (await again(one.app, 1)).statusCode,
      (await again(two, 2)).statusCode,
      (await again(one.app, 3)).statusCode,
    ]).toEqual([201, 201, 429])
    await two.close()
  })
})
