/**
 * Issue 11, policy as code: the org-unit tree and the projects are part of the document
 * (docs/policy-as-code.md). An export imported into a fresh company makes the same tree and
 * projects there (names the same, ids new) and the round trip is byte-identical; a diff names
 * units by path and projects by name; bad input (two siblings of one name, a kind the catalog
 * lacks, NUL bytes, a tree too deep, a project listed twice) is 400 with its path; a non-admin
 * is refused (403); a refused step rolls the whole import back (no partial writes). PGlite by
 * default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import { parse, stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { caller, newPerson } from './fixtures.js'
import {
  auditActions,
  createTestApp,
  policyYaml,
  postYaml,
  problem,
  type SignedUp,
  signUp,
} from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Tree A' })
const fresh = await signUp(app, { companyName: 'Tree B' })
const other = await signUp(app, { companyName: 'Tree C' })
const asA = call(a.token)
const asOther = call(other.token)

const must = async (res: Promise<{ statusCode: number; body: string }>, status = 201) => {
  const r = await res
  expect(r.statusCode, r.body).toBe(status)
  return JSON.parse(r.body) as { id: string } & Record<string, unknown>
}
const unit = async (kind: string, name: string, parentId: string | null) =>
  (await must(asA('POST', '/api/v1/org-units', { kind, name, parentId }))).id

// company A: a tree of three levels and two projects, made through the ordinary API
const north = await unit('region', 'North', null)
const beijing = await unit('branch', 'Beijing', north)
const teamOne = await unit('team', 'Team one', beijing)
await unit('team', 'Team two', beijing)
await unit('region', 'South', null)
await must(asA('POST', '/api/v1/projects', { name: 'Alpha', description: 'Outbound sales' }))
await must(asA('POST', '/api/v1/projects', { name: 'Beta' }))
// another company's units and projects never appear in A's document
await must(
  asOther('POST', '/api/v1/org-units', { kind: 'region', name: 'Elsewhere', parentId: null }),
)
await must(asOther('POST', '/api/v1/projects', { name: 'Gamma' }))

const exportOf = (co: SignedUp) => policyYaml(app, co.token)
const post = (token: string, url: string, payload: string) => postYaml(app, token, url, payload)

/** Every unit of a company as `path kind`, sorted; and its projects as `name: description`. */
async function treeOf(companyId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('org_units')
    .select(['id', 'parent_id', 'name', 'kind'])
    .where('company_id', '=', companyId)
    .execute()
  const byId = new Map(rows.map((r) => [r.id, r]))
  const path = (r: (typeof rows)[number]): string =>
    r.parent_id === null ? r.name : `${path(byId.get(r.parent_id)!)} / ${r.name}`
  return rows.map((r) => `${path(r)} ${r.kind}`).sort()
}
async function projectsOf(companyId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('projects')
    .select(['name', 'description'])
    .where('company_id', '=', companyId)
    .execute()
  return rows.map((r) => `${r.name}: ${r.description}`).sort()
}
/** The paths of a 400's errors. */
const paths = (res: Parameters<typeof problem>[0]) =>
  (problem(res, 400, 'validation_failed').errors as { path: string; message: string }[]).map(
    (e) => e.path,
  )
const errorsOf = (res: Parameters<typeof problem>[0], status: number, code: string) =>
  problem(res, status, code).errors as { path: string; message: string }[]

const state = async (co: SignedUp) => ({
  tree: await treeOf(co.companyId),
  projects: await projectsOf(co.companyId),
  audit: (await auditActions(db, co.companyId)).length,
})

