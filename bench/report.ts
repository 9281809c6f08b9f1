/**
 * Turning measurements into the console table, the `--json` line and docs/benchmarks.md.
 */
import { readFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { fmtRate, libraries, type Library, type Measurement } from './harness.js'
import { sizes, variants, type Variant } from './workload.js'

export interface Row {
  readonly library: Library
  readonly variant: Variant
  readonly checksPerSecond: number
  readonly p50Ns: number
  readonly p99Ns: number
  readonly loadMs: number
  readonly heapMb: number
}

/** Per library and variant, the fastest configuration that answered every check correctly. */
export function best(ms: readonly Measurement[]): Map<string, Measurement> {
  const out = new Map<string, Measurement>()
  for (const m of ms) {
    if (m.library === 'reference' || !m.eligible || m.disagreements > 0) continue
    const key = `${m.library}/${m.variant}`
    const cur = out.get(key)
    if (!cur || m.checksPerSecond > cur.checksPerSecond) out.set(key, m)
  }
  return out
}

export function jsonRows(ms: readonly Measurement[]): Row[] {
  const b = best(ms)
  const rows: Row[] = []
  for (const variant of variants) {
    for (const library of libraries) {
      const m = b.get(`${library}/${variant}`)
      if (!m) continue
      rows.push({
        library,
        variant,
        checksPerSecond: Math.round(m.checksPerSecond),
        p50Ns: Math.round(m.p50Ns),
        p99Ns: Math.round(m.p99Ns),
        loadMs: round1(m.loadMs),
        heapMb: round1(m.heapMb),
      })
    }
  }
  return rows
}

const round1 = (x: number) => Math.round(x * 10) / 10

function ns(x: number): string {
  return x >= 1e6
    ? `${(x / 1e6).toFixed(2)} ms`
    : x >= 1e4
      ? `${(x / 1e3).toFixed(1)} µs`
      : `${Math.round(x)}`
}

function rate(x: number): string {
  return fmtRate(x).replace(' ', '\u202f')
}

export function consoleTable(ms: readonly Measurement[]): string {
  const head = [
    'variant',
    'library',
    'configuration',
    'checks/s',
    'p50',
    'p99',
    'load ms',
    'heap MB',
    'bad',
  ]
  const rows = ms.map((m) => [
    m.variant,
    m.library,
    m.name + (m.native ? '' : ' *') + (m.eligible ? '' : ' †'),
    fmtRate(m.checksPerSecond) + (m.capped ? ` (${m.checks})` : ''),
    ns(m.p50Ns),
    ns(m.p99Ns),
    m.loadMs.toFixed(0),
    m.heapMb.toFixed(1),
    String(m.disagreements),
  ])
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (r: string[]) =>
    r
      .map((c, i) => (i >= 3 ? c.padStart(width[i] as number) : c.padEnd(width[i] as number)))
      .join('  ')
  return [
    line(head),
    width.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    '',
    '* part of the decision is made by application code (see docs/benchmarks.md)',
    "† not eligible as the library's best configuration (reference floor, warm-cache replay, bind per check)",
    '(n) capped run: checks timed from the start of the stream',
  ].join('\n')
}

export interface Target {
  readonly name: string
  readonly goal: string
  readonly measured: string
  readonly met: boolean | undefined
}

export function targets(ms: readonly Measurement[]): Target[] {
  const b = best(ms)
  const get = (lib: Library, v: Variant) => b.get(`${lib}/${v}`)
  const out: Target[] = []
  const t = get('tessera', 'rbac')
  const casl = get('casl', 'rbac')
  const casbin = get('casbin', 'rbac')
  const ratio = (x: number) => `${x.toFixed(x >= 100 ? 0 : 2)}×`
  if (t && casl) {
    const r = t.checksPerSecond / casl.checksPerSecond
    out.push({
      name: 'rbac throughput vs CASL',
      goal: "≥ 3× CASL's fastest configuration",
      measured: `${rate(t.checksPerSecond)}/s (${t.name}) vs ${rate(casl.checksPerSecond)}/s (${casl.name}) = ${ratio(r)}`,
      met: r >= 3,
    })
  }
  if (t && casbin) {
    const r = t.checksPerSecond / casbin.checksPerSecond
    out.push({
      name: 'rbac throughput vs casbin',
      goal: "≥ 100× casbin's fastest call",
      measured: `${rate(t.checksPerSecond)}/s vs ${rate(casbin.checksPerSecond)}/s (${casbin.name}) = ${ratio(r)}`,
      met: r >= 100,
    })
  }
  if (t) {
    out.push({
      name: 'rbac p99 latency',
      goal: '< 1 µs',
      measured: `${Math.round(t.p99Ns)} ns (p50 ${Math.round(t.p50Ns)} ns)`,
      met: t.p99Ns < 1000,
    })
  }
  const floor = ms.find((m) => m.library === 'reference' && m.variant === 'rbac')
  if (t && floor) {
    const r = t.checksPerSecond / floor.checksPerSecond
    out.push({
      name: 'rbac throughput vs the integer-bitset floor',
      goal: '≥ ⅓ of the floor',
      measured: `${rate(t.checksPerSecond)}/s vs ${rate(floor.checksPerSecond)}/s = ${r.toFixed(2)} (1/${(1 / r).toFixed(1)})`,
      met: r >= 1 / 3,
    })
  }
  const tenants = (name: string) =>
    ms.find((m) => m.library === 'tessera' && m.variant === 'tenants' && m.name === name)
  const hundred = tenants('check')
  const onePolicy = tenants('check, one policy for all tenants')
  if (hundred) {
    out.push({
      name: '100 companies: heap',
      goal: '< 50 MB (100 policies compiled separately, same presets)',
      measured: `${hundred.heapMb.toFixed(1)} MB`,
      met: hundred.heapMb < 50,
    })
  }
  if (hundred && onePolicy) {
    const r = hundred.checksPerSecond / onePolicy.checksPerSecond
    out.push({
      name: '100 companies: speed',
      goal: 'the speed of one policy shared by all (≥ 0.85×, the noise between two rows of one run)',
      measured: `${rate(hundred.checksPerSecond)}/s vs ${rate(onePolicy.checksPerSecond)}/s = ${ratio(r)}`,
      met: r >= 0.85,
    })
  }
  const own = tenants('check, own ids')
  if (own && onePolicy) {
    const r = own.checksPerSecond / onePolicy.checksPerSecond
    out.push({
      name: '100 companies, own role and unit ids (as stored)',
      goal: '< 50 MB and ≥ 0.85× one policy, as above',
      measured: `${own.heapMb.toFixed(1)} MB; ${rate(own.checksPerSecond)}/s vs ${rate(onePolicy.checksPerSecond)}/s = ${ratio(r)}`,
      met: own.heapMb < 50 && r >= 0.85,
    })
  }
  const many = ms.find(
    (m) => m.library === 'tessera' && m.variant === 'tenants' && /companies$/.test(m.name),
  )
  if (many) {
    out.push({
      name: `${many.name.replace('check, ', '')}: heap and speed`,
      goal: 'measured (no target)',
      measured: `${many.heapMb.toFixed(1)} MB, ${rate(many.checksPerSecond)}/s, p99 ${Math.round(many.p99Ns)} ns`,
      met: undefined,
    })
  }
  const tc = get('tessera', 'conditional')
  const cc = get('casl', 'conditional')
  if (tc && cc) {
    const r = tc.checksPerSecond / cc.checksPerSecond
    out.push({
      name: 'conditional throughput vs CASL',
      goal: "≥ 5× CASL's fastest configuration",
      measured: `${rate(tc.checksPerSecond)}/s (${tc.name}) vs ${rate(cc.checksPerSecond)}/s (${cc.name}) = ${ratio(r)}`,
      met: r >= 5,
    })
  }
  const perUser = ms.find(
    (m) => m.library === 'casl' && m.variant === 'rbac' && m.name === 'per user',
  )
  if (t && perUser) {
    const r = t.heapMb / perUser.heapMb
    out.push({
      name: 'heap vs CASL per user',
      goal: "≤ ½ of CASL's one-ability-per-user setup (rbac)",
      measured: `${t.heapMb.toFixed(1)} MB vs ${perUser.heapMb.toFixed(1)} MB = ${r.toFixed(3)}×`,
      met: r <= 0.5,
    })
  }
  return out
}

function version(pkg: string): string {
  try {
    return (
      JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }
    ).version
  } catch {
    return '?'
  }
}

