/**
 * A plan from the engine (`planFilter`) compiled to a Kysely WHERE expression. The SQL mirrors
 * the engine's two-valued semantics exactly: under a NOT, `eq`/`ne` use IS [NOT] DISTINCT FROM,
 * ordered comparisons and IN are wrapped in COALESCE(…, false), so NOT never meets a NULL.
 * Outside any NOT (the usual case: a scope, a status), a comparison with a non-null literal is
 * the plain, indexable `column = value` (`<`, `IN` …): there a NULL can only make the WHERE
 * exclude the row, exactly as the engine's `false` would (AND and OR are monotone, and a
 * Kleene result that is TRUE with an unknown stays TRUE for any value of it). `ne` keeps
 * IS DISTINCT FROM everywhere (a NULL column is "not equal" to the engine). `none` compiles to
 * `false` and is never skipped. The conformance suites prove check ≡ filter.
 *
 * S1: attributes reach SQL only through the resource's declared column map. An attribute the
 * map does not name is a programming error caught by the read seam's types and refused here,
 * never guessed from its name.
 */
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely'
import type { CompareOp, Plan, PlanCondition } from '../authz/index.js'

/** Resource attribute (camelCase, as the catalog declares it) → column of the queried table. */
export type ColumnMap = Readonly<Record<string, string>>

const ordered = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const

/** A literal with an explicit type, so PostgreSQL never guesses (or fails on `3.5` vs integer). */
function literal(v: string | number | boolean): RawBuilder<unknown> {
  if (typeof v === 'number') return sql`cast(${v} as double precision)`
  if (typeof v === 'boolean') return sql`cast(${v} as boolean)`
  return sql`cast(${v} as text)`
}

function compareSql(op: CompareOp, left: RawBuilder<unknown>, right: RawBuilder<unknown>) {
  if (op === 'eq') return sql<SqlBool>`${left} is not distinct from ${right}`
  if (op === 'ne') return sql<SqlBool>`${left} is distinct from ${right}`
  return sql<SqlBool>`coalesce(${left} ${sql.raw(ordered[op])} ${right}, false)`
}

/** The indexable form, valid outside any NOT for a non-null right-hand side (see above). */
function comparePositive(op: CompareOp, left: RawBuilder<unknown>, right: RawBuilder<unknown>) {
  if (op === 'eq') return sql<SqlBool>`${left} = ${right}`
  if (op === 'ne') return sql<SqlBool>`${left} is distinct from ${right}`
  return sql<SqlBool>`${left} ${sql.raw(ordered[op])} ${right}`
}

function compile<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  c: PlanCondition,
  column: (field: string) => RawBuilder<unknown>,
  /** Under no NOT: a NULL may stand for false. */
  positive: boolean,
): Expression<SqlBool> {
  switch (c.kind) {
    case 'const':
      return c.value ? sql<SqlBool>`true` : sql<SqlBool>`false`
    case 'and':
      return eb.and(c.items.map((i) => compile(eb, i, column, positive)))
    case 'or':
      return eb.or(c.items.map((i) => compile(eb, i, column, positive)))
    case 'not':
      return eb.not(compile(eb, c.item, column, !positive))
    case 'compare': {
      const ref = column(c.field)
      if (c.value === null) {
        if (c.op === 'eq') return sql<SqlBool>`${ref} is null`
        if (c.op === 'ne') return sql<SqlBool>`${ref} is not null`
        return sql<SqlBool>`false`
      }
      return positive && c.op !== 'ne'
        ? comparePositive(c.op, ref, literal(c.value))
        : compareSql(c.op, ref, literal(c.value))
    }
    case 'compareFields':
      return compareSql(c.op, column(c.field), column(c.other))
    case 'in': {
      const ref = column(c.field)
      const values = c.values.filter((v) => v !== null)
      const parts: Expression<SqlBool>[] = []
      if (values.length) {
        const list = sql.join(values.map(literal))
        parts.push(
          positive
            ? sql<SqlBool>`${ref} in (${list})`
            : sql<SqlBool>`coalesce(${ref} in (${list}), false)`,
        )
      }
      if (values.length !== c.values.length) parts.push(sql<SqlBool>`${ref} is null`)
      return parts.length === 1 ? (parts[0] as Expression<SqlBool>) : eb.or(parts)
    }
  }
}

/**
 * The WHERE expression for a plan, always including the company filter.
 * @example
 * db.selectFrom('tickets').selectAll()
 *   .where((eb) => authzFilter(eb, planFilter(me, 'ticket.view', env), { companyId, columns }))
 */
export function authzFilter<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  plan: Plan,
  options: { companyId: string; columns: ColumnMap; companyColumn?: string },
): Expression<SqlBool> {
  const company = sql<SqlBool>`${sql.ref(options.companyColumn ?? 'company_id')} = ${options.companyId}`
  const column = (field: string) => {
    const name = Object.hasOwn(options.columns, field) ? options.columns[field] : undefined
    if (name === undefined) throw new Error(`authzFilter: no column for attribute ${field}`)
    return sql.ref(name)
  }
  switch (plan.kind) {
    case 'none':
      return sql<SqlBool>`false`
    case 'all':
      return company
    case 'where':
      return eb.and([company, compile(eb, plan.condition, column, true)])
  }
}
