import { sql, type Transaction } from 'kysely'

/**
 * Runs `fn` under a savepoint of the transaction: what it did is kept when it answers a value,
 * and undone when it answers undefined, its row locks included (PostgreSQL releases the locks a
 * subtransaction took when it is rolled back). Queue routing tries its candidates this way, one
 * at a time, holding only the row of the one it keeps (domain/calls/inbound.service.ts). A
 * failure is thrown as it is (the transaction fails with it).
 */
export async function keptIfAnswered<DB, T>(
  trx: Transaction<DB>,
  fn: () => Promise<T | undefined>,
): Promise<T | undefined> {
  await sql`savepoint tessera_try`.execute(trx)
  const answer = await fn()
  if (answer === undefined) await sql`rollback to savepoint tessera_try`.execute(trx)
  await sql`release savepoint tessera_try`.execute(trx)
  return answer
}
