import { generateSync } from 'otplib'
import { describe, expect, it } from 'vitest'
import { auditActions, bearer, createTestApp, logIn, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const co = await signUp(app, { companyName: 'MFA Co' })

const code = (secret: string) =>
  generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) })

const post = (url: string, token: string, payload?: object) =>
  app.inject({ method: 'POST', url, headers: bearer(token), ...(payload && { payload }) })

let secret = ''
let recoveryCodes: string[] = []

describe('TOTP MFA (G10)', () => {
  it('enrols: a secret, then a valid code turns MFA on and returns ten recovery codes', async () => {
    const enrol = await post('/api/v1/auth/mfa/enrol', co.token)
    expect(enrol.statusCode).toBe(200)
    secret = enrol.json().secret
    expect(enrol.json().otpauthUrl).toMatch(/^otpauth:\/\/totp\/Tessera:/)

    problem(
      await post('/api/v1/auth/mfa/confirm', co.token, { code: '000000' }),
      400,
      'validation_failed',
    )
    const confirm = await post('/api/v1/auth/mfa/confirm', co.token, { code: code(secret) })
    expect(confirm.statusCode).toBe(200)
    recoveryCodes = confirm.json().recoveryCodes
    expect(recoveryCodes).toHaveLength(10)
    expect(new Set(recoveryCodes).size).toBe(10)

    const actions = (await auditActions(db, co.companyId)).map((e) => e.action)
    expect(actions).toEqual(expect.arrayContaining(['mfa.enrolment_started', 'mfa.enabled']))
    const row = await db
      .selectFrom('audit_events')
      .select(['after'])
      .where('action', '=', 'mfa.enabled')
      .executeTakeFirstOrThrow()
    expect(JSON.stringify(row.after)).not.toContain(secret)
  })

  it('refuses a second enrolment while MFA is on', async () => {
    problem(await post('/api/v1/auth/mfa/enrol', co.token), 409, 'conflict')
  })

  it('answers mfa_required without a code, then logs in with one', async () => {
    const without = await logIn(app, { company: co.slug, email: co.email })
    problem(without, 401, 'mfa_required')
    clock.advance(30_000)
    const withCode = await logIn(app, { company: co.slug, email: co.email, totp: code(secret) })
    expect(withCode.statusCode).toBe(200)
    const last = (await auditActions(db, co.companyId)).at(-1)
    expect(last).toMatchObject({ action: 'auth.login_succeeded', after: { via: 'totp' } })
  })

  it('never accepts the same code twice', async () => {
    clock.advance(30_000)
    const once = code(secret)
    expect((await logIn(app, { company: co.slug, email: co.email, totp: once })).statusCode).toBe(
      200,
    )
    problem(
      await logIn(app, { company: co.slug, email: co.email, totp: once }),
      401,
      'mfa_required',
    )
  })

  it('refuses a wrong code and a right code with a wrong password', async () => {
    clock.advance(30_000)
    problem(
      await logIn(app, { company: co.slug, email: co.email, totp: '123456' }),
      401,
      'mfa_required',
    )
    problem(
      await logIn(app, {
        company: co.slug,
        email: co.email,
        password: 'Wrong-pass-1',
        totp: code(secret),
      }),
      401,
      'not_authenticated',
    )
  })

  it('accepts a recovery code once', async () => {
    const recovery = recoveryCodes[0] ?? ''
    const first = await logIn(app, { company: co.slug, email: co.email, totp: recovery })
    expect(first.statusCode).toBe(200)
    problem(
      await logIn(app, { company: co.slug, email: co.email, totp: recovery }),
      401,
      'mfa_required',
    )
  })

  it('turns MFA off with a current code, after which a password is enough', async () => {
    clock.advance(30_000)
    const login = await logIn(app, { company: co.slug, email: co.email, totp: code(secret) })
    const token = login.json().token
    problem(
      await post('/api/v1/auth/mfa/disable', token, { code: '999999' }),
      400,
      'validation_failed',
    )
    clock.advance(30_000)
    const off = await post('/api/v1/auth/mfa/disable', token, { code: code(secret) })
    expect(off.statusCode).toBe(204)
    expect((await logIn(app, { company: co.slug, email: co.email })).statusCode).toBe(200)
    expect((await auditActions(db, co.companyId)).map((e) => e.action)).toContain('mfa.disabled')
  })

  it('flags a login whose role requires MFA while the user has none', async () => {
    await db
      .updateTable('roles')
      .set({ mfa_required: true })
      .where('company_id', '=', co.companyId)
      .where('name', '=', 'Admin')
      .execute()
    const res = await logIn(app, { company: co.slug, email: co.email })
    expect(res.statusCode).toBe(200)
    expect(res.json().mfaEnrolmentRequired).toBe(true)
  })
})
