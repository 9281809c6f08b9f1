/**
 * Running a whole transaction again when PostgreSQL ended it for losing a race: a deadlock
 * (SQLSTATE 40P01: PostgreSQL aborted one of the transactions waiting on each other in a circle)
 * or a serialization failure (40001). Nothing such a transaction wrote is kept, so running its
 * body again from the start, reading everything again, is safe, as long as the body did nothing
 * outside the database (domain/context.ts `inCompany` says when it did). PGlite, one connection,
 * never raises either.
 */

/** The SQLSTATEs after which a transaction may simply be run again. */
export const retryableCodes: readonly string[] = ['40P01', '40001']

/** Whether `error` (or an error it wraps, as `cause`) is a deadlock or a serialization failure. */
export function isRetryable(error: unknown): boolean {
  return retryDetails(error).sqlstate !== undefined
}

/**
 * What a log line says of a retried failure: its SQLSTATE (40P01 or 40001), nothing else of the
 * error (no statement, no parameters).
 */
export function retryDetails(error: unknown): { sqlstate: string | undefined } {
  let e: unknown = error
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && retryableCodes.includes(code)) return { sqlstate: code }
    e = (e as { cause?: unknown }).cause
  }
  return { sqlstate: undefined }
}

export interface RetryOptions {
  /** How many times a failed run is run again (3: at most four runs in all). */
  readonly retries?: number
  /** The pause before the nth retry is up to n × this, jittered (so two losers do not meet again). */
  readonly backoffMs?: number
  /** Whether this failure may be retried (besides being retryable): the body stayed in the database. */
  readonly mayRetry?: (error: unknown) => boolean
  /** Told of each retry (for the log). */
  readonly onRetry?: (error: unknown, attempt: number) => void
  /** For tests: how to wait, and the jitter's source (0 ≤ x < 1). */
  readonly sleep?: (ms: number) => Promise<void>
  readonly random?: () => number
}

export const defaultRetries = 3

const wait = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

/**
 * Runs `run` (one whole transaction: it opens, commits or rolls back its own) and, when it fails
 * with a deadlock or a serialization failure that `mayRetry` allows, runs it again, at most
 * `retries` times, after a short jittered pause. Any other failure, or the last one, is thrown.
 */
export async function retryTransaction<T>(
  run: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const retries = options.retries ?? defaultRetries
  const backoffMs = options.backoffMs ?? 20
  const sleep = options.sleep ?? wait
  const random = options.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt)
    } catch (error) {
      const again = attempt <= retries && isRetryable(error) && (options.mayRetry?.(error) ?? true)
      if (!again) throw error
      options.onRetry?.(error, attempt)
      await sleep(Math.round(backoffMs * attempt * (0.5 + random())))
    }
  }
}
