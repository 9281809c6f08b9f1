import { AppError } from '../errors.js'
import { unstorableText } from './storable-text.js'

/** One page of a list (docs/api.md): the items, and where the next page starts or null. */
export interface Page<T> {
  readonly items: T[]
  readonly nextCursor: string | null
}

/** `?limit=&cursor=` as services take them; `cursor` is what a previous page returned. */
export interface PageRequest {
  readonly limit: number
  readonly cursor?: string | undefined
}

/** An opaque cursor for keyset pagination on a record's id. */
export function encodeCursor(afterId: string): string {
  return Buffer.from(JSON.stringify({ after: afterId })).toString('base64url')
}

/** The id a cursor continues after; a cursor we did not issue is a 400 on `querystring/cursor`. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { after?: unknown }
    const after = parsed.after
    // S9: a cursor is base64, so the request scan cannot see a NUL hidden inside it.
    if (typeof after === 'string' && after !== '' && unstorableText(after) === null) return after
  } catch {
    // fall through: not JSON
  }
  throw new AppError('validation_failed', 'cursor is not valid', {
    errors: [{ path: 'querystring/cursor', message: 'not a cursor this list returned' }],
  })
}

/**
 * The page out of rows fetched with `limit + 1` (the extra row only says "there is more").
 * `map` turns each kept row into the item shown; the cursor is the last kept row's id.
 */
export function pageOf<R extends { id: string }, T>(
  rows: readonly R[],
  limit: number,
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit
  const kept = more ? rows.slice(0, limit) : rows
  const last = kept.at(-1)
  return { items: kept.map(map), nextCursor: more && last ? encodeCursor(last.id) : null }
}
