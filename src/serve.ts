import { createServer, type AddressInfo } from 'node:net'
import type { FastifyServerOptions } from 'fastify'
import type { Database } from './domain/database.js'
import type { Config } from './config.js'
import { createDb, migrateToLatest } from './db/index.js'
import { demoPassword, seedDemo, type DemoLogin } from './demo.js'
import { buildApp } from './http/app.js'
import { batchedLines, prettyLines } from './logging.js'
import { loadSecretKey } from './secret-key.js'

/** A start-up failure a person can act on: main.ts prints its message alone, no stack. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
}

/**
 * Refuses to start when HOST:PORT is taken, before the database is opened: a second process
 * on the same embedded database (./data) would be one too many.
 */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return
  await new Promise<void>((done, fail) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) => fail(listenError(error, host, port)))
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => done()))
  })
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    return new StartupError(
      `port ${port} on ${host} is already in use (is Tessera already running? npm start and npm run demo use the same port): stop that server, or start on another port, e.g. PORT=${port + 1}`,
    )
  }
  if (error.code === 'EACCES') {
    return new StartupError(`not allowed to listen on ${host}:${port}: choose another PORT=`)
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new StartupError(`cannot listen on ${host}: no such local address (check HOST=)`)
  }
  return error
}

/**
 * Request logs: a readable line each on a terminal, one JSON object a line otherwise, written
 * in batches (batchedLines: at most 200 ms late, errors at once, the rest on exit).
 */
function loggerFor(stdout: NodeJS.WriteStream, level: string): FastifyServerOptions['logger'] {
  return stdout.isTTY
    ? { level, stream: prettyLines(stdout) }
    : { level, stream: batchedLines(stdout) }
}

/**
 * Opens the database, migrates it, and serves on HOST:PORT until SIGINT/SIGTERM; then stops
 * taking requests, lets the running ones finish, and closes the database.
 */
export async function serve(config: Config, options: { demo?: boolean } = {}): Promise<void> {
  await assertPortFree(config.host, config.port)
  const secretKey = await loadSecretKey(config)
  const db = await createDb<Database>(config)
  // S21: under a login role that does not own the tables, the owner migrates (cli migrate)
  if (config.migrateOnStart) await migrateToLatest(db)
  const demo = options.demo ? await seedDemo(db, new Date()) : undefined
  const app = await buildApp({
    config,
    db,
    logger: loggerFor(process.stdout, config.logLevel),
    secretKey,
    queueSweepMs: config.queueSweepMs,
  })
  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (error) {
    await app.close()
    await db.destroy()
    throw listenError(error as NodeJS.ErrnoException, config.host, config.port)
  }
  const { port } = app.server.address() as AddressInfo
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const where = config.databaseUrl === undefined ? `PGlite in ${config.dataDir}` : 'PostgreSQL'
  const base = `http://${host}:${port}`
  console.log(`Tessera is listening on ${base} (${where}); API docs: ${base}/api/docs`)
  if (demo) console.log(demoTable(demo))

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

/** The demo's logins and what each should see, as a table for the terminal. */
export function demoTable(demo: { slug: string; logins: readonly DemoLogin[] }): string {
  const w = (pick: (l: DemoLogin) => string, title: string) =>
    Math.max(title.length, ...demo.logins.map((l) => pick(l).length))
  const [we, wr, wu] = [
    w((l) => l.email, 'login'),
    w((l) => l.role, 'role'),
    w((l) => l.unit, 'unit'),
  ]
  const row = (e: string, r: string, u: string, s: string) =>
    `  ${e.padEnd(we)}  ${r.padEnd(wr)}  ${u.padEnd(wu)}  ${s}`
  return [
    `Demo company "${demo.slug}" (the "company" of a login); every password is ${demoPassword}`,
    row('login', 'role', 'unit', 'sees (GET /api/v1/users: the people)'),
    ...demo.logins.map((l) => row(l.email, l.role, l.unit, l.sees)),
    'Log in as two of them and compare GET /api/v1/users, /api/v1/me and /api/v1/projects.',
  ].join('\n')
}