export function machine(): Record<string, string> {
  let cpu = cpus()[0]?.model ?? '?'
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m?.[1]) cpu = m[1].trim()
  } catch {
    // not Linux: os.cpus() it is
  }
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu,
    cores: String(cpus().length),
    memory: `${Math.round(totalmem() / 1024 ** 3)} GiB`,
    kernel: `${process.platform} ${release()}`,
    casbin: version('casbin'),
    '@casl/ability': version('@casl/ability'),
    accesscontrol: version('accesscontrol'),
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|')

export interface DocInput {
  readonly ms: readonly Measurement[]
  readonly workloads: Readonly<Record<Variant, Record<string, number | string>>>
  readonly casbinPolicyLines: Readonly<Record<Variant, number>>
  readonly timerOverheadNs: number
  readonly totalSeconds: number
  readonly runs: number
  readonly slowRuns: number
  readonly slowRunMs: number
  readonly latencySample: number
  readonly casbinCap: { readonly maxChecks: number; readonly maxMs: number }
  readonly accessControlCap: { readonly maxChecks: number; readonly maxMs: number }
  /** 1-minute load average at the start and the end of the run */
  readonly load: readonly [number, number]
  /** The hand-written analysis section, carried over from the previous file (analysisOf). */
  readonly analysis?: string | undefined
}

