/**
 * Issue 11, policy as code (docs/policy-as-code.md): what the document refers to.
 * - Project membership: each project's members by login email; export, diff, import through the
 *   project service (a member must exist, each once, audited before → after), all or nothing.
 * - Moves: a unit keeps its stable `key`; one under another parent is `moved` (not a removal and
 *   an addition), and the import moves it through the org-unit service, its people with it.
 * - Unit-scoped grants name the unit by its path: a document from company A imported into company
 *   B (the same tree, other ids) scopes the grants to B's units.
 * PGlite by default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
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
const a = await signUp(app, { companyName: 'Refs A' })
const b = await signUp(app, { companyName: 'Refs B' })
const asA = call(a.token)
const asB = call(b.token)

const must = async (res: Promise<{ statusCode: number; body: string }>, status = 201) => {
  const r = await res
  expect(r.statusCode, r.body).toBe(status)
  return JSON.parse(r.body) as { id: string } & Record<string, unknown>
}
type As = ReturnType<typeof call>
const unitOf =
  (as: As) =>
  async (kind: string, name: string, parentId: string | null): Promise<string> =>
    (await must(as('POST', '/api/v1/org-units', { kind, name, parentId }))).id

// the same tree in A and in B, each made through the API (other ids, other keys)
const trees: Record<string, Record<string, string>> = {}
for (const [co, as] of [
  ['a', asA],
  ['b', asB],
] as const) {
  const unit = unitOf(as)
  const north = await unit('region', 'North', null)
  const beijing = await unit('branch', 'Beijing', north)
  const teamOne = await unit('team', 'Team one', beijing)
  const south = await unit('region', 'South', null)
  trees[co] = { north, beijing, teamOne, south }
}
const ann = await newPerson(app, db, a, {
  email: 'ann@refs.test',
  role: 'Senior agent',
  orgUnitId: trees['a']!['teamOne']!,
})
const bob = await newPerson(app, db, a, {
  email: 'bob@refs.test',
  role: 'Senior agent',
  orgUnitId: trees['a']!['teamOne']!,
})
// someone of company B, whose email company A's documents cannot name
await newPerson(app, db, b, { email: 'bea@refs.test', role: 'Senior agent', orgUnitId: null })
const alpha = await must(asA('POST', '/api/v1/projects', { name: 'Alpha' }))
expect((await asA('PUT', `/api/v1/projects/${alpha.id}/members/${ann.id}`)).statusCode).toBe(204)

const exportOf = (co: SignedUp) => policyYaml(app, co.token)
const post = (token: string, url: string, payload: string) => postYaml(app, token, url, payload)
const membersOf = async (projectId: string) =>
  (
    await db
      .selectFrom('project_members')
      .select('user_id')
      .where('project_id', '=', projectId)
      .orderBy('user_id')
      .execute()
  ).map((r) => r.user_id)
const unitRow = (id: string) =>
  db.selectFrom('org_units').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const errorsOf = (res: Parameters<typeof problem>[0], status: number, code: string) =>
  problem(res, status, code).errors as { path: string; message: string }[]

interface UnitDoc {
  name: string
  key: string
  kind: string
  units: UnitDoc[]
}
interface Doc {
  orgUnits: UnitDoc[]
  projects: { name: string; description: string; members?: string[] }[]
  roles: { name: string; grants: { actions: string[]; scope: unknown }[] }[]
  [k: string]: unknown
}

describe('policy as code: project members', () => {
  it('exports members by email; diff and import add and remove them, audited; round trip', async () => {
    const first = await exportOf(a)
    const doc = parse(first) as Doc
    expect(doc.projects).toEqual([{ name: 'Alpha', description: '', members: ['ann@refs.test'] }])
    // Bob joins (any case), Ann leaves; a new project comes with Ann in it
    doc.projects = [
      { name: 'Alpha', description: '', members: ['BOB@refs.test'] },
      { name: 'Beta', description: '', members: ['ann@refs.test'] },
    ]
    const text = stringify(doc)
    const diff = await post(a.token, '/api/v1/policy/diff', text)
    expect(diff.statusCode, diff.body).toBe(200)
    expect(diff.json().changes).toEqual([
      { type: 'project', name: 'Alpha', change: 'changed', fields: ['members'] },
      { type: 'project', name: 'Beta', change: 'added' },
    ])
    expect(diff.json().impact).toMatchObject({ userIds: [ann.id, bob.id].sort(), users: 2 })
    expect(diff.json().impact.people).toEqual([
      { id: ann.id, name: 'ann', email: 'ann@refs.test' },
      { id: bob.id, name: 'bob', email: 'bob@refs.test' },
    ])
    expect(await membersOf(alpha.id)).toEqual([ann.id])
    const auditBefore = (await auditActions(db, a.companyId)).length
    const res = await post(a.token, '/api/v1/policy/import', text)
    expect(res.statusCode, res.body).toBe(200)
    expect(await membersOf(alpha.id)).toEqual([bob.id])
    const events = (await auditActions(db, a.companyId)).slice(auditBefore)
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['project.created', 'project.member_added', 'policy.imported']),
    )
    // each membership change audited as the members API audits it, before → after
    const memberEvents = await db
      .selectFrom('audit_events')
      .select(['action', 'before', 'after'])
      .where('company_id', '=', a.companyId)
      .where('target_id', '=', alpha.id)
      .where('action', 'in', ['project.member_added', 'project.member_removed'])
      .orderBy('seq')
      .execute()
    expect(memberEvents.slice(-2)).toEqual([
      {
        action: 'project.member_added',
        before: { members: [ann.id] },
        after: { members: [ann.id, bob.id].sort() },
      },
      {
        action: 'project.member_removed',
        before: { members: [ann.id, bob.id].sort() },
        after: { members: [bob.id] },
      },
    ])
    // export → import → export: the same bytes
    const exported = await exportOf(a)
    expect(parse(exported).projects).toEqual([
      { name: 'Alpha', description: '', members: ['bob@refs.test'] },
      { name: 'Beta', description: '', members: ['ann@refs.test'] },
    ])
    const again = await post(a.token, '/api/v1/policy/import', exported)
    expect(again.json()).toMatchObject({ changes: [], applied: false })
    expect(await exportOf(a)).toBe(exported)
    // a project without `members` keeps its members
    const without = parse(exported) as Doc
    for (const p of without.projects) delete p.members
    const kept = await post(a.token, '/api/v1/policy/diff', stringify(without))
    expect(kept.json().changes).toEqual([])
  })

  it('refuses unknown, duplicate and malformed members with their paths, writing nothing', async () => {
    const before = await exportOf(a)
    const audit = (await auditActions(db, a.companyId)).length
    const cases: [string[], string, RegExp][] = [
      [['nobody@refs.test'], 'body/projects/0/members/0', /no user/],
      // another company's person is nobody here
      [['bob@refs.test', 'bea@refs.test'], 'body/projects/0/members/1', /no user/],
      [['bob@refs.test', 'Bob@Refs.test'], 'body/projects/0/members/1', /twice/],
      [['not an email'], 'body/projects/0/members/0', /email/],
      [['bo\u0000b@refs.test'], 'body/projects/0/members/0', /./],
    ]
    for (const [members, path, message] of cases) {
      const doc = parse(before) as Doc
      doc.projects[0]!.members = members
      // a new project too, created before the refusal would be found if it were not undone
      doc.projects.push({ name: 'Gamma', description: '', members: [] })
      const res = await post(a.token, '/api/v1/policy/import', JSON.stringify(doc))
      const errors = errorsOf(res, 400, 'validation_failed')
      expect(errors, res.body).toContainEqual({ path, message: expect.stringMatching(message) })
    }
    expect(await exportOf(a)).toBe(before)
    expect((await auditActions(db, a.companyId)).length).toBe(audit)
  })

  it('a person who may not manage members is refused (403), nothing changed', async () => {
    const readers = await must(
      asA('POST', '/api/v1/permission-groups', {
        name: 'Setup readers',
        grants: [
          {
            actions: [
              'role.view',
              'permissionGroup.view',
              'orgUnit.view',
              'project.view',
              'user.view',
            ],
            scope: 'company',
          },
        ],
      }),
    )
    const rita = await newPerson(app, db, a, {
      email: 'rita@refs.test',
      role: 'Senior agent',
      orgUnitId: trees['a']!['teamOne']!,
    })
    await must(asA('PUT', `/api/v1/users/${rita.id}/groups`, { groupIds: [readers.id] }), 200)
    const hers = await rita.as('GET', '/api/v1/policy')
    expect(hers.statusCode, hers.body).toBe(200)
    const doc = parse(hers.body) as Doc
    const alphaDoc = doc.projects.find((p) => p.name === 'Alpha')!
    alphaDoc.members = [...(alphaDoc.members ?? []), 'ann@refs.test']
    const before = await membersOf(alpha.id)
    for (const dry of ['?dryRun=true', '']) {
      const res = await rita.as('POST', `/api/v1/policy/import${dry}`, doc)
      problem(res, 403, 'forbidden')
    }
    expect(await membersOf(alpha.id)).toEqual(before)
  })
})

describe('policy as code: a unit moved keeps its identity', () => {
  it('reads as moved in the diff; the import moves it with its people; round trip', async () => {
    const first = await exportOf(a)
    const doc = parse(first) as Doc
    const north = doc.orgUnits.find((u) => u.name === 'North')!
    const south = doc.orgUnits.find((u) => u.name === 'South')!
    const beijing = north.units[0]!
    const teamOne = beijing.units.find((u) => u.name === 'Team one')!
    // Team one (Ann and Bob work there) goes under South, renamed; South becomes a branch
    beijing.units = beijing.units.filter((u) => u !== teamOne)
    south.units.push({ ...teamOne, name: 'Team 1' })
    south.kind = 'branch'
    const text = stringify(doc)
    const diff = await post(a.token, '/api/v1/policy/diff', text)
    expect(diff.statusCode, diff.body).toBe(200)
    expect(diff.json().changes.filter((c: { type: string }) => c.type === 'orgUnit')).toEqual([
      { type: 'orgUnit', name: 'South', change: 'changed', fields: ['kind'] },
      {
        type: 'orgUnit',
        name: 'South / Team 1',
        change: 'moved',
        fields: ['name'],
        from: 'North / Beijing / Team one',
      },
    ])
    const res = await post(a.token, '/api/v1/policy/import', text)
    expect(res.statusCode, res.body).toBe(200)
    const moved = await unitRow(trees['a']!['teamOne']!)
    expect(moved).toMatchObject({ parent_id: trees['a']!['south'], name: 'Team 1' })
    expect(moved.key).toBe(teamOne.key)
    const people = await db
      .selectFrom('users')
      .select('id')
      .where('org_unit_id', '=', moved.id)
      .execute()
    expect(people.map((p) => p.id)).toEqual(expect.arrayContaining([ann.id, bob.id]))
    const actions = (await auditActions(db, a.companyId)).map((e) => e.action)
    expect(actions).toContain('org_unit.moved')
    const exported = await exportOf(a)
    expect((await post(a.token, '/api/v1/policy/diff', exported)).json().changes).toEqual([])
    expect(exported).toBe(stringify(parse(exported)))
    // back again by key, and a swap of parent and child (no step is ever under itself)
    const back = await post(a.token, '/api/v1/policy/import', first)
    expect(back.statusCode, back.body).toBe(200)
    expect(await exportOf(a)).toBe(first)
    const swap = parse(first) as Doc
    const n = swap.orgUnits.find((u) => u.name === 'North')!
    const bj = n.units[0]!
    swap.orgUnits = [
      ...swap.orgUnits.filter((u) => u !== n),
      { ...bj, units: [...bj.units, { ...n, units: [] }] },
    ]
    const swapped = await post(a.token, '/api/v1/policy/import', stringify(swap))
    expect(swapped.statusCode, swapped.body).toBe(200)
    expect(await unitRow(trees['a']!['north']!)).toMatchObject({
      parent_id: trees['a']!['beijing'],
    })
    expect(await unitRow(trees['a']!['beijing']!)).toMatchObject({ parent_id: null })
    expect((await post(a.token, '/api/v1/policy/import', first)).statusCode).toBe(200)
    expect(await exportOf(a)).toBe(first)
  })

  it('refuses a key listed twice (400 with its path), nothing changed', async () => {
    const before = await exportOf(a)
    const doc = parse(before) as Doc
    const south = doc.orgUnits.find((u) => u.name === 'South')!
    south.units.push({ name: 'Copy', key: south.key, kind: 'team', units: [] })
    const errors = errorsOf(
      await post(a.token, '/api/v1/policy/import', stringify(doc)),
      400,
      'validation_failed',
    )
    expect(errors.map((e) => e.path)).toContain(
      `body/orgUnits/${doc.orgUnits.indexOf(south)}/units/0/key`,
    )
    expect(await exportOf(a)).toBe(before)
  })
})

describe('policy as code: unit-scoped grants by path', () => {
  it('moves to another company with the same tree: the grants land on its units', async () => {
    const role = await must(
      asA('POST', '/api/v1/roles', {
        name: 'Beijing desk',
        grants: [{ actions: ['customer.view'], scope: { subtree: trees['a']!['beijing'] } }],
        restrictions: [
          {
            id: 'not-t1',
            actions: ['customer.export'],
            scope: { subtree: trees['a']!['teamOne'] },
          },
        ],
      }),
    )
    expect(role.id).toBeTruthy()
    const fromA = await exportOf(a)
    expect(fromA).not.toContain(trees['a']!['beijing']!)
    const docA = parse(fromA) as Doc
    const desk = docA.roles.find((r) => r.name === 'Beijing desk')!
    expect(desk.grants[0]!.scope).toEqual({ subtree: { path: ['North', 'Beijing'] } })
    // B has the same tree but not A's people: the members stay behind
    for (const p of docA.projects) delete p.members
    const res = await post(b.token, '/api/v1/policy/import', stringify(docA))
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().changes.filter((c: { type: string }) => c.type === 'orgUnit')).toEqual([])
    const roles = await asB('GET', '/api/v1/roles')
    const deskB = roles.json().items.find((r: { name: string }) => r.name === 'Beijing desk')
    expect(deskB.grants[0].scope).toEqual({ subtree: trees['b']!['beijing'] })
    expect(deskB.restrictions[0].scope).toEqual({ subtree: trees['b']!['teamOne'] })
    // B's export names them by path too, and B round-trips
    const fromB = await exportOf(b)
    expect(parse(fromB).roles).toEqual(docA.roles)
    expect((await post(b.token, '/api/v1/policy/diff', fromB)).json().changes).toEqual([])
    // Beijing moved under South: the role still names the same unit, so it is not changed; its
    // export names the new path
    const moving = parse(fromB) as Doc
    const north = moving.orgUnits.find((u) => u.name === 'North')!
    const beijing = north.units[0]!
    north.units = []
    moving.orgUnits.find((u) => u.name === 'South')!.units.push(beijing)
    // the document's paths are of its own tree: the role names Beijing where it now is
    const movingDesk = moving.roles.find((r) => r.name === 'Beijing desk')!
    movingDesk.grants[0]!.scope = { subtree: { path: ['South', 'Beijing'] } }
    ;(movingDesk as unknown as { restrictions: { scope: unknown }[] }).restrictions[0]!.scope = {
      subtree: { path: ['South', 'Beijing', 'Team one'] },
    }
    const moved = await post(b.token, '/api/v1/policy/import', stringify(moving))
    expect(moved.statusCode, moved.body).toBe(200)
    expect(moved.json().changes).toEqual([
      { type: 'orgUnit', name: 'South / Beijing', change: 'moved', from: 'North / Beijing' },
    ])
    const after = parse(await exportOf(b)) as Doc
    expect(after.roles.find((r) => r.name === 'Beijing desk')!.grants[0]!.scope).toEqual({
      subtree: { path: ['South', 'Beijing'] },
    })
  })

  it('a path or key that leads nowhere is 400 at the scope, nothing changed', async () => {
    const before = await exportOf(b)
    for (const subtree of [{ path: ['North', 'Nowhere'] }, { key: 'no-such-key' }]) {
      const doc = parse(before) as Doc
      const i = doc.roles.findIndex((r) => r.name === 'Beijing desk')
      doc.roles[i]!.grants[0]!.scope = { subtree }
      const errors = errorsOf(
        await post(b.token, '/api/v1/policy/import', stringify(doc)),
        400,
        'validation_failed',
      )
      expect(errors).toEqual([
        { path: `body/roles/${i}/grants/0/scope/subtree`, message: expect.any(String) },
      ])
    }
    // by key it leads where it should
    const doc = parse(before) as Doc
    const i = doc.roles.findIndex((r) => r.name === 'Beijing desk')
    const south = doc.orgUnits.find((u) => u.name === 'South')!
    doc.roles[i]!.grants[0]!.scope = { subtree: { key: south.key } }
    const res = await post(b.token, '/api/v1/policy/import', stringify(doc))
    expect(res.statusCode, res.body).toBe(200)
    const deskB = (await asB('GET', '/api/v1/roles'))
      .json()
      .items.find((r: { name: string }) => r.name === 'Beijing desk')
    expect(deskB.grants[0].scope).toEqual({ subtree: trees['b']!['south'] })
  })
})

describe('policy as code: a unit and a grant on it in one document', () => {
  it('creates the unit, then the role scoped to it (the delegation check sees the new unit)', async () => {
    // once answered 500: the importer's permissions were bound before the unit existed
    const c = await signUp(app, { companyName: 'Refs C' })
    const doc = parse(await exportOf(c)) as Doc
    doc.orgUnits.push({ name: 'East', key: 'east', kind: 'region', units: [] })
    doc.roles.push({
      name: 'East desk',
      grants: [{ actions: ['customer.view'], scope: { subtree: { key: 'east' } } }],
    })
    const dry = await post(c.token, '/api/v1/policy/import?dryRun=true', stringify(doc))
    expect(dry.statusCode, dry.body).toBe(200)
    const res = await post(c.token, '/api/v1/policy/import', stringify(doc))
    expect(res.statusCode, res.body).toBe(200)
    const east = await db
      .selectFrom('org_units')
      .select('id')
      .where('company_id', '=', c.companyId)
      .where('key', '=', 'east')
      .executeTakeFirstOrThrow()
    const desk = (await call(c.token)('GET', '/api/v1/roles'))
      .json()
      .items.find((r: { name: string }) => r.name === 'East desk')
    expect(desk.grants[0].scope).toEqual({ subtree: east.id })
    // and the round trip holds: the export imported again changes nothing, byte for byte
    const exported = await exportOf(c)
    const again = await post(c.token, '/api/v1/policy/import', exported)
    expect(again.statusCode, again.body).toBe(200)
    expect(await exportOf(c)).toBe(exported)
  })
})

describe('policy as code: one-record scopes by stable reference', () => {
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/
  interface RuleDoc {
    actions: string[]
    scope: unknown
    id?: string
  }
  const rulesOf = (text: string, name: string) => {
    const role = (parse(text) as Doc).roles.find((r) => r.name === name) as unknown as {
      grants: RuleDoc[]
      restrictions: RuleDoc[]
    }
    return role
  }

  it('exports a person by email, a unit by key, the rest by name; round trip; into B', async () => {
    const pool = await must(asA('POST', '/api/v1/number-pools', { name: 'Main pool' }))
    // company C: the same tree as A (made by hand, its own keys) and a pool of the same name
    const c = await signUp(app, { companyName: 'Refs C' })
    const asC = call(c.token)
    const unitC = unitOf(asC)
    const northC = await unitC('region', 'North', null)
    const beijingC = await unitC('branch', 'Beijing', northC)
    await unitC('team', 'Team one', beijingC)
    const southC = await unitC('region', 'South', null)
    const poolC = await must(asC('POST', '/api/v1/number-pools', { name: 'Main pool' }))
    const group = await must(
      asA('POST', '/api/v1/permission-groups', {
        name: 'Record refs group',
        grants: [{ actions: ['ticket.view'], scope: 'team' }],
      }),
    )
    const customer = await must(asA('POST', '/api/v1/customers', { name: 'Wang Fang' }))
    const operator = (await asA('GET', '/api/v1/roles'))
      .json()
      .items.find((r: { name: string }) => r.name === 'Operator').id as string
    const grants = [
      { actions: ['user.view'], scope: { record: ann.id } },
      { actions: ['orgUnit.view'], scope: { record: trees['a']!['south'] } },
      { actions: ['project.view'], scope: { record: alpha.id } },
      { actions: ['role.view'], scope: { record: operator } },
      { actions: ['permissionGroup.view'], scope: { record: group.id } },
      { actions: ['numberPool.view'], scope: { record: pool.id } },
      { actions: ['customer.view'], scope: { record: customer.id } },
    ]
    const role = await must(
      asA('POST', '/api/v1/roles', {
        name: 'Record refs',
        grants,
        restrictions: [{ id: 'not-bob', actions: ['user.edit'], scope: { record: bob.id } }],
      }),
    )
    const exported = await exportOf(a)
    const southKey = (parse(exported) as Doc).orgUnits.find((u) => u.name === 'South')!.key
    const refs = rulesOf(exported, 'Record refs')
    expect(refs.grants.map((g) => g.scope)).toEqual([
      { record: { email: 'ann@refs.test' } },
      { record: { key: southKey } },
      { record: { name: 'Alpha' } },
      { record: { name: 'Operator' } },
      { record: { name: 'Record refs group' } },
      { record: { name: 'Main pool' } },
      // a customer has no stable name: its id, which means something in this company only
      { record: customer.id },
    ])
    expect(refs.restrictions[0]!.scope).toEqual({ record: { email: 'bob@refs.test' } })
    // no other id in the role's part of the document
    const roleYaml = stringify(refs)
    expect(roleYaml.replace(customer.id, '')).not.toMatch(uuid)
    // export → import → export: the same bytes, nothing changed, the ids as they were
    const again = await post(a.token, '/api/v1/policy/import', exported)
    expect(again.statusCode, again.body).toBe(200)
    expect(again.json()).toMatchObject({ changes: [], applied: false })
    expect(await exportOf(a)).toBe(exported)
    const stored = (await asA('GET', `/api/v1/roles/${role.id}`)).json()
    expect(stored.grants.map((g: RuleDoc) => g.scope)).toEqual(grants.map((g) => g.scope))
    // into C (Alpha is new there, created by the import; A's people, group and customer are
    // not C's: those grants stay behind)
    const docC = parse(exported) as Doc
    const forC = docC.roles.find((r) => r.name === 'Record refs') as unknown as {
      grants: RuleDoc[]
      restrictions: RuleDoc[]
    }
    forC.grants = forC.grants.filter((g) =>
      ['orgUnit.view', 'project.view', 'role.view', 'numberPool.view'].includes(g.actions[0]!),
    )
    forC.restrictions = []
    docC.groups = (docC.groups as { name: string }[]).filter((g) => g.name !== 'Record refs group')
    for (const p of docC.projects) delete p.members
    const res = await post(c.token, '/api/v1/policy/import', stringify(docC))
    expect(res.statusCode, res.body).toBe(200)
    const roleC = (await asC('GET', '/api/v1/roles'))
      .json()
      .items.find((r: { name: string }) => r.name === 'Record refs')
    const alphaC = (await asC('GET', '/api/v1/projects'))
      .json()
      .items.find((p: { name: string }) => p.name === 'Alpha')
    const operatorC = (await asC('GET', '/api/v1/roles'))
      .json()
      .items.find((r: { name: string }) => r.name === 'Operator').id
    expect(roleC.grants.map((g: RuleDoc) => g.scope)).toEqual([
      { record: southC }, // by the document's key: the unit at its path
      { record: alphaC.id },
      { record: operatorC },
      { record: poolC.id },
    ])
    // C's export names them the same way (South by C's own key, which it kept), and C
    // round-trips
    const fromC = await exportOf(c)
    const southKeyC = (parse(fromC) as Doc).orgUnits.find((u) => u.name === 'South')!.key
    expect(rulesOf(fromC, 'Record refs').grants).toEqual(
      forC.grants.map((g) =>
        g.actions[0] === 'orgUnit.view' ? { ...g, scope: { record: { key: southKeyC } } } : g,
      ),
    )
    expect((await post(c.token, '/api/v1/policy/import', fromC)).json().changes).toEqual([])
    expect(await exportOf(c)).toBe(fromC)
  })

  it('a reference that leads nowhere, or names a record of the wrong kind, is 400 at the scope', async () => {
    const before = await exportOf(a)
    const audit = (await auditActions(db, a.companyId)).length
    const cases: [RuleDoc, RegExp][] = [
      [{ actions: ['project.view'], scope: { record: { name: 'Nope' } } }, /no project "Nope"/],
      // another company's person is nobody here
      [{ actions: ['user.view'], scope: { record: { email: 'bea@refs.test' } } }, /no user/],
      [{ actions: ['user.view'], scope: { record: { key: 'abc' } } }, /by its email/],
      [{ actions: ['customer.view'], scope: { record: { name: 'Wang Fang' } } }, /named here/],
      [{ actions: ['orgUnit.view'], scope: { record: { key: 'no-such-key' } } }, /no orgUnit/],
    ]
    for (const [grant, message] of cases) {
      const doc = parse(before) as Doc
      const i = doc.roles.findIndex((r) => r.name === 'Record refs')
      doc.roles[i]!.grants = [grant as Doc['roles'][number]['grants'][number]]
      const errors = errorsOf(
        await post(a.token, '/api/v1/policy/import', stringify(doc)),
        400,
        'validation_failed',
      )
      expect(errors).toEqual([
        { path: `body/roles/${i}/grants/0/scope/record`, message: expect.stringMatching(message) },
      ])
    }
    // a reference the schema refuses: an email that is not one, two kinds at once
    for (const record of [{ email: 'not an email' }, { name: 'Alpha', key: 'abc' }]) {
      const doc = parse(before) as Doc
      const i = doc.roles.findIndex((r) => r.name === 'Record refs')
      doc.roles[i]!.grants = [{ actions: ['project.view'], scope: { record } }]
      problem(
        await post(a.token, '/api/v1/policy/import', stringify(doc)),
        400,
        'validation_failed',
      )
    }
    expect(await exportOf(a)).toBe(before)
    expect((await auditActions(db, a.companyId)).length).toBe(audit)
  })
})
