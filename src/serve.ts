import type { Database } from './domain/database.js'
import type { AddressInfo } from 'node:net'
import type { Config } from './config.js'
import { createDb, migrateToLatest } from './db/index.js'
import { demoPassword, seedDemo } from './demo.js'
import { buildApp } from './http/app.js'
import { loadSecretKey } from './secret-key.js'

/**
 * Opens the database, migrates it, and serves on HOST:PORT until SIGINT/SIGTERM; then stops
 * taking requests, lets the running ones finish, and closes the database.
 */
export async function serve(config: Config, options: { demo?: boolean } = {}): Promise<void> {
  const secretKey = await loadSecretKey(config)
  const db = await createDb<Database>(config)
  // S21: under a login role that does not own the tables, the owner migrates (cli migrate)
  if (config.migrateOnStart) await migrateToLatest(db)
  const demo = options.demo ? await seedDemo(db, new Date()) : undefined
  const app = await buildApp({ config, db, logger: { level: config.logLevel }, secretKey })
  await app.listen({ host: config.host, port: config.port })
  const { port } = app.server.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const where = config.databaseUrl === undefined ? `PGlite in ${config.dataDir}` : 'PostgreSQL'
  console.log(`Tessera is listening on http://${host}:${port} (${where}); API docs: /api/docs`)
  if (demo) {
    console.log(`Demo company "${demo.slug}"; every login's password is ${demoPassword}`)
    for (const l of demo.logins) console.log(`  ${l.position.padEnd(18)} ${l.email}`)
  }

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down')
    try {
      await app.close()
      await db.destroy()
      process.exit(0)
    } catch (error) {
      app.log.error({ err: error }, 'unclean shutdown')
      process.exit(1)
    }
  }
  process.once('SIGINT', () => void stop('SIGINT'))
  process.once('SIGTERM', () => void stop('SIGTERM'))
}
