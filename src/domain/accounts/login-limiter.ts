import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'

/**
 * Login rate limiting: at most `max` attempts per key (client address, account) in a fixed
 * window that starts at the key's first attempt. Counted in the database (table
 * login_attempts), so every server process on one database shares the count; lockout after
 * repeated failures is the users table's part. Time comes from the caller, so tests move it.
 */
export interface LoginLimiter {
  /** Counts one attempt; false when the key is over its limit for the current window. */
  consume(db: Kysely<Database>, key: string, now: Date): Promise<boolean>
  /** The window's length: a refused key may try again at the latest this long after. */
  readonly windowMs: number
}

/** Every this many attempts, a process deletes the rows whose window has ended. */
const SWEEP_EVERY = 1_000

export function createLoginLimiter(
  options: { max?: number; windowMs?: number } = {},
): LoginLimiter {
  const max = options.max ?? 20
  const windowMs = options.windowMs ?? 60_000
  let sinceSweep = 0
  return {
    windowMs,
    async consume(db, key, now) {
      const ended = new Date(now.getTime() - windowMs)
      // One statement, atomic under concurrency: the upsert locks the key's row, so parallel
      // attempts (from any process) each see the count the one before left.
      const result = await sql<{ attempts: number }>`
        insert into login_attempts as a (key, window_start, attempts) values (${key}, ${now}, 1)
        on conflict (key) do update set
          window_start = case when a.window_start <= ${ended} then excluded.window_start
            else a.window_start end,
          attempts = case when a.window_start <= ${ended} then 1 else a.attempts + 1 end
        returning attempts`.execute(db)
      sinceSweep += 1
      if (sinceSweep >= SWEEP_EVERY) {
        sinceSweep = 0
        await sql`delete from login_attempts where window_start <= ${ended}`.execute(db)
      }
      return (result.rows[0]?.attempts ?? Number.POSITIVE_INFINITY) <= max
    },
  }
}
