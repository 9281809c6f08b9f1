/**
 * A plan from the engine (`planFilter`) compiled to a Kysely WHERE expression. The SQL mirrors
 * the engine's two-valued semantics exactly: `eq`/`ne` use IS [NOT] DISTINCT FROM, ordered
 * comparisons and IN are wrapped in COALESCE(…, false), so NOT never meets a NULL. `none`
 * compiles to `false` and is never skipped. The conformance suite proves check ≡ filter.
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely'
import type { Plan, PlanCondition } from '../authz/index.js'

/** Maps a resource attribute (camelCase) to its column; default: snake_case. */
export type ColumnOf = (field: string) => string

export const snakeCase: ColumnOf = (field) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

const ops = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const

function compile<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  c: PlanCondition,
  column: ColumnOf,
): Expression<SqlBool> {
  // Column names come from the plan (catalog attribute names); refs are quoted identifiers.
  const ref = (field: string) => sql.ref(column(field))
  switch (c.kind) {
    case 'const':
      return c.value ? sql<SqlBool>`true` : sql<SqlBool>`false`
    case 'and':
      return eb.and(c.items.map((i) => compile(eb, i, column)))
    case 'or':
      return eb.or(c.items.map((i) => compile(eb, i, column)))
    case 'not':
      return eb.not(compile(eb, c.item, column))
    case 'compare':
      if (c.op === 'eq')
        return c.value === null
          ? sql<SqlBool>`${ref(c.field)} is null`
          : sql<SqlBool>`${ref(c.field)} is not distinct from ${c.value}`
      if (c.op === 'ne')
        return c.value === null
          ? sql<SqlBool>`${ref(c.field)} is not null`
          : sql<SqlBool>`${ref(c.field)} is distinct from ${c.value}`
      if (c.value === null) return sql<SqlBool>`false`
      return sql<SqlBool>`coalesce(${ref(c.field)} ${sql.raw(ops[c.op])} ${c.value}, false)`
    case 'in': {
      const values = c.values.filter((v) => v !== null)
      const parts: Expression<SqlBool>[] = []
      if (values.length)
        parts.push(sql<SqlBool>`coalesce(${ref(c.field)} in (${sql.join(values)}), false)`)
      if (values.length !== c.values.length) parts.push(sql<SqlBool>`${ref(c.field)} is null`)
      return parts.length === 1 ? (parts[0] as Expression<SqlBool>) : eb.or(parts)
    }
  }
}

/**
 * The WHERE expression for a plan, always including the company filter.
 * @example
 * db.selectFrom('tickets').selectAll()
 *   .where((eb) => authzFilter(eb, planFilter(me, 'ticket.view', env), { companyId }))
 */
export function authzFilter<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  plan: Plan,
  options: { companyId: string; column?: ColumnOf; companyColumn?: string },
): Expression<SqlBool> {
  const column = options.column ?? snakeCase
  const company = sql<SqlBool>`${sql.ref(options.companyColumn ?? 'company_id')} = ${options.companyId}`
  switch (plan.kind) {
    case 'none':
      return sql<SqlBool>`false`
    case 'all':
      return company
    case 'where':
      return eb.and([company, compile(eb, plan.condition, column)])
  }
}
