/**
 * A list's query filters, declared once per resource: each filter key → its column, and, for a
 * catalog field, which field the caller must read in clear for the narrowing to apply (S11: a
 * filter is never an oracle on a hidden or masked value). List, count and export of a resource
 * all take their filter from the one function this returns, so they cannot drift apart.
 */
import { sql } from 'kysely'
import { AppError } from '../../errors.js'
import { normalisePhone } from '../phone.js'
import type { ColumnOf, ListFilter, Narrow, Table } from './define-resource.js'

/** How a filter value meets its column. */
export type FilterMatch =
  /** `column = value` (the default). */
  | 'equals'
  /** A phone number in any format (with the filter's `country` for a national one) → E.164. */
  | 'phone'
  /** The array column holds this tag. */
  | 'tag'

export interface FilterRule<TB extends Table, Item> {
  readonly column: ColumnOf<TB>
  /** The item field this narrows on, when the catalog governs it: kept only where read in clear. */
  readonly field?: keyof Item & string
  readonly match?: FilterMatch
}

/** Keys of a filter that are not narrowings of their own. */
type Reserved = 'q' | 'country'

export type FilterRules<TB extends Table, Item, F> = {
  readonly [K in Exclude<keyof F, Reserved>]-?: ColumnOf<TB> | FilterRule<TB, Item>
}

type FilterInput = { readonly q?: string | undefined; readonly country?: string | undefined }

/**
 * The caller's filter → the seam's `ListFilter`. A value that cannot mean anything (a phone that
 * is not a number) is a 400 naming `querystring/<key>`, never an empty page.
 */
export function defineListFilter<TB extends Table, Item, F extends FilterInput>(
  table: TB,
  rules: FilterRules<TB, Item, F>,
): (filter: F) => ListFilter<TB, Item> & { readonly q: string | undefined } {
  const entries = (Object.entries(rules) as [string, ColumnOf<TB> | FilterRule<TB, Item>][]).map(
    ([key, rule]) => [key, typeof rule === 'string' ? { column: rule } : rule] as const,
  )
  return (filter) => {
    const readable: (keyof Item & string)[] = []
    const parts: Narrow<TB>[] = []
    for (const [key, rule] of entries) {
      const value = (filter as Record<string, unknown>)[key]
      if (value === undefined) continue
      const column = sql.ref(`${table}.${rule.column}`)
      let part: Narrow<TB>
      switch (rule.match ?? 'equals') {
        case 'phone': {
          const e164 = normalisePhone(String(value), filter.country)
          if (e164 === null) {
            throw new AppError('validation_failed', 'not a phone number', {
              errors: [{ path: `querystring/${key}`, message: 'not a valid phone number' }],
            })
          }
          part = () => sql<boolean>`${column} = ${e164}`
          break
        }
        case 'tag': {
          const tag = String(value).trim()
          part = () => sql<boolean>`${column} @> ARRAY[${tag}]::text[]`
          break
        }
        case 'equals':
          part = () => sql<boolean>`${column} = ${value}`
          break
      }
      if (rule.field !== undefined) readable.push(rule.field)
      parts.push(part)
    }
    const where: Narrow<TB> | undefined =
      parts.length === 0 ? undefined : (eb) => eb.and(parts.map((p) => p(eb)))
    return { q: filter.q, where, readable }
  }
}
