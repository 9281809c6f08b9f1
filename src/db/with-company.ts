import { sql, type Kysely, type Transaction } from 'kysely'
import { plainLiteral } from './literal.js'

/** The NOLOGIN role tenant transactions run as; row-level security applies to it. */
export const APP_ROLE = 'tessera_app'

/**
 * Runs `fn` in a transaction bound to one company: `tessera.company_id` is set for the
 * transaction and the role is switched to `tessera_app`, so PostgreSQL's row-level security
 * hides every other company's rows even from a query that forgets its company filter, on
 * PGlite (which runs as a superuser) and on PostgreSQL alike. Both settings end with the
 * transaction. Every query inside must use `trx`, never the outer `db`.
 */
export async function withCompany<DB, T>(
  db: Kysely<DB>,
  companyId: string,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    // set_config('role', …, true) is SET LOCAL ROLE. Without parameters (a plain company id) the
    // statement shares BEGIN's round trip (db/deferred-begin.ts).
    await sql`select set_config('tessera.company_id', ${plainLiteral(companyId)}, true), set_config('role', ${plainLiteral(APP_ROLE)}, true)`.execute(
      trx,
    )
    return fn(trx)
  })
}
