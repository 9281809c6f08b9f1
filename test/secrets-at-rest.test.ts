import { generateSync } from 'otplib'
import { describe, expect, it } from 'vitest'
import { addUser, bearer, createTestApp, logIn, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const co = await signUp(app, { companyName: 'Secrets Co' })

const code = (secret: string) =>
  generateSync({ secret, epoch: Math.floor(clock.now().getTime() / 1000) })

const post = (url: string, token: string, payload?: object) =>
  app.inject({ method: 'POST', url, headers: bearer(token), ...(payload && { payload }) })

/** The TOTP columns as stored, read as the superuser (what a database dump would show). */
const stored = (userId: string) =>
  db
    .selectFrom('users')
    .select(['mfa_secret', 'mfa_pending_secret'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow()

describe('S15: TOTP secrets are encrypted at rest', () => {
  it('stores the pending and the confirmed secret sealed, and logs in with TOTP', async () => {
    const enrol = await post('/api/v1/auth/mfa/enrol', co.token)
    const secret: string = enrol.json().secret
    const pending = await stored(co.userId)
    expect(pending.mfa_pending_secret).toMatch(/^v1:/)
    expect(pending.mfa_pending_secret).not.toContain(secret)

    expect(
      (await post('/api/v1/auth/mfa/confirm', co.token, { code: code(secret) })).statusCode,
    ).toBe(200)
    const on = await stored(co.userId)
    expect(on.mfa_pending_secret).toBeNull()
    expect(on.mfa_secret).toMatch(/^v1:/)
    expect(on.mfa_secret).not.toContain(secret)

    clock.advance(30_000)
    const res = await logIn(app, { company: co.slug, email: co.email, totp: code(secret) })
    expect(res.statusCode).toBe(200)
  })

  it('reads a secret stored in clear before S15, and seals it on that first read', async () => {
    const email = 'legacy@example.com'
    const userId = await addUser(db, co.companyId, { email })
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
    await db.updateTable('users').set({ mfa_secret: secret }).where('id', '=', userId).execute()

    clock.advance(30_000)
    const res = await logIn(app, { company: co.slug, email, totp: code(secret) })
    expect(res.statusCode).toBe(200)
    const after = await stored(userId)
    expect(after.mfa_secret).toMatch(/^v1:/)
    expect(after.mfa_secret).not.toContain(secret)

    clock.advance(30_000)
    expect((await logIn(app, { company: co.slug, email, totp: code(secret) })).statusCode).toBe(200)
  })

  it('does not open a secret sealed for another user (copied ciphertext)', async () => {
    const email = 'copycat@example.com'
    const userId = await addUser(db, co.companyId, { email })
    const admin = await stored(co.userId)
    await db
      .updateTable('users')
      .set({ mfa_secret: admin.mfa_secret })
      .where('id', '=', userId)
      .execute()
    clock.advance(30_000)
    const res = await logIn(app, { company: co.slug, email, totp: '123456' })
    expect(res.statusCode).toBe(500)
  })
})
