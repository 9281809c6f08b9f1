/**
 * `npm run bench` — Tessera side by side with casbin, @casl/ability and accesscontrol on one
 * generated workload, in one process. Prints a table (or, with --json, one JSON line last) and
 * rewrites docs/benchmarks.md.
 *
 *   npm run bench                 readable table
 *   npm run bench -- --json       last line: {"results":[…]}
 *   npm run bench -- --quick      1 run per configuration, no docs update (for development)
 *   npm run bench -- --only=casl  tessera, the floor and one peer only, no docs update
 *   npm run bench -- --no-http    skip the HTTP figure (bench/http.ts, also npm run bench:http)
 *   npm run bench -- --diagnose   where tessera's check time goes (backs the analysis in the docs)
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { format, resolveConfig } from 'prettier'
import { diagnose } from './diagnose.js'
import { calibrateTimer, measure, type Config, type Measurement, type Options } from './harness.js'
import {
  accessControlCap,
  accessControlConfigs,
  prepareAccessControl,
} from './peers/accesscontrol.js'
import { casbinConfigs, casbinCap, prepareCasbin } from './peers/casbin.js'
import { caslConfigs, prepareCasl } from './peers/casl.js'
import { floorConfig } from './peers/floor.js'
import { prepareTessera, tesseraConfigs } from './peers/tessera.js'
import { analysisOf, consoleTable, jsonRows, markdown, targets } from './report.js'
import { describe, generate, variants, type Variant } from './workload.js'

const args = new Set(process.argv.slice(2))
const json = args.has('--json')
const quick = args.has('--quick')
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length)
const log = (line: string) => process.stderr.write(`${line}\n`)

const options: Options = {
  runs: quick ? 1 : 5,
  slowRunMs: 2_000,
  slowRuns: quick ? 1 : 3,
  latencySample: 100_000,
  warmup: 100_000,
  log,
}

function configsFor(variant: Variant): Config[] {
  const all = [
    floorConfig(variant),
    ...tesseraConfigs(variant),
    ...caslConfigs(variant),
    ...accessControlConfigs(variant),
    ...casbinConfigs(variant),
  ]
  return only
    ? all.filter((c) => c.library === only || c.library === 'tessera' || c.library === 'reference')
    : all
}

async function main(): Promise<void> {
  const started = performance.now()
  const loadAtStart = loadavg()[0] as number
  const overhead = calibrateTimer()
  log(`timer overhead ${Math.round(overhead)} ns (subtracted from every latency sample)`)
  const results: Measurement[] = []
  const workloads = {} as Record<Variant, Record<string, number | string>>
  const casbinPolicyLines = {} as Record<Variant, number>
  for (const variant of variants) {
    const w = generate(variant)
    workloads[variant] = describe(w)
    log(`${variant}: ${JSON.stringify(workloads[variant])}`)
    prepareTessera(w)
    prepareCasl(w)
    prepareAccessControl(w)
    casbinPolicyLines[variant] = prepareCasbin(w)
    for (const c of configsFor(variant)) results.push(await measure(c, w, options))
  }
  const totalSeconds = (performance.now() - started) / 1000
  if (!quick && !only) {
    const file = new URL('../docs/benchmarks.md', import.meta.url)
    // The HTTP section is written by bench/http.ts and the analysis by hand; keep both.
    const previous = existsSync(file) ? readFileSync(file, 'utf8') : ''
    const doc = markdown({
      analysis: analysisOf(previous),
      ms: results,
      workloads,
      casbinPolicyLines,
      timerOverheadNs: overhead,
      totalSeconds,
      runs: options.runs,
      slowRuns: options.slowRuns,
      slowRunMs: options.slowRunMs,
      latencySample: options.latencySample,
      casbinCap,
      accessControlCap,
      load: [loadAtStart, loadavg()[0] as number],
    })
    const style = (await resolveConfig(file)) ?? {}
    // …and the hand-written sections after it (round trips, workspace at scale): everything from
    // the HTTP section's start marker to the end of the file is carried over as it was
    const http = /<!-- http-bench:start -->[\s\S]*$/.exec(previous)?.[0] ?? ''
    writeFileSync(
      file,
      (await format(doc, { ...style, parser: 'markdown' })) + (http ? `\n${http}` : ''),
    )
    log('wrote docs/benchmarks.md')
  }
  if (!quick && !only && !args.has('--no-http')) {
    // issue 3: the HTTP figure (an authorized read beside /healthz, PGlite and PostgreSQL)
    log('running bench/http.ts (npm run bench:http) …')
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/http.ts'], {
      stdio: ['ignore', process.stderr, process.stderr],
    })
    if (child.status !== 0) {
      log(`bench/http.ts failed (exit ${child.status})`)
      process.exitCode = 1
    }
  }
  const bad = results.filter((m) => m.disagreements > 0)
  for (const m of bad)
    log(`DISAGREEMENT: ${m.variant} ${m.library}/${m.name}: ${m.disagreements} checks`)
  if (bad.length) process.exitCode = 1
  if (json) {
    process.stdout.write(`${JSON.stringify({ results: jsonRows(results) })}\n`)
    return
  }
  process.stdout.write(`${consoleTable(results)}\n\nTargets:\n`)
  for (const t of targets(results)) {
    const mark = t.met === undefined ? 'info' : t.met ? 'met ' : 'MISS'
    process.stdout.write(`  ${mark}  ${t.name}: ${t.goal} — ${t.measured}\n`)
  }
  process.stdout.write(`\n(${Math.round(totalSeconds)} s)\n`)
}

if (args.has('--diagnose')) await diagnose()
else await main()
