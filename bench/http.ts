/**
 * `npm run bench:http` — the HTTP figure of issue 3, point 9: requests/s and latency of an
 * authorized `GET /api/v1/users/{id}` beside `/healthz` on the same server, on PGlite and on
 * PostgreSQL, measured with autocannon over loopback against the real server (`src/main.ts` in a
 * child process, logging on as it ships). Rewrites the part of docs/benchmarks.md between
 * `<!-- http-bench:start -->` and `<!-- http-bench:end -->` (appended when absent).
 *
 *   npm run bench:http                    table, then docs/benchmarks.md
 *   npm run bench:http -- --json          also a last line {"http":[…],"ratio":{…}}
 *   npm run bench:http -- --quick         short phases, docs untouched (for development)
 *   npm run bench:http -- --no-docs       full run, docs untouched
 *   npm run bench:http -- --only=pglite   one part (pglite | postgresql | multi | peers), docs untouched
 *   npm run bench:http -- --only=check    the decision API's rows alone: Tessera on PGlite
 *                                         (POST /authz/check and its probe) beside the peers
 *   npm run bench:http -- --section       print the docs section instead of writing it
 *   TESSERA_BENCH_CPU_PROF=/tmp/prof npm run bench:http -- --only=postgresql --quick
 *                                         every Tessera server writes a CPU profile at exit
 *   npm run bench:http -- --server-root=DIR   serve DIR's src/main.ts (a worktree of a commit,
 *                                         its node_modules linked) while others edit this one
 *
 * PostgreSQL is used when TESSERA_BENCH_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres) answers: a fresh database tessera_bench_<random>
 * is created there and dropped WITH (FORCE) at the end. Otherwise that backend is skipped.
 *
 * Each backend runs twice: the measured server (nothing preloaded), then a probe server on the
 * same data with bench/http-probe.ts preloaded, which counts the database round trips and the
 * time spent waiting on them, one request at a time. On PostgreSQL a third part (issue 6, point
 * 5) starts three servers on one fresh database: a role is revoked through one (taken from the
 * user, or its grant removed) and the time until the other two deny is measured, then the
 * throughput of the user route on one process and on all three at once.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pg from 'pg'
import { format, resolveConfig } from 'prettier'
import {
  CHECK_ACTION,
  cerbosArgs,
  cerbosBinary,
  cerbosCheckBody,
  cerbosVersion,
  FLOOR_SCRIPT,
  TESSERA_ROLE,
} from './http-peers.js'

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2)
const args = new Set(argv)
const json = args.has('--json')
const quick = args.has('--quick')
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length)
const printSection = args.has('--section')
const writeDocs = !quick && !printSection && !args.has('--no-docs') && only === undefined
if (only !== undefined && !['pglite', 'postgresql', 'multi', 'peers', 'check'].includes(only)) {
  throw new Error(`--only takes pglite, postgresql, multi, peers or check, not "${only}"`)
}
/** `--only=check`: the decision API's phases alone (no /healthz, no user route, no floor). */
const checkOnly = only === 'check'

const CONNECTIONS = 10
const plan = quick
  ? { warmupHealthS: 1, warmupS: 1, measureS: 3, repeatS: 2, probeWarmup: 20, probeRequests: 100 }
  : { warmupHealthS: 2, warmupS: 4, measureS: 10, repeatS: 5, probeWarmup: 100, probeRequests: 500 }
const PASSWORD = 'Bench-Password-2026'
const ADMIN_URL =
  process.env['TESSERA_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const START_TIMEOUT_MS = 180_000 // tsx compiles src/ first; slow on a shared, busy machine
const STOP_TIMEOUT_MS = 15_000

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** The checkout whose src/main.ts is served: this one, or --server-root=DIR (e.g. a worktree). */
const serverRoot = resolve(
  argv.find((a) => a.startsWith('--server-root='))?.slice('--server-root='.length) ?? root,
)
const probeModule = pathToFileURL(join(root, 'bench', 'http-probe.ts')).href
const docsFile = join(root, 'docs', 'benchmarks.md')
const START_MARKER = '<!-- http-bench:start -->'
const END_MARKER = '<!-- http-bench:end -->'

const HEALTHZ = '/healthz'
const USER_ROUTE = '/api/v1/users/{id}'
const CHECK_ROUTE = '/api/v1/authz/check'
/** The decision API's phases: one request in flight, then ten. */
const IN_FLIGHT = [1, 10] as const
const checkRoute = (n: number) => `POST ${CHECK_ROUTE} (${n} in flight)`

/** Progress and tables go to stderr with --json, so that stdout ends with the JSON line. */
const log = (line: string) => process.stderr.write(`${line}\n`)
const out = (line: string) => (json ? log(line) : process.stdout.write(`${line}\n`))

// ---------------------------------------------------------------------------------------------
// autocannon (CommonJS, no bundled types): the little of its API used here

interface AutocannonResult {
  requests: { average: number; total: number }
  latency: { p50: number; p99: number }
  duration: number
  errors: number
  timeouts: number
  non2xx: number
  statusCodeStats: Record<string, { count: number }>
}
interface AutocannonOptions {
  url: string
  headers?: Record<string, string>
  connections: number
  pipelining: number
  timeout: number
  duration?: number
  amount?: number
  method?: string
  body?: string
}
interface AutocannonRun extends PromiseLike<AutocannonResult> {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void,
  ): void
}
const requireCjs = createRequire(import.meta.url)
const autocannon = requireCjs('autocannon') as (options: AutocannonOptions) => AutocannonRun
const autocannonVersion = (requireCjs('autocannon/package.json') as { version: string }).version

// ---------------------------------------------------------------------------------------------
// Child processes and clean-up

const children = new Set<ChildProcess>()
const cleanups: (() => Promise<void>)[] = []

