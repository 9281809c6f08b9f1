import { describe, expect, it } from 'vitest'
import { addRole, builtinRoleId, caller, countRows, giveRole } from './fixtures.js'
import {
  addUser,
  auditActions,
  bearer,
  createTestApp,
  logIn,
  problem,
  signUp,
  strongPassword,
} from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Users A' })
const b = await signUp(app, { companyName: 'Users B' })
const asA = call(a.token)
const asB = call(b.token)

const unit = async (as: typeof asA, name: string, parentId: string | null = null) =>
  (await as('POST', '/api/v1/org-units', { kind: 'team', name, parentId })).json().id as string
const region = await unit(asA, 'Region')
const day = await unit(asA, 'Day shift', region)
const night = await unit(asA, 'Night shift', region)
const bUnit = await unit(asB, 'B team')

const newUser = async (email: string, name: string, extra: Record<string, unknown> = {}) => {
  const res = await asA('POST', '/api/v1/users', {
    email,
    name,
    password: strongPassword,
    ...extra,
  })
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
// R8: a position of the company, without default roles
if ((await asA('POST', '/api/v1/positions', { name: 'agent' })).statusCode !== 201)
  throw new Error('position')
const alice = await newUser('alice@a.test', 'Alice Archer', { orgUnitId: day, position: 'agent' })
const bob = await newUser('bob@a.test', 'Bob Baker', { orgUnitId: day })
const carol = await newUser('carol@a.test', 'Carol Cole', { orgUnitId: night })
const teamViewer = await addRole(db, a.companyId, 'Team viewer', {
  grants: [{ actions: ['user.view'], scope: 'team' }],
})
const lead = await newUser('lead@a.test', 'Lee Lead', { orgUnitId: day, roleIds: [teamViewer] })
const leadToken = (await logIn(app, { company: a.slug, email: 'lead@a.test' })).json().token
await addUser(db, a.companyId, { email: 'op@a.test', role: 'Operator' })
const opToken = (await logIn(app, { company: a.slug, email: 'op@a.test' })).json().token
const bAdminRole = await builtinRoleId(db, b.companyId, 'Admin')

const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((u) => u.id)

describe('users: create and read (R5)', () => {
  it('creates a user with a role at creation, audited, without any credential in the answer', async () => {
    const user = (await asA('GET', `/api/v1/users/${lead}`)).json()
    expect(user).toMatchObject({ id: lead, email: 'lead@a.test', orgUnitId: day, status: 'active' })
    expect(JSON.stringify(user)).not.toMatch(/password|hash|mfaSecret/i)
    const roles = await db
      .selectFrom('user_roles')
      .select('role_id')
      .where('user_id', '=', lead)
      .execute()
    expect(roles.map((r) => r.role_id)).toEqual([teamViewer])
    const created = (await auditActions(db, a.companyId)).find(
      (e) => e.action === 'user.created' && e.target_id === lead,
    )
    expect(created?.after).toMatchObject({ roleIds: [teamViewer], email: 'lead@a.test' })
    expect(JSON.stringify(created?.after)).not.toMatch(/scrypt/)
  })

  it('refuses a taken email with 409 and a weak password with 400, writing nothing', async () => {
    const before = await countRows(db, 'users', a.companyId)
    const taken = await asA('POST', '/api/v1/users', {
      email: 'ALICE@a.test',
      name: 'Other',
      password: strongPassword,
    })
    expect(problem(taken, 409, 'conflict').errors).toEqual([
      { path: 'body/email', message: 'is taken' },
    ])
    const weak = await asA('POST', '/api/v1/users', {
      email: 'weak@a.test',
      name: 'Weak',
      password: 'aaaaaaaaaaaa',
    })
    problem(weak, 400, 'validation_failed')
    expect(await countRows(db, 'users', a.companyId)).toBe(before)
  })

  it('lets the new user log in with the password given', async () => {
    const res = await logIn(app, { company: a.slug, email: 'alice@a.test' })
    expect(res.statusCode).toBe(200)
  })
})

describe('users: creation is decided on every attribute of the user to be', () => {
  it('a role that may create only novices creates a novice (201) and not a senior (403, nothing written)', async () => {
    const role = await addRole(db, a.companyId, 'Novice hirer', {
      grants: [
        { actions: ['user.view'], scope: 'company' },
        {
          actions: ['user.create'],
          scope: 'company',
          when: { eq: [{ ref: 'resource.level' }, 'novice'] },
        },
      ],
    })
    await newUser('hirer@a.test', 'Hiro Hirer', { roleIds: [role] })
    const hirer = call((await logIn(app, { company: a.slug, email: 'hirer@a.test' })).json().token)
    const before = await countRows(db, 'users', a.companyId)
    const novice = await hirer('POST', '/api/v1/users', {
      email: 'nina@a.test',
      name: 'Nina',
      password: strongPassword,
    })
    expect(novice.statusCode).toBe(201)
    const senior = await hirer('POST', '/api/v1/users', {
      email: 'sam@a.test',
      name: 'Sam',
      password: strongPassword,
      level: 'senior',
    })
    problem(senior, 403, 'forbidden')
    expect(await countRows(db, 'users', a.companyId)).toBe(before + 1)
  })
})

describe('users: lists and reads follow the data scope (P3)', () => {
  it('lists only the team for a team-scoped role, in the query itself', async () => {
    const res = await call(leadToken)('GET', '/api/v1/users')
    expect(res.statusCode).toBe(200)
    expect(ids(res).sort()).toEqual([alice, bob, lead].sort())
    expect(res.json().nextCursor).toBeNull()
  })

  it('answers a single read outside the team as 404, inside it as 200', async () => {
    const as = call(leadToken)
    expect((await as('GET', `/api/v1/users/${alice}`)).statusCode).toBe(200)
    const outside = problem(await as('GET', `/api/v1/users/${carol}`), 404, 'not_found')
    const missing = problem(await as('GET', '/api/v1/users/nobody'), 404, 'not_found')
    expect(outside.detail).toBe(missing.detail)
  })

  it('a filter narrows the scope, never widens it', async () => {
    const res = await call(leadToken)('GET', `/api/v1/users?orgUnitId=${night}`)
    expect(res.json().items).toEqual([])
  })

  it('a role change is in force on the next request', async () => {
    const wide = await addRole(db, a.companyId, 'Everyone viewer', {
      grants: [{ actions: ['user.view'], scope: 'company' }],
    })
    await giveRole(db, a.companyId, bob, wide)
    const bobToken = (await logIn(app, { company: a.slug, email: 'bob@a.test' })).json().token
    expect(ids(await call(bobToken)('GET', '/api/v1/users'))).toContain(carol)
  })

  it('filters by org unit, status, manager and a part of the name or email', async () => {
    expect(ids(await asA('GET', `/api/v1/users?orgUnitId=${night}`))).toEqual([carol])
    expect(ids(await asA('GET', '/api/v1/users?q=archer'))).toEqual([alice])
    expect(ids(await asA('GET', '/api/v1/users?q=carol%40'))).toEqual([carol])
    expect(ids(await asA('GET', '/api/v1/users?q=%25'))).toEqual([])
    expect(ids(await asA('GET', '/api/v1/users?status=suspended'))).toEqual([])
    expect(ids(await asA('GET', `/api/v1/users?managerId=${a.userId}`))).toEqual([])
  })

  it('pages by cursor until nextCursor is null, each user once', async () => {
    const seen: string[] = []
    let url = '/api/v1/users?limit=2'
    for (let i = 0; i < 10; i++) {
      const page = (await asA('GET', url)).json()
      expect(page.items.length).toBeLessThanOrEqual(2)
      seen.push(...page.items.map((u: { id: string }) => u.id))
      if (page.nextCursor === null) break
      url = `/api/v1/users?limit=2&cursor=${page.nextCursor}`
    }
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.length).toBe(await countRows(db, 'users', a.companyId))
    problem(await asA('GET', '/api/v1/users?cursor=bm9wZQ'), 400, 'validation_failed')
  })
})