export function markdown(d: DocInput): string {
  const mach = machine()
  const rows = jsonRows(d.ms)
  const ts = targets(d.ms)
  const summaryHead =
    '| variant | library | checks/s | p50 | p99 | load ms | heap MB | configuration |'
  const bestMap = best(d.ms)
  const summary = rows.map((r) => {
    const m = bestMap.get(`${r.library}/${r.variant}`) as Measurement
    return `| ${r.variant} | ${r.library} | ${rate(r.checksPerSecond)} | ${ns(r.p50Ns)} | ${ns(r.p99Ns)} | ${r.loadMs.toFixed(0)} | ${r.heapMb.toFixed(1)} | ${cell(m.name)}${m.native ? '' : ' \\*'} |`
  })
  const full = d.ms.map(
    (m) =>
      `| ${m.variant} | ${m.library} | ${cell(m.name)}${m.native ? '' : ' \\*'}${m.eligible ? '' : ' †'} | ${m.runs} | ${m.capped ? `${m.checks} (capped)` : m.checks.toLocaleString('en-US')} | ${rate(m.checksPerSecond)} | ${ns(m.p50Ns)} | ${ns(m.p99Ns)} | ${m.loadMs.toFixed(0)} | ${m.heapMb.toFixed(1)} | ${m.heapAfterMb.toFixed(1)} | ${m.disagreements} | ${cell(m.note)} |`,
  )
  const wl = (v: Variant) =>
    Object.entries(d.workloads[v])
      .map(([k, x]) => `${k} ${x}`)
      .join(', ')
  const disagreements = d.ms.reduce((n, m) => n + m.disagreements, 0)
  return `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}; the whole run took
${Math.round(d.totalSeconds)} s. Every number below comes from that one process run; rerun to refresh this file.
The machine is a shared ${mach['cores']}-core VM: its 1-minute load average was ${d.load[0].toFixed(1)} at the start and
${d.load[1].toFixed(1)} at the end of the run, so other work competed for the cores and the caches; memory-bound
configurations vary by up to ~2× from one run to the next (the per-run lines on stderr show it), which the
medians only partly absorb. \`check\` and \`decide\` are the same evaluation: their difference is noise.

## Machine

| | |
|---|---|
${Object.entries(mach)
  .map(([k, v]) => `| ${k} | ${cell(v)} |`)
  .join('\n')}

## Targets (issue 2, point 8; issue 8)

| target | goal | measured | met |
|---|---|---|---|
${ts.map((t) => `| ${t.name} | ${t.goal} | ${cell(t.measured)} | ${t.met === undefined ? '–' : t.met ? 'yes' : '**no**'} |`).join('\n')}

Ratios compare each library's best configuration below (highest checks/s among the configurations that
answered every check correctly and are not marked †). Correctness: ${disagreements === 0 ? 'every configuration agreed with the ground truth on every check it ran (0 disagreements)' : `**${disagreements} disagreements** — see the full table`}.

${d.analysis ?? missingAnalysis}## Best configuration per library (what \`npm run bench -- --json\` prints)

${summaryHead}
|---|---|---:|---:|---:|---:|---:|---|
${summary.join('\n')}

## Every configuration

\\* part of the decision is made by application code around the library (a tenant comparison); † not
eligible as the library's best (reference floor, warm-cache replay, bind per check). "heap MB" is
\`heapUsed\` after load minus before load, both after forced GC; "heap after" is the same after all the
checks ran (lazy caches included). MB = 2^20 bytes. Latencies are in ns unless a unit is shown.

| variant | library | configuration | runs | checks | checks/s | p50 | p99 | load ms | heap MB | heap after MB | disagreements | what it does |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
${full.join('\n')}

## Workload

Generated by bench/workload.ts from a seeded PRNG (mulberry32, seed 20250601), identical for every
library and every run; the ${sizes.checks.toLocaleString('en-US')} checks of each variant are generated as
integer arrays before anything is timed, with the expected answer computed from the workload's own
definition (not from any library).

- **Shape actually used.** The issue asks for 40 resource types × 8 actions. Tessera only accepts
  actions of its catalog (src/authz/catalog.ts), which has ${d.workloads.rbac['types']} resource types and
  ${d.workloads.rbac['actions']} actions (1 to 11 per type), so every library gets exactly those
  ${d.workloads.rbac['actions']} \`type.action\` strings instead of 320 synthetic ones.
- **${sizes.users.toLocaleString('en-US')} users, ${sizes.roles} roles, 1–3 roles per user.** Each role grants
  each action company-wide with its own probability, drawn between 5% and 50% (narrow and broad roles).
- **rbac:** one company; a check is (random user, random action, a record of the action's type). ${wl('rbac')}.
- **tenants:** ${sizes.tenants} tenants, users spread evenly over them, the same 30 role definitions in every
  tenant (as presets would be); ${Math.round(sizes.sameTenant * 100)}% of checks target a record of the user's
  own tenant, the rest another tenant's record (must be denied). ${wl('tenants')}.
- **conditional:** every check is \`ticket.edit\` on one of ${sizes.tickets.toLocaleString('en-US')} tickets
  (${sizes.teams} teams, status open/pending/closed uniformly; ${Math.round(sizes.sameTeam * 100)}% of checks
  pick a ticket of the user's team). ticket.edit is removed from the unconditional grants; every third role
  grants it only for tickets of the user's team that are not closed (tessera:
  \`{ actions: ['ticket.edit'], scope: 'team', when: { ne: [{ ref: 'resource.status' }, 'closed'] } }\`).
  ${wl('conditional')}.

## Method

- One process (\`tsx --expose-gc bench/run.ts\`), variants one after another; for each variant the floor,
  tessera, CASL, accesscontrol, then casbin configurations.
- **Run:** tessera's process-wide shared caches emptied (\`clearSharedCaches\`), forced GC, read \`heapUsed\`; **load** (timed): build the library's structures from the policy
  (tessera: \`compilePolicy\` per company and \`bindSubject\` for all ${sizes.users.toLocaleString('en-US')} users; CASL:
  the abilities; accesscontrol: \`new AccessControl(grants)\`; casbin: \`newEnforcer(model, StringAdapter)\`);
  forced GC, read \`heapUsed\` again. The requests' representation for each library (subject objects, records,
  role-name arrays, policy text) is prepared beforehand and not counted.
- **Throughput:** a warm-up pass over the first 100,000 checks, then all ${sizes.checks.toLocaleString('en-US')}
  checks in one timed loop (\`performance.now()\` around it); each answer is written to a byte array and
  compared with the ground truth afterwards (the disagreements column).
- **Latency:** ${d.latencySample.toLocaleString('en-US')} checks (every ${Math.round(sizes.checks / d.latencySample)}th of the stream), each timed
  on its own with \`process.hrtime.bigint()\`; the cost of the timer itself (median of an empty timed call,
  ${Math.round(d.timerOverheadNs)} ns on this machine) is subtracted. p50/p99 are of those samples, so values near the
  timer's resolution are approximate.
- **Repetitions:** ${d.runs} runs per configuration (fresh load each time), ${d.slowRuns} when one run (load,
  warm-up, throughput pass and latency sample) takes longer than ${d.slowRunMs / 1000} s; every column is the
  median over the runs (the runs column says how many).
- **casbin** evaluates its matcher against every policy line on each check (${d.casbinPolicyLines.rbac} \`p\` lines here,
  ${d.casbinPolicyLines.conditional} in the conditional variant), a few hundred checks per second, so it runs once per
  configuration and only on a capped prefix of the same stream: at most ${d.casbinCap.maxChecks.toLocaleString('en-US')} checks or
  ${d.casbinCap.maxMs / 1000} s, each check timed individually (checks/s = checks ÷ their summed time). node-casbin
  ${mach['casbin']} has no role-manager cache to switch on (its \`g()\` is memoised within one enforce call only);
  what it offers is \`enforceSync\`, async \`enforce\` and \`CachedEnforcer\` (a Map of request → decision), all run.
  CachedEnforcer on the workload stream is effectively cold (requests rarely repeat); the "warm replay" row
  times the same prefix again after filling the cache, to show the cache's own speed — it is not the
  workload and is not used in the targets. CachedEnforcer only caches requests made of strings, so it is
  not run on the conditional variant (records are objects there).
- **Peers as documented for speed:** CASL's \`can(action, 'type')\` string fast path when no record is
  involved, and \`subject('type', record)\` with Mongo-style conditions when it is; abilities per role, per
  role set (shared, like tessera's tables) and per user. accesscontrol 3.x supports custom actions
  (\`.do(action, resource)\`) and declarative conditions over a check context natively (2.x had neither), so
  the tenant and team conditions are expressed in it rather than emulated. casbin uses
  the RBAC-with-domains model of its documentation; for tenants, one shared rule set with the domain
  pattern \`*\` (\`keyMatch(r.dom, p.dom)\`), as its performance page recommends instead of copying rules per
  tenant, and the conditional rule via ABAC \`eval(p.cond)\`.
- **accesscontrol's conditions** cost tens of µs per check (the tenant condition on every rule, the team
  condition), so those two configurations also run once on a capped prefix: at most
  ${d.accessControlCap.maxChecks.toLocaleString('en-US')} checks or ${d.accessControlCap.maxMs / 1000} s.
- **Tenant isolation in application code (\\*):** the \`… + tenant compare in app code\` rows check
  \`user.tenant === record.tenant\` before asking the library; they are valid, fast ways to use CASL and
  accesscontrol and are allowed to be their library's best. accesscontrol's native tenant condition is also
  run.
- **Reference floor:** a hand-written integer bitset check (not a library), to show the distance from a
  plain lookup.
- Timings never go into a test; this file is the only place they are recorded.
`
}

/**
 * The hand-written analysis (where the time goes, what separates a check from the floor) is not
 * generated: bench/run.ts carries the section over from the previous docs/benchmarks.md, so a run
 * refreshes the tables and leaves the analysis to be rewritten by hand from profiles.
 */
const missingAnalysis = `## Where the engine stands against the targets (analysis)

No hand-written analysis yet: write it here from profiles (\`bench/profile.ts\`); runs keep it.

`

/** The analysis section of a previous docs/benchmarks.md, to carry over into the next. */
export function analysisOf(previous: string): string | undefined {
  return /## Where the engine stands against the targets \(analysis\)[\s\S]*?(?=## Best configuration per library)/.exec(
    previous,
  )?.[0]
}
