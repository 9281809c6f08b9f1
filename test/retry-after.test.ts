import { describe, expect, it } from 'vitest'
import { createLoginLimiter } from '../src/domain/accounts/index.js'
import { secondsToLocalMidnight } from '../src/domain/access/obligations.js'
import { addRole, giveRole } from './fixtures.js'
import { bearer, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

// Issue 9, item 11: every 429 says when to try again (Retry-After, in seconds).

describe('secondsToLocalMidnight', () => {
  it("counts to the next midnight of the company's time zone", () => {
    const at = new Date('2026-11-23T09:30:00Z') // 17:30 in Shanghai, 09:30 in UTC
    expect(secondsToLocalMidnight(at, 'Asia/Shanghai')).toBe(6.5 * 3600)
    expect(secondsToLocalMidnight(at, 'UTC')).toBe(14.5 * 3600)
    expect(secondsToLocalMidnight(new Date('2026-11-23T15:59:59Z'), 'Asia/Shanghai')).toBe(1)
  })
})

describe('Retry-After on every 429', async () => {
  const limited = await createTestApp({
    loginLimiter: createLoginLimiter({ max: 2, windowMs: 30_000 }),
  })
  const co = await signUp(limited.app, { companyName: 'Retry Login Co' })

  it('login rate limit: the window length, in seconds', async () => {
    const wrong = { company: co.slug, email: co.email, password: 'Bad-guess-1' }
    for (let i = 0; i < 2; i++) await logIn(limited.app, wrong, '10.8.8.8')
    const refused = await logIn(limited.app, wrong, '10.8.8.8')
    problem(refused, 429, 'rate_limited')
    expect(refused.headers['retry-after']).toBe('30')
    // a 401 under the limit (another address, another account) carries none
    const other = await logIn(limited.app, { ...wrong, email: 'nobody@retry.test' }, '10.8.8.9')
    expect(other.statusCode).toBe(401)
    expect(other.headers['retry-after']).toBeUndefined()
  })

  const { app, db } = await createTestApp()
  const a = await signUp(app, { companyName: 'Retry Quota Co', timezone: 'Asia/Shanghai' })

  async function person(email: string, grants: unknown[]) {
    const role = await addRole(db, a.companyId, `role for ${email}`, { grants })
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(a.token),
      payload: { email, name: email, password: strongPassword },
    })
    const id = res.json().id as string
    await giveRole(db, a.companyId, id, role)
    return (await logIn(app, { company: a.slug, email })).json().token as string
  }
  const get = (token: string) =>
    app.inject({ method: 'GET', url: `/api/v1/users/${a.userId}`, headers: bearer(token) })

  it("a per-day limit: until the company's next local midnight", async () => {
    const token = await person('daily@retry.test', [
      { actions: ['user.view'], scope: 'company', limits: { perDay: 1 } },
    ])
    expect((await get(token)).statusCode).toBe(200)
    const refused = await get(token)
    problem(refused, 429, 'quota_exceeded')
    // the test clock stands at 2026-11-23T09:30Z: 17:30 in Shanghai, 6.5 hours to midnight
    expect(refused.headers['retry-after']).toBe(String(6.5 * 3600))
  })

  it('a concurrent limit: a default wait', async () => {
    const token = await person('lines@retry.test', [
      { actions: ['user.view'], scope: 'company', limits: { concurrent: 1 } },
    ])
    const refused = await get(token)
    problem(refused, 429, 'quota_exceeded')
    expect(refused.headers['retry-after']).toBe('60')
  })
})
