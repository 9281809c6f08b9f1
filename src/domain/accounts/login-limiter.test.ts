import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDb, destroyTestDb } from '../../../test/helpers.js'
import { createLoginLimiter } from './login-limiter.js'

const db = await createTestDb()
afterAll(() => destroyTestDb(db))
const t0 = new Date('2026-11-23T09:30:00.000Z')
const later = (ms: number) => new Date(t0.getTime() + ms)

describe('login limiter (in the database)', () => {
  it('allows max attempts per key in a window that starts at the first, then again after it', async () => {
    const limiter = createLoginLimiter({ max: 2, windowMs: 60_000 })
    expect(await limiter.consume(db, 'ip:a', t0)).toBe(true)
    expect(await limiter.consume(db, 'ip:a', later(10_000))).toBe(true)
    expect(await limiter.consume(db, 'ip:a', later(59_999))).toBe(false)
    expect(await limiter.consume(db, 'ip:b', later(59_999))).toBe(true)
    expect(await limiter.consume(db, 'ip:a', later(60_000))).toBe(true)
  })

  it('shares the count between limiters (as between processes) on one database', async () => {
    const one = createLoginLimiter({ max: 3 })
    const two = createLoginLimiter({ max: 3 })
    const answers = [
      await one.consume(db, 'account:shared', t0),
      await two.consume(db, 'account:shared', t0),
      await one.consume(db, 'account:shared', t0),
      await two.consume(db, 'account:shared', t0),
    ]
    expect(answers).toEqual([true, true, true, false])
  })

  it('counts every one of many simultaneous attempts exactly once (atomic upsert)', async () => {
    const limiter = createLoginLimiter({ max: 7 })
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => limiter.consume(db, 'ip:burst', t0)),
    )
    expect(answers.filter(Boolean)).toHaveLength(7)
    const { rows } = await sql<{
      attempts: number
    }>`select attempts from login_attempts where key = 'ip:burst'`.execute(db)
    expect(rows).toEqual([{ attempts: 40 }])
  })
})
