import { describe, expect, it } from 'vitest'
import { isRetryable, retryTransaction } from './retry.js'

/** An error as node-postgres raises it: a SQLSTATE in `code`. */
const pgError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code })

/** A run that fails with each of `errors` in turn, then answers how many runs it took. */
function failing(...errors: unknown[]) {
  let runs = 0
  return {
    run: async (attempt: number) => {
      runs++
      expect(attempt).toBe(runs)
      const error = errors[runs - 1]
      if (error !== undefined) throw error
      return runs
    },
    runs: () => runs,
  }
}

const pauses: number[] = []
const fast = {
  sleep: async (ms: number) => {
    pauses.push(ms)
  },
  random: () => 0.25,
}

describe('retryTransaction', () => {
  it('runs a deadlocked or serialization-failed transaction again, with growing jittered pauses', async () => {
    pauses.length = 0
    const t = failing(pgError('40P01'), pgError('40001'), pgError('40P01'))
    expect(await retryTransaction(t.run, { ...fast, backoffMs: 20 })).toBe(4)
    expect(pauses).toEqual([15, 30, 45]) // 20 × attempt × (0.5 + 0.25)
  })

  it('gives up after the retries it is allowed, throwing the last failure', async () => {
    const last = pgError('40P01')
    const t = failing(pgError('40P01'), pgError('40001'), pgError('40P01'), last)
    await expect(retryTransaction(t.run, fast)).rejects.toBe(last)
    expect(t.runs()).toBe(4)
    const once = failing(pgError('40P01'), pgError('40P01'))
    await expect(retryTransaction(once.run, { ...fast, retries: 1 })).rejects.toThrow('40P01')
    expect(once.runs()).toBe(2)
  })

  it('never retries any other failure: a constraint, a refusal, a plain error', async () => {
    for (const error of [pgError('23505'), pgError('25P02'), new Error('no'), 'text']) {
      const t = failing(error)
      await expect(retryTransaction(t.run, fast)).rejects.toBe(error)
      expect(t.runs()).toBe(1)
    }
  })

  it('does not retry when the body says it may not (it acted outside the database)', async () => {
    const t = failing(pgError('40P01'))
    const seen: unknown[] = []
    await expect(
      retryTransaction(t.run, { ...fast, mayRetry: (e) => (seen.push(e), false) }),
    ).rejects.toThrow('40P01')
    expect(t.runs()).toBe(1)
    expect(seen).toHaveLength(1)
  })

  it('tells of each retry', async () => {
    const told: number[] = []
    const t = failing(pgError('40001'))
    await retryTransaction(t.run, { ...fast, onRetry: (_, attempt) => told.push(attempt) })
    expect(told).toEqual([1])
  })
})

describe('isRetryable', () => {
  it('knows 40P01 and 40001, also wrapped as a cause, and nothing else', () => {
    expect(isRetryable(pgError('40P01'))).toBe(true)
    expect(isRetryable(pgError('40001'))).toBe(true)
    expect(isRetryable(new Error('wrapped', { cause: pgError('40P01') }))).toBe(true)
    expect(isRetryable(pgError('40P02'))).toBe(false)
    expect(isRetryable({ code: 40001 })).toBe(false)
    expect(isRetryable(undefined)).toBe(false)
    expect(isRetryable(null)).toBe(false)
  })
})
