import { generateSync } from 'otplib'
import { describe, expect, it } from 'vitest'
import { addRole, caller, giveRole } from './fixtures.js'
import { bearer, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const co = await signUp(app, { companyName: 'Secure Co' })
const asAdmin = call(co.token)

// G10: a role that requires a second factor.
const secure = await addRole(
  db,
  co.companyId,
  'Secure reader',
  { grants: [{ actions: ['user.view'], scope: 'company' }] },
  { mfaRequired: true },
)
const sam = (
  await asAdmin('POST', '/api/v1/users', {
    email: 'sam@secure.test',
    name: 'Sam Secure',
    password: strongPassword,
    roleIds: [secure],
  })
).json().id as string

const code = (secret: string) =>
  generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) })

describe('MFA required by a role (G10)', () => {
  let token = ''
  let secret = ''

  it('logs in with a password, told that enrolment is required', async () => {
    const res = await logIn(app, { company: co.slug, email: 'sam@secure.test' })
    expect(res.statusCode).toBe(200)
    expect(res.json().mfaEnrolmentRequired).toBe(true)
    token = res.json().token
  })

  it('until enrolled, that session reaches nothing but the enrolment routes (403)', async () => {
    const as = call(token)
    const refused = problem(await as('GET', '/api/v1/users'), 403, 'mfa_enrolment_required')
    expect(refused.detail).toMatch(/mfa\/enrol/)
    problem(await as('GET', `/api/v1/users/${sam}`), 403, 'mfa_enrolment_required')
    problem(await as('GET', '/api/v1/auth/sessions'), 403, 'mfa_enrolment_required')
    problem(
      await as('POST', '/api/v1/org-units', { kind: 'team', name: 'X' }),
      403,
      'mfa_enrolment_required',
    )
    expect((await as('GET', '/api/v1/me')).statusCode).toBe(200)
  })

  it('may log out before enrolling', async () => {
    const other = (await logIn(app, { company: co.slug, email: 'sam@secure.test' })).json().token
    expect((await call(other)('POST', '/api/v1/auth/logout')).statusCode).toBe(204)
    problem(await call(other)('GET', '/api/v1/me'), 401, 'not_authenticated')
  })

  it('once enrolment is confirmed, the same session reaches what the role grants', async () => {
    const as = call(token)
    const enrol = await as('POST', '/api/v1/auth/mfa/enrol')
    expect(enrol.statusCode).toBe(200)
    secret = enrol.json().secret
    problem(await as('GET', '/api/v1/users'), 403, 'mfa_enrolment_required')
    expect((await as('POST', '/api/v1/auth/mfa/confirm', { code: code(secret) })).statusCode).toBe(
      200,
    )
    const users = await as('GET', '/api/v1/users')
    expect(users.statusCode).toBe(200)
    expect(users.json().items.map((u: { id: string }) => u.id)).toContain(sam)
  })

  it('then every login needs a one-time code', async () => {
    clock.advance(30_000)
    problem(await logIn(app, { company: co.slug, email: 'sam@secure.test' }), 401, 'mfa_required')
    const res = await logIn(app, { company: co.slug, email: 'sam@secure.test', totp: code(secret) })
    expect(res.statusCode).toBe(200)
    expect(res.json().mfaEnrolmentRequired).toBe(false)
  })

  it('giving the role to someone already logged in confines them on the next request', async () => {
    const res = await asAdmin('POST', '/api/v1/users', {
      email: 'late@secure.test',
      name: 'Lee Late',
      password: strongPassword,
    })
    const late = res.json().id as string
    const lateToken = (await logIn(app, { company: co.slug, email: 'late@secure.test' })).json()
      .token
    expect(
      (await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(lateToken) })).statusCode,
    ).toBe(200)
    await giveRole(db, co.companyId, late, secure)
    problem(
      await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(lateToken) }),
      403,
      'mfa_enrolment_required',
    )
  })

  it('leaves users without such a role alone', async () => {
    expect((await asAdmin('GET', '/api/v1/users')).statusCode).toBe(200)
  })
})
