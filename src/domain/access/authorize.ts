import { AppError } from '../../errors.js'
import type { TenantCtx } from '../context.js'
import { findRolesByIds } from '../roles/index.js'

/** What an action is done to, when it is about one record. */
export interface ResourceRef {
  readonly type: string
  readonly id?: string
}

/**
 * THE single permission gate of the service layer, called inside the tenant transaction.
 * Placeholder until the engine is wired: allows actors holding the built-in Admin role and
 * denies everyone else with `forbidden`. The engine's decision replaces this body; callers
 * keep calling it the same way.
 */
export async function authorize(
  ctx: TenantCtx,
  action: string,
  resource?: ResourceRef,
): Promise<void> {
  const roles = await findRolesByIds(ctx.db, ctx.actor.companyId, ctx.actor.roleIds)
  if (roles.some((r) => r.kind === 'builtin' && r.name === 'Admin')) return
  throw new AppError('forbidden', `not allowed: ${action}${resource ? ` on ${resource.type}` : ''}`)
}
