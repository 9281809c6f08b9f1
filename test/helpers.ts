import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Kysely } from 'kysely'
import { inject } from 'vitest'
import { loadTestDatabaseUrl } from '../src/config.js'
import { createDb, migrateToLatest } from '../src/db/index.js'
import type { Database } from '../src/domain/database.js'
import { adminQuery } from './pg-admin.js'

const dropOnDestroy = new WeakMap<Kysely<Database>, () => Promise<void>>()
const urls = new WeakMap<Kysely<Database>, string>()

/** The `postgres://` URL of a test database on PostgreSQL (undefined on PGlite). */
export function databaseUrlOf(db: Kysely<Database>): string | undefined {
  return urls.get(db)
}

/**
 * A fresh, migrated database for one test file: PGlite in memory by default, or, when
 * TESSERA_TEST_DATABASE_URL is set, a new database `<name>_<random>` on that PostgreSQL server
 * (roles are cluster-wide, databases are not, so files never see each other's rows).
 * Its connection is the superuser's: tests may bypass RLS on purpose (to tamper, to inspect).
 * Release it with destroyTestDb().
 */
export async function createTestDb(): Promise<Kysely<Database>> {
  const baseUrl = loadTestDatabaseUrl()
  if (baseUrl === undefined) {
    const db = await createDb<Database>({ dataDir: 'memory://', loadDataDir: await snapshot() })
    await migrateToLatest(db)
    return db
  }
  const url = new URL(baseUrl)
  const name = `${url.pathname.slice(1) || 'tessera'}_${randomBytes(6).toString('hex')}`
  const template = inject('pgTemplate')
  await adminQuery(
    baseUrl,
    template ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`,
  )
  url.pathname = `/${name}`
  const db = await createDb<Database>({ databaseUrl: url.toString(), dataDir: 'memory://' })
  dropOnDestroy.set(db, () => adminQuery(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
  urls.set(db, url.toString())
  await migrateToLatest(db)
  return db
}

let snapshotBytes: Promise<Blob | undefined> | undefined

/** The migrated PGlite cluster global-setup.ts dumped (read once per worker), if any. */
function snapshot(): Promise<Blob | undefined> {
  snapshotBytes ??= (async () => {
    const file = inject('pgliteSnapshot')
    return file ? new Blob([await readFile(file)]) : undefined
  })()
  return snapshotBytes
}

/** Closes the database and, on PostgreSQL, drops it. */
export async function destroyTestDb(db: Kysely<Database>): Promise<void> {
  await db.destroy()
  await dropOnDestroy.get(db)?.()
}