describe('users: field projection (P4)', () => {
  const reader = async (email: string, fields: Record<string, string>) => {
    const role = await addRole(db, a.companyId, `Reader ${email}`, {
      grants: [{ actions: ['user.view'], scope: 'company', fields }],
    })
    await newUser(email, `Reader ${email.slice(0, 3)}`, { roleIds: [role] })
    return call((await logIn(app, { company: a.slug, email })).json().token)
  }

  it('masks and hides fields on single reads and lists, naming the masked ones', async () => {
    const as = await reader('masked@a.test', { email: 'masked', position: 'hidden' })
    const one = (await as('GET', `/api/v1/users/${alice}`)).json()
    expect(one.email).toBe('a***********')
    expect(one.maskedFields).toEqual(['email'])
    expect(one).not.toHaveProperty('position')
    expect(one.name).toBe('Alice Archer')
    const listed = (await as('GET', '/api/v1/users')).json().items
    expect(listed.find((u: { id: string }) => u.id === alice)).toEqual(one)
  })

  it('never finds a user by an email the caller may only see masked', async () => {
    const as = await reader('hidden@a.test', { email: 'hidden' })
    expect(ids(await as('GET', '/api/v1/users?q=carol%40'))).toEqual([])
    expect(ids(await as('GET', '/api/v1/users?q=cole'))).toEqual([carol])
  })
})

