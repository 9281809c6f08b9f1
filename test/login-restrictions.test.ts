import { describe, expect, it } from 'vitest'
import { addUser, auditActions, createTestApp, logIn, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const co = await signUp(app, { companyName: 'Hours Co', timezone: 'Asia/Shanghai' })

async function setCompanyRestrictions(loginRestrictions: object) {
  await db
    .updateTable('companies')
    .set({ settings: JSON.stringify({ loginRestrictions }) })
    .where('id', '=', co.companyId)
    .execute()
}

describe('login restrictions (P6, P7)', () => {
  it('refuses a login outside the company hours, in the company time zone, audited', async () => {
    // 08:00–18:00 in Shanghai (UTC+8) is 00:00–10:00 UTC.
    await setCompanyRestrictions({ hours: { start: '08:00', end: '18:00' } })
    clock.set('2026-11-23T09:59:00.000Z') // 17:59 in Shanghai
    expect((await logIn(app, { company: co.slug, email: co.email })).statusCode).toBe(200)
    clock.set('2026-11-23T10:01:00.000Z') // 18:01 in Shanghai
    const res = await logIn(app, { company: co.slug, email: co.email })
    expect(problem(res, 403, 'login_restricted').detail).toMatch(/time/)
    expect((await auditActions(db, co.companyId)).at(-1)).toMatchObject({
      action: 'auth.login_failed',
      after: { reason: 'outside_hours' },
    })
  })

  it('applies the allowed week days', async () => {
    await setCompanyRestrictions({ hours: { start: '08:00', end: '18:00', days: [1, 2, 3, 4, 5] } })
    clock.set('2026-11-23T02:00:00.000Z') // Monday 10:00 in Shanghai
    expect((await logIn(app, { company: co.slug, email: co.email })).statusCode).toBe(200)
    clock.set('2026-11-22T02:00:00.000Z') // Sunday 10:00 in Shanghai
    problem(await logIn(app, { company: co.slug, email: co.email }), 403, 'login_restricted')
  })

  it('refuses a login from outside the allowed IP ranges', async () => {
    await setCompanyRestrictions({ ipRanges: ['10.20.0.0/16', '2001:db8::/32'] })
    expect((await logIn(app, { company: co.slug, email: co.email }, '10.20.3.4')).statusCode).toBe(
      200,
    )
    expect(
      (await logIn(app, { company: co.slug, email: co.email }, '2001:db8::5')).statusCode,
    ).toBe(200)
    const res = await logIn(app, { company: co.slug, email: co.email }, '192.0.2.7')
    expect(problem(res, 403, 'login_restricted').detail).toMatch(/address/)
    expect((await auditActions(db, co.companyId)).at(-1)).toMatchObject({
      action: 'auth.login_failed',
      ip: '192.0.2.7',
      after: { reason: 'ip_not_allowed' },
    })
  })

  it('applies a per-user restriction on top of the company one', async () => {
    await setCompanyRestrictions({})
    const id = await addUser(db, co.companyId, { email: 'night@example.com' })
    await db
      .updateTable('users')
      .set({ login_restrictions: JSON.stringify({ ipRanges: ['10.1.1.1'] }) })
      .where('id', '=', id)
      .execute()
    expect(
      (await logIn(app, { company: co.slug, email: 'night@example.com' }, '10.1.1.1')).statusCode,
    ).toBe(200)
    problem(
      await logIn(app, { company: co.slug, email: 'night@example.com' }, '10.1.1.2'),
      403,
      'login_restricted',
    )
    expect((await logIn(app, { company: co.slug, email: co.email }, '10.1.1.2')).statusCode).toBe(
      200,
    )
  })

  it('fails closed on malformed restrictions', async () => {
    await setCompanyRestrictions({ hours: { start: '25:00', end: 'soon' } })
    problem(await logIn(app, { company: co.slug, email: co.email }), 403, 'login_restricted')
    await setCompanyRestrictions({})
  })

  it('does not reveal the restriction to someone without the password', async () => {
    await setCompanyRestrictions({ ipRanges: ['10.20.0.0/16'] })
    const res = await logIn(
      app,
      { company: co.slug, email: co.email, password: 'Wrong-pass-1' },
      '192.0.2.7',
    )
    problem(res, 401, 'not_authenticated')
    await setCompanyRestrictions({})
  })
})