describe('policy as code: org units and projects', () => {
  it('exports the tree and the projects by name, nothing of another company', async () => {
    const doc = parse(await exportOf(a)) as Record<string, unknown>
    // each unit with its stable key (issue 11: a move is told from a removal by it)
    const key = expect.stringMatching(/^[0-9a-f]{12}$/)
    expect(doc['orgUnits']).toEqual([
      {
        name: 'North',
        key,
        kind: 'region',
        units: [
          {
            name: 'Beijing',
            key,
            kind: 'branch',
            units: [
              { name: 'Team one', key, kind: 'team', units: [] },
              { name: 'Team two', key, kind: 'team', units: [] },
            ],
          },
        ],
      },
      { name: 'South', key, kind: 'region', units: [] },
    ])
    expect(doc['projects']).toEqual([
      { name: 'Alpha', description: 'Outbound sales', members: [] },
      { name: 'Beta', description: '', members: [] },
    ])
    expect(await exportOf(a)).not.toMatch(/Elsewhere|Gamma/)
  })

  it('imported into a fresh company, makes the same tree and projects; round-trips byte for byte', async () => {
    const exported = await exportOf(a)
    const dry = await post(fresh.token, '/api/v1/policy/import?dryRun=true', exported)
    expect(dry.statusCode, dry.body).toBe(200)
    expect(dry.json()).toMatchObject({ dryRun: true, applied: false })
    expect(await treeOf(fresh.companyId)).toEqual([])
    const res = await post(fresh.token, '/api/v1/policy/import', exported)
    expect(res.statusCode, res.body).toBe(200)
    const changes = res.json().changes as { type: string; name: string; change: string }[]
    expect(changes.filter((c) => c.type === 'orgUnit')).toEqual([
      { type: 'orgUnit', name: 'North', change: 'added' },
      { type: 'orgUnit', name: 'North / Beijing', change: 'added' },
      { type: 'orgUnit', name: 'North / Beijing / Team one', change: 'added' },
      { type: 'orgUnit', name: 'North / Beijing / Team two', change: 'added' },
      { type: 'orgUnit', name: 'South', change: 'added' },
    ])
    expect(changes.filter((c) => c.type === 'project')).toEqual([
      { type: 'project', name: 'Alpha', change: 'added' },
      { type: 'project', name: 'Beta', change: 'added' },
    ])
    expect(dry.json().changes).toEqual(changes)
    // the same tree and projects, new ids; audited as the org-unit and project APIs audit
    expect(await treeOf(fresh.companyId)).toEqual(await treeOf(a.companyId))
    expect(await projectsOf(fresh.companyId)).toEqual(await projectsOf(a.companyId))
    const actions = (await auditActions(db, fresh.companyId)).map((e) => e.action)
    expect(actions.filter((x) => x === 'org_unit.created')).toHaveLength(5)
    expect(actions.filter((x) => x === 'project.created')).toHaveLength(2)
    expect(actions).toContain('policy.imported')
    // export → import → export: the same bytes, and importing it again changes nothing
    expect(await exportOf(fresh)).toBe(exported)
    const again = await post(fresh.token, '/api/v1/policy/import', exported)
    expect(again.statusCode, again.body).toBe(200)
    expect(again.json()).toMatchObject({ changes: [], applied: false })
  })

  it('diffs units by path and projects by name; import applies kind, description, removals', async () => {
    const doc = parse(await exportOf(fresh)) as {
      orgUnits: { name: string; kind: string; units: unknown[] }[]
      projects: { name: string; description: string }[]
    }
    const north = doc.orgUnits[0]!
    const south = doc.orgUnits[1]!
    south.kind = 'branch'
    north.units.push({ name: 'Shanghai', kind: 'branch', units: [] })
    doc.projects = [{ name: 'Alpha', description: 'Outbound and inbound' }]
    const text = stringify(doc)
    const diff = await post(fresh.token, '/api/v1/policy/diff', text)
    expect(diff.statusCode, diff.body).toBe(200)
    expect(diff.json().changes).toEqual([
      { type: 'orgUnit', name: 'North / Shanghai', change: 'added' },
      { type: 'orgUnit', name: 'South', change: 'changed', fields: ['kind'] },
      { type: 'project', name: 'Alpha', change: 'changed', fields: ['description'] },
      { type: 'project', name: 'Beta', change: 'removed' },
    ])
    const res = await post(fresh.token, '/api/v1/policy/import', text)
    expect(res.statusCode, res.body).toBe(200)
    expect(await treeOf(fresh.companyId)).toContain('North / Shanghai branch')
    expect(await treeOf(fresh.companyId)).toContain('South branch')
    expect(await projectsOf(fresh.companyId)).toEqual(['Alpha: Outbound and inbound'])
    // a document without the keys leaves units and projects as they are
    const without = parse(text) as Record<string, unknown>
    delete without['orgUnits']
    delete without['projects']
    const kept = await post(fresh.token, '/api/v1/policy/import', stringify(without))
    expect(kept.statusCode, kept.body).toBe(200)
    expect(kept.json().changes).toEqual([])
    expect(await projectsOf(fresh.companyId)).toEqual(['Alpha: Outbound and inbound'])
  })

  it('refuses bad input with 400 and its path, changing nothing', async () => {
    const base = parse(await exportOf(a)) as Record<string, unknown>
    const before = await state(a)
    const cases: [unknown, string][] = [
      [
        [
          { name: 'North', kind: 'region' },
          { name: 'North', kind: 'region' },
        ],
        'body/orgUnits/1/name',
      ],
      [
        [
          {
            name: 'North',
            kind: 'region',
            units: [
              { name: 'X', kind: 'team' },
              { name: 'X', kind: 'team' },
            ],
          },
        ],
        'body/orgUnits/0/units/1/name',
      ],
      [[{ name: 'North', kind: 'galaxy' }], 'body/orgUnits/0/kind'],
      [[{ name: '', kind: 'team' }], 'body/orgUnits/0/name'],
      [[{ name: 'No\u0000rth', kind: 'team' }], 'body/orgUnits/0/name'],
      [[{ name: 'North', kind: 'team', bogus: 1 }], 'body/orgUnits/0/bogus'],
    ]
    for (const [orgUnits, path] of cases) {
      const res = await post(
        a.token,
        '/api/v1/policy/import',
        JSON.stringify({ ...base, orgUnits }),
      )
      expect(paths(res), res.body).toContain(path)
    }
    // a tree 21 levels deep
    let deep: Record<string, unknown> = { name: 'leaf', kind: 'team' }
    for (let i = 0; i < 20; i++) deep = { name: `level ${i}`, kind: 'department', units: [deep] }
    const tooDeep = await post(
      a.token,
      '/api/v1/policy/import',
      JSON.stringify({ ...base, orgUnits: [deep] }),
    )
    expect(errorsOf(tooDeep, 400, 'validation_failed')[0]?.message).toMatch(/20 levels/)
    // projects: listed twice, a NUL byte, a name too long
    for (const [projects, path] of [
      [[{ name: 'Alpha' }, { name: 'Alpha' }], 'body/projects/1/name'],
      [[{ name: 'Al\u0000pha' }], 'body/projects/0/name'],
      [[{ name: 'x'.repeat(201) }], 'body/projects/0/name'],
    ] as [unknown, string][]) {
      const res = await post(
        a.token,
        '/api/v1/policy/import',
        JSON.stringify({ ...base, projects }),
      )
      expect(paths(res), res.body).toContain(path)
    }
    expect(await state(a)).toEqual(before)
  })

  it('a refused step rolls everything back: a unit with people in it is not removed (409)', async () => {
    // someone works in Team one: a document without it cannot remove it
    await newPerson(app, db, a, {
      email: 'ann@tree.test',
      role: 'Senior agent',
      orgUnitId: teamOne,
    })
    const doc = parse(await exportOf(a)) as {
      orgUnits: { name: string; units: { name: string; units: { name: string }[] }[] }[]
      projects: { name: string }[]
    }
    const beijingDoc = doc.orgUnits[0]!.units[0]!
    beijingDoc.units = beijingDoc.units.filter((u) => u.name !== 'Team one')
    doc.orgUnits.push({ name: 'West', units: [] } as never)
    ;(doc.orgUnits.at(-1) as Record<string, unknown>)['kind'] = 'region'
    doc.projects.push({ name: 'Delta' })
    const before = await state(a)
    const res = await post(a.token, '/api/v1/policy/import', stringify(doc))
    const errors = errorsOf(res, 409, 'conflict')
    expect(errors[0]?.path).toBe('body/orgUnits')
    expect(errors[0]?.message).toMatch(/North \/ Beijing \/ Team one/)
    // West and Delta, added before the refusal, are not there: nothing changed
    expect(await state(a)).toEqual(before)
  })

  it('a non-admin may not import units or projects (403), nothing changed', async () => {
    // a person who may read the setup (roles, groups, units, projects) but change none of it
    const groupRes = await must(
      asA('POST', '/api/v1/permission-groups', {
        name: 'Setup readers',
        grants: [
          {
            actions: ['role.view', 'permissionGroup.view', 'orgUnit.view', 'project.view'],
            scope: 'company',
          },
        ],
      }),
    )
    const reader = await newPerson(app, db, a, {
      email: 'rita@tree.test',
      role: 'Senior agent',
      orgUnitId: teamOne,
    })
    await must(asA('PUT', `/api/v1/users/${reader.id}/groups`, { groupIds: [groupRes.id] }), 200)
    const exported = await exportOf(a)
    // she reads the same document as the admin
    const hers = await reader.as('GET', '/api/v1/policy')
    expect(hers.statusCode, hers.body).toBe(200)
    expect(hers.body).toBe(exported)
    const doc = parse(exported) as {
      orgUnits: Record<string, unknown>[]
      projects: Record<string, unknown>[]
    }
    const before = await state(a)
    for (const change of [
      { ...doc, orgUnits: [...doc.orgUnits, { name: 'East', kind: 'region' }] },
      { ...doc, projects: [...doc.projects, { name: 'Omega' }] },
      { ...doc, projects: doc.projects.slice(1) },
    ]) {
      for (const dry of ['?dryRun=true', '']) {
        const res = await reader.as('POST', `/api/v1/policy/import${dry}`, change)
        problem(res, 403, 'forbidden')
      }
    }
    expect(await state(a)).toEqual(before)
    // another company's admin imports A's document into their own company only
    expect(await treeOf(other.companyId)).toEqual(['Elsewhere region'])
  })
})
