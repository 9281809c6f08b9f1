import { describe, expect, it } from 'vitest'
import { auditActions, bearer, createTestApp, problem, signUp, strongPassword } from './test-app.js'

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
