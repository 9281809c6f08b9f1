import type { Transaction } from 'kysely'
import {
  bindSubject,
  canDelegate,
  type BoundSubject,
  type CompiledPolicy,
  type Subject,
} from '../../authz/index.js'
import type { Database } from '../database.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { authorize, loadPolicy, loadSubject, subjectOf, withoutShares } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import {
  inCompany,
  authenticateIn,
  resumeKept,
  releasedActor,
  type Actor,
  type AnonymousCtx,
  type Authenticated,
  type Ctx,
  type TenantCtx,
} from '../context.js'
import { decodeCursor, pageOf, type Page, type PageRequest } from '../page.js'
import { roleById } from '../roles/index.js'
import type { ApiKey } from './api-keys.js'
import {
  findApiKey,
  findLiveApiKey,
  hashApiKey,
  insertApiKey,
  listApiKeys as listApiKeyRows,
  revokeApiKey as revokeApiKeyRow,
  touchApiKey,
  unrevokedKeysCreatedBy,
} from './api-keys.repo.js'

/** What every key starts with; the auth plugin tells keys from session tokens by it. */
export const API_KEY_PREFIX = 'tsk_'

/** last_used_at is written at most this often per key (a hot key must not write per request). */
const TOUCH_MS = 60_000

/** The engine's subject of a key: the key's one role, no org unit, no projects, no person. */
function keySubject(apiKey: Pick<ApiKey, 'id' | 'companyId' | 'roleId'>): Subject {
  return {
    id: `apikey:${apiKey.id}`,
    companyId: apiKey.companyId,
    orgUnitId: null,
    projectIds: [],
    roles: [apiKey.roleId],
  }
}

/** How many keys may stand between a key and the person at the root of its chain. */
const MAX_CHAIN = 8

/**
 * S8: a key stands only while whoever minted it stands, checked on every use rather than by
 * revoking keys when the creator changes: a person's status, roles, groups and restrictions
 * change through many paths (offboarding, role edits, transfers, restriction changes), and one
 * check at use covers them all without a hook in each. The key stands when it is neither revoked
 * nor expired, its creator is an active person (or a key that itself stands, up to MAX_CHAIN
 * links: a key minted by a key dies with its parent) and that creator could still delegate every
 * grant of the key's role to it today (canDelegate, as at creation). A key without a recorded
 * creator has no standing.
 */
async function keyStands(
  trx: Transaction<Database>,
  ctx: AnonymousCtx,
  apiKey: ApiKey,
  policy: CompiledPolicy,
  depth = 0,
): Promise<BoundSubject | null> {
  if (apiKey.revokedAt !== null) return null
  if (apiKey.expiresAt !== null && apiKey.expiresAt <= ctx.now) return null
  const creator = apiKey.createdBy
  if (creator === null || depth > MAX_CHAIN) return null
  let granter: BoundSubject | null
  if (creator.startsWith('apikey:')) {
    const parent = await findApiKey(trx, apiKey.companyId, creator.slice('apikey:'.length))
    granter = parent === undefined ? null : await keyStands(trx, ctx, parent, policy, depth + 1)
  } else {
    const person = await loadSubject(trx, apiKey.companyId, creator, ctx.now)
    granter = person?.status === 'active' ? bindSubject(policy, person) : null
  }
  if (granter === null) return null
  const role = await roleById(trx, apiKey.companyId, apiKey.roleId)
  if (role === undefined) return null
  const key = bindSubject(policy, keySubject(apiKey))
  const holds = withoutShares(granter)
  return role.grants.every((g) => canDelegate(holds, key, g).allowed) ? key : null
}

/**
 * The actor behind a presented API key, with the transaction it was read in (the request's work
 * adopts it), or null when it is unknown, revoked or expired. The engine decides with the key's
 * role only (`subject`); `own`, `team` and `project` scopes reach nothing, since a key is nobody
 * and sits nowhere, so only company-wide rules apply to it.
 */
export async function authenticateApiKey(
  ctx: AnonymousCtx,
  key: string,
  options: { lazy?: boolean } = {},
): Promise<Authenticated | null> {
  const cacheKey = `apikey:${hashApiKey(key)}`
  // Kept only while not expired and not due for its last_used_at touch.
  const kept = await resumeKept(
    ctx,
    cacheKey,
    (k, t) =>
      (k.expiresAt === null || t < k.expiresAt) && k.seenAt !== null && t - k.seenAt < TOUCH_MS,
    options.lazy ?? false,
  )
  if ('resumed' in kept) return kept.resumed
  const found = await authenticateIn(
    ctx.db,
    async (trx, wrote) => {
      const row = await findLiveApiKey(trx, key, ctx.now)
      const apiKey = row && (await findApiKey(trx, row.company_id, row.id))
      const policy =
        row &&
        (await ctx.policies.get(row.company_id, Number(row.policy_version), () =>
          loadPolicy(trx, row.company_id),
        ))
      if (
        row === undefined ||
        apiKey === undefined ||
        policy === undefined ||
        (await keyStands(trx, ctx, apiKey, policy)) === null
      )
        return null
      let seenAt = row.last_used_at?.getTime() ?? null
      if (seenAt === null || ctx.now.getTime() - seenAt >= TOUCH_MS) {
        const touch = (db: Parameters<typeof touchApiKey>[0]) =>
          touchApiKey(db, row.company_id, row.id, ctx.now)
        await touch(trx)
        wrote(touch) // kept by a retried request (inCompany), as a session's touch is
        seenAt = ctx.now.getTime()
      }
      const subject = keySubject({ id: row.id, companyId: row.company_id, roleId: row.role_id })
      const actor: Actor = {
        userId: subject.id,
        companyId: row.company_id,
        sessionId: subject.id,
        roleIds: [row.role_id],
        subject,
        policyVersion: Number(row.policy_version),
        subjectVersion: Number(row.subject_version),
        apiKeyId: row.id,
      }
      // S8's standing (creator active, still able to delegate the role) was read under these
      // counters: any change to the creator, the key or the policy moves one of them.
      ctx.callers?.putCaller(cacheKey, {
        actor,
        versions: { policy: Number(row.policy_version), subject: Number(row.subject_version) },
        expiresAt: apiKey.expiresAt?.getTime() ?? null,
        seenAt,
      })
      return actor
    },
    kept.open,
  )
  return found && { actor: { ...found.actor }, tx: found.tx }
}

