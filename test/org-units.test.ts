import { describe, expect, it } from 'vitest'
import { addRole, caller, countRows } from './fixtures.js'
import {
  addUser,
  auditActions,
  createTestApp,
  logIn,
  problem,
  signUp,
  strongPassword,
} from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Units A' })
const b = await signUp(app, { companyName: 'Units B' })
const asA = call(a.token)
const asB = call(b.token)

const create = async (as: typeof asA, name: string, parentId: string | null, kind = 'team') => {
  const res = await as('POST', '/api/v1/org-units', { kind, name, parentId })
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const north = await create(asA, 'North', null, 'region')
const oslo = await create(asA, 'Oslo', north, 'branch')
const night = await create(asA, 'Night', oslo)
const south = await create(asA, 'South', null, 'region')
const bUnit = await create(asB, 'B region', null, 'region')

const version = async (companyId: string) =>
  (
    await db
      .selectFrom('companies')
      .select('policy_version')
      .where('id', '=', companyId)
      .executeTakeFirstOrThrow()
  ).policy_version

// A person in North who may view (only) the org units of their subtree (P3).
const subtreeViewer = await addRole(db, a.companyId, 'Subtree viewer', {
  grants: [{ actions: ['orgUnit.view'], scope: 'subtree' }],
})
await asA('POST', '/api/v1/users', {
  email: 'north@a.test',
  name: 'Nora North',
  password: strongPassword,
  orgUnitId: north,
  roleIds: [subtreeViewer],
})
const asNorth = call((await logIn(app, { company: a.slug, email: 'north@a.test' })).json().token)
await addUser(db, a.companyId, { email: 'op@a.test', role: 'Operator' })
const asOp = call((await logIn(app, { company: a.slug, email: 'op@a.test' })).json().token)

const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((u) => u.id)

describe('org units: the tree (P3)', () => {
  it('reads one unit and lists them by id, one page at a time', async () => {
    expect((await asA('GET', `/api/v1/org-units/${oslo}`)).json()).toMatchObject({
      id: oslo,
      parentId: north,
      kind: 'branch',
      name: 'Oslo',
    })
    const first = (await asA('GET', '/api/v1/org-units?limit=3')).json()
    expect(first.items).toHaveLength(3)
    const rest = (await asA('GET', `/api/v1/org-units?limit=3&cursor=${first.nextCursor}`)).json()
    expect(rest.nextCursor).toBeNull()
    expect([...first.items, ...rest.items].map((u) => u.id).sort()).toEqual(
      [north, oslo, night, south].sort(),
    )
    expect(ids(await asA('GET', `/api/v1/org-units?parentId=${north}`))).toEqual([oslo])
    expect(ids(await asA('GET', '/api/v1/org-units?kind=region')).sort()).toEqual(
      [north, south].sort(),
    )
  })

  it('returns a subtree root first with depths', async () => {
    const res = (await asA('GET', `/api/v1/org-units/${north}/subtree`)).json()
    expect(res.items.map((u: { id: string; depth: number }) => [u.id, u.depth])).toEqual([
      [north, 0],
      [oslo, 1],
      [night, 2],
    ])
  })

  it('shows a subtree-scoped viewer their subtree only, in lists, reads and subtrees', async () => {
    expect(ids(await asNorth('GET', '/api/v1/org-units')).sort()).toEqual(
      [north, oslo, night].sort(),
    )
    problem(await asNorth('GET', `/api/v1/org-units/${south}`), 404, 'not_found')
    problem(await asNorth('GET', `/api/v1/org-units/${south}/subtree`), 404, 'not_found')
  })

  it('finds units by part of the name (q), any case, within what the caller may view', async () => {
    expect(ids(await asA('GET', '/api/v1/org-units?q=OUTH')).sort()).toEqual([south])
    expect(ids(await asA('GET', '/api/v1/org-units?q=o&kind=region')).sort()).toEqual(
      [north, south].sort(),
    )
    expect(ids(await asNorth('GET', '/api/v1/org-units?q=south'))).toEqual([])
    expect(ids(await asA('GET', '/api/v1/org-units?q=B%20region'))).toEqual([])
    expect(ids(await asA('GET', '/api/v1/org-units?q=_'))).toEqual([])
  })

  it('create, move and delete bump the policy version: scopes follow on the next request', async () => {
    const v0 = await version(a.companyId)
    const bergen = await create(asA, 'Bergen', north, 'branch')
    expect(await version(a.companyId)).toBe(v0 + 1)
    expect(ids(await asNorth('GET', '/api/v1/org-units'))).toContain(bergen)

    const moved = await asA('PATCH', `/api/v1/org-units/${bergen}`, { parentId: south })
    expect(moved.json().parentId).toBe(south)
    expect(await version(a.companyId)).toBe(v0 + 2)
    problem(await asNorth('GET', `/api/v1/org-units/${bergen}`), 404, 'not_found')

    const renamed = await asA('PATCH', `/api/v1/org-units/${bergen}`, { name: 'Bergen West' })
    expect(renamed.json().name).toBe('Bergen West')
    expect(await version(a.companyId)).toBe(v0 + 2)

    expect((await asA('DELETE', `/api/v1/org-units/${bergen}`)).statusCode).toBe(204)
    expect(await version(a.companyId)).toBe(v0 + 3)
    problem(await asA('GET', `/api/v1/org-units/${bergen}`), 404, 'not_found')
    const actions = (await auditActions(db, a.companyId)).map((e) => e.action)
    expect(actions).toEqual(
      expect.arrayContaining([
        'org_unit.created',
        'org_unit.moved',
        'org_unit.updated',
        'org_unit.deleted',
      ]),
    )
  })

  it('refuses to move a unit under itself or below it (409), and to delete a unit in use', async () => {
    const cycle = await asA('PATCH', `/api/v1/org-units/${north}`, { parentId: night })
    problem(cycle, 409, 'conflict')
    problem(await asA('PATCH', `/api/v1/org-units/${north}`, { parentId: north }), 409, 'conflict')
    problem(await asA('DELETE', `/api/v1/org-units/${oslo}`), 409, 'conflict')
    const staffed = await create(asA, 'Staffed', south)
    await asA('POST', '/api/v1/users', {
      email: 'staff@a.test',
      name: 'Staff',
      password: strongPassword,
      orgUnitId: staffed,
    })
    problem(await asA('DELETE', `/api/v1/org-units/${staffed}`), 409, 'conflict')
    expect((await asA('GET', `/api/v1/org-units/${staffed}`)).statusCode).toBe(200)
  })
})

describe('org units: denied cases', () => {
  it('an Operator may not list or create (403), nor know any unit (404)', async () => {
    const before = await countRows(db, 'org_units', a.companyId)
    problem(await asOp('GET', '/api/v1/org-units'), 403, 'forbidden')
    problem(await asOp('POST', '/api/v1/org-units', { kind: 'team', name: 'X' }), 403, 'forbidden')
    problem(await asOp('GET', `/api/v1/org-units/${north}`), 404, 'not_found')
    problem(await asOp('GET', `/api/v1/org-units/${north}/subtree`), 404, 'not_found')
    problem(await asOp('PATCH', `/api/v1/org-units/${north}`, { name: 'X' }), 404, 'not_found')
    problem(await asOp('DELETE', `/api/v1/org-units/${night}`), 404, 'not_found')
    expect(await countRows(db, 'org_units', a.companyId)).toBe(before)
  })

  it('a viewer may not edit, move, delete or create under what they see (403)', async () => {
    problem(await asNorth('PATCH', `/api/v1/org-units/${oslo}`, { name: 'X' }), 403, 'forbidden')
    problem(await asNorth('DELETE', `/api/v1/org-units/${night}`), 403, 'forbidden')
    problem(
      await asNorth('POST', '/api/v1/org-units', { kind: 'team', name: 'X', parentId: oslo }),
      403,
      'forbidden',
    )
    expect((await asA('GET', `/api/v1/org-units/${oslo}`)).json().name).toBe('Oslo')
  })

  it('a subtree-scoped creator may create inside their subtree only, never at the root', async () => {
    const creator = await addRole(db, a.companyId, 'Subtree builder', {
      grants: [{ actions: ['orgUnit.view', 'orgUnit.create'], scope: 'subtree' }],
    })
    await asA('POST', '/api/v1/users', {
      email: 'builder@a.test',
      name: 'Bo Builder',
      password: strongPassword,
      orgUnitId: oslo,
      roleIds: [creator],
    })
    const asBuilder = call(
      (await logIn(app, { company: a.slug, email: 'builder@a.test' })).json().token,
    )
    const inside = await asBuilder('POST', '/api/v1/org-units', {
      kind: 'team',
      name: 'Inside',
      parentId: night,
    })
    expect(inside.statusCode).toBe(201)
    const root = await asBuilder('POST', '/api/v1/org-units', { kind: 'region', name: 'Root' })
    expect(problem(root, 403, 'forbidden').errors).toEqual([
      { path: 'body/parentId', message: 'you may not place an org unit at the root' },
    ])
    const outside = await asBuilder('POST', '/api/v1/org-units', {
      kind: 'team',
      name: 'Outside',
      parentId: south,
    })
    expect(problem(outside, 404, 'not_found').errors).toEqual([
      { path: 'body/parentId', message: 'no such org unit' },
    ])
  })
})

describe("org units: company B's ids anywhere are ids that do not exist", () => {
  const same = async (
    theirs: Promise<{ statusCode: number; json(): unknown }>,
    none: Promise<{ statusCode: number; json(): unknown }>,
  ) => {
    const [x, y] = await Promise.all([theirs, none])
    expect(x.statusCode).toBe(404)
    expect(x.json()).toEqual(y.json())
  }

  it("cannot read, list, filter, change, move under or delete B's unit", async () => {
    const v = await version(b.companyId)
    await same(asA('GET', `/api/v1/org-units/${bUnit}`), asA('GET', '/api/v1/org-units/none'))
    await same(
      asA('GET', `/api/v1/org-units/${bUnit}/subtree`),
      asA('GET', '/api/v1/org-units/none/subtree'),
    )
    await same(
      asA('PATCH', `/api/v1/org-units/${bUnit}`, { name: 'Mine' }),
      asA('PATCH', '/api/v1/org-units/none', { name: 'Mine' }),
    )
    await same(asA('DELETE', `/api/v1/org-units/${bUnit}`), asA('DELETE', '/api/v1/org-units/none'))
    await same(
      asA('GET', `/api/v1/org-units?parentId=${bUnit}`),
      asA('GET', '/api/v1/org-units?parentId=none'),
    )
    expect(ids(await asA('GET', '/api/v1/org-units?limit=200'))).not.toContain(bUnit)
    await same(
      asA('POST', '/api/v1/org-units', { kind: 'team', name: 'X', parentId: bUnit }),
      asA('POST', '/api/v1/org-units', { kind: 'team', name: 'X', parentId: 'none' }),
    )
    await same(
      asA('PATCH', `/api/v1/org-units/${south}`, { parentId: bUnit }),
      asA('PATCH', `/api/v1/org-units/${south}`, { parentId: 'none' }),
    )
    expect((await asB('GET', `/api/v1/org-units/${bUnit}`)).json().name).toBe('B region')
    expect(await version(b.companyId)).toBe(v)
    expect((await asA('GET', `/api/v1/org-units/${south}`)).json().parentId).toBeNull()
  })
})

describe('org units: bad input is 400 problem+json and writes nothing', () => {
  it.each([
    ['a missing kind', { name: 'X' }],
    ['an unknown kind', { name: 'X', kind: 'galaxy' }],
    ['a wrong type', { name: 7, kind: 'team' }],
    ['a too long name', { name: 'x'.repeat(201), kind: 'team' }],
    ['an unknown field', { name: 'X', kind: 'team', color: 'red' }],
    ['an empty name', { name: '', kind: 'team' }],
  ])('POST /org-units with %s', async (_, payload) => {
    const before = await countRows(db, 'org_units', a.companyId)
    const v = await version(a.companyId)
    problem(await asA('POST', '/api/v1/org-units', payload), 400, 'validation_failed')
    expect(await countRows(db, 'org_units', a.companyId)).toBe(before)
    expect(await version(a.companyId)).toBe(v)
  })

  it.each([
    ['an empty patch', {}],
    ['an unknown field', { companyId: b.companyId }],
    ['a wrong type', { parentId: 5 }],
  ])('PATCH /org-units/{id} with %s', async (_, payload) => {
    problem(await asA('PATCH', `/api/v1/org-units/${oslo}`, payload), 400, 'validation_failed')
    expect((await asA('GET', `/api/v1/org-units/${oslo}`)).json()).toMatchObject({
      name: 'Oslo',
      parentId: north,
    })
  })

  it('rejects unknown query parameters and a parent id that is too long', async () => {
    problem(await asA('GET', '/api/v1/org-units?sort=name'), 400, 'validation_failed')
    problem(await asA('GET', '/api/v1/org-units?q='), 400, 'validation_failed')
    problem(
      await asA('GET', `/api/v1/org-units?parentId=${'x'.repeat(101)}`),
      400,
      'validation_failed',
    )
    const before = await countRows(db, 'org_units', a.companyId)
    const res = await asA('POST', '/api/v1/org-units', {
      kind: 'team',
      name: 'X',
      parentId: 'x'.repeat(101),
    })
    problem(res, 400, 'validation_failed')
    expect(await countRows(db, 'org_units', a.companyId)).toBe(before)
  })
})

describe('org units: the stable key (migration 0054)', () => {
  const keyOf = async (id: string) =>
    (await db.selectFrom('org_units').select('key').where('id', '=', id).executeTakeFirstOrThrow())
      .key

  it('shows each unit its key in the list, the single read and the subtree', async () => {
    const stored = await keyOf(oslo)
    expect(stored).toMatch(/^[0-9a-f]{12}$/)
    expect((await asA('GET', `/api/v1/org-units/${oslo}`)).json().key).toBe(stored)
    const listed = (await asA('GET', '/api/v1/org-units?limit=200')).json().items
    for (const u of listed as { id: string; key: string }[]) expect(u.key).toBe(await keyOf(u.id))
    const subtree = (await asA('GET', `/api/v1/org-units/${north}/subtree`)).json().items
    expect(subtree.find((u: { id: string }) => u.id === oslo).key).toBe(stored)
  })

  it('sets a key on create and update; a key the company has is 409, another company’s is free', async () => {
    const made = await asA('POST', '/api/v1/org-units', {
      kind: 'team',
      name: 'Keyed',
      parentId: south,
      key: 'south.keyed_1',
    })
    expect(made.statusCode, made.body).toBe(201)
    expect(made.json().key).toBe('south.keyed_1')
    const id = made.json().id as string
    expect(await keyOf(id)).toBe('south.keyed_1')
    // the same key again in A: 409 at body/key, nothing created
    const before = await countRows(db, 'org_units', a.companyId)
    const twice = await asA('POST', '/api/v1/org-units', {
      kind: 'team',
      name: 'Other',
      parentId: south,
      key: 'south.keyed_1',
    })
    expect(problem(twice, 409, 'conflict').errors).toEqual([
      { path: 'body/key', message: 'is taken' },
    ])
    expect(await countRows(db, 'org_units', a.companyId)).toBe(before)
    // keys are per company: B may have the same one
    const inB = await asB('POST', '/api/v1/org-units', {
      kind: 'team',
      name: 'Keyed',
      parentId: bUnit,
      key: 'south.keyed_1',
    })
    expect(inB.statusCode, inB.body).toBe(201)
    // a new key by PATCH, audited; the unit's own key again is no conflict
    const renamed = await asA('PATCH', `/api/v1/org-units/${id}`, { key: 'south-keyed' })
    expect(renamed.statusCode, renamed.body).toBe(200)
    expect(renamed.json().key).toBe('south-keyed')
    const same = await asA('PATCH', `/api/v1/org-units/${id}`, { key: 'south-keyed' })
    expect(same.statusCode, same.body).toBe(200)
    const audit = (await auditActions(db, a.companyId)).filter((e) => e.target_id === id)
    expect(audit.map((e) => e.action)).toContain('org_unit.updated')
    // another unit's key is 409, nothing changed
    const taken = await asA('PATCH', `/api/v1/org-units/${oslo}`, { key: 'south-keyed' })
    expect(problem(taken, 409, 'conflict').errors).toEqual([
      { path: 'body/key', message: 'is taken' },
    ])
    expect(await keyOf(oslo)).not.toBe('south-keyed')
    // someone who may only view units may not change a key (403)
    const orig = await keyOf(oslo)
    problem(await asNorth('PATCH', `/api/v1/org-units/${oslo}`, { key: 'mine' }), 403, 'forbidden')
    expect(await keyOf(oslo)).toBe(orig)
  })

  it.each([
    ['a NUL byte', 'team\u0000a'],
    ['a space', 'team a'],
    ['a leading dash', '-team'],
    ['a slash', 'north/team'],
    ['an empty key', ''],
    ['65 characters', 'k'.repeat(65)],
    ['a number', 7],
  ])('refuses a key with %s (400), writing nothing', async (_, key) => {
    const before = await countRows(db, 'org_units', a.companyId)
    const orig = await keyOf(oslo)
    problem(
      await asA('POST', '/api/v1/org-units', { kind: 'team', name: 'Bad key', key }),
      400,
      'validation_failed',
    )
    problem(await asA('PATCH', `/api/v1/org-units/${oslo}`, { key }), 400, 'validation_failed')
    expect(await countRows(db, 'org_units', a.companyId)).toBe(before)
    expect(await keyOf(oslo)).toBe(orig)
  })
})
