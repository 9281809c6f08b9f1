import type { Actor } from '../context.js'
import type { LoadedSubject, Versions } from './policy.repo.js'

/** How many callers (sessions and keys) and subjects one process keeps by default. */
export const CALLER_CACHE_SIZE = 10_000

/** A caller resolved once and kept: good while the company's counters still read the same. */
export interface CachedCaller {
  /** The actor as resolved; each request gets its own copy (obligations apply per request). */
  readonly actor: Actor
  readonly versions: Versions
  /** Absolute expiry (ms), checked in memory on every use; null = none. */
  readonly expiresAt: number | null
  /**
   * Sessions: last_seen_at as read (ms); the cached copy is used only while the session is
   * neither idle nor due for its touch, so the full statement runs (and writes) when it is.
   * Keys: last_used_at, the same way for their touch.
   */
  readonly seenAt: number | null
}

/**
 * The decision API's memory (issue 8 point 4): callers by the hash of the token or key they
 * presented, and subjects asked about, each with the company counters (policy version and
 * subject version, see migration 0012) it was read under. Nothing here is trusted on its own:
 * every request reads the counters (one statement; on embedded PGlite none while this process
 * has sent the database nothing since, db/local-epoch.ts) and uses an entry only when both still
 * match, so a revocation, a suspension or a role change made through any process is in force on
 * the next request. Bounded, least recently used dropped first.
 */
export class CallerCache {
  private readonly callers = new Map<string, CachedCaller>()
  private readonly subjects = new Map<string, LoadedSubject>()
  private readonly max: number
  /** Lookups answered from memory and not; for tests and benchmarks. */
  hits = 0
  misses = 0

  constructor(options: { max?: number } = {}) {
    this.max = Math.max(1, options.max ?? CALLER_CACHE_SIZE)
  }

  caller(key: string): CachedCaller | undefined {
    const hit = this.callers.get(key)
    if (hit === undefined) return undefined
    this.callers.delete(key)
    this.callers.set(key, hit)
    return hit
  }

  putCaller(key: string, entry: CachedCaller): void {
    put(this.callers, key, entry, this.max)
  }

  /** Counts a caller lookup (hit: answered from memory after the counters were read). */
  counted(hit: boolean): void {
    if (hit) this.hits += 1
    else this.misses += 1
  }

  dropCaller(key: string): void {
    this.callers.delete(key)
  }

  /** A subject of the company as read under `versions`, if kept and still current. */
  subject(companyId: string, userId: string, versions: Versions): LoadedSubject | undefined {
    const key = `${companyId}/${userId}`
    const hit = this.subjects.get(key)
    if (hit === undefined) return undefined
    if (hit.subjectVersion !== versions.subject || hit.policyVersion !== versions.policy) {
      this.subjects.delete(key)
      return undefined
    }
    this.subjects.delete(key)
    this.subjects.set(key, hit)
    return hit
  }

  putSubject(subject: LoadedSubject): void {
    put(this.subjects, `${subject.companyId}/${subject.id}`, subject, this.max)
  }

  clear(): void {
    this.callers.clear()
    this.subjects.clear()
  }
}

function put<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key)
  map.set(key, value)
  while (map.size > max) {
    const oldest = map.keys().next().value
    if (oldest === undefined) break
    map.delete(oldest)
  }
}
