/**
 * What the logs of conversations an agent handles (calls, chats) share over HTTP: the query
 * filters their list, count and export take, and dates written as ISO strings. The domain's
 * `defineListFilter` (src/domain/seam/list-filter.ts) gives each filter its meaning; these are
 * only its shapes.
 */
import { Type } from '@fastify/type-provider-typebox'
import { Id } from '../api-schemas.js'
import { Country } from './number-pools.routes.js'

/** The filters every conversation log takes, besides its own (a status, a direction, a channel). */
export const conversationFilters = {
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'a number (any format) or part of the notes',
    }),
  ),
  agentId: Type.Optional(Id),
  orgUnitId: Type.Optional(Id),
  projectId: Type.Optional(Id),
  customerId: Type.Optional(Id),
  phone: Type.Optional(
    Type.String({ minLength: 1, maxLength: 40, description: 'this number, in any format' }),
  ),
  country: Type.Optional(Country),
}

/** A projected record as JSON: the named date fields it still has (not hidden) as ISO strings. */
export function withIsoDates<T>(record: object, dates: readonly string[]): T {
  const out: Record<string, unknown> = { ...record }
  for (const k of dates) {
    const v = out[k]
    if (v instanceof Date) out[k] = v.toISOString()
  }
  return out as T
}
