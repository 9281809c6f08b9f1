import { compilePolicy, type CompiledPolicy, type Policy } from '../../authz/index.js'

/**
 * Compiled policies per company, keyed on the company's policy version. Every request reads the
 * version (one indexed row) and recompiles only when it moved: a change is in force on the very
 * next request, on every server, with no invalidation messages.
 */
export class PolicyCache {
  private readonly byCompany = new Map<string, CompiledPolicy>()

  async get(
    companyId: string,
    version: number,
    load: () => Promise<Policy>,
  ): Promise<CompiledPolicy> {
    const hit = this.byCompany.get(companyId)
    if (hit !== undefined && hit.version === version) return hit
    const compiled = compilePolicy(await load())
    this.byCompany.set(companyId, compiled)
    return compiled
  }
}
