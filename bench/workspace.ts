/**
 * `npm run bench:workspace` (issue 10, "Done when"): what authorization costs on a workspace at
 * contact-center scale, on PostgreSQL and PGlite.
 *
 * 1. The first page (50) of the tickets a team lead may see — team scope, one team of 100 —
 *    among 1,000,000 tickets (PostgreSQL; 200,000 on PGlite, whose WebAssembly build loads them
 *    slowly), through the service a request calls (`listTickets`: the caller's subject read, the
 *    compiled policy, the list plan as SQL, the per-record decision and projection), beside the
 *    same page with no authorization filter (one SELECT … ORDER BY id LIMIT 51 in a tenant
 *    transaction). p50 / p95 of each, and the ratio.
 * 2. A CSV export of 100,000 customers (one branch of two) with ID number and phone masked, as
 *    the seeded analyst: rows/s, and the heap while it streams, against an export of one sixth
 *    of them (one customer level) — memory flat in the row count means the two peaks match.
 *
 *   npm run bench:workspace                 both backends, full size
 *   npm run bench:workspace -- --quick      10× fewer rows, fewer iterations (development)
 *   npm run bench:workspace -- --only=pglite | --only=postgresql
 *   npm run bench:workspace -- --reuse      keep the seeded data for the next run, and use the
 *                                           one a previous --reuse run of the same size left:
 *                                           database tessera_bench_ws_reuse (PostgreSQL), folder
 *                                           tessera-bench-ws-reuse in the OS temp dir (PGlite).
 *                                           Migrations still run; seeding is skipped when the
 *                                           scale company of that size is found (src/scale.ts
 *                                           findScale). Drop it by hand when done.
 *   npm run bench:workspace -- --pages-only the page timings only, no export (before/after runs)
 *   TESSERA_BENCH_PG=postgres://user@host:5432   the PostgreSQL server (a database is created
 *                                                 and dropped; default 127.0.0.1:5432, postgres)
 *
 * Prints a Markdown section to stdout (docs/benchmarks.md keeps the latest one by hand).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Readable } from 'node:stream'
import { CompiledQuery, type Kysely } from 'kysely'
import pg from 'pg'
import { createDb, migrateToLatest, withCompany } from '../src/db/index.js'
import { PolicyCache } from '../src/domain/access/index.js'
import type { Ctx } from '../src/domain/context.js'
import { exportCustomers } from '../src/domain/customers/index.js'
import type { Database } from '../src/domain/database.js'
import { listTickets } from '../src/domain/tickets/index.js'
import { findScale, seedScale, type ScaleCompany } from '../src/scale.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length)
const reuse = args.includes('--reuse')
const startLoad = loadavg()[0] ?? NaN
const pagesOnly = args.includes('--pages-only')
const REUSED = 'tessera_bench_ws_reuse'
const log = (line: string) => process.stderr.write(`${line}\n`)
const gc = (globalThis as { gc?: () => void }).gc

interface PageFigures {
  readonly p50: number
  readonly p95: number
  readonly iterations: number
}
interface ExportFigures {
  readonly rows: number
  readonly seconds: number
  readonly rowsPerSecond: number
  /** Peak heap used above the heap before the export (after a full GC), MiB. */
  readonly peakHeapMiB: number
  /**
   * What the export keeps alive: the highest heap used right after a full GC, forced every
   * `RETAINED_EVERY` rows of a second, separate pass over the same export, above the heap before
   * it (after a full GC), MiB. Garbage not yet collected does not count, so it does not depend on
   * when the collector happens to run. Undefined without --expose-gc.
   */
  readonly retainedMiB: number | undefined
}

/** Rows between two forced collections in the retained-memory pass. */
const RETAINED_EVERY = 1_000
interface BackendFigures {
  readonly backend: string
  readonly tickets: number
  readonly customers: number
  readonly seedSeconds: number
  readonly authorized: PageFigures
  readonly filtered: PageFigures
  readonly unfiltered: PageFigures
  /** Undefined with --pages-only. */
  readonly exports: { readonly full: ExportFigures; readonly small: ExportFigures } | undefined
  readonly pageSize: number
  /** A seeded database of an earlier --reuse run was used (no seeding this time). */
  readonly reused: boolean
}

