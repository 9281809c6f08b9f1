import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'
import type pg from 'pg'

/**
 * Kysely's PostgreSQL dialect (its compiler, adapter and introspector) over node-postgres, with
 * one difference in the driver: BEGIN is not sent on its own. It waits for the transaction's
 * first statement and, when that statement has no parameters, travels in the same simple-query
 * round trip (`begin; <statement>`); a statement with parameters needs the extended protocol,
 * which takes one statement per round trip, so BEGIN is then sent alone first, as before. A
 * transaction that runs no statement at all sends nothing: its COMMIT or ROLLBACK is not sent
 * either. What PostgreSQL executes is the same as with Kysely's own driver, in the same order,
 * on the same connection; only the number of round trips changes.
 *
 * PostgreSQL runs the statements of one simple query in order, and an explicit BEGIN among
 * them opens a real transaction block that outlives the query: when the statement after it
 * fails, the block is left aborted (as if BEGIN had been sent alone) and the ROLLBACK that
 * Kysely then sends ends it. Both backends go through this driver (PGlite through its
 * node-postgres adapter, db/pglite-dialect.ts), so they count round trips alike.
 *
 * Streaming (`.stream()`) is not supported, as with Kysely's PostgresDialect without `cursor`.
 */
export class DeferredBeginDialect implements Dialect {
  readonly #pool: pg.Pool
  readonly #onDestroy: (() => Promise<void>) | undefined
  readonly #onSend: ((text: string) => void) | undefined

  constructor(
    pool: pg.Pool,
    options: {
      onDestroy?: () => Promise<void>
      /** Told the text of every round trip just before it is sent (db/local-epoch.ts). */
      onSend?: (text: string) => void
    } = {},
  ) {
    this.#pool = pool
    this.#onDestroy = options.onDestroy
    this.#onSend = options.onSend
  }

  createDriver(): Driver {
    return new DeferredBeginDriver(this.#pool, this.#onDestroy, this.#onSend)
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
}

/** The statement that opens a transaction with these settings (as Kysely's PostgresDriver). */
export function beginStatement(settings: TransactionSettings): string {
  if (settings.isolationLevel === undefined && settings.accessMode === undefined) return 'begin'
  let text = 'start transaction'
  if (settings.isolationLevel !== undefined) text += ` isolation level ${settings.isolationLevel}`
  if (settings.accessMode !== undefined) text += ` ${settings.accessMode}`
  return text
}

export class DeferredBeginDriver implements Driver {
  #pool: pg.Pool | undefined
  readonly #onDestroy: (() => Promise<void>) | undefined
  readonly #onSend: ((text: string) => void) | undefined

  constructor(pool: pg.Pool, onDestroy?: () => Promise<void>, onSend?: (text: string) => void) {
    this.#pool = pool
    this.#onDestroy = onDestroy
    this.#onSend = onSend
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const pool = this.#pool
    if (pool === undefined) throw new Error('driver has already been destroyed')
    const client = await pool.connect()
    if (this.#pool === undefined) {
      client.release()
      throw new Error('driver has already been destroyed')
    }
    return new DeferredBeginConnection(client, this.#onSend)
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    own(connection).deferBegin(beginStatement(settings))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await own(connection).end('commit')
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await own(connection).end('rollback')
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${identifier(name)}`))
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${identifier(name)}`))
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${identifier(name)}`))
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    own(connection).release()
  }

  async destroy(): Promise<void> {
    const pool = this.#pool
    if (pool === undefined) return
    this.#pool = undefined
    await pool.end()
    await this.#onDestroy?.()
  }
}

function own(connection: DatabaseConnection): DeferredBeginConnection {
  if (!(connection instanceof DeferredBeginConnection)) {
    throw new Error('not a connection of DeferredBeginDriver')
  }
  return connection
}

function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

export class DeferredBeginConnection implements DatabaseConnection {
  readonly #client: pg.PoolClient
  readonly #onSend: ((text: string) => void) | undefined
  /** The BEGIN (or START TRANSACTION …) owed to the server, sent with the next statement. */
  #pendingBegin: string | null = null
  /** A BEGIN sent alone, until it is answered. */
  #opening: Promise<unknown> | null = null

  constructor(client: pg.PoolClient, onSend?: (text: string) => void) {
    this.#client = client
    this.#onSend = onSend
  }

  /** Whether a BEGIN is owed (the transaction has run no statement yet). For tests. */
  get beginPending(): boolean {
    return this.#pendingBegin !== null
  }

  deferBegin(statement: string): void {
    if (this.#pendingBegin !== null) throw new Error('a transaction is already being opened')
    this.#pendingBegin = statement
  }

  /** COMMIT or ROLLBACK; nothing at all for a transaction whose BEGIN was never sent. */
  async end(statement: 'commit' | 'rollback'): Promise<void> {
    if (this.#pendingBegin !== null) {
      this.#pendingBegin = null
      return
    }
    await this.#send(statement, [])
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // A BEGIN sent alone is on its way: a statement started meanwhile follows the one that sent
    // it. (Kysely already runs a transaction's statements one at a time, in the order started;
    // this keeps that order should the connection ever be given two at once.)
    if (this.#opening !== null) await this.#opening
    const begin = this.#pendingBegin
    if (begin === null) return resultOf<R>(await this.#send(query.sql, query.parameters))
    // From here the BEGIN counts as sent, even if this round trip fails: the ROLLBACK that
    // follows a failure must reach the server (a ROLLBACK outside a transaction only warns).
    this.#pendingBegin = null
    if (query.parameters.length > 0) {
      const opening = this.#send(begin, [])
      this.#opening = opening
      try {
        await opening
      } finally {
        if (this.#opening === opening) this.#opening = null
      }
      return resultOf<R>(await this.#send(query.sql, query.parameters))
    }
    const results = await this.#send(`${begin};\n${query.sql}`, [])
    // One result per statement: BEGIN's first, then the statement's own (an array again when
    // the statement text holds several, as node-postgres answers for it alone).
    if (!Array.isArray(results)) return resultOf<R>(results)
    const rest = results.slice(1)
    return resultOf<R>(rest.length === 1 ? (rest[0] as pg.QueryResult) : rest)
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by DeferredBeginDriver')
  }

  release(): void {
    this.#pendingBegin = null
    this.#opening = null
    this.#client.release()
  }

  async #send(
    text: string,
    parameters: readonly unknown[],
  ): Promise<pg.QueryResult | pg.QueryResult[]> {
    this.#onSend?.(text)
    try {
      // An empty parameter list makes node-postgres use the simple query protocol.
      return (await this.#client.query(text, [...parameters])) as pg.QueryResult | pg.QueryResult[]
    } catch (error) {
      // Kysely's driver does the same: the caller's stack, not only node-postgres's.
      if (error instanceof Error && typeof error.stack === 'string') {
        const here = new Error().stack?.split('\n').slice(1).join('\n') ?? ''
        error.stack += `\n${here}`
      }
      throw error
    }
  }
}

/** Kysely's QueryResult of node-postgres's answer, as its PostgresConnection builds it. */
function resultOf<R>(answer: pg.QueryResult | pg.QueryResult[]): QueryResult<R> {
  if (Array.isArray(answer)) return { rows: [] }
  const { command, rowCount, rows } = answer
  const counted =
    command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE'
  return {
    ...(counted ? { numAffectedRows: BigInt(rowCount ?? 0) } : {}),
    rows: (rows ?? []) as R[],
  }
}
