/**
 * `npx tsx --expose-gc bench/companies.ts [counts] [passes]`: the `tenants` workload of
 * `npm run bench` (10,000 users of 100 tenants, 1,000,000 checks) with its users spread over 1,
 * 100 and 10,000 compiled policies of the same roles (issue 8, point 3), in one process: the
 * heap the load leaves (after a full GC, the shared caches emptied first), the load time and
 * `check`'s speed (the sum over 50,000-check chunks of each chunk's fastest time, as bench/ab.ts).
 *
 * Four ways for companies to have "the same presets":
 * - `same ids`: every company's policy names its roles alike (`r0` …), a fresh copy of the
 *   policy object per company (as each company's policy is loaded from the database);
 * - `own ids`: each company's roles have ids of their own (`c7-r0` …), as in the database,
 *   where a company's preset roles are rows with their own UUIDs. The compiled core's key leaves
 *   role ids out (compile.ts `canonicalForm`), so these companies share one core too, each with
 *   its own ids (its decisions name them);
 * - `own units`: the same, and each company's org units have ids of their own too (`c7-team3`),
 *   its users in them: the core's key leaves the tree out (no rule names a unit), each company
 *   binds its own;
 * - `own units, restrictions`: the same, and every company has a company restriction and a
 *   restriction on one role, each with an id of its own (`c7-closed-delete`), as the database
 *   has them. They deny deleting a closed ticket; the workload's records have no status, so no
 *   answer changes, but `ticket.delete` is then evaluated rather than read from the table: compare
 *   its speed with its own 1-company row.
 *
 * `counts` is a comma list (default 1,100,10000); `ids` is `same`, `own`, `units`, `db` or `all`
 * (default: the four in that order). Not part of `npm run bench`.
 */
import { performance } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { loadavg } from 'node:os'
import {
  bindSubject,
  check,
  clearSharedCaches,
  compilePolicy,
  sharedCacheSizes,
  type Action,
  type BoundSubject,
  type Grant,
  type Policy,
  type Resource,
  type ResourceType,
  type Restriction,
  type Role,
} from '../src/authz/index.js'
import { conditionalAction, generate, teamId, tenantId, type Workload } from './workload.js'

const counts = (process.argv[2] ?? '1,100,10000').split(',').map(Number)
const passes = Number(process.argv[3] ?? 6)
const configs = ['same', 'own', 'units', 'db'] as const
type Config = (typeof configs)[number]
const chosen = process.argv[4] ?? 'all'
const labels: Record<Config, string> = {
  same: 'same ids',
  own: 'own role ids',
  units: 'own role and unit ids',
  db: 'own role, unit and restriction ids',
}
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (setFlagsFromString('--expose-gc'), runInNewContext('gc') as () => void)
const env = { now: Date.UTC(2025, 5, 2, 10, 0) }
const chunk = 50_000
const w = generate('tenants')

/** Deleting a closed ticket is denied (no record of the workload has a status). */
const closedDelete: Omit<Restriction, 'id'> = {
  actions: ['ticket.delete'],
  when: { eq: [{ ref: 'resource.status' }, 'closed'] },
}

function roles(w: Workload, prefix: string, restrictions: boolean): Role[] {
  return w.roles.map((r, i) => {
    const grants: Grant[] = [
      { actions: r.actions.map((a) => w.actions[a] as Action), scope: 'company' },
    ]
    if (r.editsTeamTickets)
      grants.push({
        actions: [conditionalAction],
        scope: 'team',
        when: { ne: [{ ref: 'resource.status' }, 'closed'] },
      })
    return {
      id: `${prefix}${r.id}`,
      name: `Role ${r.index}`,
      kind: 'custom',
      grants,
      ...(restrictions && i === 0
        ? { restrictions: [{ id: `${prefix}role-closed-delete`, ...closedDelete }] }
        : {}),
    }
  })
}

