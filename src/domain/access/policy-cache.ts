import { randomUUID } from 'node:crypto'
import { compilePolicy, type CompiledPolicy, type Policy } from '../../authz/index.js'

/** How many companies' compiled policies one process keeps by default. */
export const POLICY_CACHE_SIZE = 1_000

/**
 * Compiled policies per company, keyed on the company's policy version. Every request reads the
 * version (with its caller, in one statement) and recompiles only when it moved: a change is in
 * force on the very next request, on every server, whether or not a change notice arrived.
 *
 * - Bounded: at most `maxCompanies` companies, least recently used dropped first.
 * - Single-flight: concurrent misses for the same company and version share one load and one
 *   compilation.
 * - Seeded: a policy write puts the policy it compiled (after its commit), so the next request
 *   does not compile again; a notice from another process drops or reloads an entry (warm()).
 */
export class PolicyCache {
  /** Map order is recency order: a hit moves its company to the end. */
  private readonly byCompany = new Map<
    string,
    { version: number; policy: Promise<CompiledPolicy> }
  >()
  private readonly maxCompanies: number
  /** Names this cache in the change notices its own writes send (PolicyNotice.origin). */
  readonly origin: string = randomUUID()
  /** Compilations done (misses that compiled); for tests and benchmarks. */
  compilations = 0

  constructor(options: { maxCompanies?: number } = {}) {
    this.maxCompanies = Math.max(1, options.maxCompanies ?? POLICY_CACHE_SIZE)
  }

  get size(): number {
    return this.byCompany.size
  }

  /** The version cached for a company, if any (a compilation may still be running). */
  version(companyId: string): number | undefined {
    return this.byCompany.get(companyId)?.version
  }

  async get(
    companyId: string,
    version: number,
    load: () => Promise<Policy>,
  ): Promise<CompiledPolicy> {
    const hit = this.byCompany.get(companyId)
    if (hit !== undefined && hit.version === version) {
      this.byCompany.delete(companyId)
      this.byCompany.set(companyId, hit)
      return hit.policy
    }
    const policy = this.compile(load)
    // A request that read an older version than the one cached (it started before a change)
    // gets its own compilation and leaves the newer entry in place.
    if (hit !== undefined && hit.version > version) return policy
    this.put(companyId, version, policy)
    policy.catch(() => {
      if (this.byCompany.get(companyId)?.policy === policy) this.byCompany.delete(companyId)
    })
    return policy
  }

  /** Puts a policy compiled elsewhere (by a committed policy write) unless a newer one is here. */
  seed(companyId: string, compiled: CompiledPolicy): void {
    const version = Number(compiled.version)
    const current = this.byCompany.get(companyId)
    if (!Number.isInteger(version) || (current !== undefined && current.version >= version)) return
    this.put(companyId, version, Promise.resolve(compiled))
  }

  /**
   * A notice that `version` is now the company's: an older entry is dropped, and reloaded at
   * once through `load` when given (the company was in use here, so its next request will want
   * it). A company not cached here is left alone.
   */
  warm(companyId: string, version: number, load?: () => Promise<Policy>): void {
    const current = this.byCompany.get(companyId)
    if (current === undefined || current.version >= version) return
    this.byCompany.delete(companyId)
    if (load !== undefined) void this.get(companyId, version, load).catch(() => {})
  }

  /** Forgets everything (after a gap in the notices, e.g. a lost listening connection). */
  clear(): void {
    this.byCompany.clear()
  }

  private async compile(load: () => Promise<Policy>): Promise<CompiledPolicy> {
    const policy = await load()
    this.compilations += 1
    return compilePolicy(policy)
  }

  private put(companyId: string, version: number, policy: Promise<CompiledPolicy>): void {
    this.byCompany.delete(companyId)
    this.byCompany.set(companyId, { version, policy })
    while (this.byCompany.size > this.maxCompanies) {
      const oldest = this.byCompany.keys().next().value
      if (oldest === undefined) break
      this.byCompany.delete(oldest)
    }
  }
}
