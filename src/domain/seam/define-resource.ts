/**
 * The read seam: a resource type declares ONCE how its rows meet the engine — every attribute
 * the catalog declares, mapped to its column (type-checked both ways) — and every read of it
 * goes through here: find, list, search and count alike apply the company, the list plan, the
 * per-record decision, the field projection and the obligations. The engine's attributes of a
 * record are read from the very columns the SQL plan filters on, so a check and a list cannot
 * disagree by construction; the conformance suite (seam.conformance.test.ts) proves it over
 * random policies on PGlite and PostgreSQL, and a row the plan lets through that the check
 * refuses is left out, never a 500.
 */
import {
  attributesOf,
  decide,
  project,
  type Action,
  type AttrOf,
  type Decision,
  type Plan,
  type PlanCondition,
  type Projected,
  type Resource,
  type ResourceType,
} from '../../authz/index.js'
import {
  CompiledQuery,
  sql,
  type Selectable,
  type SelectQueryBuilder,
  type Expression,
  type SqlBool,
  type ExpressionBuilder,
} from 'kysely'
import { authzFilter } from '../../db/index.js'
import type { Database } from '../database.js'
import { AppError } from '../../errors.js'
import {
  decisionFor,
  enforceListObligations,
  enforceObligations,
  envOf,
  listPlan,
  subjectOf,
} from '../access/index.js'
import type { TenantCtx } from '../context.js'
import { decodeCursor, encodeCursor, type Page } from '../page.js'

export type Table = keyof Database & string

/** The parts of a plan worth a page each: a top-level OR of 2 to 8 conditions. */
function partsOf(plan: Plan): readonly PlanCondition[] | undefined {
  if (plan.kind !== 'where' || plan.condition.kind !== 'or') return undefined
  const { items } = plan.condition
  return items.length >= 2 && items.length <= 8 ? items : undefined
}
type Row<TB extends Table> = Selectable<Database[TB]>
export type ColumnOf<TB extends Table> = keyof Database[TB] & string

/** A narrowing of a list (a query filter the caller asked for), as a Kysely expression. */
export type Narrow<TB extends Table> = (eb: ExpressionBuilder<Database, TB>) => Expression<SqlBool>

export interface ResourceSpec<
  T extends ResourceType,
  TB extends Table,
  Item extends { id: string },
> {
  readonly type: T
  readonly table: TB
  /** Every attribute the catalog declares for `type` → its column; a missing one does not compile. */
  readonly columns: { readonly [A in AttrOf<T>]: ColumnOf<TB> }
  /** Row → domain object (what is projected and shown). */
  readonly toItem: (row: Row<TB>) => Item
  /**
   * Fields `q` searches (item field → column, or column + how `q` is rewritten for that field,
   * e.g. a phone number in any format → E.164). A row found only through a field the caller
   * may not read in clear is left out (S11: no oracle on hidden or masked values).
   */
  readonly search?: Readonly<Partial<Record<keyof Item & string, ColumnOf<TB> | SearchField<TB>>>>
}

/** A searched field whose column holds a normalised form: `term(q)` is what is looked for. */
export interface SearchField<TB extends Table> {
  readonly column: ColumnOf<TB>
  /** The text to look for in this field for the search `q`; null: `q` cannot match it. */
  readonly term: (q: string) => string | null
}

/** What a filtered list or count asks for, besides the company and the caller's scope. */
export interface ListFilter<TB extends Table, Item> {
  readonly q?: string | undefined
  readonly where?: Narrow<TB> | undefined
  /**
   * The item fields `where` reads (a tag, a phone): a row is kept only where the caller reads
   * every one of them in clear, so a filter is never an oracle on a hidden or masked value (S11).
   */
  readonly readable?: readonly (keyof Item & string)[] | undefined
}

export interface ListRequest<TB extends Table, Item = { id: string }> extends ListFilter<TB, Item> {
  readonly limit: number
  readonly cursor?: string | undefined
}

