import type { Action, Decision, Resource } from '../authz/index.js'
import { AppError } from '../errors.js'
import { authorize } from './access/index.js'
import type { TenantCtx } from './context.js'

/**
 * authorize() on one record, with its 404 replaced by `missing()`: a record the caller may not
 * know about answers with exactly the same problem (status, code and detail) as an id that
 * never existed, so nothing tells them apart (docs/api.md).
 */
export async function authorizeRecord(
  tx: TenantCtx,
  action: Action,
  resource: Resource,
  missing: () => AppError,
): Promise<Decision> {
  try {
    return await authorize(tx, action, resource)
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') throw missing()
    throw error
  }
}