/** The statements (text and parameters) sent to the database while `fn` runs. */
async function capture(
  fn: () => Promise<unknown>,
): Promise<{ text: string; values: readonly unknown[] }[]> {
  type Query = (...args: unknown[]) => unknown
  const proto = pg.Client.prototype as unknown as { query: Query }
  const original = proto.query
  const seen: { text: string; values: readonly unknown[] }[] = []
  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    const [first, second] = args
    if (typeof first === 'string') {
      seen.push({ text: first, values: Array.isArray(second) ? second : [] })
    } else if (typeof first === 'object' && first !== null && 'text' in first) {
      const q = first as { text: string; values?: unknown[] }
      seen.push({ text: q.text, values: q.values ?? (Array.isArray(second) ? second : []) })
    }
    return original.apply(this, args)
  }
  try {
    await fn()
  } finally {
    proto.query = original
  }
  return seen
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

/**
 * Times `fns` side by side: each iteration runs every one of them once, in an order that rotates
 * from one iteration to the next, so a change of the machine's load during the run (other work,
 * the autovacuum, a CPU frequency step) falls on all of them alike and their ratio compares like
 * with like. (Timed one after the other, 500 of one then 500 of the next, three runs of the same
 * code on one quiet evening read p50 ratios of 1.27, 1.16 and 1.41.) p50 / p95 of each.
 */
async function timeTogether(
  iterations: number,
  fns: readonly (() => Promise<unknown>)[],
): Promise<PageFigures[]> {
  for (let i = 0; i < Math.max(10, iterations / 10); i++) for (const fn of fns) await fn() // warm-up
  const times = fns.map((): number[] => [])
  for (let i = 0; i < iterations; i++) {
    for (let k = 0; k < fns.length; k++) {
      const which = (i + k) % fns.length
      const start = performance.now()
      await (fns[which] as () => Promise<unknown>)()
      ;(times[which] as number[]).push(performance.now() - start)
    }
  }
  return times.map((t) => {
    t.sort((a, b) => a - b)
    return { p50: percentile(t, 50), p95: percentile(t, 95), iterations }
  })
}

function ctxFor(db: Kysely<Database>, company: ScaleCompany, userId: string): Ctx {
  return {
    db,
    now: new Date(),
    meta: { ip: null, userAgent: 'bench-workspace', requestId: null },
    policies,
    actor: { userId, companyId: company.companyId, sessionId: 'bench', roleIds: [] },
  }
}
const policies = new PolicyCache()

async function userId(db: Kysely<Database>, company: ScaleCompany, email: string) {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('company_id', '=', company.companyId)
    .where('email', '=', email)
    .executeTakeFirstOrThrow()
  return row.id
}

/** Highest heap used after a full GC, sampled every RETAINED_EVERY rows, above the start, MiB. */
async function measureRetained(stream: Readable): Promise<number | undefined> {
  if (gc === undefined) {
    stream.destroy()
    return undefined
  }
  gc()
  const base = process.memoryUsage().heapUsed
  let peak = base
  let lines = 0
  let next = RETAINED_EVERY
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8')
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines += 1
    if (lines >= next) {
      next += RETAINED_EVERY
      gc()
      peak = Math.max(peak, process.memoryUsage().heapUsed)
    }
  }
  return (peak - base) / 2 ** 20
}

async function measureExport(
  stream: Readable,
  again: () => Promise<Readable>,
): Promise<ExportFigures> {
  gc?.()
  const base = process.memoryUsage().heapUsed
  let peak = base
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }, 5)
  const start = performance.now()
  let lines = 0
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8')
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines += 1
    peak = Math.max(peak, process.memoryUsage().heapUsed)
  }
  const seconds = (performance.now() - start) / 1000
  clearInterval(sampler)
  const rows = lines - 1 // the header
  const peakHeapMiB = (peak - base) / 2 ** 20
  return {
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    peakHeapMiB,
    retainedMiB: await measureRetained(await again()),
  }
}

