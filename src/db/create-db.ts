import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist'
import { Kysely } from 'kysely'
import pg from 'pg'
import { lockDataDir } from './data-dir-lock.js'
import { DeferredBeginDialect } from './deferred-begin.js'
import { LocalEpoch, registerLocalEpoch } from './local-epoch.js'
import { registerNotificationSource } from './notifications.js'
import { PGliteDialect } from './pglite-dialect.js'
import { pgTypes } from './pg-types.js'

export interface DbOptions {
  /** `postgres://…`; when absent the embedded PGlite in `dataDir` is used. */
  databaseUrl?: string | undefined
  /** A folder for PGlite's files, or `memory://`. */
  dataDir: string
  /**
   * PGlite only: start from this dump of a data folder (`PGlite.dumpDataDir`) instead of an
   * empty cluster. The tests start every file from one migrated snapshot this way.
   */
  loadDataDir?: Blob | undefined
}

/**
 * Opens the database; `db.destroy()` closes the pool and, for PGlite, the engine itself. Generic
 * over the schema (`createDb<Database>(…)`): db/ never imports the domain's tables.
 */
export async function createDb<DB>(options: DbOptions): Promise<Kysely<DB>> {
  if (options.databaseUrl !== undefined) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, types: pgTypes })
    // An idle connection killed by the server (restart, failover, admin) must not crash the
    // process: the pool drops that client and opens a new one on the next query.
    pool.on('error', () => {})
    const db = new Kysely<DB>({ dialect: new DeferredBeginDialect(pool) })
    registerNotificationSource(db, { kind: 'postgres', connectionString: options.databaseUrl })
    return db
  }
  const { pglite, release } = await openPGlite(options.dataDir, options.loadDataDir)
  const epoch = new LocalEpoch()
  const dialect = new PGliteDialect(pglite, {
    onSend: (text) => epoch.sent(text),
    onClosed: release,
  })
  const db = new Kysely<DB>({ dialect })
  registerNotificationSource(db, { kind: 'pglite', pglite })
  registerLocalEpoch(db, epoch)
  return db
}

/**
 * The extensions every PGlite opened here loads: the migrations create them (btree_gist for the
 * shifts' exclusion constraint, migration 0043), and a data folder that holds them cannot be
 * opened without them.
 */
export const pgliteExtensions = { btree_gist }

/** PGlite on `dataDir`; a data folder is locked to this process first (db/data-dir-lock.ts). */
async function openPGlite(
  dataDir: string,
  loadDataDir?: Blob,
): Promise<{ pglite: PGlite; release: () => void }> {
  const options = {
    extensions: pgliteExtensions,
    ...(loadDataDir === undefined ? {} : { loadDataDir }),
  }
  if (dataDir.startsWith('memory://'))
    return { pglite: await PGlite.create(dataDir, options), release: () => {} }
  const dir = resolve(dataDir)
  await mkdir(dir, { recursive: true })
  const release = lockDataDir(dir)
  try {
    return { pglite: await PGlite.create(dir, options), release }
  } catch (error) {
    release()
    throw error
  }
}
