import type { Kysely } from 'kysely'
import { listen, withCompany, type Listener } from '../../db/index.js'
import type { Database } from '../database.js'
import type { PolicyCache } from './policy-cache.js'
import { loadPolicy, POLICY_CHANNEL, type PolicyNotice } from './policy.repo.js'

/**
 * Keeps this process's compiled policies in step with changes made by any process: each
 * committed policy change NOTIFYs its company and new version (bumpPolicyVersion), and here a
 * cached older version is dropped and, since the company is in use on this process, compiled
 * again at once, before its next request asks. After a gap in the notices everything cached is
 * dropped. None of this is needed for correctness, only for speed: every request reads the
 * version with its caller and never uses a compiled policy of another version.
 */
export async function followPolicyChanges(
  db: Kysely<Database>,
  policies: PolicyCache,
  onError: (error: unknown) => void = () => {},
): Promise<Listener> {
  return listen(db, POLICY_CHANNEL, {
    notice(payload) {
      let notice: PolicyNotice
      try {
        notice = JSON.parse(payload) as PolicyNotice
      } catch (error) {
        onError(error)
        return
      }
      const { companyId, version, origin } = notice
      if (typeof companyId !== 'string' || !Number.isInteger(version)) return
      // this process wrote it and seeds its cache itself once its commit returns
      if (origin === policies.origin) return
      policies.warm(companyId, version, () =>
        withCompany(db, companyId, (trx) => loadPolicy(trx, companyId)),
      )
    },
    gap: () => policies.clear(),
    error: onError,
  })
}