function killChildren(): void {
  for (const child of children) child.kill('SIGKILL')
}
process.on('exit', killChildren)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the servers and cleaning up`)
    killChildren()
    void runCleanups().finally(() => process.exit(130))
  })
}

async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop() as () => Promise<void>
    await Promise.race([
      cleanup().catch((e: unknown) => log(`clean-up: ${String(e)}`)),
      sleep(10_000),
    ])
  }
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.unref()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => done(port))
    })
  })
}

function fileTail(file: string, bytes = 3_000): string {
  if (!existsSync(file)) return '(none)'
  const size = statSync(file).size
  const fd = openSync(file, 'r')
  try {
    const length = Math.min(bytes, size)
    const buffer = Buffer.alloc(length)
    readSync(fd, buffer, 0, length, size - length)
    return buffer.toString('utf8')
  } finally {
    closeSync(fd)
  }
}

/** Newlines in [from, to) of a file: the server writes one JSON line per log record. */
function countLines(file: string, from: number, to: number): number {
  const fd = openSync(file, 'r')
  const buffer = Buffer.alloc(1 << 20)
  let lines = 0
  try {
    for (let at = from; at < to;) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, to - at), at)
      if (read === 0) break
      for (let i = 0; i < read; i++) if (buffer[i] === 10) lines++
      at += read
    }
  } finally {
    closeSync(fd)
  }
  return lines
}

interface Server {
  readonly name: string
  readonly child: ChildProcess
  readonly base: string
  readonly logFile: string
  readonly exited: Promise<string>
  stderrTail(): string
  /** The next stderr line starting with `prefix`. */
  nextLine(prefix: string, timeoutMs: number): Promise<string>
}

async function startServer(
  name: string,
  dbEnv: Record<string, string>,
  logFile: string,
  probe: boolean,
): Promise<Server> {
  const port = await freePort()
  const env: Record<string, string | undefined> = { ...process.env }
  delete env['DATABASE_URL']
  delete env['TESSERA_DATA_DIR']
  Object.assign(env, dbEnv, { PORT: String(port), HOST: '127.0.0.1' })
  // TESSERA_BENCH_CPU_PROF=<dir>: every Tessera server writes a V8 CPU profile there at exit
  const profileDir = process.env['TESSERA_BENCH_CPU_PROF']
  const nodeArgs = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    '--import',
    'tsx',
    ...(probe ? ['--import', probeModule] : []),
    'src/main.ts',
  ]
  const stdout = openSync(logFile, 'a')
  const child = spawn(process.execPath, nodeArgs, {
    cwd: serverRoot,
    env,
    stdio: ['ignore', stdout, 'pipe'],
  })
  closeSync(stdout)
  children.add(child)

  let tail = ''
  let pending = ''
  const waiters: { prefix: string; done: (line: string) => void }[] = []
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-6_000)
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      const i = waiters.findIndex((w) => line.startsWith(w.prefix))
      if (i >= 0) waiters.splice(i, 1)[0]?.done(line)
    }
  })
  let exitedWith: string | undefined
  const exited = new Promise<string>((done) => {
    child.once('exit', (code, signal) => {
      children.delete(child)
      exitedWith = signal === null ? `code ${code}` : `signal ${signal}`
      done(exitedWith)
    })
  })

  const server: Server = {
    name,
    child,
    base: `http://127.0.0.1:${port}`,
    logFile,
    exited,
    stderrTail: () => tail,
    nextLine: (prefix, timeoutMs) =>
      new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`${name}: no "${prefix}" line`)), timeoutMs)
        waiters.push({
          prefix,
          done: (line) => {
            clearTimeout(timer)
            done(line)
          },
        })
      }),
  }

  const explain = (what: string) =>
    new Error(
      `${name}: ${what}\n--- server stderr (tail) ---\n${tail || '(empty)'}\n` +
        `--- server stdout (tail of ${logFile}) ---\n${fileTail(logFile)}`,
    )
  const started = performance.now()
  for (;;) {
    if (exitedWith !== undefined) throw explain(`the server exited (${exitedWith}) before /healthz`)
    if (performance.now() - started > START_TIMEOUT_MS) {
      await stopServer(server)
      throw explain(`/healthz did not answer 200 within ${START_TIMEOUT_MS / 1000} s`)
    }
    try {
      const response = await fetch(`${server.base}${HEALTHZ}`, {
        signal: AbortSignal.timeout(2_000),
      })
      await response.arrayBuffer()
      if (response.status === 200) break
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  log(
    `  ${name}: up on ${server.base} after ${((performance.now() - started) / 1000).toFixed(1)} s`,
  )
  return server
}

// ---------------------------------------------------------------------------------------------
// Peers of the decision API (issue 8, point 4): Cerbos PDP and a trivial Node server

type Peer = 'cerbos' | 'floor'

interface PeerRun {
  phases: Phase[]
  /** Why Cerbos was not measured, if it was not. */
  skipped: string | undefined
}

/** A peer process (not a Tessera server): ready when `healthPath` answers 200. */
async function startPeer(
  name: string,
  command: string,
  argv: string[],
  env: Record<string, string>,
  port: number,
  healthPath: string,
  logFile: string,
): Promise<Server> {
  const stdout = openSync(logFile, 'a')
  const child = spawn(command, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'pipe'],
  })
  closeSync(stdout)
  children.add(child)
  let tail = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-6_000)
  })
  let exitedWith: string | undefined
  const exited = new Promise<string>((done) => {
    child.once('exit', (code, signal) => {
      children.delete(child)
      exitedWith = signal === null ? `code ${code}` : `signal ${signal}`
      done(exitedWith)
    })
  })
  const server: Server = {
    name,
    child,
    base: `http://127.0.0.1:${port}`,
    logFile,
    exited,
    stderrTail: () => tail,
    nextLine: () => Promise.reject(new Error(`${name}: no probe`)),
  }
  const started = performance.now()
  for (;;) {
    if (exitedWith !== undefined) throw new Error(`${name} exited (${exitedWith}): ${tail}`)
    if (performance.now() - started > START_TIMEOUT_MS) {
      await stopServer(server)
      throw new Error(`${name}: ${healthPath} did not answer within ${START_TIMEOUT_MS / 1000} s`)
    }
    try {
      const response = await fetch(`${server.base}${healthPath}`, {
        signal: AbortSignal.timeout(2_000),
      })
      await response.arrayBuffer()
      if (response.status === 200) break
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  log(`  ${name}: up on ${server.base}`)
  return server
}

/** Cerbos's `POST /api/check/resources` and the Node floor, at 1 and 10 requests in flight. */
async function runPeers(work: string): Promise<PeerRun> {
  log('peers:')
  const phases: Phase[] = []
  const userId = 'bench-user'
  const measurePeer = async (peer: Peer, server: Server, path: string, body: string) => {
    const send: Send = { method: 'POST', body }
    await fire(`${server.base}${path}`, {}, { seconds: plan.warmupS }, send)
    for (const connections of IN_FLIGHT) {
      const phase = await measure(
        peer,
        server,
        `POST ${path} (${connections} in flight)`,
        path,
        {},
        plan.measureS,
        undefined,
        { connections, send },
      )
      logPhase(phase)
      phases.push(phase)
    }
  }
  let skipped: string | undefined
  const binary = cerbosBinary()
  if (binary === undefined) {
    skipped = '@cerbos/cerbos-linux-x64 is not installed (it ships for Linux x64 only)'
    log(`  cerbos: skipped, ${skipped}`)
  } else {
    const dir = mkdtempSync(join(work, 'cerbos-'))
    const [httpPort, grpcPort] = [await freePort(), await freePort()]
    const cerbos = await startPeer(
      `cerbos ${cerbosVersion()}`,
      binary,
      cerbosArgs(dir, httpPort, grpcPort),
      {},
      httpPort,
      '/_cerbos/health',
      join(work, 'cerbos.log'),
    )
    try {
      const check = await fetch(`${cerbos.base}/api/check/resources`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: cerbosCheckBody(userId),
      })
      const answer = (await check.json()) as { results?: { actions?: Record<string, string> }[] }
      if (answer.results?.[0]?.actions?.['view'] !== 'EFFECT_ALLOW') {
        throw new Error(`cerbos answered ${check.status}: ${JSON.stringify(answer)}`)
      }
      await measurePeer('cerbos', cerbos, '/api/check/resources', cerbosCheckBody(userId))
    } finally {
      await stopServer(cerbos)
    }
  }
  const floorPort = await freePort()
  const floor = await startPeer(
    'node floor',
    process.execPath,
    ['-e', FLOOR_SCRIPT],
    { PORT: String(floorPort) },
    floorPort,
    '/',
    join(work, 'floor.log'),
  )
  try {
    await measurePeer('floor', floor, '/check', checkBody(userId))
  } finally {
    await stopServer(floor)
  }
  return { phases, skipped }
}

/** SIGTERM (graceful: the server closes its database), SIGKILL if it hangs. */
async function stopServer(server: Server): Promise<void> {
  if (!children.has(server.child)) return
  server.child.kill('SIGTERM')
  const stopped = await Promise.race([server.exited, sleep(STOP_TIMEOUT_MS).then(() => null)])
  if (stopped === null) {
    log(`  ${server.name}: no exit ${STOP_TIMEOUT_MS / 1000} s after SIGTERM; SIGKILL`)
    server.child.kill('SIGKILL')
    await server.exited
  }
}

// ---------------------------------------------------------------------------------------------
// CPU time from /proc (Linux; the figures are left out elsewhere)

const hasProc = existsSync('/proc/self/stat')
const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/** utime + stime of a process, in ms. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
  } catch {
    return undefined
  }
}

/** Busy CPU ms of the whole machine, all cores (the first line of /proc/stat). */
function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
    const ticks = [user, nice, system, irq, softirq, steal].reduce<number>(
      (a, b) => a + (b ?? 0),
      0,
    )
    return (ticks * 1000) / ticksPerSecond
  } catch {
    return undefined
  }
}

/** CPU ms of every PostgreSQL backend serving `database` (their titles name it). */
function backendCpu(database: string): Map<number, number> {
  const found = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (!title.startsWith('postgres:') || !title.includes(` ${database} `)) continue
      const ms = cpuMs(Number(entry))
      if (ms !== undefined) found.set(Number(entry), ms)
    } catch {
      // gone meanwhile
    }
  }
  return found
}

// ---------------------------------------------------------------------------------------------
// Load

interface Phase {
  backend: Backend | Peer
  route: string
  /** Requests in flight at once (autocannon connections). */
  connections: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  meanMs: number
  requests: number
  non2xx: number
  errors: number
  seconds: number
  /** Server process CPU per request, and its share of one core over the phase. */
  serverCpuMsPerRequest: number | undefined
  serverCpuShare: number | undefined
  /** PostgreSQL backends' CPU per request (PostgreSQL only). */
  dbCpuMsPerRequest: number | undefined
  dbCpuShare: number | undefined
  /** This process's (autocannon's) share of one core. */
  loaderCpuShare: number
  /** Everything else the machine ran meanwhile (other people's work), in cores. */
  otherCpuShare: number | undefined
  logLinesPerRequest: number
  logBytesPerRequest: number
}

interface Probe {
  backend: Backend
  route: string
  requests: number
  roundTripsPerRequest: number
  dbWaitMsPerRequest: number
  meanMs: number
  statements: [string, number][]
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0
}

interface Fired {
  result: AutocannonResult
  latencies: Float64Array
}

/** A POST with a JSON body (the decision API and its peers); GET without. */
interface Send {
  method: 'POST'
  body: string
}

/** One autocannon run; every response's latency is kept (autocannon's histogram has 1 ms steps). */
async function fire(
  url: string,
  headers: Record<string, string>,
  load: { seconds: number; connections?: number } | { amount: number; connections: number },
  send?: Send,
): Promise<Fired> {
  const samples: number[] = []
  const run = autocannon({
    url,
    headers: send ? { ...headers, 'content-type': 'application/json' } : headers,
    pipelining: 1,
    timeout: 10,
    ...('seconds' in load
      ? { connections: load.connections ?? CONNECTIONS, duration: load.seconds }
      : { connections: load.connections, amount: load.amount }),
    ...(send && { method: send.method, body: send.body }),
  })
  run.on('response', (_client, _status, _bytes, ms) => {
    samples.push(ms)
  })
  const result = await run
  return { result, latencies: Float64Array.from(samples).sort() }
}