/** The actor behind an API key, its transaction ended (for callers outside HTTP). */
export function resolveApiKey(ctx: AnonymousCtx, key: string): Promise<Actor | null> {
  return releasedActor(authenticateApiKey(ctx, key))
}

/**
 * Creates a key acting with one role of the caller's company; the key is returned once and only
 * its hash is stored. Needs `role.assign` on that role, and the role must be delegable by the
 * caller (canDelegate: a key never holds more than its creator). Audited without the key.
 */
export async function createApiKey(
  ctx: Ctx,
  input: { name: string; roleId: string; expiresAt?: Date | null | undefined },
): Promise<{ key: string; apiKey: ApiKey }> {
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    await authorize(tx, 'role.assign')
    const role = await roleById(tx.db, companyId, input.roleId)
    if (role === undefined) {
      throw new AppError('not_found', 'no such role', {
        errors: [{ path: 'body/roleId', message: 'no such role' }],
      })
    }
    await authorize(tx, 'role.assign', { type: 'role', id: role.id })
    if (input.expiresAt && input.expiresAt <= tx.now) {
      throw new AppError('validation_failed', 'the key would already be expired', {
        errors: [{ path: 'body/expiresAt', message: 'must be in the future' }],
      })
    }
    const me = await subjectOf(tx)
    const target = bindSubject(me.policy, keySubject({ id: 'new', companyId, roleId: role.id }))
    const refused: ErrorDetail[] = role.grants
      .flatMap((grant) => canDelegate(withoutShares(me), target, grant).violations)
      .map((v) => ({ path: 'body/roleId', message: `${v.action}: ${v.reason}` }))
    if (refused.length > 0) {
      throw new AppError('forbidden', 'the role grants more than you hold', { errors: refused })
    }
    const created = await insertApiKey(
      tx.db,
      companyId,
      {
        name: input.name,
        roleId: role.id,
        createdBy: tx.actor.userId,
        expiresAt: input.expiresAt ?? null,
      },
      tx.now,
    )
    await recordAudit(tx, {
      action: 'api_key.created',
      targetType: 'api_key',
      targetId: created.apiKey.id,
      after: created.apiKey,
    })
    return created
  })
}

/** The company's keys (never the secrets), revoked ones included, by id. Needs `role.assign`. */
export async function listApiKeys(
  ctx: Ctx,
  page: PageRequest = { limit: 50 },
): Promise<Page<ApiKey>> {
  const afterId = decodeCursor(page.cursor)
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'role.assign')
    const rows = await listApiKeyRows(tx.db, tx.actor.companyId, {
      limit: page.limit + 1,
      afterId,
    })
    return pageOf(rows, page.limit, (k) => k)
  })
}

/** Revokes a key: it stops working on the next request. Revoking twice is a no-op. */
export async function revokeApiKey(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, async (tx) => {
    await authorize(tx, 'role.assign')
    const before = await findApiKey(tx.db, tx.actor.companyId, id)
    if (before === undefined) throw new AppError('not_found', 'no such API key')
    if (before.revokedAt !== null) return
    const after = await revokeApiKeyRow(tx.db, tx.actor.companyId, id, tx.now)
    await recordAudit(tx, {
      action: 'api_key.revoked',
      targetType: 'api_key',
      targetId: id,
      before,
      after,
    })
  })
}

/**
 * G6: revokes, in the caller's transaction, every key `userId` minted and every key minted by
 * those keys (down the chain), each audited `api_key.revoked`. S8 already stops such keys from
 * working once their creator is not active; this makes it explicit and lasting (a reactivated
 * person does not get their old keys back). The caller's right to do so is checked by the caller.
 */
export async function revokeApiKeysOf(tx: TenantCtx, userId: string): Promise<string[]> {
  const { companyId } = tx.actor
  const revoked: string[] = []
  let creators: string[] = [userId]
  for (let depth = 0; creators.length > 0 && depth <= MAX_CHAIN; depth++) {
    const keys = await unrevokedKeysCreatedBy(tx.db, companyId, creators)
    creators = []
    for (const before of keys) {
      const after = await revokeApiKeyRow(tx.db, companyId, before.id, tx.now)
      if (after === undefined) continue
      revoked.push(before.id)
      creators.push(`apikey:${before.id}`)
      await recordAudit(tx, {
        action: 'api_key.revoked',
        targetType: 'api_key',
        targetId: before.id,
        before,
        after,
      })
    }
  }
  return revoked
}
