/**
 * Runs once before the test files. On PGlite, every test file used to start its own empty
 * cluster (initdb inside WebAssembly: seconds each, most of a file's time) and migrate it; now one
 * migrated cluster is made here and dumped, and each file starts from that dump (createTestDb in
 * helpers.ts). The dump is made afresh on every run, from the current migrations.
 *
 * On PostgreSQL the same idea: one database is migrated here, and each file's database is a
 * copy of it (`CREATE DATABASE … TEMPLATE`, a file copy on the server) instead of running every
 * migration again. The template is dropped when the run ends.
 */
import { randomBytes } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { Kysely } from 'kysely'
import type { TestProject } from 'vitest/node'
import { loadTestDatabaseUrl } from '../src/config.js'
import { createDb, migrateToLatest, pgliteExtensions } from '../src/db/index.js'
import { PGliteDialect } from '../src/db/pglite-dialect.js'
import { adminQuery } from './pg-admin.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A file holding a migrated PGlite data folder (tar), or null on PostgreSQL. */
    pgliteSnapshot: string | null
    /** On PostgreSQL, a migrated database to copy for each test file; null on PGlite. */
    pgTemplate: string | null
  }
}

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const baseUrl = loadTestDatabaseUrl()
  if (baseUrl !== undefined) {
    project.provide('pgliteSnapshot', null)
    const url = new URL(baseUrl)
    const name = `${url.pathname.slice(1) || 'tessera'}_tmpl_${randomBytes(6).toString('hex')}`
    await adminQuery(baseUrl, `CREATE DATABASE "${name}"`)
    url.pathname = `/${name}`
    const db = await createDb<unknown>({ databaseUrl: url.toString(), dataDir: 'memory://' })
    try {
      await migrateToLatest(db)
    } finally {
      await db.destroy()
    }
    project.provide('pgTemplate', name)
    return () => adminQuery(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  }
  project.provide('pgTemplate', null)
  const pglite = await PGlite.create('memory://', { extensions: pgliteExtensions })
  const db = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) })
  await migrateToLatest(db)
  const dump = await pglite.dumpDataDir('none')
  await db.destroy()
  const file = join(tmpdir(), `tessera-test-pgdata-${randomBytes(6).toString('hex')}.tar`)
  await writeFile(file, Buffer.from(await dump.arrayBuffer()))
  project.provide('pgliteSnapshot', file)
  return () => rm(file, { force: true })
}