async function measure(
  backend: Phase['backend'],
  server: Server,
  route: string,
  path: string,
  headers: Record<string, string>,
  seconds: number,
  database: string | undefined,
  options: { connections?: number; send?: Send } = {},
): Promise<Phase> {
  const pid = server.child.pid as number
  const before = {
    at: performance.now(),
    server: hasProc ? cpuMs(pid) : undefined,
    db: hasProc && database !== undefined ? backendCpu(database) : undefined,
    loader: process.cpuUsage(),
    machine: hasProc ? machineBusyMs() : undefined,
    log: statSync(server.logFile).size,
  }
  const { result, latencies } = await fire(
    `${server.base}${path}`,
    headers,
    { seconds, ...(options.connections !== undefined && { connections: options.connections }) },
    options.send,
  )
  const wallMs = performance.now() - before.at
  const serverAfter = hasProc ? cpuMs(pid) : undefined
  const dbAfter = hasProc && database !== undefined ? backendCpu(database) : undefined
  const loader = process.cpuUsage(before.loader)
  const machineAfter = hasProc ? machineBusyMs() : undefined
  const loaderMs = (loader.user + loader.system) / 1000
  const logSize = statSync(server.logFile).size
  const requests = latencies.length
  const serverMs =
    serverAfter !== undefined && before.server !== undefined
      ? serverAfter - before.server
      : undefined
  let dbMs: number | undefined
  if (dbAfter !== undefined && before.db !== undefined) {
    dbMs = 0
    for (const [p, ms] of dbAfter) dbMs += ms - (before.db.get(p) ?? 0)
  }
  const perRequest = (ms: number | undefined) => (ms === undefined ? undefined : ms / requests)
  const share = (ms: number | undefined) => (ms === undefined ? undefined : ms / wallMs)
  let sum = 0
  for (const ms of latencies) sum += ms
  return {
    backend,
    route,
    connections: options.connections ?? CONNECTIONS,
    requestsPerSecond: result.requests.average,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    meanMs: sum / requests,
    requests,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    serverCpuMsPerRequest: perRequest(serverMs),
    serverCpuShare: share(serverMs),
    dbCpuMsPerRequest: perRequest(dbMs),
    dbCpuShare: share(dbMs),
    loaderCpuShare: loaderMs / wallMs,
    otherCpuShare:
      machineAfter !== undefined && before.machine !== undefined && serverMs !== undefined
        ? Math.max(0, machineAfter - before.machine - serverMs - (dbMs ?? 0) - loaderMs) / wallMs
        : undefined,
    logLinesPerRequest: countLines(server.logFile, before.log, logSize) / requests,
    logBytesPerRequest: (logSize - before.log) / requests,
  }
}

function logPhase(phase: Phase): void {
  log(
    `  ${phase.route}: ${Math.round(phase.requestsPerSecond)} req/s, p50 ${phase.p50Ms.toFixed(2)} ms, ` +
      `p99 ${phase.p99Ms.toFixed(2)} ms, non-2xx ${phase.non2xx}, errors ${phase.errors}`,
  )
}

interface ProbeTotals {
  queries: number
  dbMs: number
  statements: Record<string, number>
}

async function probeTotals(server: Server): Promise<ProbeTotals> {
  const line = server.nextLine('tessera-probe ', 5_000)
  server.child.kill('SIGUSR2')
  return JSON.parse((await line).slice('tessera-probe '.length)) as ProbeTotals
}

/** One request at a time through the probe server: round trips and database wait per request. */
async function probe(
  backend: Backend,
  server: Server,
  route: string,
  path: string,
  headers: Record<string, string>,
  send?: Send,
): Promise<Probe> {
  const url = `${server.base}${path}`
  await fire(url, headers, { amount: plan.probeWarmup, connections: 1 }, send)
  const before = await probeTotals(server)
  const { result, latencies } = await fire(
    url,
    headers,
    { amount: plan.probeRequests, connections: 1 },
    send,
  )
  const after = await probeTotals(server)
  if (result.non2xx + result.errors + result.timeouts > 0) {
    throw new Error(
      `${server.name}: ${route} during the probe: status counts ` +
        `${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors, ` +
        `${result.timeouts} timeouts\n--- server stdout (tail) ---\n${fileTail(server.logFile)}`,
    )
  }
  const n = latencies.length
  let sum = 0
  for (const ms of latencies) sum += ms
  const statements = Object.entries(after.statements)
    .map(([text, count]): [string, number] => [text, (count - (before.statements[text] ?? 0)) / n])
    .filter(([, perRequest]) => perRequest > 0)
  return {
    backend,
    route,
    requests: n,
    roundTripsPerRequest: (after.queries - before.queries) / n,
    dbWaitMsPerRequest: (after.dbMs - before.dbMs) / n,
    meanMs: sum / n,
    statements,
  }
}

// ---------------------------------------------------------------------------------------------
// Set-up over HTTP

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await response.text()
  let parsed: Record<string, unknown> = {}
  try {
    parsed = JSON.parse(text) as Record<string, unknown>
  } catch {
    parsed = { text }
  }
  return { status: response.status, json: parsed }
}

interface Target {
  token: string
  companyId: string
  userId: string
  /** An API key holding bench/http-peers.ts TESSERA_ROLE: the decision API's caller. */
  apiKey: string
  /** How the read user came to be: a second user, or the Admin reading themself. */
  kind: 'second user' | 'admin'
  why: string
}