/** The (field, column, text) triples a search `q` looks for, per the spec's `search`. */
export function searchTerms(
  search: Readonly<Record<string, string | { column: string; term: (q: string) => string | null }>>,
  q: string,
): [field: string, column: string, term: string][] {
  return Object.entries(search).flatMap(([field, s]): [string, string, string][] => {
    if (typeof s === 'string') return [[field, s, q]]
    const term = s.term(q)
    return term === null || term === '' ? [] : [[field, s.column, term]]
  })
}

export interface Found<Item> {
  readonly item: Item
  readonly decision: Decision
  readonly resource: Resource
}

/** `%` and `_` in a search text match themselves. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

export interface ResourceSeam<
  T extends ResourceType,
  TB extends Table,
  Item extends { id: string },
> {
  readonly spec: ResourceSpec<T, TB, Item>
  /** The record as the engine sees it: every declared attribute, read from its column. */
  resourceOf(row: Row<TB>): Resource
  /** The row of the caller's company with this id, unauthorized (for a service's own checks). */
  findRow(tx: TenantCtx, id: string): Promise<Row<TB> | undefined>
  /**
   * The record for `action`, authorized: absent, another company's or outside the caller's view
   * → `missing()` (same answer as an id never issued); visible but not allowed → 403.
   * Obligations are enforced; the caller's projection is `view(found)`.
   */
  get(
    tx: TenantCtx,
    id: string,
    action: Action,
    missing: () => AppError,
    gate?: { recorded?: boolean; reason?: string | null; count?: number },
  ): Promise<Found<Item>>
  /** Is this record visible to the caller for `action` (no obligations; for references)? */
  visible(tx: TenantCtx, id: string, action: Action): Promise<Found<Item> | undefined>
  /** The item as the caller may see it (hidden fields absent, masked ones masked). */
  view(found: Pick<Found<Item>, 'item' | 'decision'>): Projected<Item>
  /** One page of the records the caller may `action`, projected, searched only where readable. */
  list(
    tx: TenantCtx,
    action: Action,
    request: ListRequest<TB, Item>,
  ): Promise<Page<Projected<Item>>>
  /** attribute → `qualifier.column`, for a custom query that filters with `authzFilter`. */
  columnMap(qualifier?: string): Readonly<Record<string, string>>
  /**
   * The rows of a custom query (already filtered by the list plan) the caller may `action`,
   * each with its decision: the same per-record check as `list`, for reads the seam's own list
   * cannot express (a recursive subtree, a join).
   */
  keepAllowed<R extends Row<TB>>(
    tx: TenantCtx,
    action: Action,
    rows: readonly R[],
  ): Promise<(Found<Item> & { row: R })[]>
  /**
   * Every record `list` would show for this filter, over all its pages, `batch` at a time (an
   * export): memory holds one batch, never the whole result. Stops when `onBatch` answers true.
   */
  each(
    tx: TenantCtx,
    action: Action,
    filter: ListFilter<TB, Item>,
    onBatch: (kept: Found<Item>[]) => boolean | Promise<boolean>,
    batch?: number,
  ): Promise<void>
  /** How many records the caller may `action` (the same plan; rows the check refuses excluded). */
  count(tx: TenantCtx, action: Action, where?: Narrow<TB>): Promise<number>
  /**
   * How many records `list` would show for this filter over all its pages: counted in SQL when
   * the filter reads no field (no search, nothing `readable`), else row by row as `list` keeps them.
   */
  countMatching(tx: TenantCtx, action: Action, filter: ListFilter<TB, Item>): Promise<number>
}

/**
 * Declare a resource's read seam.
 * @example
 * export const users = defineResource({
 *   type: 'user', table: 'users', toItem: userRowToUser,
 *   columns: { id: 'id', orgUnitId: 'org_unit_id', managerId: 'manager_id', status: 'status', level: 'level', position: 'position' },
 * })
 * const page = await users.list(tx, 'user.view', { limit: 50 })
 */
export function defineResource<
  T extends ResourceType,
  TB extends Table,
  Item extends { id: string },
