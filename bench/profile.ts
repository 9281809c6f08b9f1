/**
 * `npx tsx bench/profile.ts [rbac|tenants|conditional] [check|decide] [seconds]`: runs one
 * tessera configuration of the benchmark workload in a loop, for `node --cpu-prof`
 * (`node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts conditional`).
 * Not part of `npm run bench`; it backs the profile in docs/benchmarks.md.
 */
import { performance } from 'node:perf_hooks'
import { actionId } from '../src/authz/catalog.js'
import {
  bindSubject,
  check,
  compilePolicy,
  type BoundSubject,
  type Subject,
} from '../src/authz/index.js'
import { prepareTessera, tesseraConfigs } from './peers/tessera.js'
import { generate, variants, type Variant } from './workload.js'

const variant = (process.argv[2] ?? 'rbac') as Variant
const name = process.argv[3] ?? 'check'
const seconds = Number(process.argv[4] ?? 10)
if (!variants.includes(variant)) throw new Error(`unknown variant ${variant}`)
const w = generate(variant)
prepareTessera(w)
if (name === 'parts') {
  const policy = {
    version: 1,
    timeZone: 'UTC',
    orgUnits: {},
    roles: w.roles.map((r) => ({
      id: r.id,
      name: r.id,
      kind: 'custom' as const,
      grants: [{ actions: r.actions.map((a) => w.actions[a]!), scope: 'company' as const }],
    })),
  }
  const cp = compilePolicy(policy)
  const bound = w.users.map((u) =>
    bindSubject(cp, {
      id: u.id,
      companyId: `c${u.tenant}`,
      roles: u.roles.map((r) => w.roles[r]!.id),
    } satisfies Subject),
  )
  parts(w, bound)
  process.exit(0)
}
const config = tesseraConfigs(variant).find((c) => c.name === name)
if (!config) throw new Error(`no tessera configuration ${name}`)
const loaded = await config.load(w)
const run = loaded.run as NonNullable<typeof loaded.run>
const n = w.expected.length
const out = new Uint8Array(n)
const end = performance.now() + seconds * 1000
let passes = 0
const rates: number[] = []
while (performance.now() < end) {
  const t = performance.now()
  run(0, n, out)
  rates.push(n / ((performance.now() - t) / 1000))
  passes++
}
let bad = 0
for (let i = 0; i < n; i++) if (out[i] !== w.expected[i]) bad++
rates.sort((a, b) => a - b)
process.stdout.write(
  `${variant} ${name}: ${passes} passes, median ${(rates[rates.length >> 1]! / 1e6).toFixed(2)} M checks/s, ${bad} disagreements\n`,
)

/**
 * `npx tsx bench/profile.ts rbac parts`: the rbac check taken apart, each step timed as its own
 * loop over the same 1,000,000 checks (median of 9 passes), so the distance to the floor can be
 * attributed: the byte read from the role set's table, the action name → id lookup, the
 * company comparison, and the whole `check`.
 */
export function parts(w: ReturnType<typeof generate>, bound: readonly BoundSubject[]): void {
  const n = w.expected.length
  const { checkUser: U, checkAction: A, checkResource: R } = w
  const acts = w.actions
  const recs = w.resources.map((r) => ({ companyId: `c${r.tenant}` }))
  const time = (label: string, f: () => number) => {
    const xs: number[] = []
    let sink = 0
    for (let k = 0; k < 9; k++) {
      const t = performance.now()
      sink += f()
      xs.push((performance.now() - t) / n)
    }
    xs.sort((a, b) => a - b)
    process.stdout.write(
      `${label.padEnd(58)} ${(xs[4]! * 1e6).toFixed(1)} ns/check (${sink > 0 ? '' : '-'})\n`,
    )
  }
  time('byte read: bound[u].codes.charCodeAt(integer action id)', () => {
    let s = 0
    for (let i = 0; i < n; i++) s += (bound[U[i]!] as BoundSubject).codes.charCodeAt(A[i]!)
    return s
  })
  time('+ action name → id (actionId: a keyed read)', () => {
    let s = 0
    for (let i = 0; i < n; i++)
      s += (bound[U[i]!] as BoundSubject).codes.charCodeAt(actionId(acts[A[i]!]!)!)
    return s
  })
  time('+ company comparison (record.companyId === subject.companyId)', () => {
    let s = 0
    for (let i = 0; i < n; i++) {
      const b = bound[U[i]!] as BoundSubject
      if ((recs[R[i]!] as { companyId: string }).companyId !== b.companyId) continue
      s += b.codes.charCodeAt(actionId(acts[A[i]!]!)!)
    }
    return s
  })
  time('check(bound, action, record, env)', () => {
    let s = 0
    for (let i = 0; i < n; i++)
      s += check(bound[U[i]!] as BoundSubject, acts[A[i]!]!, recs[R[i]!] as never, { now: 0 })
        ? 1
        : 0
    return s
  })
}