describe('users: edits, status and offboarding (G6)', () => {
  it('moves a user and sets a manager, audited before → after', async () => {
    const res = await asA('PATCH', `/api/v1/users/${carol}`, {
      orgUnitId: day,
      managerId: lead,
      level: 'senior',
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ orgUnitId: day, managerId: lead, level: 'senior' })
    // R8: a team transfer also resets permissions to the position's defaults, audited after
    const [updated, reset] = (await auditActions(db, a.companyId)).slice(-2)
    expect(updated).toMatchObject({ action: 'user.updated', target_id: carol })
    expect(reset).toMatchObject({ action: 'user.permissions_reset', target_id: carol })
  })

  it('refuses a user as their own manager with 400', async () => {
    const res = await asA('PATCH', `/api/v1/users/${carol}`, { managerId: carol })
    expect(problem(res, 400, 'validation_failed').errors).toEqual([
      { path: 'body/managerId', message: 'cannot be the user themselves' },
    ])
  })

  it('offboarding ends every session of the user at once, audited; login is refused', async () => {
    const dave = await newUser('dave@a.test', 'Dave Dunn')
    const t1 = (await logIn(app, { company: a.slug, email: 'dave@a.test' })).json().token
    const t2 = (await logIn(app, { company: a.slug, email: 'dave@a.test' })).json().token
    const mine = () => app.inject({ url: '/api/v1/auth/sessions', headers: bearer(t1) })
    expect((await mine()).statusCode).toBe(200)

    const res = await asA('PATCH', `/api/v1/users/${dave}`, { status: 'offboarded' })
    expect(res.statusCode).toBe(200)
    expect(res.json().status).toBe('offboarded')
    problem(await mine(), 401, 'not_authenticated')
    problem(
      await app.inject({ url: '/api/v1/auth/sessions', headers: bearer(t2) }),
      401,
      'not_authenticated',
    )
    const sessions = await db
      .selectFrom('sessions')
      .select(['revoked_at', 'revoked_reason'])
      .where('user_id', '=', dave)
      .execute()
    expect(sessions).toHaveLength(2)
    expect(sessions.every((s) => s.revoked_at !== null && s.revoked_reason === 'offboarded')).toBe(
      true,
    )
    const event = (await auditActions(db, a.companyId)).find((e) => e.action === 'user.offboarded')
    expect(event).toMatchObject({ target_id: dave, actor_user_id: a.userId })
    expect((event?.after as { revokedSessionIds: string[] }).revokedSessionIds).toHaveLength(2)
    problem(await logIn(app, { company: a.slug, email: 'dave@a.test' }), 401, 'not_authenticated')
  })
})