>(spec: ResourceSpec<T, TB, Item>): ResourceSeam<T, TB, Item> {
  const columns = spec.columns as Readonly<Record<string, string>>
  const declared = Object.keys(attributesOf(spec.type))
  const missingAttrs = declared.filter((a) => !(a in columns))
  if (missingAttrs.length > 0) {
    throw new Error(`defineResource(${spec.type}): no column for ${missingAttrs.join(', ')}`)
  }
  const entries = Object.entries(columns)
  const table = spec.table
  const company = `${table}.company_id`

  function resourceOf(row: Row<TB>): Resource {
    const r = row as Record<string, unknown>
    const attrs: Record<string, string | number | boolean | null> = {}
    for (const [attr, column] of entries) {
      attrs[attr] = (r[column] ?? null) as string | number | boolean | null
    }
    return { type: spec.type, id: r['id'] as string, attrs }
  }

  // Kysely's generic table types do not narrow through a type parameter; the seam is the one
  // place that widens them, and every column it names came from the checked `columns` map.
  type AnyQuery = SelectQueryBuilder<Database, TB, Row<TB>>
  const base = (tx: TenantCtx): AnyQuery =>
    (tx.db.selectFrom(table as Table) as unknown as AnyQuery).selectAll() as unknown as AnyQuery

  // find-by-id is the same statement for every id: built and compiled by Kysely once, then
  // sent with each request's company and id (stand-ins mark where each goes).
  const COMPANY = Symbol('company')
  const ID = Symbol('id')
  let findStatement: { sql: string; parameters: readonly unknown[] } | undefined

  async function findRow(tx: TenantCtx, id: string): Promise<Row<TB> | undefined> {
    findStatement ??= base(tx)
      .where(company as never, '=', COMPANY as never)
      .where(`${table}.id` as never, '=', ID as never)
      .compile()
    const parameters = findStatement.parameters.map((p) =>
      p === COMPANY ? tx.actor.companyId : p === ID ? id : p,
    )
    const result = await tx.db.executeQuery<Row<TB>>(
      CompiledQuery.raw(findStatement.sql, parameters),
    )
    return result.rows[0]
  }

  async function decideOn(tx: TenantCtx, action: Action, row: Row<TB>): Promise<Found<Item>> {
    const resource = resourceOf(row)
    return { item: spec.toItem(row), resource, decision: await decisionFor(tx, action, resource) }
  }

  const view = (f: Pick<Found<Item>, 'item' | 'decision'>): Projected<Item> =>
    project(f.decision, spec.type, { ...f.item })

  async function visible(tx: TenantCtx, id: string, action: Action) {
    const row = await findRow(tx, id)
    if (row === undefined) return undefined
    const found = await decideOn(tx, action, row)
    return found.decision.allowed ? found : undefined
  }

  async function get(
    tx: TenantCtx,
    id: string,
    action: Action,
    missing: () => AppError,
    gate?: { recorded?: boolean; reason?: string | null; count?: number },
  ): Promise<Found<Item>> {
    const row = await findRow(tx, id)
    if (row === undefined) throw missing()
    const found = await decideOn(tx, action, row)
    if (!found.decision.allowed) {
      const viewAction = `${spec.type}.view` as Action
      const canView =
        action !== viewAction && (await decisionFor(tx, viewAction, found.resource)).allowed
      if (!canView) throw missing()
      throw new AppError('forbidden', `not allowed: ${action} (${found.decision.reason})`)
    }
    const me = await subjectOf(tx)
    await enforceObligations(tx, action, found.decision, found.resource, me.policy.timeZone, gate)
    return found
  }

  /** The visible query: company, list plan and the caller's narrowing, in SQL. */
  async function visibleQuery(tx: TenantCtx, action: Action, where?: Narrow<TB>) {
    const { plan, filtered } = await visibleFilter(tx, action, where)
    return filtered(plan)
  }

  /**
   * The caller's list plan for `action`, and `filtered(plan)`: the visible query for that plan
   * (company, plan and the caller's narrowing, in SQL) — for the whole plan, or for one part of
   * it (see `walk`: only what a page runs is built).
   */
  async function visibleFilter(tx: TenantCtx, action: Action, where: Narrow<TB> | undefined) {
    const d = await decisionFor(tx, action)
    if (!d.allowed && (d.reason === 'not_granted' || d.reason === 'restricted')) {
      throw new AppError('forbidden', `not allowed: ${action} (${d.reason})`)
    }
    const plan = await listPlan(tx, action)
    const filtered = (p: Plan) => {
      let q = base(tx).where((eb) =>
        authzFilter(eb, p, {
          companyId: tx.actor.companyId,
          columns: qualified,
          companyColumn: company,
        }),
      )
      if (where !== undefined) q = q.where(where as never)
      return q
    }
    return { plan, filtered }
  }

  /**
   * The first `limit` rows after `after` of each part, merged: each part is a whole query of
   * its own (company, its condition, the caller's narrowing) walking its own index in id order,
   * so a row of any part is a row of the plan (the plan is their OR), and the union of each
   * part's first `limit` holds the plan's first `limit`. A row of two parts comes twice: one is
   * kept (DISTINCT ON id). Rows travel once: no second probe by id (docs/benchmarks.md).
   */
  function pageIn(
    tx: TenantCtx,
    parts: readonly AnyQuery[],
    after: string | undefined,
    limit: number,
  ): AnyQuery {
    const id = `${table}.id`
    const firstRows = parts.map((part) => {
      const q = after === undefined ? part : part.where(id as never, '>', after as never)
      return q.orderBy(id as never).limit(limit)
    })
    const union = sql.join(firstRows, sql` union all `)
    return (tx.db.selectFrom(sql`(${union})`.as(table)) as unknown as AnyQuery)
      .selectAll()
      .distinctOn(id as never) as unknown as AnyQuery
  }

  /**
   * The records of a filtered list the caller may `action`, in id order after `after`, each
   * decided again; read `batch` rows at a time, the kept ones of each handed to `onBatch`, until
   * the rows run out or `onBatch` answers true (stop).
   */
  async function walk(
    tx: TenantCtx,
    action: Action,
    filter: ListFilter<TB, Item>,
    after: string | undefined,
    batch: number,
    onBatch: (kept: Found<Item>[]) => boolean | Promise<boolean>,
  ): Promise<void> {
    const q = filter.q
    const terms = q !== undefined && q !== '' ? searchTerms(searchSpec, q) : undefined
    const searched = (query: AnyQuery) =>
      terms === undefined
        ? query
        : query.where((eb) =>
            eb.or(
              terms.map(([, c, term]) =>
                eb(`${table}.${c}` as never, 'ilike', containsPattern(term) as never),
              ),
            ),
          )
    // When the plan is an OR of a few parts (a team lead's "my unit or assigned to me"), a page
    // is read part by part. PostgreSQL cannot walk one index in id order for an OR: for "the
    // first page by id" it reads the company's rows in id order and filters them, which on a
    // million rows is tens of milliseconds. Each part alone walks its own (company, column, id)
    // index, so a page is taken as the first `n` rows of each part, merged (`pageIn`). Same
    // rows, same order, same filter.
    const { plan, filtered } = await visibleFilter(tx, action, filter.where)
    const split = partsOf(plan)
    let pageAfter: (after: string | undefined) => AnyQuery
    if (split === undefined) {
      const query = searched(filtered(plan))
      pageAfter = (a) =>
        a === undefined ? query : query.where(`${table}.id` as never, '>', a as never)
    } else {
      const parts = split.map((condition) => searched(filtered({ kind: 'where', condition })))
      pageAfter = (a) => pageIn(tx, parts, a, batch)
    }
    const me = await subjectOf(tx)
    const env = envOf(tx)
    const readable = filter.readable ?? []
    // Keep reading until enough are kept: rows the check refuses or a search matched only in
    // unreadable fields never shorten a page or name the cursor.
    for (;;) {
      const rows = (await pageAfter(after)
        .orderBy(`${table}.id` as never)
        .limit(batch)
        .execute()) as unknown as Row<TB>[]
      const kept: Found<Item>[] = []
      for (const row of rows) {
        const resource = resourceOf(row)
        const decision = decide(me, action, { companyId: tx.actor.companyId, ...resource }, env)
        if (!decision.allowed) continue
        if (!readable.every((f) => inClear(decision, f))) continue
        const item = spec.toItem(row)
        if (terms !== undefined && !readableMatch(decision, item, terms)) continue
        kept.push({ item, decision, resource })
      }
      if ((await onBatch(kept)) || rows.length < batch) return
      after = (rows.at(-1) as { id: string }).id
    }
  }

  /** `walk`, collected: the kept records until `enough(count)`. */
  async function scan(
    tx: TenantCtx,
    action: Action,
    filter: ListFilter<TB, Item>,
    after: string | undefined,
    batch: number,
    enough: (kept: number) => boolean,
  ): Promise<Found<Item>[]> {
    const all: Found<Item>[] = []
    await walk(tx, action, filter, after, batch, (kept) => {
      all.push(...kept)
      return enough(all.length)
    })
    return all
  }

  async function list(
    tx: TenantCtx,
    action: Action,
    request: ListRequest<TB, Item>,
  ): Promise<Page<Projected<Item>>> {
    const after = decodeCursor(request.cursor)
    const kept = await scan(tx, action, request, after, request.limit + 1, (n) => n > request.limit)
    kept.length = Math.min(kept.length, request.limit + 1)
    const me = await subjectOf(tx)
    const more = kept.length > request.limit
    const shown = kept.slice(0, request.limit)
    await enforceListObligations(
      tx,
      action,
      shown.map((found) => found.decision),
      { type: spec.type },
      me.policy.timeZone,
      shown.map((found) => found.item.id),
    )
    const last = shown.at(-1)
    return {
      items: shown.map((found) => view(found)),
      nextCursor: more && last ? encodeCursor(last.item.id) : null,
    }
  }

  async function countMatching(
    tx: TenantCtx,
    action: Action,
    filter: ListFilter<TB, Item>,
  ): Promise<number> {
    const searching = filter.q !== undefined && filter.q !== ''
    if (!searching && (filter.readable ?? []).length === 0) return count(tx, action, filter.where)
    let n = 0
    await walk(tx, action, filter, undefined, 500, (kept) => {
      n += kept.length
      return false
    })
    return n
  }

  const inClear = (decision: Decision, field: string) => {
    const level = decision.obligations.fields[field]
    return level !== 'hidden' && level !== 'masked'
  }

  function readableMatch(
    decision: Decision,
    item: Item,
    terms: readonly [string, string, string][],
  ): boolean {
    return terms.some(([field, , term]) => {
      if (!inClear(decision, field)) return false
      const value = (item as Record<string, unknown>)[field]
      return typeof value === 'string' && value.toLowerCase().includes(term.toLowerCase())
    })
  }

  /** Counted in SQL by the same plan (the conformance suite proves plan ≡ check). */
  async function count(tx: TenantCtx, action: Action, where?: Narrow<TB>): Promise<number> {
    const query = await visibleQuery(tx, action, where)
    const row = (await query
      .clearSelect()
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirst()) as { n: string | number } | undefined
    return Number(row?.n ?? 0)
  }

  const columnMap = (qualifier: string = table) =>
    Object.fromEntries(entries.map(([a, c]) => [a, `${qualifier}.${c}`]))
  const qualified = columnMap()

  async function keepAllowed<R extends Row<TB>>(tx: TenantCtx, action: Action, rows: readonly R[]) {
    const me = await subjectOf(tx)
    const env = envOf(tx)
    const out: (Found<Item> & { row: R })[] = []
    for (const row of rows) {
      const resource = resourceOf(row)
      const decision = decide(me, action, { companyId: tx.actor.companyId, ...resource }, env)
      if (decision.allowed) out.push({ item: spec.toItem(row), decision, resource, row })
    }
    return out
  }

  const searchSpec = (spec.search ?? {}) as Parameters<typeof searchTerms>[0]
  return {
    spec,
    resourceOf,
    findRow,
    get,
    visible,
    view,
    list,
    columnMap,
    keepAllowed,
    each: (tx, action, filter, onBatch, batch = 500) =>
      walk(tx, action, filter, undefined, batch, onBatch),
    count,
    countMatching,
  }
}
