import { AppError } from '../../errors.js'
import { authorize } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { User, UserPatch } from './users.js'
import { findUser, listUsers as listUserRows, updateUser as updateUserRow } from './users.repo.js'

/** Another company's user, or none at all: both are not found (shared/API.md). */
async function visibleUser(tx: TenantCtx, id: string): Promise<User> {
  const user = await findUser(tx.db, tx.actor.companyId, id)
  if (user === undefined) throw new AppError('not_found', 'no such user')
  return user
}

export async function getUser(ctx: Ctx, id: string): Promise<User> {
  return inCompany(ctx, async (tx) => {
    const user = await visibleUser(tx, id)
    await authorize(tx, 'user.view', { type: 'user', id })
    return user
  })
}

export async function listUsers(
  ctx: Ctx,
  page: { limit: number; afterId?: string | undefined },
): Promise<User[]> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'user.view')
    return listUserRows(tx.db, tx.actor.companyId, page)
  })
}

/**
 * Changes a user's profile, status (a suspended or offboarded user's sessions stop working on
 * the next request), org unit or manager. Ids of another company's units or users are not
 * found; the composite foreign keys refuse them again in the database.
 */
export async function updateUser(ctx: Ctx, id: string, patch: UserPatch): Promise<User> {
  return inCompany(ctx, async (tx) => {
    const before = await visibleUser(tx, id)
    await authorize(tx, 'user.edit', { type: 'user', id })
    if (patch.managerId === id) throw new AppError('conflict', 'a user cannot manage themselves')
    try {
      const after = await updateUserRow(tx.db, tx.actor.companyId, id, patch, tx.now)
      if (after === undefined) throw new AppError('not_found', 'no such user')
      await recordAudit(tx, {
        action: 'user.updated',
        targetType: 'user',
        targetId: id,
        before,
        after,
      })
      return after
    } catch (error) {
      if ((error as { code?: string }).code === '23503') {
        throw new AppError('not_found', 'the org unit or manager does not exist', { cause: error })
      }
      throw error
    }
  })
}