describe('users: denied cases', () => {
  it('an Operator may not list (403), read or change anyone (404), nor create (403)', async () => {
    const as = call(opToken)
    problem(await as('GET', '/api/v1/users'), 403, 'forbidden')
    problem(await as('GET', `/api/v1/users/${alice}`), 404, 'not_found')
    problem(await as('PATCH', `/api/v1/users/${alice}`, { name: 'X' }), 404, 'not_found')
    const before = await countRows(db, 'users', a.companyId)
    problem(
      await as('POST', '/api/v1/users', { email: 'x@a.test', name: 'X', password: strongPassword }),
      403,
      'forbidden',
    )
    expect(await countRows(db, 'users', a.companyId)).toBe(before)
  })

  it('a viewer may read but not edit, suspend or offboard (403) and nothing changes', async () => {
    const as = call(leadToken)
    problem(await as('PATCH', `/api/v1/users/${alice}`, { name: 'X' }), 403, 'forbidden')
    problem(await as('PATCH', `/api/v1/users/${alice}`, { status: 'suspended' }), 403, 'forbidden')
    problem(await as('PATCH', `/api/v1/users/${alice}`, { status: 'offboarded' }), 403, 'forbidden')
    expect((await asA('GET', `/api/v1/users/${alice}`)).json()).toMatchObject({
      name: 'Alice Archer',
      status: 'active',
    })
  })

  it('a creator without role.assign may create users, but not hand out roles (403, nothing written)', async () => {
    const creator = await addRole(db, a.companyId, 'Creator', {
      grants: [{ actions: ['user.create', 'user.view'], scope: 'company' }],
    })
    await newUser('creator@a.test', 'Cora Creator', { roleIds: [creator] })
    const as = call((await logIn(app, { company: a.slug, email: 'creator@a.test' })).json().token)
    const before = await countRows(db, 'users', a.companyId)
    const body = { email: 'fresh@a.test', name: 'Fresh', password: strongPassword }
    problem(await as('POST', '/api/v1/users', { ...body, roleIds: [teamViewer] }), 403, 'forbidden')
    expect(await countRows(db, 'users', a.companyId)).toBe(before)
    expect((await as('POST', '/api/v1/users', body)).statusCode).toBe(201)
  })

  it('nobody hands out more than they hold: giving Admin at creation is refused (canDelegate)', async () => {
    const delegator = await addRole(db, a.companyId, 'Delegator', {
      grants: [
        {
          actions: ['user.create', 'user.view', 'user.assignRole', 'role.assign'],
          scope: 'company',
        },
      ],
    })
    await newUser('deleg@a.test', 'Del Egator', { roleIds: [delegator] })
    const as = call((await logIn(app, { company: a.slug, email: 'deleg@a.test' })).json().token)
    const admin = await builtinRoleId(db, a.companyId, 'Admin')
    const before = await countRows(db, 'users', a.companyId)
    const body = { email: 'boss@a.test', name: 'Boss', password: strongPassword }
    const res = await as('POST', '/api/v1/users', { ...body, roleIds: [teamViewer, admin] })
    const errors = problem(res, 403, 'forbidden').errors as { path: string }[]
    expect(new Set(errors.map((e) => e.path))).toEqual(new Set(['body/roleIds/1']))
    expect(await countRows(db, 'users', a.companyId)).toBe(before)
    const ok = await as('POST', '/api/v1/users', { ...body, roleIds: [teamViewer] })
    expect(ok.statusCode).toBe(201)
  })

  it('without a session, 401', async () => {
    problem(await app.inject({ url: '/api/v1/users' }), 401, 'not_authenticated')
  })
})

