import { randomBytes } from 'node:crypto'
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadTestDatabaseUrl } from '../src/config.js'
import { createTestDb, databaseUrlOf, destroyTestDb } from './helpers.js'

// Real server processes (src/main.ts in child processes, as deployed) on one PostgreSQL, spoken
// to over real HTTP: the multi-process scenarios (test/multi-process.test.ts,
// test/calls-concurrency.test.ts, test/campaign-dialer-race.test.ts,
// test/approvals-multi-process.test.ts, test/lead-conversion.test.ts, test/preview.test.ts,
// test/queue-sweep-multi-process.test.ts), each
// on two servers of a fresh database (`startTwoServers`). PostgreSQL only: PGlite is one process
// by construction.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** S15: every process of one deployment shares the key sealing TOTP secrets. */
const sharedKey = randomBytes(32).toString('base64')

export interface Server {
  base: string
  child: ChildProcess
}

/** A server process on `databaseUrl`; `extra`: more of its environment (TESSERA_QUEUE_SWEEP_MS). */
export async function startServer(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Promise<Server> {
  const env: Record<string, string | undefined> = { ...process.env }
  delete env['TESSERA_DATA_DIR']
  // S15: on PostgreSQL a server needs the key, and every process of one deployment the same one
  Object.assign(env, {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    TESSERA_SECRET_KEY: sharedKey,
    // the queue sweep is off unless a test turns it on (it hands calls on by the clock)
    TESSERA_QUEUE_SWEEP_MS: '0',
    ...extra,
  })
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const base = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no server after 90 s:\n${output}`)), 90_000)
    const seen = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        done(match[1])
      }
    }
    child.stdout?.on('data', seen)
    child.stderr?.on('data', seen)
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`server exited (${code}):\n${output}`))
    })
  })
  child.stdout?.resume()
  child.stderr?.resume()
  return { base, child }
}

export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return
  const exited = new Promise((done) => server.child.once('exit', done))
  server.child.kill('SIGTERM')
  await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))])
  if (server.child.exitCode === null) server.child.kill('SIGKILL')
}

/** Whether the tests run on PostgreSQL (the multi-process scenarios run there only). */
export const onPostgres = loadTestDatabaseUrl() !== undefined

/** Two server processes on one fresh test database, and how to stop both and drop it. */
export interface TwoServers {
  readonly a: Server
  readonly b: Server
  /** Stops both servers, then drops the database. */
  stop(): Promise<void>
}

/**
 * Starts two servers at once on a new test database (test/helpers.ts `createTestDb`), `extra` in
 * their environment; if either
 * fails to start, stops the other, drops the database and throws. Starting takes long on a busy
 * machine (tsx compiles src/ in each): give the hook 180 s.
 */
export async function startTwoServers(extra: Record<string, string> = {}): Promise<TwoServers> {
  const db = await createTestDb()
  const url = databaseUrlOf(db) as string
  const servers = await Promise.allSettled([startServer(url, extra), startServer(url, extra)])
  const started = servers.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const stop = async () => {
    await Promise.all(started.map(stopServer))
    await destroyTestDb(db)
  }
  for (const s of servers) {
    if (s.status === 'rejected') {
      await stop()
      throw s.reason
    }
  }
  const [a, b] = started as [Server, Server]
  return { a, b, stop }
}

/** One request to a server: its status and JSON body (`{}` when empty). */
export async function call(
  server: Server,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}
