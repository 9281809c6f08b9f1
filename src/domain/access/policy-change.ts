import { compilePolicy, PolicyError, type CompiledPolicy } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import type { TenantCtx } from '../context.js'
import { bumpPolicyVersion, loadPolicy } from './policy.repo.js'

/**
 * Ends a policy write (roles, permission groups, their restrictions), in its transaction: the
 * version moves (which locks the company row until commit, so the policy read next is exactly
 * what the new version means, other writers' committed changes included), the new policy is
 * compiled (a policy that does not compile is refused, and nothing is written), and once the
 * transaction has committed the compiled policy goes into this process's cache, so the next
 * request does not compile it again. Other processes hear of it by the NOTIFY the bump sends.
 */
export async function policyChanged(tx: TenantCtx): Promise<CompiledPolicy> {
  const { companyId } = tx.actor
  await bumpPolicyVersion(tx.db, companyId, tx.policies.origin)
  const policy = await loadPolicy(tx.db, companyId)
  let compiled: CompiledPolicy
  try {
    compiled = compilePolicy(policy)
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error
    throw new AppError('validation_failed', 'the permissions are not valid', {
      errors: error.problems.map((p) => ({ path: p.path, message: p.message })),
    })
  }
  tx.afterCommit?.(() => tx.policies.seed(companyId, compiled))
  return compiled
}