describe("users: company B's ids anywhere are answered as ids that do not exist", () => {
  const same = async (
    theirs: Promise<{ statusCode: number; json(): unknown }>,
    none: Promise<{ statusCode: number; json(): unknown }>,
  ) => {
    const [x, y] = await Promise.all([theirs, none])
    expect(x.statusCode).toBe(404)
    expect(x.json()).toEqual(y.json())
  }

  it("reads, lists, filters, updates: B's user and unit are 404", async () => {
    await same(asA('GET', `/api/v1/users/${b.userId}`), asA('GET', '/api/v1/users/nobody'))
    await same(
      asA('PATCH', `/api/v1/users/${b.userId}`, { name: 'X' }),
      asA('PATCH', '/api/v1/users/nobody', { name: 'X' }),
    )
    expect(ids(await asA('GET', '/api/v1/users'))).not.toContain(b.userId)
    const filtered = asA('GET', `/api/v1/users?orgUnitId=${bUnit}`)
    await same(filtered, asA('GET', '/api/v1/users?orgUnitId=nothing'))
    expect(problem(await filtered, 404, 'not_found').errors).toEqual([
      { path: 'querystring/orgUnitId', message: 'no such org unit' },
    ])
    await same(
      asA('GET', `/api/v1/users?managerId=${b.userId}`),
      asA('GET', '/api/v1/users?managerId=nobody'),
    )
  })

  it("cannot move a user under B's unit or give them B's user as manager", async () => {
    await same(
      asA('PATCH', `/api/v1/users/${alice}`, { orgUnitId: bUnit }),
      asA('PATCH', `/api/v1/users/${alice}`, { orgUnitId: 'nothing' }),
    )
    await same(
      asA('PATCH', `/api/v1/users/${alice}`, { managerId: b.userId }),
      asA('PATCH', `/api/v1/users/${alice}`, { managerId: 'nobody' }),
    )
    expect((await asA('GET', `/api/v1/users/${alice}`)).json()).toMatchObject({
      orgUnitId: day,
      managerId: null,
    })
  })

  it("cannot create a user with B's role, unit or manager; nothing is written", async () => {
    const users = await countRows(db, 'users', a.companyId)
    const assignments = await countRows(db, 'user_roles', a.companyId)
    const body = { email: 'new@a.test', name: 'New', password: strongPassword }
    const withRole = asA('POST', '/api/v1/users', { ...body, roleIds: [bAdminRole] })
    await same(withRole, asA('POST', '/api/v1/users', { ...body, roleIds: ['nothing'] }))
    expect(problem(await withRole, 404, 'not_found').errors).toEqual([
      { path: 'body/roleIds/0', message: 'no such role' },
    ])
    await same(
      asA('POST', '/api/v1/users', { ...body, orgUnitId: bUnit }),
      asA('POST', '/api/v1/users', { ...body, orgUnitId: 'nothing' }),
    )
    await same(
      asA('POST', '/api/v1/users', { ...body, managerId: b.userId }),
      asA('POST', '/api/v1/users', { ...body, managerId: 'nobody' }),
    )
    expect(await countRows(db, 'users', a.companyId)).toBe(users)
    expect(await countRows(db, 'user_roles', a.companyId)).toBe(assignments)
  })
})

describe('users: bad input is 400 problem+json and writes nothing', () => {
  const long = 'x'.repeat(201)
  const body = { email: 'bad@a.test', name: 'Bad', password: strongPassword }

  it.each([
    ['a missing field', { email: 'bad@a.test', password: strongPassword }, 'body/name'],
    ['a wrong type', { ...body, level: 5 }, 'body/level'],
    ['an unknown level', { ...body, level: 'boss' }, 'body/level'],
    ['a too long value', { ...body, name: long }, 'body/name'],
    ['an unknown field', { ...body, isAdmin: true }, 'body/isAdmin'],
    ['an invalid email', { ...body, email: 'not-an-email' }, 'body/email'],
    ['roleIds not a list', { ...body, roleIds: 'r1' }, 'body/roleIds'],
  ])('POST /users with %s', async (_, payload, path) => {
    const before = await countRows(db, 'users', a.companyId)
    const res = await asA('POST', '/api/v1/users', payload)
    const errors = problem(res, 400, 'validation_failed').errors as { path: string }[]
    expect(errors.map((e) => e.path)).toContain(path)
    expect(await countRows(db, 'users', a.companyId)).toBe(before)
  })

  it.each([
    ['an empty patch', {}],
    ['an unknown field', { email: 'x@a.test' }],
    ['an unknown status', { status: 'fired' }],
    ['a wrong type', { name: 42 }],
    ['a too long value', { position: long }],
  ])('PATCH /users/{id} with %s', async (_, payload) => {
    const before = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', alice)
      .executeTakeFirstOrThrow()
    problem(await asA('PATCH', `/api/v1/users/${alice}`, payload), 400, 'validation_failed')
    const after = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', alice)
      .executeTakeFirstOrThrow()
    expect(after).toEqual(before)
  })

  it.each([
    ['limit=0'],
    ['limit=201'],
    ['limit=ten'],
    ['status=gone'],
    ['q=' + 'x'.repeat(101)],
    ['unknown=1'],
  ])('GET /users?%s', async (query) => {
    problem(await asA('GET', `/api/v1/users?${query}`), 400, 'validation_failed')
  })
})
