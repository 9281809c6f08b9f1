import { sql, type RawBuilder } from 'kysely'

/** Letters, digits, `-` and `_` only: nothing a string literal could be escaped with. */
const PLAIN = /^[A-Za-z0-9_-]{1,128}$/

/**
 * An identifier value (a company id, a role name) written into the statement as a literal when
 * it is made of plain characters only, so the statement has no parameters and can share its
 * round trip with BEGIN (db/deferred-begin.ts); any other value stays a bound parameter. Either
 * way the database sees the same value: a plain value needs no escaping (no quote, no
 * backslash), so no input can end the literal early.
 */
export function plainLiteral(value: string): RawBuilder<string> {
  return PLAIN.test(value) ? sql.lit(value) : sql<string>`${value}`
}

/** Whether plainLiteral() writes `value` inline (for tests). */
export function isPlain(value: string): boolean {
  return PLAIN.test(value)
}
