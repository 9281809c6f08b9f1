import { describe, expect, it } from 'vitest'
import { createLoginLimiter } from '../src/domain/accounts/index.js'
import { addUser, auditActions, bearer, createTestApp, logIn, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const acme = await signUp(app, { companyName: 'Login Co' })

describe('POST /api/v1/auth/login', () => {
  it('logs in with company slug, email and password and returns a working token', async () => {
    const res = await logIn(app, { company: acme.slug, email: acme.email.toUpperCase() })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.user).toMatchObject({ id: acme.userId, email: acme.email })
    expect(body.mfaEnrolmentRequired).toBe(false)
    const sessions = await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(body.token) })
    expect(sessions.statusCode).toBe(200)
    const last = (await auditActions(db, acme.companyId)).at(-1)
    expect(last).toMatchObject({ action: 'auth.login_succeeded', actor_user_id: acme.userId })
  })

  it('answers a wrong password with 401 and audits the failure', async () => {
    const res = await logIn(app, {
      company: acme.slug,
      email: acme.email,
      password: 'Wrong-pass-1',
    })
    problem(res, 401, 'not_authenticated')
    const last = (await auditActions(db, acme.companyId)).at(-1)
    expect(last).toMatchObject({
      action: 'auth.login_failed',
      target_id: acme.userId,
      after: { email: acme.email, reason: 'wrong_password' },
    })
  })

  it('answers an unknown email and an unknown company exactly like a wrong password', async () => {
    const unknownEmail = await logIn(app, { company: acme.slug, email: 'nobody@example.com' })
    const unknownCompany = await logIn(app, { company: 'no-such-co', email: acme.email })
    const wrong = await logIn(app, {
      company: acme.slug,
      email: acme.email,
      password: 'Nope-nope-1',
    })
    const detail = problem(wrong, 401, 'not_authenticated').detail
    expect(problem(unknownEmail, 401, 'not_authenticated').detail).toBe(detail)
    expect(problem(unknownCompany, 401, 'not_authenticated').detail).toBe(detail)
  })

  it('locks an account after five failures in a row, until the lockout passes', async () => {
    const email = 'lock@example.com'
    await addUser(db, acme.companyId, { email })
    for (let i = 0; i < 5; i++) {
      problem(
        await logIn(app, { company: acme.slug, email, password: 'Bad-guess-1' }),
        401,
        'not_authenticated',
      )
    }
    // Even the right password is refused while locked, as a wrong one is (S13).
    problem(await logIn(app, { company: acme.slug, email }), 401, 'not_authenticated')
    const actions = (await auditActions(db, acme.companyId)).map((e) => e.action)
    expect(actions).toContain('auth.locked')

    clock.advance(14 * 60_000)
    problem(await logIn(app, { company: acme.slug, email }), 401, 'not_authenticated')
    clock.advance(2 * 60_000)
    expect((await logIn(app, { company: acme.slug, email })).statusCode).toBe(200)
  })

  it('resets the failure count after a successful login', async () => {
    const email = 'reset@example.com'
    await addUser(db, acme.companyId, { email })
    for (let i = 0; i < 4; i++)
      await logIn(app, { company: acme.slug, email, password: 'Bad-guess-1' })
    expect((await logIn(app, { company: acme.slug, email })).statusCode).toBe(200)
    for (let i = 0; i < 4; i++)
      await logIn(app, { company: acme.slug, email, password: 'Bad-guess-1' })
    expect((await logIn(app, { company: acme.slug, email })).statusCode).toBe(200)
  })

  it('refuses a suspended user even with the right password', async () => {
    const email = 'suspended@example.com'
    const id = await addUser(db, acme.companyId, { email })
    await db.updateTable('users').set({ status: 'suspended' }).where('id', '=', id).execute()
    problem(await logIn(app, { company: acme.slug, email }), 401, 'not_authenticated')
  })

  it('rejects bad login input with 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { company: acme.slug, email: acme.email, password: 'x', remember: true },
    })
    problem(res, 400, 'validation_failed')
  })
})

describe('login rate limiting', async () => {
  const limited = await createTestApp({
    loginLimiter: createLoginLimiter({ max: 3, windowMs: 60_000 }),
  })
  const co = await signUp(limited.app, { companyName: 'Limited Co' })

  it('answers 429 past the limit from one address, and again after the window', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await logIn(
        limited.app,
        { company: co.slug, email: co.email, password: 'Bad-guess-1' },
        '10.9.9.9',
      )
      expect(res.statusCode).toBe(401)
    }
    problem(
      await logIn(limited.app, { company: co.slug, email: co.email }, '10.9.9.9'),
      429,
      'rate_limited',
    )
    limited.clock.advance(61_000)
    expect(
      (await logIn(limited.app, { company: co.slug, email: co.email }, '10.9.9.9')).statusCode,
    ).toBe(200)
  })
})