async function setUp(base: string): Promise<Target> {
  const suffix = randomBytes(4).toString('hex')
  const signup = await call(base, 'POST', '/api/v1/signup', {
    companyName: `Bench ${suffix}`,
    name: 'Bench Admin',
    email: `admin-${suffix}@bench.example`,
    password: PASSWORD,
    timezone: 'UTC',
  })
  const token = signup.json['token']
  const admin = signup.json['user'] as { id?: unknown } | undefined
  const companyId = (signup.json['company'] as { id?: unknown } | undefined)?.id
  if (
    signup.status >= 300 ||
    typeof token !== 'string' ||
    typeof admin?.id !== 'string' ||
    typeof companyId !== 'string'
  ) {
    throw new Error(`signup answered ${signup.status}: ${JSON.stringify(signup.json)}`)
  }
  const created = await call(
    base,
    'POST',
    '/api/v1/users',
    { email: `agent-${suffix}@bench.example`, name: 'Bench Agent', password: PASSWORD },
    token,
  )
  const target: Target =
    created.status === 201 && typeof created.json['id'] === 'string'
      ? {
          token,
          companyId,
          apiKey: '',
          userId: created.json['id'],
          kind: 'second user',
          why: "a second user, created with `POST /api/v1/users` (no roles) and read with the Admin's token",
        }
      : {
          token,
          companyId,
          apiKey: '',
          userId: admin.id,
          kind: 'admin',
          why: `the Admin themself (\`POST /api/v1/users\` answered ${created.status})`,
        }
  const read = await call(base, 'GET', `/api/v1/users/${target.userId}`, undefined, token)
  if (read.status !== 200) {
    throw new Error(`GET /api/v1/users/{id} answered ${read.status}: ${JSON.stringify(read.json)}`)
  }
  const role = await call(base, 'POST', '/api/v1/roles', TESSERA_ROLE, token)
  const key = await call(
    base,
    'POST',
    '/api/v1/api-keys',
    { name: 'bench decision API', roleId: role.json['id'] },
    token,
  )
  if (role.status !== 201 || key.status !== 201 || typeof key.json['key'] !== 'string') {
    throw new Error(
      `the decision API's key: role ${role.status}, key ${key.status} ${JSON.stringify(key.json)}`,
    )
  }
  const apiKey = key.json['key']
  const answer = await fetch(`${base}${CHECK_ROUTE}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: checkBody(target.userId),
  })
  const decision = (await answer.json()) as { allowed?: unknown }
  if (answer.status !== 200 || decision.allowed !== true) {
    throw new Error(`${CHECK_ROUTE} answered ${answer.status}: ${JSON.stringify(decision)}`)
  }
  return { ...target, apiKey }
}

/** Tessera's question, the same as the peers' (bench/http-peers.ts). */
function checkBody(userId: string): string {
  return JSON.stringify({
    action: CHECK_ACTION,
    resource: { type: 'user', id: userId, attrs: { id: userId } },
  })
}

// ---------------------------------------------------------------------------------------------
// One backend

type Backend = 'pglite' | 'postgresql'

interface BackendRun {
  backend: Backend
  phases: Phase[]
  probes: Probe[]
  target: Target
  failures: string[]
}

async function runBackend(
  backend: Backend,
  dbEnv: Record<string, string>,
  database: string | undefined,
  work: string,
): Promise<BackendRun> {
  log(`${backend}:`)
  const server = await startServer(`${backend} server`, dbEnv, join(work, `${backend}.log`), false)
  let target: Target
  const phases: Phase[] = []
  try {
    target = await setUp(server.base).catch((error: unknown) => {
      throw new Error(
        `${server.name}: set-up failed: ${error instanceof Error ? error.message : String(error)}` +
          `\n--- server stdout (tail) ---\n${fileTail(server.logFile)}`,
      )
    })
    log(`  target: ${target.why}`)
    const headers = { authorization: `Bearer ${target.token}` }
    const userPath = `/api/v1/users/${target.userId}`
    const steps: [string, string, Record<string, string>, number][] = checkOnly
      ? []
      : [
          [HEALTHZ, HEALTHZ, {}, plan.measureS],
          [USER_ROUTE, userPath, headers, plan.measureS],
          [`${HEALTHZ} (repeat)`, HEALTHZ, {}, plan.repeatS],
        ]
    if (!checkOnly) {
      log(`  warm-up: ${plan.warmupHealthS} s on ${HEALTHZ}, ${plan.warmupS} s on ${USER_ROUTE}`)
      await fire(`${server.base}${HEALTHZ}`, {}, { seconds: plan.warmupHealthS })
      await fire(`${server.base}${userPath}`, headers, { seconds: plan.warmupS })
    }
    for (const [route, path, h, seconds] of steps) {
      const phase = await measure(backend, server, route, path, h, seconds, database)
      logPhase(phase)
      phases.push(phase)
    }
    const send: Send = { method: 'POST', body: checkBody(target.userId) }
    const keyHeaders = { authorization: `Bearer ${target.apiKey}` }
    await fire(`${server.base}${CHECK_ROUTE}`, keyHeaders, { seconds: plan.warmupS }, send)
    for (const connections of IN_FLIGHT) {
      const phase = await measure(
        backend,
        server,
        checkRoute(connections),
        CHECK_ROUTE,
        keyHeaders,
        plan.measureS,
        database,
        { connections, send },
      )
      logPhase(phase)
      phases.push(phase)
    }
  } finally {
    await stopServer(server)
  }

  const probeServer = await startServer(
    `${backend} probe server`,
    dbEnv,
    join(work, `${backend}-probe.log`),
    true,
  )
  const probes: Probe[] = []
  try {
    const headers = { authorization: `Bearer ${target.token}` }
    if (!checkOnly) {
      probes.push(await probe(backend, probeServer, HEALTHZ, HEALTHZ, {}))
      probes.push(
        await probe(backend, probeServer, USER_ROUTE, `/api/v1/users/${target.userId}`, headers),
      )
    }
    probes.push(
      await probe(
        backend,
        probeServer,
        `POST ${CHECK_ROUTE}`,
        CHECK_ROUTE,
        { authorization: `Bearer ${target.apiKey}` },
        { method: 'POST', body: checkBody(target.userId) },
      ),
    )
    for (const p of probes) {
      log(
        `  probe ${p.route}: ${p.roundTripsPerRequest.toFixed(1)} round trips, ` +
          `${p.dbWaitMsPerRequest.toFixed(2)} ms waiting on them, of ${p.meanMs.toFixed(2)} ms`,
      )
    }
  } finally {
    await stopServer(probeServer)
  }

  if (!checkOnly) phases.push(...(await runFloor(backend, dbEnv, database, work, target)))

  const failures = phases
    .filter((p) => p.non2xx > 0 || p.errors > 0 || p.requests === 0)
    .map(
      (p) =>
        `${backend} ${p.route}: ${p.non2xx} non-2xx, ${p.errors} errors/timeouts, ${p.requests} answers`,
    )
  return { backend, phases, probes, target, failures }
}

/** The floor's routes (bench/http-floor.ts), as named in the phases. */
const FLOOR_HEALTHZ = 'floor: /healthz'
const FLOOR_USER = 'floor: /users/{id}, 3 round trips'
const FLOOR_USER_4 = 'floor: /users/{id}, 4 round trips'

/**
 * The floor on the same data, after Tessera's servers have stopped: a minimal Fastify +
 * node-postgres server sending the user route's own statements with none of Tessera's work.
 */
async function runFloor(
  backend: Backend,
  dbEnv: Record<string, string>,
  database: string | undefined,
  work: string,
  target: Target,
): Promise<Phase[]> {
  const port = await freePort()
  const floor = await startPeer(
    `${backend} floor`,
    process.execPath,
    ['--import', 'tsx', join(root, 'bench', 'http-floor.ts')],
    { ...dbEnv, PORT: String(port), COMPANY_ID: target.companyId },
    port,
    HEALTHZ,
    join(work, `${backend}-floor.log`),
  )
  const phases: Phase[] = []
  try {
    const steps: [string, string][] = [
      [FLOOR_HEALTHZ, HEALTHZ],
      [FLOOR_USER, `/users/${target.userId}`],
      [FLOOR_USER_4, `/users4/${target.userId}`],
    ]
    for (const [, path] of steps) {
      const check = await fetch(`${floor.base}${path}`)
      const body = (await check.json()) as { id?: unknown; status?: unknown }
      if (check.status !== 200 || (path !== HEALTHZ && body.id !== target.userId)) {
        throw new Error(`${floor.name}: ${path} answered ${check.status} ${JSON.stringify(body)}`)
      }
      await fire(`${floor.base}${path}`, {}, { seconds: plan.warmupHealthS })
    }
    for (const [route, path] of steps) {
      const phase = await measure(backend, floor, route, path, {}, plan.measureS, database)
      logPhase(phase)
      phases.push(phase)
    }
  } finally {
    await stopServer(floor)
  }
  return phases
}

async function pglite(work: string): Promise<BackendRun> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'tessera-bench-pglite-'))
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }))
  return runBackend('pglite', { TESSERA_DATA_DIR: dataDir }, undefined, work)
}

async function postgresAdmin(): Promise<pg.Client | string> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 })
  client.on('error', () => {})
  try {
    await client.connect()
    return client
  } catch (error) {
    await client.end().catch(() => {})
    return error instanceof Error ? error.message : String(error)
  }
}

async function postgresql(work: string, admin: pg.Client): Promise<BackendRun> {
  const database = `tessera_bench_${randomBytes(5).toString('hex')}`
  await admin.query(`create database ${database}`)
  cleanups.push(async () => {
    await admin.query(`drop database if exists ${database} with (force)`)
    log(`dropped database ${database}`)
  })
  const url = new URL(ADMIN_URL)
  url.pathname = `/${database}`
  // PostgreSQL needs a key for TOTP secrets (S15); a fresh one per run, as the database is.
  const env = {
    DATABASE_URL: url.toString(),
    TESSERA_SECRET_KEY: randomBytes(32).toString('base64'),
  }
  return runBackend('postgresql', env, database, work)
}

// ---------------------------------------------------------------------------------------------
// Several processes on one PostgreSQL (issue 6, point 5)

const PROCESSES = 3
const REVOCATION_TRIALS = quick ? 3 : 10
const DENY_TIMEOUT_MS = 5_000

type RevocationKind = 'role taken from the user' | 'grant removed from the role'

interface Revocation {
  kind: RevocationKind
  /** Per trial and other server: ms from the revoking response to the first denied answer. */
  msAfterResponse: number[]
  /** The same from the moment the revoking request was sent. */
  msAfterRequest: number[]
  /** Requests each other server answered until (and including) the first denial. */
  requestsUntilDenied: number[]
}

interface MultiRun {
  processes: number
  revocations: Revocation[]
  single: { requestsPerSecond: number; p99Ms: number; non2xx: number }
  all: { requestsPerSecond: number; perServer: number[]; p99Ms: number; non2xx: number }
  failures: string[]
}

async function expectStatus(
  what: string,
  answer: Promise<{ status: number; json: Record<string, unknown> }>,
  status: number,
) {
  const got = await answer
  if (got.status !== status) {
    throw new Error(`${what} answered ${got.status}: ${JSON.stringify(got.json)}`)
  }
  return got.json
}

/** Asks `server` until it answers something else than 200; how long and how many requests. */
async function untilDenied(server: Server, path: string, token: string, sentAt: number) {
  const started = performance.now()
  for (let requests = 1; ; requests++) {
    const answer = await call(server.base, 'GET', path, undefined, token)
    if (answer.status !== 200) {
      const now = performance.now()
      return { afterResponse: now - started, afterRequest: now - sentAt, requests }
    }
    if (performance.now() - started > DENY_TIMEOUT_MS) {
      throw new Error(`${server.name} still allowed ${DENY_TIMEOUT_MS} ms after the revocation`)
    }
  }
}

async function untilAllowed(server: Server, path: string, token: string) {
  const started = performance.now()
  while ((await call(server.base, 'GET', path, undefined, token)).status !== 200) {
    if (performance.now() - started > DENY_TIMEOUT_MS) {
      throw new Error(`${server.name} still denied ${DENY_TIMEOUT_MS} ms after the restore`)
    }
  }
}

async function multiProcess(work: string, admin: pg.Client): Promise<MultiRun> {
  log(`postgresql, ${PROCESSES} processes on one database:`)
  const database = `tessera_bench_${randomBytes(5).toString('hex')}`
  await admin.query(`create database ${database}`)
  cleanups.push(async () => {
    await admin.query(`drop database if exists ${database} with (force)`)
    log(`dropped database ${database}`)
  })
  const url = new URL(ADMIN_URL)
  url.pathname = `/${database}`
  // S15: on PostgreSQL every process of one deployment needs the same TOTP key
  const env = {
    DATABASE_URL: url.toString(),
    TESSERA_SECRET_KEY: randomBytes(32).toString('base64'),
  }
  // The first migrates; the others start on a migrated database.
  const first = await startServer('process 1', env, join(work, 'multi-1.log'), false)
  const servers: Server[] = [first]
  try {
    servers.push(
      ...(await Promise.all(
        Array.from({ length: PROCESSES - 1 }, (_, i) =>
          startServer(`process ${i + 2}`, env, join(work, `multi-${i + 2}.log`), false),
        ),
      )),
    )
    const [a, ...others] = servers as [Server, ...Server[]]
    const suffix = randomBytes(4).toString('hex')
    const signup = await expectStatus(
      'signup',
      call(a.base, 'POST', '/api/v1/signup', {
        companyName: `Bench multi ${suffix}`,
        name: 'Bench Admin',
        email: `admin-${suffix}@bench.example`,
        password: PASSWORD,
        timezone: 'UTC',
      }),
      201,
    )
    const adminToken = signup['token'] as string
    const adminId = (signup['user'] as { id: string }).id
    const slug = (signup['company'] as { slug: string }).slug
    const grants = [{ actions: ['user.view'], scope: 'company' }]
    const role = await expectStatus(
      'POST /roles',
      call(a.base, 'POST', '/api/v1/roles', { name: 'Directory', grants }, adminToken),
      201,
    )
    const roleId = role['id'] as string
    const viewer = await expectStatus(
      'POST /users',
      call(
        a.base,
        'POST',
        '/api/v1/users',
        {
          email: `viewer-${suffix}@bench.example`,
          name: 'Viewer',
          password: PASSWORD,
          roleIds: [roleId],
        },
        adminToken,
      ),
      201,
    )
    const viewerId = viewer['id'] as string
    const login = await expectStatus(
      'login',
      call(a.base, 'POST', '/api/v1/auth/login', {
        company: slug,
        email: `viewer-${suffix}@bench.example`,
        password: PASSWORD,
      }),
      200,
    )
    const viewerToken = login['token'] as string
    const path = `/api/v1/users/${adminId}`
    for (const s of servers) await untilAllowed(s, path, viewerToken)

    const kinds: [RevocationKind, () => Promise<unknown>, () => Promise<unknown>][] = [
      [
        'role taken from the user',
        () =>
          expectStatus(
            'take the role',
            call(a.base, 'PUT', `/api/v1/users/${viewerId}/roles`, { roleIds: [] }, adminToken),
            200,
          ),
        () =>
          expectStatus(
            'give the role back',
            call(
              a.base,
              'PUT',
              `/api/v1/users/${viewerId}/roles`,
              { roleIds: [roleId] },
              adminToken,
            ),
            200,
          ),
      ],
      [
        'grant removed from the role',
        () =>
          expectStatus(
            'empty the role',
            call(a.base, 'PATCH', `/api/v1/roles/${roleId}`, { grants: [] }, adminToken),
            200,
          ),
        () =>
          expectStatus(
            'restore the role',
            call(a.base, 'PATCH', `/api/v1/roles/${roleId}`, { grants }, adminToken),
            200,
          ),
      ],
    ]
    const headers = { authorization: `Bearer ${adminToken}` }
    const target = `/api/v1/users/${viewerId}`
    log(`  warm-up: ${plan.warmupS} s on ${USER_ROUTE} on every process`)
    await Promise.all(
      servers.map((s) => fire(`${s.base}${target}`, headers, { seconds: plan.warmupS })),
    )
    const one = await fire(`${a.base}${target}`, headers, { seconds: plan.measureS })
    const all = await Promise.all(
      servers.map((s) => fire(`${s.base}${target}`, headers, { seconds: plan.measureS })),
    )

    const revocations: Revocation[] = []
    for (const [kind, revoke, restore] of kinds) {
      const r: Revocation = {
        kind,
        msAfterResponse: [],
        msAfterRequest: [],
        requestsUntilDenied: [],
      }
      for (let trial = 0; trial < REVOCATION_TRIALS; trial++) {
        const sentAt = performance.now()
        await revoke()
        const denied = await Promise.all(
          others.map((s) => untilDenied(s, path, viewerToken, sentAt)),
        )
        for (const d of denied) {
          r.msAfterResponse.push(d.afterResponse)
          r.msAfterRequest.push(d.afterRequest)
          r.requestsUntilDenied.push(d.requests)
        }
        await restore()
        for (const s of servers) await untilAllowed(s, path, viewerToken)
      }
      log(
        `  ${kind}: denied by the other ${others.length} after ` +
          `${fixed(median(r.msAfterResponse), 2)} ms (median), ${fixed(Math.max(...r.msAfterResponse), 2)} ms (max) ` +
          `from the response; requests until denied: ${[...new Set(r.requestsUntilDenied)].join(', ')}`,
      )
      revocations.push(r)
    }

    const perServer = all.map((f) => f.result.requests.average)
    const merged = Float64Array.from(all.flatMap((f) => [...f.latencies])).sort()
    const run: MultiRun = {
      processes: PROCESSES,
      revocations,
      single: {
        requestsPerSecond: one.result.requests.average,
        p99Ms: percentile(one.latencies, 0.99),
        non2xx: one.result.non2xx + one.result.errors,
      },
      all: {
        requestsPerSecond: perServer.reduce((x, y) => x + y, 0),
        perServer,
        p99Ms: percentile(merged, 0.99),
        non2xx: all.reduce((n, f) => n + f.result.non2xx + f.result.errors, 0),
      },
      failures: [],
    }
    log(
      `  ${USER_ROUTE}: 1 process ${rate(run.single.requestsPerSecond)} req/s; ` +
        `${PROCESSES} processes ${rate(run.all.requestsPerSecond)} req/s ` +
        `(${perServer.map(rate).join(' + ')})`,
    )
    if (run.single.non2xx + run.all.non2xx > 0) {
      run.failures.push(`multi-process throughput: ${run.single.non2xx + run.all.non2xx} non-2xx`)
    }
    return run
  } finally {
    await Promise.all(servers.map(stopServer))
  }
}

function multiLines(m: MultiRun): string[] {
  return [
    ...m.revocations.map(
      (r) =>
        `postgresql, ${m.processes} processes: ${r.kind}: the other ${m.processes - 1} denied ` +
        `${fixed(median(r.msAfterResponse), 2)} ms (median) / ${fixed(Math.max(...r.msAfterResponse), 2)} ms ` +
        `(max) after the revoking response; requests until denied: max ${Math.max(...r.requestsUntilDenied)}`,
    ),
    `postgresql: ${USER_ROUTE} on 1 process ${rate(m.single.requestsPerSecond)} req/s, on ` +
      `${m.processes} at once ${rate(m.all.requestsPerSecond)} req/s ` +
      `(${fixed(m.all.requestsPerSecond / m.single.requestsPerSecond, 2)}×)`,
  ]
}

function multiSection(m: MultiRun): string[] {
  const lines = [
    `### Several processes on one PostgreSQL`,
    '',
    `${m.processes} servers (\`src/main.ts\`, as above) on one fresh PostgreSQL database. A user ` +
      'holds a role granting `user.view` company-wide; through process 1 the role is taken from ' +
      "the user (`PUT /users/{id}/roles`, a change of the user's subject) or its grant removed " +
      "(`PATCH /roles/{id}`, a change of the company's policy version), then the other " +
      `processes are asked \`GET /api/v1/users/{id}\` as that user, one request after another, ` +
      `until they deny (404); then it is restored. ${REVOCATION_TRIALS} trials of each, both ` +
      'other processes each time.',
    '',
    '| revocation | answers | until denied, median ms (from the revoking response) | max ms | median ms from sending the revocation | requests until denied (max) |',
    '|---|--:|--:|--:|--:|--:|',
    ...m.revocations.map(
      (r) =>
        `| ${r.kind} | ${r.msAfterResponse.length} | ${fixed(median(r.msAfterResponse), 2)} | ` +
        `${fixed(Math.max(...r.msAfterResponse), 2)} | ${fixed(median(r.msAfterRequest), 2)} | ` +
        `${Math.max(...r.requestsUntilDenied)} |`,
    ),
    '',
    'The first request after the revoking response is denied: each request reads the subject ' +
      "and the company's policy version with its session, in one statement, so no process can " +
      'answer from a stale cache. The LISTEN/NOTIFY notice of a policy change only makes the ' +
      'other processes compile the new policy before their next request asks for it; the ' +
      "denial does not wait for it. The times above are therefore one request's latency, " +
      'not a propagation delay.',
    '',
    `Throughput of \`GET /api/v1/users/{id}\` (the Admin reading a user), ${CONNECTIONS} ` +
      `connections per process, ${plan.measureS} s, after ${plan.warmupS} s of warm-up on every ` +
      'process:',
    '',
    '| processes | requests/s | per process | p99 ms | non-2xx |',
    '|--:|--:|---|--:|--:|',
    `| 1 | ${rate(m.single.requestsPerSecond)} | ${rate(m.single.requestsPerSecond)} | ${fixed(m.single.p99Ms, 2)} | ${m.single.non2xx} |`,
    `| ${m.processes} | ${rate(m.all.requestsPerSecond)} | ${m.all.perServer.map(rate).join(' + ')} | ${fixed(m.all.p99Ms, 2)} | ${m.all.non2xx} |`,
    '',
    `${m.processes} processes at once served ${fixed(m.all.requestsPerSecond / m.single.requestsPerSecond, 2)}× ` +
      `the requests/s of one. This machine has ${os.cpus().length} cores, shared by the ` +
      'servers, PostgreSQL, the load generator (one autocannon per process, all in the bench ' +
      "process) and other people's work, so this shows that processes share one database " +
      'correctly, not how they would scale on separate machines.',
  ]
  return lines
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] ?? 0)
}

