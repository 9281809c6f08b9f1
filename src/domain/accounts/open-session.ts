import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import type { Database } from '../database.js'
import type { RequestMeta } from '../context.js'
import { csrfTokenFor, newSecretToken, sha256Hex } from './secret-token.js'
import { securityPolicy } from './security-policy.js'
import { insertSession } from './sessions.repo.js'

/** Creates a server-side session and returns its one-time token, in the caller's transaction. */
export async function openSession(
  trx: Transaction<Database>,
  at: { companyId: string; userId: string; now: Date; meta: RequestMeta },
) {
  const token = newSecretToken()
  const id = randomUUID()
  const expiresAt = new Date(at.now.getTime() + securityPolicy.sessionAbsoluteMs)
  await insertSession(trx, {
    id,
    company_id: at.companyId,
    user_id: at.userId,
    token_hash: sha256Hex(token),
    created_at: at.now,
    last_seen_at: at.now,
    expires_at: expiresAt,
    revoked_at: null,
    revoked_reason: null,
    ip: at.meta.ip,
    user_agent: at.meta.userAgent?.slice(0, 500) ?? null,
  })
  return { token, csrfToken: csrfTokenFor(token), sessionId: id, expiresAt }
}
