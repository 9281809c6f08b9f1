/**
 * `npx tsx bench/profile.ts [rbac|tenants|conditional] [check|decide] [seconds]`: runs one
 * tessera configuration of the benchmark workload in a loop, for `node --cpu-prof`
 * (`node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts conditional`).
 * Not part of `npm run bench`; it backs the profile in docs/benchmarks.md.
 */
import { performance } from 'node:perf_hooks'
import { prepareTessera, tesseraConfigs } from './peers/tessera.js'
import { generate, variants, type Variant } from './workload.js'

const variant = (process.argv[2] ?? 'rbac') as Variant
const name = process.argv[3] ?? 'check'
const seconds = Number(process.argv[4] ?? 10)
if (!variants.includes(variant)) throw new Error(`unknown variant ${variant}`)
const w = generate(variant)
prepareTessera(w)
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