// ---------------------------------------------------------------------------------------------
// Report

const fixed = (n: number | undefined, digits: number) =>
  n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits)
const percent = (n: number | undefined) => (n === undefined ? '–' : `${Math.round(n * 100)}%`)
const rate = (n: number) => Math.round(n).toLocaleString('en-US')

interface Ratio {
  requestsPerSecond: number
  p99: number
}

function ratioOf(run: BackendRun): Ratio | undefined {
  const health = run.phases.find((p) => p.route === HEALTHZ)
  const users = run.phases.find((p) => p.route === USER_ROUTE)
  if (health === undefined || users === undefined) return undefined
  return {
    requestsPerSecond: users.requestsPerSecond / health.requestsPerSecond,
    p99: users.p99Ms / health.p99Ms,
  }
}

function consoleTable(runs: BackendRun[], peers?: PeerRun): string[] {
  const rows = [
    [
      'backend',
      'route',
      'req/s',
      'p50 ms',
      'p99 ms',
      'non-2xx',
      'server CPU',
      'CPU ms/req',
      'pg CPU ms/req',
      'loader CPU',
      'others CPU',
    ],
    ...[...runs.map((r) => r.phases), peers?.phases ?? []].flatMap((phases) =>
      phases.map((p) => [
        p.backend,
        p.route,
        rate(p.requestsPerSecond),
        fixed(p.p50Ms, 2),
        fixed(p.p99Ms, 2),
        String(p.non2xx + p.errors),
        percent(p.serverCpuShare),
        fixed(p.serverCpuMsPerRequest, 3),
        fixed(p.dbCpuMsPerRequest, 3),
        percent(p.loaderCpuShare),
        percent(p.otherCpuShare),
      ]),
    ),
  ]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  '),
  )
  for (const r of runs) {
    const ratio = ratioOf(r)
    if (ratio === undefined) continue
    lines.push(
      `${r.backend}: ${USER_ROUTE} / ${HEALTHZ} = ${ratio.requestsPerSecond.toFixed(3)}× the requests/s, ` +
        `${ratio.p99.toFixed(1)}× the p99`,
    )
  }
  return lines
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'))
    if (line !== undefined) return line.slice(line.indexOf(':') + 1).trim()
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown'
}