async function runBackend(
  backend: string,
  db: Kysely<Database>,
  size: { tickets: number; customers: number },
): Promise<BackendFigures> {
  await migrateToLatest(db)
  const seedStart = performance.now()
  const found = reuse ? await findScale(db, { ...size, teams: 100 }) : undefined
  if (found !== undefined) log(`${backend}: reusing the seeded company ${found.slug}`)
  const company = found ?? (await seedScale(db, { ...size, teams: 100, log }))
  const seedSeconds = (performance.now() - seedStart) / 1000
  const lead = ctxFor(db, company, await userId(db, company, company.leadEmail))
  const analyst = ctxFor(db, company, await userId(db, company, company.analystEmail))
  const pageSize = 50
  const iterations = quick ? 100 : 500

  log(`${backend}: the lead's first page`)
  const first = await listTickets(lead, {}, { limit: pageSize })
  if (first.items.length !== pageSize) throw new Error(`the lead saw ${first.items.length} tickets`)
  // the page's own SELECT as the seam built it (the list plan compiled into its WHERE), caught on
  // its way to the database, replayed alone in a tenant transaction: the query's cost, without
  // the subject read, the decisions and the projection around it
  const statements = await capture(() => listTickets(lead, {}, { limit: pageSize }))
  const pageQuery = statements.find((q) => /from "tickets"/i.test(q.text) && /limit/i.test(q.text))
  if (pageQuery === undefined) throw new Error('the page query was not seen')
  log(`${backend}: the page's query alone: ${pageQuery.text.replace(/\s+/g, ' ').slice(0, 2000)}`)
  log(`${backend}: the three, side by side (the service, its SQL, the page with no filter)`)
  const [authorized, filtered, unfiltered] = (await timeTogether(iterations, [
    () => listTickets(lead, {}, { limit: pageSize }),
    () =>
      withCompany(db, company.companyId, (trx) =>
        trx.executeQuery(CompiledQuery.raw(pageQuery.text, [...pageQuery.values])),
      ),
    () =>
      withCompany(db, company.companyId, (trx) =>
        trx
          .selectFrom('tickets')
          .selectAll()
          .where('company_id', '=', company.companyId)
          .orderBy('id')
          .limit(pageSize + 1)
          .execute(),
      ),
  ])) as [PageFigures, PageFigures, PageFigures]
  const exports = pagesOnly ? undefined : await measureExports(analyst, size.customers)
  return {
    backend,
    ...size,
    seedSeconds,
    authorized,
    filtered,
    unfiltered,
    exports,
    pageSize,
    reused: found !== undefined,
  }
}

async function measureExports(analyst: Ctx, customers: number) {
  log('exports')
  const gold = () => exportCustomers(analyst, { level: 'gold' })
  const branch = () => exportCustomers(analyst)
  const small = await measureExport(await gold(), gold)
  const full = await measureExport(await branch(), branch)
  if (full.rows !== customers / 2) {
    throw new Error(`the analyst exported ${full.rows} rows, not ${customers / 2}`)
  }
  return { full, small }
}

async function pglite(): Promise<BackendFigures> {
  const dir = reuse
    ? join(tmpdir(), 'tessera-bench-ws-reuse')
    : await mkdtemp(join(tmpdir(), 'tessera-bench-ws-'))
  const db = await createDb<Database>({ dataDir: join(dir, 'data') })
  try {
    const scale = quick ? 10 : 1
    return await runBackend('PGlite', db, {
      tickets: 200_000 / scale,
      customers: 200_000 / scale,
    })
  } finally {
    await db.destroy()
    if (!reuse) await rm(dir, { recursive: true, force: true })
  }
}

