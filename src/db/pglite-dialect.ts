import type { PGlite } from '@electric-sql/pglite'
import { createPgConfig } from '@electric-sql/pglite/node-postgres'
import pg from 'pg'
import { DeferredBeginDialect } from './deferred-begin.js'
import { pgTypes } from './pg-types.js'

/**
 * Kysely 0.28 ships no PGlite dialect, so PGlite is reached through its node-postgres adapter and
 * the same dialect as PostgreSQL (db/deferred-begin.ts: Kysely's PostgreSQL compiler, with BEGIN
 * sent together with a transaction's first statement): the same driver, the same type parsing
 * and the same round trips as PostgreSQL. PGlite has one session, so the pool holds one
 * connection: a transaction owns the database until it ends and concurrent requests queue
 * behind it. Inside a transaction use only `trx`; a query on the outer `db` there waits for the
 * connection the transaction holds, forever. Destroying the Kysely instance closes PGlite too.
 */
export class PGliteDialect extends DeferredBeginDialect {
  constructor(
    pglite: PGlite,
    options: {
      /** Told every round trip before it is sent (db/local-epoch.ts). */
      onSend?: (text: string) => void
      /** Runs once PGlite is closed (db/data-dir-lock.ts lets the data folder go). */
      onClosed?: () => void
    } = {},
  ) {
    super(new pg.Pool({ ...createPgConfig(pglite), max: 1, types: pgTypes }), {
      onDestroy: async () => {
        try {
          await pglite.close()
        } finally {
          options.onClosed?.()
        }
      },
      ...(options.onSend && { onSend: options.onSend }),
    })
  }
}
