/**
 * Login rate limiting: at most `max` attempts per key (client address, account) in a fixed
 * window. In memory, per process; lockout after repeated failures is the durable part (users
 * table). Time comes from the caller, so tests move it.
 */
export interface LoginLimiter {
  /** Counts one attempt; false when the key is over its limit for the current window. */
  consume(key: string, now: Date): boolean
}

export function createLoginLimiter(
  options: { max?: number; windowMs?: number } = {},
): LoginLimiter {
  const max = options.max ?? 20
  const windowMs = options.windowMs ?? 60_000
  const windows = new Map<string, { start: number; count: number }>()
  return {
    consume(key, now) {
      const t = now.getTime()
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (t - w.start >= windowMs) windows.delete(k)
      }
      const current = windows.get(key)
      if (current === undefined || t - current.start >= windowMs) {
        windows.set(key, { start: t, count: 1 })
        return true
      }
      current.count += 1
      return current.count <= max
    },
  }
}
