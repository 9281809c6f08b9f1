import { sql, type Kysely } from 'kysely'
import { AppError } from '../../errors.js'
import type { Database } from '../database.js'
import { clientKey } from './client-key.js'

/**
 * S12: sign-ups are limited per client address and bounded in total, each in a fixed window that
 * starts at the key's first sign-up. Counted in the database (table signup_attempts), so every
 * server process on one database shares the counts. Time comes from the caller.
 */
export interface SignupLimiter {
  /** Counts one sign-up from `ip`; throws 429 `rate_limited` (with retry-after) when over. */
  consume(db: Kysely<Database>, ip: string | null, now: Date): Promise<void>
}

export interface SignupLimits {
  /** Sign-ups per client address and window; default 10. */
  readonly perAddress?: number
  /** Sign-ups from all addresses together per window; default 200. */
  readonly total?: number
  /** The window in ms; default an hour. */
  readonly windowMs?: number
}

const SWEEP_EVERY = 100

export function createSignupLimiter(limits: SignupLimits = {}): SignupLimiter {
  const perAddress = limits.perAddress ?? 10
  const total = limits.total ?? 200
  const windowMs = limits.windowMs ?? 3_600_000
  let sinceSweep = 0

  /** Counts one attempt on `key`; the seconds until its window ends when over `max`. */
  const count = async (db: Kysely<Database>, key: string, max: number, now: Date) => {
    const ended = new Date(now.getTime() - windowMs)
    // One statement, atomic under concurrency (the upsert locks the key's row).
    const { rows } = await sql<{ attempts: number; window_start: Date | string }>`
      insert into signup_attempts as a (key, window_start, attempts) values (${key}, ${now}, 1)
      on conflict (key) do update set
        window_start = case when a.window_start <= ${ended} then excluded.window_start
          else a.window_start end,
        attempts = case when a.window_start <= ${ended} then 1 else a.attempts + 1 end
      returning attempts, window_start`.execute(db)
    const row = rows[0]
    if (row !== undefined && row.attempts <= max) return undefined
    const start = row === undefined ? now.getTime() : new Date(row.window_start).getTime()
    return Math.max(1, Math.ceil((start + windowMs - now.getTime()) / 1000))
  }

  return {
    async consume(db, ip, now) {
      // The address first: one address over its limit does not also use up the total.
      const wait =
        (await count(db, `address:${clientKey(ip)}`, perAddress, now)) ??
        (await count(db, 'all', total, now))
      sinceSweep += 1
      if (sinceSweep >= SWEEP_EVERY) {
        sinceSweep = 0
        const ended = new Date(now.getTime() - windowMs)
        await sql`delete from signup_attempts where window_start <= ${ended}`.execute(db)
      }
      if (wait !== undefined) {
        throw new AppError('rate_limited', 'too many sign-ups; try again later', {
          retryAfter: wait,
        })
      }
    },
  }
}
