import type { PGlite } from '@electric-sql/pglite'
import { createPgConfig } from '@electric-sql/pglite/node-postgres'
import {
  PostgresDialect,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
} from 'kysely'
import pg from 'pg'
import { pgTypes } from './pg-types.js'

/**
 * Kysely 0.28 ships no PGlite dialect, so PGlite is reached through its node-postgres adapter and
 * Kysely's own PostgresDialect: the same driver and the same type parsing as PostgreSQL.
 * PGlite has one session, so the pool holds one connection: a transaction owns the database
 * until it ends and concurrent requests queue behind it. Inside a transaction use only `trx`;
 * a query on the outer `db` there waits for the connection the transaction holds, forever.
 */
export class PGliteDialect implements Dialect {
  readonly #inner: PostgresDialect
  readonly #pglite: PGlite

  constructor(pglite: PGlite) {
    this.#pglite = pglite
    this.#inner = new PostgresDialect({
      pool: new pg.Pool({ ...createPgConfig(pglite), max: 1, types: pgTypes }),
    })
  }

  createDriver(): Driver {
    const driver = this.#inner.createDriver()
    const pglite = this.#pglite
    const destroy = driver.destroy.bind(driver)
    driver.destroy = async () => {
      await destroy()
      await pglite.close()
    }
    return driver
  }

  createQueryCompiler(): QueryCompiler {
    return this.#inner.createQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return this.#inner.createAdapter()
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return this.#inner.createIntrospector(db)
  }
}