interface Context {
  date: string
  load: [number, number]
  seconds: number
  skipped: string | undefined
  /** The commit measured, and whether src/ had uncommitted changes then. */
  code: string
}

function codeVersion(): string {
  try {
    const git = (...a: string[]) =>
      execFileSync('git', a, { cwd: serverRoot, encoding: 'utf8' }).trim()
    const commit = git('rev-parse', '--short', 'HEAD')
    const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length
    return dirty === 0
      ? `commit ${commit}`
      : `commit ${commit} with ${dirty} uncommitted change(s) in src/`
  } catch {
    return 'unknown (no git)'
  }
}

const peerNames: Record<Peer, string> = {
  cerbos: `Cerbos PDP ${cerbosVersion()} (HTTP)`,
  floor: 'Node floor',
}

/** Tessera's decision API over each peer at the same number in flight: req/s and p50. */
function decisionRatios(runs: BackendRun[], peers: PeerRun): string[] {
  const lines: string[] = []
  for (const r of runs) {
    for (const n of IN_FLIGHT) {
      const mine = r.phases.find((p) => p.route === checkRoute(n))
      if (mine === undefined) continue
      for (const peer of ['cerbos', 'floor'] as const) {
        const theirs = peers.phases.find((p) => p.backend === peer && p.connections === n)
        if (theirs === undefined) continue
        lines.push(
          `| ${r.backend === 'pglite' ? 'PGlite' : 'PostgreSQL'} | ${n} | ${peerNames[peer]} | ` +
            `${(mine.requestsPerSecond / theirs.requestsPerSecond).toFixed(2)}× | ` +
            `${(mine.p50Ms / theirs.p50Ms).toFixed(2)}× |`,
        )
      }
    }
  }
  return lines
}

function decisionSection(runs: BackendRun[], peers: PeerRun): string[] {
  const lines = [
    '### The decision API beside Cerbos PDP and a Node floor',
    '',
    `The same question everywhere: may the caller view one user? Tessera: \`POST ${CHECK_ROUTE}\` ` +
      'with an API key holding one custom role (`user.view`, company-wide; bench/http-peers.ts ' +
      `TESSERA_ROLE). Cerbos PDP ${cerbosVersion()} (the \`@cerbos/cerbos-linux-x64\` binary, ` +
      'disk policy store, audit off, log level error): `POST /api/check/resources` against a ' +
      'resource policy of the same shape (role `checker` may `view` any `user`). The floor: a ' +
      'Node HTTP server that reads the body and answers a fixed decision. Each at 1 and 10 ' +
      `requests in flight, ${plan.measureS} s each after a ${plan.warmupS} s warm-up, in the same run.`,
    '',
    '| service | in flight | requests/s | p50 ms | p99 ms | server CPU ms / request |',
    '|---|--:|--:|--:|--:|--:|',
  ]
  const row = (name: string, p: Phase) =>
    `| ${name} | ${p.connections} | ${rate(p.requestsPerSecond)} | ${fixed(p.p50Ms, 3)} | ` +
    `${fixed(p.p99Ms, 3)} | ${fixed(p.serverCpuMsPerRequest, 3)} |`
  for (const r of runs) {
    for (const n of IN_FLIGHT) {
      const p = r.phases.find((x) => x.route === checkRoute(n))
      if (p !== undefined)
        lines.push(row(`Tessera on ${r.backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}`, p))
    }
  }
  for (const p of peers.phases) lines.push(row(peerNames[p.backend as Peer], p))
  for (const r of runs) {
    const probe = r.probes.find((p) => p.route === `POST ${CHECK_ROUTE}`)
    if (probe === undefined) continue
    lines.push(
      '',
      `Where one check's time goes (${r.backend === 'pglite' ? 'PGlite' : 'PostgreSQL'}, one at a ` +
        `time, warm): ${fixed(probe.roundTripsPerRequest, 1)} database round trip(s) per request ` +
        (probe.statements.length > 0
          ? `(${probe.statements.map(([text]) => `\`${text.slice(0, 60)}\``).join(', ')}), `
          : '(none: on PGlite the counters are kept while nothing was sent, src/db/local-epoch.ts), ') +
        `${fixed(probe.dbWaitMsPerRequest, 3)} ms waiting on them, of ` +
        `${fixed(probe.meanMs, 3)} ms in all as the load generator saw it; the rest is HTTP ` +
        '(parsing, validation, serialisation) and the decision itself.',
    )
  }
  if (peers.skipped !== undefined) lines.push('', `Cerbos was not measured: ${peers.skipped}.`)
  lines.push(
    '',
    'Ratios, Tessera over the peer at the same number in flight (requests/s above 1× is faster; ' +
      'p50 below 1× is faster):',
    '',
    '| Tessera on | in flight | peer | requests/s | p50 |',
    '|---|--:|---|--:|--:|',
    ...decisionRatios(runs, peers),
  )
  return lines
}

function section(runs: BackendRun[], context: Context, multi?: MultiRun, peers?: PeerRun): string {
  const names: Record<Backend, string> = { pglite: 'PGlite', postgresql: 'PostgreSQL' }
  const lines: string[] = []
  const push = (...more: string[]) => lines.push(...more)
  const targets = [...new Set(runs.map((r) => r.target.why))]
  push(
    '## HTTP: an authorized read vs /healthz',
    '',
    `Generated by \`npm run bench:http\` (bench/http.ts) on ${context.date}; the run took ` +
      `${Math.round(context.seconds)} s. Only \`npm run bench:http\` writes this section (between ` +
      'its two marker comments); rerun it to refresh the figures.',
    '',
    '| | |',
    '|---|---|',
    `| node | ${process.version} |`,
    `| cpu | ${cpuModel()} |`,
    `| cores | ${os.cpus().length} |`,
    `| load average (1 min), start / end | ${context.load[0].toFixed(1)} / ${context.load[1].toFixed(1)} |`,
    `| autocannon | ${autocannonVersion} |`,
    `| code | ${context.code} |`,
    '',
    '### Method',
    '',
    '- The real server, `node --import tsx src/main.ts`, in a child process on 127.0.0.1 with ' +
      'request logging on, as it ships (`LOG_REQUESTS=all`): one JSON line per request to ' +
      'stdout, which goes to a temporary file.',
    `- PGlite in a fresh temporary \`TESSERA_DATA_DIR\`; PostgreSQL in a fresh database ` +
      '`tessera_bench_<random>` on the local server (dropped at the end), through the same ' +
      '`DATABASE_URL` a deployment uses.',
    '- Set-up over HTTP: `POST /api/v1/signup` (the first user is the Admin) and a bearer ' +
      `token. The user read is ${targets.join('; ')}.`,
    `- Load: autocannon ${autocannonVersion} in the bench process (a separate process) over ` +
      `loopback, ${CONNECTIONS} connections, no pipelining; warm-up ${plan.warmupHealthS} s on ` +
      `\`/healthz\` and ${plan.warmupS} s on the user route, then ${plan.measureS} s of \`/healthz\`, ${plan.measureS} s of ` +
      `\`GET /api/v1/users/{id}\`, and ${plan.repeatS} s of \`/healthz\` again to show drift. ` +
      "Requests/s is autocannon's mean of its per-second counts; p50 and p99 are taken from " +
      "the latency of every response (autocannon's own histogram has 1 ms steps).",
    '- `/healthz` runs `select 1` on the database. `GET /api/v1/users/{id}` opens one ' +
      'transaction, finds the bearer session kept in memory (by its token hash, resolved once ' +
      "in full) and checks it with one statement that reads the company's two counters (policy " +
      'version, subject version) and binds the transaction to the company under row-level ' +
      'security (sent with BEGIN in one round trip, src/db/deferred-begin.ts), reads the ' +
      'target user in the same transaction, takes the compiled ' +
      'policy of that version from the cache, decides `user.view` with the engine, commits, ' +
      'projects the user (hidden fields left out) and serialises it to JSON.',
    '- Afterwards a second server on the same data, with bench/http-probe.ts preloaded (it ' +
      "wraps node-postgres's `Client.query`, which both backends go through), sends " +
      `${plan.probeRequests} requests one at a time per route and counts the database round ` +
      'trips and the time from each query to its answer. The throughput figures come from the ' +
      'first server, which has nothing preloaded.',
    '',
    '### Results',
    '',
    '| backend | route | requests/s | p50 ms | p99 ms | non-2xx | server CPU (one core = 100%) | server CPU ms / request | PostgreSQL CPU ms / request | other processes on the machine, CPU |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  )
  for (const r of runs) {
    for (const p of r.phases) {
      push(
        `| ${names[r.backend]} | \`${p.route}\` | ${rate(p.requestsPerSecond)} | ${fixed(p.p50Ms, 2)} | ` +
          `${fixed(p.p99Ms, 2)} | ${p.non2xx + p.errors} | ${percent(p.serverCpuShare)} | ` +
          `${fixed(p.serverCpuMsPerRequest, 3)} | ${fixed(p.dbCpuMsPerRequest, 3)} | ` +
          `${percent(p.otherCpuShare)} |`,
      )
    }
  }
  if (context.skipped !== undefined) {
    push('', `PostgreSQL was not measured: ${context.skipped}.`)
  }
  push('', '### Ratios (the user route over the first `/healthz`)', '')
  push('| backend | requests/s | p99 |', '|---|--:|--:|')
  for (const r of runs) {
    const ratio = ratioOf(r)
    if (ratio === undefined) continue
    push(
      `| ${names[r.backend]} | ${ratio.requestsPerSecond.toFixed(3)}× (1 in ${(1 / ratio.requestsPerSecond).toFixed(1)}) | ${ratio.p99.toFixed(1)}× |`,
    )
  }
  push('', '### Where the time goes (measured)', '')
  push(
    '| backend | route | round trips / request | waiting on them, ms / request | latency, one request at a time, ms | share |',
    '|---|---|--:|--:|--:|--:|',
  )
  for (const r of runs) {
    for (const p of r.probes) {
      push(
        `| ${names[r.backend]} | \`${p.route}\` | ${fixed(p.roundTripsPerRequest, 1)} | ` +
          `${fixed(p.dbWaitMsPerRequest, 3)} | ${fixed(p.meanMs, 3)} | ` +
          `${percent(p.dbWaitMsPerRequest / p.meanMs)} |`,
      )
    }
  }
  const userProbe = runs.flatMap((r) => r.probes).find((p) => p.route === USER_ROUTE)
  if (userProbe !== undefined) {
    push(
      '',
      `The round trips of one \`GET /api/v1/users/{id}\` (${names[userProbe.backend]}; per request):`,
      '',
      ...userProbe.statements.map(
        ([text, n]) => `- ${fixed(n, 2)} × \`${text.replace(/`/g, "'")}\``,
      ),
    )
  }
  push('', ...notes(runs))
  push('', ...floorSection(runs))
  if (peers !== undefined) push('', ...decisionSection(runs, peers))
  if (multi !== undefined) push('', ...multiSection(multi))
  return lines.join('\n')
}