/** What a configuration gives each company its own of: role ids, unit ids, restriction ids. */
function ownOf(config: Config, c: number) {
  const prefix = `c${c}-`
  return {
    roles: config === 'same' ? '' : prefix,
    units: config === 'units' || config === 'db' ? prefix : '',
    restrictions: config === 'db',
  }
}

function policyOf(c: number, config: Config): Policy {
  const own = ownOf(config, c)
  const orgUnits: Record<string, string | null> = { [`${own.units}root`]: null }
  for (let t = 0; t < w.teams; t++) orgUnits[`${own.units}${teamId(t)}`] = `${own.units}root`
  return {
    version: `companies-${c}`,
    timeZone: 'Asia/Shanghai',
    orgUnits,
    roles: roles(w, own.roles, own.restrictions),
    ...(own.restrictions
      ? { restrictions: [{ id: `${own.roles}closed-delete`, ...closedDelete }] }
      : {}),
  }
}

const records = w.resources.map((r): Resource => ({
  type: w.types[r.type] as ResourceType,
  id: r.id,
  companyId: tenantId(r.tenant),
  attrs: {},
}))

async function heap(): Promise<number> {
  await new Promise((r) => setTimeout(r, 5))
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const run = new Function(
  'check',
  'bound',
  'acts',
  'recs',
  'U',
  'A',
  'R',
  'env',
  'out',
  'chunk',
  'now',
  'times',
  `for (let c = 0; c < times.length; c++) {
    const t = now()
    for (let i = c * chunk; i < (c + 1) * chunk; i++)
      out[i] = check(bound[U[i]], acts[A[i]], recs[R[i]], env) ? 1 : 0
    times[c] = now() - t
  }`,
) as (...args: unknown[]) => void

const rows: string[] = []
for (const config of chosen === 'all' ? configs : [chosen as Config]) {
  for (const n of counts) {
    clearSharedCaches()
    const before = await heap()
    const t0 = performance.now()
    // each company's policy as loaded from the database, dropped once compiled (PolicyCache
    // keeps the compiled policy only)
    const engines = Array.from({ length: n }, (_, c) => compilePolicy(policyOf(c, config)))
    const bound: BoundSubject[] = w.users.map((u, i) => {
      const c = i % n
      const own = ownOf(config, c)
      return bindSubject(engines[c]!, {
        id: u.id,
        companyId: tenantId(u.tenant),
        orgUnitId: `${own.units}${teamId(u.team)}`,
        roles: u.roles.map((r) => `${own.roles}${w.roles[r]!.id}`),
      })
    })
    const loadMs = performance.now() - t0
    const mb = ((await heap()) - before) / 2 ** 20
    const sizes = sharedCacheSizes()
    const out = new Uint8Array(w.expected.length)
    const best = new Float64Array(w.expected.length / chunk).fill(Infinity)
    const times = new Float64Array(best.length)
    for (let p = 0; p < passes + 2; p++) {
      run(
        check,
        bound,
        w.actions,
        records,
        w.checkUser,
        w.checkAction,
        w.checkResource,
        env,
        out,
        chunk,
        () => performance.now(),
        times,
      )
      if (p >= 2) for (let c = 0; c < best.length; c++) best[c] = Math.min(best[c]!, times[c]!)
    }
    let bad = 0
    for (let i = 0; i < out.length; i++) if (out[i] !== w.expected[i]) bad++
    const ms = best.reduce((a, b) => a + b, 0)
    const row = `| ${labels[config]} | ${n.toLocaleString('en-US')} | ${mb.toFixed(1)} | ${loadMs.toFixed(0)} | ${(w.expected.length / ms / 1000).toFixed(2)} | ${sizes.cores} | ${sizes.tables} | ${sizes.rules} | ${bad} |`
    rows.push(row)
    process.stderr.write(`${row} load ${loadavg()[0]!.toFixed(1)}\n`)
    engines.length = 0
    bound.length = 0
  }
}
process.stdout.write(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(
      ' ',
    )}\n\n| each company's | companies | heap after load, MB | load ms | M checks/s (fastest chunks) | cores | shared tables | shared rules | disagreements |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n${rows.join('\n')}\n`,
)