async function postgresql(): Promise<BackendFigures | string> {
  const base = process.env['TESSERA_BENCH_PG'] ?? 'postgres://postgres@127.0.0.1:5432'
  const admin = new pg.Client({ connectionString: `${base}/postgres` })
  try {
    await admin.connect()
  } catch (error) {
    return `PostgreSQL not reachable at ${base}: ${(error as Error).message}`
  }
  const name = reuse ? REUSED : `tessera_bench_ws_${process.pid}`
  const exists = await admin.query('select 1 from pg_database where datname = $1', [name])
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`)
  const db = await createDb<Database>({ dataDir: '', databaseUrl: `${base}/${name}` })
  try {
    const scale = quick ? 10 : 1
    return await runBackend('PostgreSQL', db, {
      tickets: 1_000_000 / scale,
      customers: 200_000 / scale,
    })
  } finally {
    await db.destroy()
    if (!reuse) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
}

const ms = (n: number) => n.toFixed(2)
const k = (n: number) => `${(n / 1000).toFixed(1)} k`

function markdown(runs: BackendFigures[], skipped: string[]): string {
  const exported = runs.filter((r) => r.exports !== undefined)
  const lines = [
    '## Workspace at scale: a team page among a million tickets, a masked export',
    '',
    `Generated by \`npm run bench:workspace\`${quick ? ' --quick' : ''} on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}; ` +
      `1-minute load average ${startLoad.toFixed(1)} at the start, ${loadavg()[0]?.toFixed(1)} at the end (2 cores, shared)` +
      `${pagesOnly ? '; --pages-only: no export measured' : ''}.`,
    '',
    '| backend | tickets | the lead’s first page through the service, p50 / p95 ms | its SQL alone (authorization filter in the WHERE), p50 / p95 ms | the same page without the filter, p50 / p95 ms | ratio filter / none, p50 / p95 | ratio service / none, p50 / p95 | iterations |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (r) =>
        `| ${r.backend} | ${r.tickets.toLocaleString('en')} | ${ms(r.authorized.p50)} / ${ms(r.authorized.p95)} | ${ms(r.filtered.p50)} / ${ms(r.filtered.p95)} | ${ms(r.unfiltered.p50)} / ${ms(r.unfiltered.p95)} | ${(r.filtered.p50 / r.unfiltered.p50).toFixed(2)} / ${(r.filtered.p95 / r.unfiltered.p95).toFixed(2)} | ${(r.authorized.p50 / r.unfiltered.p50).toFixed(2)} / ${(r.authorized.p95 / r.unfiltered.p95).toFixed(2)} | ${r.authorized.iterations} |`,
    ),
    ...(exported.length === 0
      ? []
      : [
          '',
          `| backend | export | rows | rows/s | peak heap above start (sampled), MiB | retained heap above start (after a full GC every ${RETAINED_EVERY.toLocaleString('en')} rows), MiB |`,
          '| --- | --- | ---: | ---: | ---: | ---: |',
        ]),
    ...exported.flatMap(({ backend, exports }) =>
      exports === undefined
        ? []
        : (
            [
              ['one level (gold)', exports.small],
              ['the branch', exports.full],
            ] as const
          ).map(
            ([name, e]) =>
              `| ${backend} | ${name} | ${e.rows.toLocaleString('en')} | ${k(e.rowsPerSecond)} | ${e.peakHeapMiB.toFixed(1)} | ${e.retainedMiB === undefined ? 'not measured (run without --expose-gc)' : e.retainedMiB.toFixed(2)} |`,
          ),
    ),
    '',
    ...runs.map((r) =>
      r.reused
        ? `- ${r.backend}: ${r.tickets.toLocaleString('en')} tickets and ${r.customers.toLocaleString('en')} customers seeded by an earlier run (--reuse).`
        : `- ${r.backend}: seeding ${r.tickets.toLocaleString('en')} tickets and ${r.customers.toLocaleString('en')} customers took ${r.seedSeconds.toFixed(0)} s.`,
    ),
    ...skipped.map((s) => `- skipped: ${s}`),
  ]
  return lines.join('\n')
}

const runs: BackendFigures[] = []
const skipped: string[] = []
if (only === undefined || only === 'postgresql') {
  const run = await postgresql()
  if (typeof run === 'string') skipped.push(run)
  else runs.push(run)
}
if (only === undefined || only === 'pglite') runs.push(await pglite())
console.log(markdown(runs, skipped))
process.exit(0)
