/**
 * Measurement: load time, heap after load, throughput over every check, latency of a sampled
 * subset timed one check at a time, and agreement with the workload's ground truth.
 */
import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Variant, Workload } from './workload.js'

export const libraries = ['tessera', 'casbin', 'casl', 'accesscontrol'] as const
export type Library = (typeof libraries)[number]

/** A loaded configuration: the library's structures, ready to answer checks by index. */
export interface Loaded {
  /** Answer checks [from, to), writing 1 (allowed) or 0 into `out[i]`. Sync configurations. */
  readonly run?: (from: number, to: number, out: Uint8Array) => void
  /** Answer check `i`. */
  readonly one?: (i: number) => boolean
  /** Async configurations (casbin `enforce`, CachedEnforcer) answer through a promise. */
  readonly oneAsync?: (i: number) => Promise<boolean>
}

export interface Config {
  readonly library: Library | 'reference'
  /** Short name of the configuration, unique per library and variant. */
  readonly name: string
  readonly variant: Variant
  /** What the configuration does, for the report. */
  readonly note: string
  /**
   * false when part of the decision is made by application code around the library (e.g. a
   * tenant comparison); such configurations are reported and marked.
   */
  readonly native: boolean
  /** Excluded from the best-configuration pick (reference floor, warm-cache replay). */
  readonly eligible?: boolean
  /** Fewer repetitions than the default (informational configurations). */
  readonly runs?: number
  /** Capped: run checks from the start of the stream until `maxChecks` or `maxMs`. */
  readonly cap?: { readonly maxChecks: number; readonly maxMs: number; readonly replay?: boolean }
  /**
   * Called before the baseline heap is read: empties process-wide caches the library keeps
   * (tessera's shared tables), so every load starts cold and its heap counts what it built.
   */
  readonly reset?: () => void
  /** Untimed preparation of the library's view of the requests (records, users, policy text). */
  readonly load: (w: Workload) => Loaded | Promise<Loaded>
}

export interface Measurement {
  readonly library: Config['library']
  readonly name: string
  readonly variant: Variant
  readonly note: string
  readonly native: boolean
  readonly eligible: boolean
  readonly runs: number
  readonly checks: number
  readonly capped: boolean
  readonly loadMs: number
  readonly heapMb: number
  readonly heapAfterMb: number
  readonly checksPerSecond: number
  readonly p50Ns: number
  readonly p99Ns: number
  readonly disagreements: number
}

export interface Options {
  /** repetitions when one run (load, warm-up, throughput, latency) takes under `slowRunMs` */
  readonly runs: number
  readonly slowRunMs: number
  /** repetitions otherwise (casbin and other capped configurations: always one) */
  readonly slowRuns: number
  readonly latencySample: number
  readonly warmup: number
  readonly log: (line: string) => void
}

const gc: () => void = (() => {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) return g
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
})()

/**
 * Heap in use after full collections; yields first so nothing pending keeps garbage alive. A full
 * GC of a 400 MB heap takes ~0.5 s here, so only the baseline (small heap) is collected twice.
 */
async function collect(times = 1): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 5))
  for (let i = 0; i < times; i++) gc()
  return process.memoryUsage().heapUsed
}

const MB = 1024 * 1024

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
}

/** Cost of one timed empty call through the same path (two hrtime reads, one call). */
let timerOverhead = -1
export function calibrateTimer(): number {
  const noop = (i: number) => i < 0
  const lat = new Float64Array(200_000)
  for (let round = 0; round < 3; round++) {
    for (let k = 0; k < lat.length; k++) {
      const t0 = process.hrtime.bigint()
      noop(k)
      lat[k] = Number(process.hrtime.bigint() - t0)
    }
  }
  lat.sort()
  timerOverhead = percentile(lat, 0.5)
  return timerOverhead
}

function latencies(one: (i: number) => boolean, n: number, sample: number): Float64Array {
  const step = Math.max(1, Math.floor(n / sample))
  const lat = new Float64Array(Math.floor(n / step))
  let sink = 0
  for (let k = 0, i = 0; k < lat.length; k++, i += step) {
    const t0 = process.hrtime.bigint()
    const r = one(i)
    const t1 = process.hrtime.bigint()
    lat[k] = Math.max(0, Number(t1 - t0) - timerOverhead)
    sink += r ? 1 : 0
  }
  if (sink < 0) throw new Error('unreachable')
  return lat.sort()
}

async function answer(l: Loaded, i: number): Promise<boolean> {
  if (l.one) return l.one(i)
  if (l.oneAsync) return l.oneAsync(i)
  throw new Error('a configuration needs one or oneAsync')
}

