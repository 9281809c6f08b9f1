import { sql, type Kysely } from 'kysely'

/** Resolves once the database answers `select 1` (the /healthz check). */
export async function pingDb<T>(db: Kysely<T>): Promise<void> {
  await sql`select 1`.execute(db)
}
