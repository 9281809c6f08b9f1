/**
 * `npx tsx --expose-gc bench/ab.ts <base dir> [variant] [rounds] [order]`: two copies of the
 * engine side by side in one process — the working tree's src/authz (B) and a copy of an
 * earlier commit's (A: `<base dir>/src/authz`, e.g. made with
 * `git archive <commit> src/authz | tar -x -C <base dir>`) — on the benchmark's workload,
 * alternating passes A B B A …, each pass the 1,000,000 checks of `check`, timed in CPU time
 * (process.cpuUsage) and wall time. `order` BA starts with B. `call` (default `check`) is the
 * function timed: `decide` times `decide(...).allowed` instead. Not part of `npm run bench`: on a
 * shared machine two runs minutes apart differ by more than most changes, one process does not.
 */
import { performance } from 'node:perf_hooks'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as Engine from '../src/authz/index.js'
import {
  conditionalAction,
  generate,
  teamId,
  tenantId,
  variants,
  type Variant,
} from './workload.js'

type E = typeof Engine
const baseDir = process.argv[2]
const variant = (process.argv[3] ?? 'rbac') as Variant
const rounds = Number(process.argv[4] ?? 10)
const order = process.argv[5] ?? 'AB'
const call = process.argv[6] ?? 'check'
if (!baseDir || !variants.includes(variant) || (call !== 'check' && call !== 'decide'))
  throw new Error('usage: ab.ts <base dir> [variant] [rounds] [AB|BA] [check|decide]')

const A = (await import(pathToFileURL(resolve(baseDir, 'src/authz/index.ts')).href)) as E
const B = (await import('../src/authz/index.js')) as E
const w = generate(variant)
const chunk = 50_000
const env = { now: Date.UTC(2025, 5, 2, 10, 0) }

function load(e: E) {
  e.clearSharedCaches()
  const roles = w.roles.map((r) => {
    const grants: Engine.Grant[] = [
      { actions: r.actions.map((a) => w.actions[a] as Engine.Action), scope: 'company' },
    ]
    if (r.editsTeamTickets)
      grants.push({
        actions: [conditionalAction],
        scope: 'team',
        when: { ne: [{ ref: 'resource.status' }, 'closed'] },
      })
    return { id: r.id, name: r.id, kind: 'custom' as const, grants }
  })
  const orgUnits: Record<string, string | null> = { root: null }
  for (let t = 0; t < w.teams; t++) orgUnits[teamId(t)] = 'root'
  const engines = Array.from({ length: w.tenants }, (_, t) =>
    e.compilePolicy({ version: `ab-${t}`, timeZone: 'Asia/Shanghai', orgUnits, roles }),
  )
  const bound = w.users.map((u) =>
    e.bindSubject(engines[u.tenant] as Engine.CompiledPolicy, {
      id: u.id,
      companyId: tenantId(u.tenant),
      orgUnitId: teamId(u.team),
      roles: u.roles.map((r) => (w.roles[r] as { id: string }).id),
    }),
  )
  const recs = w.resources.map((r): Engine.Resource => ({
    type: w.types[r.type] as Engine.ResourceType,
    id: r.id,
    companyId: tenantId(r.tenant),
    attrs: variant === 'conditional' ? { status: r.status, orgUnitId: teamId(r.team) } : {},
  }))
  // The loop is compiled once per engine (its own source text, so its own feedback and
  // optimised code): one closure literal shared by both would see both engines' `check` at one
  // call site and inline neither.
  const loop = new Function(
    'check',
    'bound',
    'acts',
    'recs',
    'U',
    'A',
    'R',
    'env',
    'expected',
    'chunk',
    'now',
    `// engine ${e === A ? 'A' : 'B'}
    const n = U.length
    const out = new Uint8Array(n)
    const times = new Float64Array(n / chunk)
    return () => {
      for (let c = 0; c < times.length; c++) {
        const t = now()
        for (let i = c * chunk; i < (c + 1) * chunk; i++)
          out[i] = check(bound[U[i]], acts[A[i]], recs[R[i]], env)${call === 'decide' ? '.allowed' : ''} ? 1 : 0
        times[c] = now() - t
      }
      let bad = 0
      for (let i = 0; i < n; i++) if (out[i] !== expected[i]) bad++
      if (bad) throw new Error(bad + ' disagreements')
      return times
    }`,
  ) as (...args: unknown[]) => () => Float64Array
  return loop(
    call === 'decide' ? e.decide : e.check,
    bound,
    e.allActions, // each engine its own strings (the same list, in the same order)
    recs,
    w.checkUser,
    w.checkAction,
    w.checkResource,
    env,
    w.expected,
    chunk,
    () => performance.now(),
  )
}

// the engine loaded first gets the older, compacted part of the heap: `order` BA loads B first
const runs = {} as Record<'A' | 'B', () => Float64Array>
const first = order === 'BA' ? 'B' : 'A'
const second = first === 'A' ? 'B' : 'A'
runs[first] = load(first === 'A' ? A : B)
runs[second] = load(second === 'A' ? A : B)
const n = w.expected.length
/** per engine, per chunk of the stream: the fastest time seen over the rounds */
const best = {
  A: new Float64Array(n / chunk).fill(Infinity),
  B: new Float64Array(n / chunk).fill(Infinity),
}
const passes: Record<'A' | 'B', number[]> = { A: [], B: [] }
const pass = (k: 'A' | 'B', count: boolean) => {
  const times = runs[k]()
  if (!count) return
  let sum = 0
  for (let c = 0; c < times.length; c++) {
    sum += times[c] as number
    if ((times[c] as number) < (best[k][c] as number)) best[k][c] = times[c] as number
  }
  passes[k].push(sum)
}
// warm-up: both engines reach their optimised code before anything counts
for (let k = 0; k < 3; k++) for (const x of ['A', 'B'] as const) pass(x, false)
for (let r = 0; r < rounds; r++) {
  const seq = r % 2 === 0 ? [first, second] : [second, first]
  for (const x of seq as ('A' | 'B')[]) pass(x, true)
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number
const sum = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0)
const rate = (ms: number) => (n / ms / 1000).toFixed(2)
// On a shared machine interference only ever adds time: the sum over chunks of each chunk's
// fastest time is the least disturbed estimate; the median pass is reported beside it.
const [fa, fb] = [sum(best.A), sum(best.B)]
const [ma, mb] = [med(passes.A), med(passes.B)]
process.stdout.write(
  `${variant} ${call} (${order}, ${rounds} rounds) M checks/s — fastest chunks: A ${rate(fa)}, B ${rate(fb)}, B/A ${(fa / fb).toFixed(3)}; ` +
    `median pass: A ${rate(ma)}, B ${rate(mb)}, B/A ${(ma / mb).toFixed(3)}\n`,
)