/** The floor beside Tessera's routes, and what it says about the gap (from the figures only). */
function floorSection(runs: BackendRun[]): string[] {
  const lines = [
    "### The floor: the user route's round trips without Tessera's work",
    '',
    "bench/http-floor.ts, started on the same data once Tessera's servers have stopped: Fastify " +
      '5 and node-postgres (PGlite through its node-postgres adapter, with one connection, as ' +
      'Tessera uses it), no logging, no session, no authorization, no validation, no audit. ' +
      '`/healthz` runs `select 1`; `/users/{id}` sends the statements Tessera sends for ' +
      '`GET /api/v1/users/{id}` (BEGIN with the counters and tenant binding, the user, COMMIT: ' +
      "3 round trips) and answers six of the row's fields; the 4-round-trip variant sends BEGIN " +
      `alone, as Tessera did before db/deferred-begin.ts. ${CONNECTIONS} connections, ` +
      `${plan.measureS} s each after ${plan.warmupHealthS} s of warm-up.`,
    '',
    "| backend | route | requests/s | over Tessera's `/healthz` | p50 ms | server CPU ms / request | PostgreSQL CPU ms / request |",
    '|---|---|--:|--:|--:|--:|--:|',
  ]
  const notes: string[] = []
  for (const r of runs) {
    const name = r.backend === 'pglite' ? 'PGlite' : 'PostgreSQL'
    const health = r.phases.find((p) => p.route === HEALTHZ)
    const users = r.phases.find((p) => p.route === USER_ROUTE)
    const floorHealth = r.phases.find((p) => p.route === FLOOR_HEALTHZ)
    const floor = r.phases.find((p) => p.route === FLOOR_USER)
    const floor4 = r.phases.find((p) => p.route === FLOOR_USER_4)
    if (!health || !users || !floorHealth || !floor || !floor4) continue
    for (const p of [health, floorHealth, users, floor, floor4]) {
      lines.push(
        `| ${name} | \`${p.route}\` | ${rate(p.requestsPerSecond)} | ` +
          `${fixed(p.requestsPerSecond / health.requestsPerSecond, 3)}× | ${fixed(p.p50Ms, 2)} | ` +
          `${fixed(p.serverCpuMsPerRequest, 3)} | ${fixed(p.dbCpuMsPerRequest, 3)} |`,
      )
    }
    const target = health.requestsPerSecond / 2
    const floorRatio = floor.requestsPerSecond / health.requestsPerSecond
    const parts = [
      `**${name}.** With nothing but the route's 3 round trips, the floor answered ` +
        `${rate(floor.requestsPerSecond)} requests/s: ${fixed(floorRatio, 3)}× Tessera's ` +
        `\`/healthz\` (${rate(health.requestsPerSecond)}) and ` +
        `${fixed(floor.requestsPerSecond / floorHealth.requestsPerSecond, 3)}× the floor's own ` +
        `\`/healthz\` (${rate(floorHealth.requestsPerSecond)}). Tessera's route answered ` +
        `${rate(users.requestsPerSecond)}, ${fixed(users.requestsPerSecond / floor.requestsPerSecond, 2)}× ` +
        'the floor.',
    ]
    if (users.serverCpuMsPerRequest !== undefined && floor.serverCpuMsPerRequest !== undefined) {
      parts.push(
        `Its server process spent ${fixed(users.serverCpuMsPerRequest, 3)} ms of CPU per ` +
          `request against the floor's ${fixed(floor.serverCpuMsPerRequest, 3)} ms: the ` +
          `difference, ${fixed(users.serverCpuMsPerRequest - floor.serverCpuMsPerRequest, 3)} ms, ` +
          "is Tessera's own work (HTTP hooks and logging, the session, the decision, the " +
          'projection, the serialisation).',
      )
    }
    parts.push(
      `Sending BEGIN alone (4 round trips) the floor answered ${rate(floor4.requestsPerSecond)} ` +
        `requests/s, ${fixed(floor4.requestsPerSecond / floor.requestsPerSecond, 2)}× its ` +
        '3-round-trip rate.',
    )
    parts.push(
      floor.requestsPerSecond < target
        ? `The target of 0.5× \`/healthz\` (${rate(target)} requests/s here) is above what the ` +
            'floor reached with the same round trips in this run.'
        : `The target of 0.5× \`/healthz\` (${rate(target)} requests/s here) is below what the ` +
            'floor reached with the same round trips in this run.',
    )
    // Requests/s of phases run one after another move with the machine's other load; CPU per
    // request moves much less, and on a machine whose cores are all busy it sets the rate.
    const cpu = (p: Phase) =>
      p.serverCpuMsPerRequest === undefined
        ? undefined
        : p.serverCpuMsPerRequest + (p.dbCpuMsPerRequest ?? 0)
    const [healthCpu, floorCpu, usersCpu] = [cpu(health), cpu(floor), cpu(users)]
    if (healthCpu !== undefined && floorCpu !== undefined && usersCpu !== undefined) {
      const what = r.backend === 'postgresql' ? 'server and PostgreSQL CPU' : 'server CPU'
      parts.push(
        `By ${what} per request (${fixed(healthCpu, 3)} ms for \`/healthz\`, ` +
          `${fixed(floorCpu, 3)} ms for the floor, ${fixed(usersCpu, 3)} ms for Tessera's route), ` +
          `a machine with no other work could serve the floor at most ` +
          `${fixed(healthCpu / floorCpu, 2)}× and Tessera's route at most ` +
          `${fixed(healthCpu / usersCpu, 2)}× the \`/healthz\` rate` +
          (healthCpu / floorCpu < 0.5
            ? ': the 3 round trips alone, with nothing of Tessera around them, already cost more ' +
              "than twice `/healthz`'s CPU, so 0.5× is out of reach by cutting Tessera's work alone."
            : ": 0.5× is within the floor's reach, so the rest of the gap is Tessera's work."),
      )
    }
    if (
      floor4.requestsPerSecond > floor.requestsPerSecond ||
      Math.abs((health.otherCpuShare ?? 0) - (users.otherCpuShare ?? 0)) > 0.5
    ) {
      parts.push(
        'Other work on the machine changed a lot between these phases (the last column of the ' +
          'results), so their requests/s are not comparable with each other; the CPU figures are.',
      )
    }
    notes.push(parts.join(' '), '')
  }
  if (notes.length === 0) return []
  return [...lines, '', ...notes]
}

