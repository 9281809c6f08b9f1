import { sql, type Kysely } from 'kysely'

/** Runs DDL statements one by one, in the migration's transaction. */
export async function runStatements(db: Kysely<unknown>, statements: readonly string[]) {
  for (const statement of statements) await sql.raw(statement).execute(db)
}
