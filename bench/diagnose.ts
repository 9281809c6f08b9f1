/**
 * `npm run bench -- --diagnose`: where tessera's check time goes on the benchmark workload,
 * through the public API only. Not part of the comparison; it backs the analysis in
 * docs/benchmarks.md.
 *
 * 1. rbac: the same checks when the users hold 2,689 distinct role sets (as generated) and when
 *    they hold only 30 (each user takes the roles of user `index % 30`): tables per role set
 *    that do not fit in the CPU caches cost most of a check.
 * 2. conditional: checks split by how many rules allow them; when two or more allow, the
 *    decision is rebuilt (merged fields and limits) on every check.
 * 3. garbage collections while answering checks (allocation per check).
 */
import { PerformanceObserver, performance } from 'node:perf_hooks'
import type { Loaded } from './harness.js'
import { prepareTessera, tesseraConfigs } from './peers/tessera.js'
import { generate, type UserSpec, type Workload } from './workload.js'

const log = (line: string) => process.stdout.write(`${line}\n`)

function rate(l: Loaded, n: number, runs = 5): number {
  const out = new Uint8Array(n)
  const run = l.run as NonNullable<Loaded['run']>
  run(0, Math.min(n, 100_000), out)
  const xs: number[] = []
  for (let r = 0; r < runs; r++) {
    const t = performance.now()
    run(0, n, out)
    xs.push(n / ((performance.now() - t) / 1000))
  }
  return xs.sort((a, b) => a - b)[runs >> 1] as number
}

function latency(l: Loaded, idx: readonly number[]): { p50: number; p99: number; mean: number } {
  const one = l.one as NonNullable<Loaded['one']>
  for (const i of idx.slice(0, 10_000)) one(i)
  const lat = new Float64Array(Math.min(idx.length, 50_000))
  for (let k = 0; k < lat.length; k++) {
    const t = process.hrtime.bigint()
    one(idx[k] as number)
    lat[k] = Number(process.hrtime.bigint() - t)
  }
  lat.sort()
  const t = performance.now()
  for (const i of idx) one(i)
  const mean = ((performance.now() - t) * 1e6) / idx.length
  return {
    p50: lat[lat.length >> 1] as number,
    p99: lat[Math.floor(lat.length * 0.99)] as number,
    mean,
  }
}

async function gcsDuring(f: () => void): Promise<{ count: number; ms: number }> {
  let count = 0
  let ms = 0
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      count++
      ms += e.duration
    }
  })
  obs.observe({ entryTypes: ['gc'] })
  f()
  await new Promise((resolve) => setTimeout(resolve, 50)) // entries are delivered asynchronously
  obs.disconnect()
  return { count, ms }
}

async function loadCheck(w: Workload): Promise<Loaded> {
  prepareTessera(w)
  return (tesseraConfigs(w.variant)[0] as { load: (w: Workload) => Loaded | Promise<Loaded> }).load(
    w,
  )
}

export async function diagnose(): Promise<void> {
  const rbac = generate('rbac')
  const shared: Workload = {
    ...rbac,
    users: rbac.users.map((u): UserSpec => ({
      ...u,
      roles: (rbac.users[u.index % 30] as UserSpec).roles,
    })),
  }
  log('1. rbac, tessera check over the same 1,000,000 checks (answers differ; speed only)')
  for (const [name, w] of [
    ['2,689 role sets (as generated)', rbac],
    ['30 role sets', shared],
  ] as const) {
    const l = await loadCheck(w)
    const lat = latency(
      l,
      Array.from({ length: 100_000 }, (_, k) => k * 10),
    )
    log(
      `   ${name.padEnd(32)} ${(rate(l, rbac.expected.length) / 1e6).toFixed(2)} M/s, p50 ${lat.p50} ns, p99 ${lat.p99} ns`,
    )
  }

  const cond = generate('conditional')
  const l = await loadCheck(cond)
  const multi: number[] = []
  const single: number[] = []
  const denied: number[] = []
  for (let i = 0; i < cond.expected.length; i++) {
    const u = cond.users[cond.checkUser[i] as number] as UserSpec
    const rules = u.roles.filter((r) => cond.roles[r]?.editsTeamTickets).length
    ;(cond.expected[i] === 0 ? denied : rules >= 2 ? multi : single).push(i)
  }
  log('2. conditional, tessera check by outcome')
  for (const [name, idx] of [
    ['allowed by 2+ rules', multi],
    ['allowed by 1 rule', single],
    ['denied', denied],
  ] as const) {
    const r = latency(l, idx)
    log(
      `   ${name.padEnd(20)} ${String(idx.length).padStart(7)} checks, mean ${r.mean.toFixed(0)} ns, p50 ${r.p50} ns, p99 ${r.p99} ns`,
    )
  }

  log('3. garbage collections while answering checks (one pass each)')
  const rbacLoaded = await loadCheck(rbac)
  const rbacOut = new Uint8Array(rbac.expected.length)
  const rbacRun = rbacLoaded.run as NonNullable<Loaded['run']>
  rbacRun(0, rbac.expected.length, rbacOut)
  const g1 = await gcsDuring(() => rbacRun(0, rbac.expected.length, rbacOut))
  log(
    `   rbac, all ${rbac.expected.length} checks`.padEnd(50) +
      `${g1.count} collections, ${g1.ms.toFixed(1)} ms`,
  )
  const one = l.one as NonNullable<Loaded['one']>
  for (const [name, idx] of [
    ['conditional, allowed by 2+ rules', multi],
    ['conditional, all other checks', [...single, ...denied]],
  ] as const) {
    const g = await gcsDuring(() => {
      for (const i of idx) one(i)
    })
    log(
      `   ${name}, ${idx.length} checks`.padEnd(50) +
        `${g.count} collections, ${g.ms.toFixed(1)} ms`,
    )
  }
}