/** Time checks 0, 1, … one by one until `stop` or the deadline. */
async function timed(
  l: Loaded,
  stop: number,
  deadline: number,
  out: Uint8Array,
): Promise<Float64Array> {
  const times = new Float64Array(stop)
  let k = 0
  const one = l.one
  const oneAsync = l.oneAsync
  for (; k < stop && performance.now() < deadline; k++) {
    const s = process.hrtime.bigint()
    const r = one ? one(k) : await (oneAsync as (i: number) => Promise<boolean>)(k)
    times[k] = Math.max(0, Number(process.hrtime.bigint() - s) - timerOverhead)
    out[k] = r ? 1 : 0
  }
  return times.slice(0, k)
}

interface RunResult {
  loadMs: number
  heapMb: number
  heapAfterMb: number
  checks: number
  seconds: number
  p50: number
  p99: number
  disagreements: number
}

/** GC roots for configurations whose heap is being read. */
const retained: Loaded[] = []

async function runOnce(c: Config, w: Workload, o: Options): Promise<RunResult> {
  c.reset?.()
  const before = await collect(2)
  const t0 = performance.now()
  const loaded: Loaded = await c.load(w)
  const loadMs = performance.now() - t0
  const heapMb = ((await collect()) - before) / MB
  const n = w.expected.length
  const out = new Uint8Array(n)
  let checks = n
  let seconds: number
  let lat: Float64Array
  if (c.cap) {
    // slow peers: time each check from the start of the stream until a count or a time cap
    const { maxChecks, maxMs, replay } = c.cap
    for (let i = n - 3; i < n; i++) await answer(loaded, i) // first-call compilation, untimed
    let stop = maxChecks
    if (replay) {
      // replay of the same prefix: fill the decision cache first (untimed), then time the replay
      const deadline = performance.now() + maxMs
      for (let i = 0; i < maxChecks && performance.now() < deadline; i++) {
        await answer(loaded, i)
        stop = i + 1
      }
    }
    const times = await timed(loaded, stop, replay ? Infinity : performance.now() + maxMs, out)
    checks = times.length
    seconds = times.reduce((a, b) => a + b, 0) / 1e9
    lat = times.sort()
  } else {
    const run = loaded.run
    const one = loaded.one
    if (!run || !one)
      throw new Error(`${c.library}/${c.name}: a sync configuration needs run and one`)
    run(0, Math.min(o.warmup, n), out)
    const s = performance.now()
    run(0, n, out)
    seconds = (performance.now() - s) / 1000
    lat = latencies(one, n, o.latencySample)
  }
  let disagreements = 0
  for (let i = 0; i < checks; i++) if (out[i] !== w.expected[i]) disagreements++
  retained.push(loaded) // keep it reachable while the heap after the checks is read
  const heapAfterMb = ((await collect()) - before) / MB
  retained.pop()
  return {
    loadMs,
    heapMb,
    heapAfterMb,
    checks,
    seconds,
    p50: percentile(lat, 0.5),
    p99: percentile(lat, 0.99),
    disagreements,
  }
}

export async function measure(c: Config, w: Workload, o: Options): Promise<Measurement> {
  const results: RunResult[] = []
  let planned = c.cap ? 1 : Math.min(o.runs, c.runs ?? o.runs)
  for (let r = 0; r < planned; r++) {
    const started = performance.now()
    const res = await runOnce(c, w, o)
    results.push(res)
    if (r === 0 && performance.now() - started > o.slowRunMs)
      planned = Math.min(planned, o.slowRuns)
    o.log(
      `  ${c.variant.padEnd(11)} ${c.library}/${c.name} run ${r + 1}/${planned}: ` +
        `${fmtRate(res.checks / res.seconds)} checks/s, p50 ${Math.round(res.p50)} ns, ` +
        `p99 ${Math.round(res.p99)} ns, load ${res.loadMs.toFixed(0)} ms, heap ${res.heapMb.toFixed(1)} MB` +
        (res.disagreements ? `, ${res.disagreements} DISAGREEMENTS` : ''),
    )
  }
  return {
    library: c.library,
    name: c.name,
    variant: c.variant,
    note: c.note,
    native: c.native,
    eligible: c.eligible ?? true,
    runs: results.length,
    checks: median(results.map((r) => r.checks)),
    capped: c.cap !== undefined,
    loadMs: median(results.map((r) => r.loadMs)),
    heapMb: median(results.map((r) => r.heapMb)),
    heapAfterMb: median(results.map((r) => r.heapAfterMb)),
    checksPerSecond: median(results.map((r) => r.checks / r.seconds)),
    p50Ns: median(results.map((r) => r.p50)),
    p99Ns: median(results.map((r) => r.p99)),
    disagreements: Math.max(...results.map((r) => r.disagreements)),
  }
}

export function fmtRate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`
  return x.toFixed(0)
}