/** What the numbers above say, stated from them and nothing else. */
function notes(runs: BackendRun[]): string[] {
  const notes: string[] = []
  for (const r of runs) {
    const health = r.phases.find((p) => p.route === HEALTHZ)
    const users = r.phases.find((p) => p.route === USER_ROUTE)
    const repeat = r.phases.find((p) => p.route === `${HEALTHZ} (repeat)`)
    const probeUsers = r.probes.find((p) => p.route === USER_ROUTE)
    const probeHealth = r.probes.find((p) => p.route === HEALTHZ)
    if (!health || !users || !probeUsers || !probeHealth) continue
    const name = r.backend === 'pglite' ? 'PGlite' : 'PostgreSQL'
    const parts: string[] = []
    parts.push(
      `**${name}.** One request at a time, the user route makes ` +
        `${fixed(probeUsers.roundTripsPerRequest, 1)} database round trips (one transaction) ` +
        `against ${fixed(probeHealth.roundTripsPerRequest, 0)} for \`/healthz\`, and ` +
        `${fixed(probeUsers.dbWaitMsPerRequest, 2)} ms of its ${fixed(probeUsers.meanMs, 2)} ms ` +
        `(${percent(probeUsers.dbWaitMsPerRequest / probeUsers.meanMs)}) is spent waiting on them.`,
    )
    if (r.backend === 'pglite') {
      parts.push(
        'PGlite runs inside the server process, so that wait is work on the same thread that ' +
          'serves HTTP, and with one PGlite connection the requests take their turns.',
      )
    }
    const serverMs = users.serverCpuMsPerRequest
    if (users.serverCpuShare !== undefined && serverMs !== undefined) {
      parts.push(
        `Under load (${CONNECTIONS} connections) the server process was busy ` +
          `${percent(users.serverCpuShare)} of one core on the user route, ` +
          `${fixed(serverMs, 2)} ms of CPU per request, against ` +
          `${fixed(health.serverCpuMsPerRequest, 2)} ms per \`/healthz\` ` +
          `(${percent(health.serverCpuShare)} of a core).`,
      )
      if (users.serverCpuShare >= 0.9) {
        parts.push(
          'The process kept about a core busy throughout (its JavaScript thread' +
            (r.backend === 'pglite' ? ', which also runs the queries here,' : '') +
            " plus Node's helper threads), so on this route its CPU per request, not waiting, " +
            'sets the rate.',
        )
      }
    }
    const dbMs = users.dbCpuMsPerRequest
    if (dbMs !== undefined && serverMs !== undefined && health.dbCpuMsPerRequest !== undefined) {
      const userTotal = serverMs + dbMs
      const healthTotal = (health.serverCpuMsPerRequest ?? 0) + health.dbCpuMsPerRequest
      parts.push(
        `The PostgreSQL backends added ${fixed(dbMs, 2)} ms of CPU per user request ` +
          `(${percent(users.dbCpuShare)} of a core) and ${fixed(health.dbCpuMsPerRequest, 2)} ms ` +
          `per \`/healthz\`: server and database together ${fixed(userTotal, 2)} ms against ` +
          `${fixed(healthTotal, 2)} ms, ${fixed(userTotal / healthTotal, 1)}× the CPU per request, ` +
          `beside ${fixed(health.requestsPerSecond / users.requestsPerSecond, 1)}× fewer ` +
          'requests/s.',
      )
    } else if (serverMs !== undefined && health.serverCpuMsPerRequest !== undefined) {
      parts.push(
        `That is ${fixed(serverMs / health.serverCpuMsPerRequest, 1)}× the CPU per request, ` +
          `beside ${fixed(health.requestsPerSecond / users.requestsPerSecond, 1)}× fewer ` +
          'requests/s.',
      )
    }
    parts.push(
      `Logging wrote ${fixed(users.logLinesPerRequest, 1)} lines ` +
        `(${Math.round(users.logBytesPerRequest)} bytes) per user request and ` +
        `${fixed(health.logLinesPerRequest, 1)} (${Math.round(health.logBytesPerRequest)} bytes) ` +
        'per `/healthz`; its cost is inside the server CPU above and was not measured apart.',
    )
    if (repeat !== undefined) {
      const drift = repeat.requestsPerSecond / health.requestsPerSecond - 1
      parts.push(
        `\`/healthz\` measured again after the user route: ${rate(repeat.requestsPerSecond)} ` +
          `requests/s, ${drift >= 0 ? '+' : ''}${Math.round(drift * 100)}% against the first run ` +
          `(the server busy ${percent(repeat.serverCpuShare)} of a core, against ` +
          `${percent(health.serverCpuShare)} then).`,
      )
    }
    notes.push(parts.join(' '), '')
  }
  notes.push(
    'No process had a core to itself: the server, PostgreSQL, the load generator and ' +
      `whatever else ran on the machine shared its ${os.cpus().length} cores (the last column ` +
      'of the results is the CPU the machine spent on other processes during each phase, ' +
      'other work on this shared machine), so the CPU shares above are what each got, not ' +
      'what it could have used. The load generator used, during the user route, ' +
      runs
        .flatMap((r) => r.phases.filter((p) => p.route === USER_ROUTE))
        .map((p) => `${percent(p.loaderCpuShare)} of a core (${p.backend})`)
        .join(', ') +
      `, and during \`/healthz\` ` +
      runs
        .flatMap((r) => r.phases.filter((p) => p.route === HEALTHZ))
        .map((p) => `${percent(p.loaderCpuShare)} (${p.backend})`)
        .join(', ') +
      '.',
  )
  return notes
}

async function updateDocs(body: string): Promise<void> {
  const style = (await resolveConfig(docsFile)) ?? {}
  const formatted = (await format(body, { ...style, parser: 'markdown' })).trimEnd()
  const block = `${START_MARKER}\n\n${formatted}\n\n${END_MARKER}`
  const current = existsSync(docsFile) ? readFileSync(docsFile, 'utf8') : '# Benchmarks\n'
  const start = current.indexOf(START_MARKER)
  const end = current.indexOf(END_MARKER)
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + END_MARKER.length)
      : `${current.trimEnd()}\n\n${block}\n`
  writeFileSync(docsFile, next)
  log('wrote the HTTP section of docs/benchmarks.md')
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = performance.now()
  const loadAtStart = os.loadavg()[0] ?? 0
  const codeAtStart = codeVersion()
  const work = mkdtempSync(join(os.tmpdir(), 'tessera-bench-http-'))
  cleanups.push(async () => rmSync(work, { recursive: true, force: true }))
  const runs: BackendRun[] = []
  let skipped: string | undefined

  let multi: MultiRun | undefined
  let peers: PeerRun | undefined
  if (only === undefined || only === 'peers' || checkOnly) peers = await runPeers(work)
  if (only === undefined || only === 'pglite' || checkOnly) runs.push(await pglite(work))
  if (only === undefined || only === 'postgresql' || only === 'multi') {
    const admin = await postgresAdmin()
    if (typeof admin === 'string') {
      skipped = `${new URL(ADMIN_URL).host} did not answer (${admin})`
      log(`postgresql: skipped, ${skipped}`)
    } else {
      cleanups.push(() => admin.end())
      if (only !== 'multi') runs.push(await postgresql(work, admin))
      if (only !== 'postgresql') multi = await multiProcess(work, admin)
    }
  }
  await runCleanups()

  if (runs.length > 0 || peers !== undefined)
    for (const line of consoleTable(runs, peers)) out(line)
  if (peers !== undefined) for (const line of decisionRatios(runs, peers)) out(line)
  if (multi !== undefined) for (const line of multiLines(multi)) out(line)
  const failures = [
    ...runs.flatMap((r) => r.failures),
    ...(multi?.failures ?? []),
    ...(peers?.phases ?? [])
      .filter((p) => p.non2xx > 0 || p.errors > 0 || p.requests === 0)
      .map((p) => `${p.backend} ${p.route}: ${p.non2xx} non-2xx, ${p.errors} errors/timeouts`),
  ]
  for (const failure of failures) log(`FAILED: ${failure}`)
  const context: Context = {
    date: new Date().toISOString().slice(0, 10),
    load: [loadAtStart, os.loadavg()[0] ?? 0],
    seconds: (performance.now() - started) / 1000,
    skipped,
    code: codeAtStart,
  }
  if (printSection) log(section(runs, context, multi, peers))
  if (writeDocs && failures.length === 0) await updateDocs(section(runs, context, multi, peers))
  else if (writeDocs) log('docs/benchmarks.md left as it was: the run had failures')

  if (json) {
    const ratio: Partial<Record<Backend, Ratio>> = {}
    for (const r of runs) {
      const value = ratioOf(r)
      if (value !== undefined) ratio[r.backend] = value
    }
    const http = runs.flatMap((r) =>
      r.phases.map((p) => ({
        backend: p.backend,
        route: p.route,
        requestsPerSecond: p.requestsPerSecond,
        p50Ms: p.p50Ms,
        p99Ms: p.p99Ms,
      })),
    )
    process.stdout.write(
      `${JSON.stringify({
        http,
        ratio,
        roundTrips: Object.fromEntries(
          runs.map((r) => [
            r.backend,
            Object.fromEntries(r.probes.map((p) => [p.route, p.roundTripsPerRequest])),
          ]),
        ),
        ...(multi !== undefined && {
          multiProcess: {
            processes: multi.processes,
            revocations: multi.revocations.map((r) => ({
              kind: r.kind,
              medianMsAfterResponse: median(r.msAfterResponse),
              maxMsAfterResponse: Math.max(...r.msAfterResponse),
              maxRequestsUntilDenied: Math.max(...r.requestsUntilDenied),
            })),
            requestsPerSecond: {
              one: multi.single.requestsPerSecond,
              all: multi.all.requestsPerSecond,
            },
          },
        }),
        ...(failures.length > 0 ? { failures } : {}),
      })}\n`,
    )
  }
  return failures.length === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error))
    killChildren()
    await runCleanups()
    process.exit(1)
  },
)
