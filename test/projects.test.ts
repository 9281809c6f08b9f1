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
const a = await signUp(app, { companyName: 'Projects A' })
const b = await signUp(app, { companyName: 'Projects B' })
const asA = call(a.token)
const asB = call(b.token)

const project = async (as: typeof asA, name: string) => {
  const res = await as('POST', '/api/v1/projects', { name, description: `${name} line` })
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const complaints = await project(asA, 'Complaints')
const sales = await project(asA, 'Sales')
const bProject = await project(asB, 'B project')

// P10: a person who sees the projects they are a member of, and every user.
const memberView = await addRole(db, a.companyId, 'Project member', {
  grants: [
    { actions: ['project.view'], scope: 'project' },
    { actions: ['user.view'], scope: 'company' },
  ],
})
const pia = (
  await asA('POST', '/api/v1/users', {
    email: 'pia@a.test',
    name: 'Pia Project',
    password: strongPassword,
    roleIds: [memberView],
  })
).json().id as string
const asPia = call((await logIn(app, { company: a.slug, email: 'pia@a.test' })).json().token)
const agent = await addUser(db, a.companyId, { email: 'agent@a.test' })
await addUser(db, a.companyId, { email: 'op@a.test', role: 'Operator' })
const asOp = call((await logIn(app, { company: a.slug, email: 'op@a.test' })).json().token)

const ids = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((u) => u.id)

describe('projects (P10)', () => {
  it('creates, reads and lists projects by id, audited', async () => {
    expect((await asA('GET', `/api/v1/projects/${sales}`)).json()).toMatchObject({
      id: sales,
      name: 'Sales',
      description: 'Sales line',
    })
    const first = (await asA('GET', '/api/v1/projects?limit=1')).json()
    const second = (await asA('GET', `/api/v1/projects?limit=1&cursor=${first.nextCursor}`)).json()
    expect([...first.items, ...second.items].map((p) => p.id).sort()).toEqual(
      [complaints, sales].sort(),
    )
    expect(second.nextCursor).toBeNull()
    expect((await auditActions(db, a.companyId)).map((e) => e.action)).toContain('project.created')
  })

  it('refuses a second project of the same name (409) and writes nothing', async () => {
    const before = await countRows(db, 'projects', a.companyId)
    problem(await asA('POST', '/api/v1/projects', { name: 'Sales' }), 409, 'conflict')
    expect(await countRows(db, 'projects', a.companyId)).toBe(before)
  })

  it('shows a member only their projects; membership is in force on the next request', async () => {
    expect(ids(await asPia('GET', '/api/v1/projects'))).toEqual([])
    problem(await asPia('GET', `/api/v1/projects/${complaints}`), 404, 'not_found')
    expect((await asA('PUT', `/api/v1/projects/${complaints}/members/${pia}`)).statusCode).toBe(204)
    expect(ids(await asPia('GET', '/api/v1/projects'))).toEqual([complaints])
    expect((await asPia('GET', `/api/v1/projects/${complaints}`)).statusCode).toBe(200)
    problem(await asPia('GET', `/api/v1/projects/${sales}`), 404, 'not_found')
  })

  it('finds projects by part of the name (q), any case, within what the caller may view', async () => {
    expect(ids(await asA('GET', '/api/v1/projects?q=PLAIN'))).toEqual([complaints])
    expect(ids(await asA('GET', '/api/v1/projects?q=%25'))).toEqual([])
    // B's project is never found from A, whatever the text
    expect(ids(await asA('GET', '/api/v1/projects?q=B%20proj'))).toEqual([])
    expect(ids(await asB('GET', '/api/v1/projects?q=proj'))).toEqual([bProject])
    // a member finds only what they may view
    expect(ids(await asPia('GET', '/api/v1/projects?q=Sales'))).toEqual([])
  })

  it('adds and removes members, audited; adding twice is a no-op, removing a non-member 404', async () => {
    expect((await asA('PUT', `/api/v1/projects/${complaints}/members/${agent}`)).statusCode).toBe(
      204,
    )
    expect((await asA('PUT', `/api/v1/projects/${complaints}/members/${agent}`)).statusCode).toBe(
      204,
    )
    expect(ids(await asA('GET', `/api/v1/projects/${complaints}/members`)).sort()).toEqual(
      [agent, pia].sort(),
    )
    expect(
      (await asA('DELETE', `/api/v1/projects/${complaints}/members/${agent}`)).statusCode,
    ).toBe(204)
    problem(
      await asA('DELETE', `/api/v1/projects/${complaints}/members/${agent}`),
      404,
      'not_found',
    )
    const actions = (await auditActions(db, a.companyId)).map((e) => e.action)
    expect(actions).toEqual(
      expect.arrayContaining(['project.member_added', 'project.member_removed']),
    )
    expect(actions.filter((x) => x === 'project.member_added')).toHaveLength(2)
  })

  it('lists members as the caller may see them', async () => {
    const masked = await addRole(db, a.companyId, 'Masked members', {
      grants: [
        { actions: ['project.view'], scope: 'company' },
        { actions: ['user.view'], scope: 'company', fields: { email: 'masked' } },
      ],
    })
    await asA('POST', '/api/v1/users', {
      email: 'mo@a.test',
      name: 'Mo Masked',
      password: strongPassword,
      roleIds: [masked],
    })
    const asMo = call((await logIn(app, { company: a.slug, email: 'mo@a.test' })).json().token)
    const members = (await asMo('GET', `/api/v1/projects/${complaints}/members`)).json().items
    expect(members).toEqual([expect.objectContaining({ id: pia, maskedFields: ['email'] })])
    expect(members[0].email).not.toBe('pia@a.test')
  })

  it('deletes a project with its memberships, audited', async () => {
    const temp = await project(asA, 'Temporary')
    await asA('PUT', `/api/v1/projects/${temp}/members/${agent}`)
    expect((await asA('DELETE', `/api/v1/projects/${temp}`)).statusCode).toBe(204)
    problem(await asA('GET', `/api/v1/projects/${temp}`), 404, 'not_found')
    const rows = await db
      .selectFrom('project_members')
      .select('user_id')
      .where('project_id', '=', temp)
      .execute()
    expect(rows).toEqual([])
    const deleted = (await auditActions(db, a.companyId)).find(
      (e) => e.action === 'project.deleted',
    )
    expect(deleted?.target_id).toBe(temp)
  })
})

describe('projects: denied cases', () => {
  it('an Operator may not list or create (403), nor know any project (404)', async () => {
    const before = await countRows(db, 'projects', a.companyId)
    problem(await asOp('GET', '/api/v1/projects'), 403, 'forbidden')
    problem(await asOp('POST', '/api/v1/projects', { name: 'Mine' }), 403, 'forbidden')
    problem(await asOp('GET', `/api/v1/projects/${sales}`), 404, 'not_found')
    problem(await asOp('DELETE', `/api/v1/projects/${sales}`), 404, 'not_found')
    problem(await asOp('GET', `/api/v1/projects/${sales}/members`), 404, 'not_found')
    problem(await asOp('PUT', `/api/v1/projects/${sales}/members/${agent}`), 404, 'not_found')
    problem(await asOp('DELETE', `/api/v1/projects/${sales}/members/${agent}`), 404, 'not_found')
    expect(await countRows(db, 'projects', a.companyId)).toBe(before)
  })

  it('a member may view but not manage members, delete or create (403)', async () => {
    const members = await countRows(db, 'project_members', a.companyId)
    problem(await asPia('PUT', `/api/v1/projects/${complaints}/members/${agent}`), 403, 'forbidden')
    problem(
      await asPia('DELETE', `/api/v1/projects/${complaints}/members/${pia}`),
      403,
      'forbidden',
    )
    problem(await asPia('DELETE', `/api/v1/projects/${complaints}`), 403, 'forbidden')
    problem(await asPia('POST', '/api/v1/projects', { name: 'Pia' }), 403, 'forbidden')
    expect(await countRows(db, 'project_members', a.companyId)).toBe(members)
  })

  it('a project-scoped creator cannot create projects: a new one has no members yet', async () => {
    const role = await addRole(db, a.companyId, 'Project creator', {
      grants: [{ actions: ['project.view', 'project.create'], scope: 'project' }],
    })
    await asA('POST', '/api/v1/users', {
      email: 'pc@a.test',
      name: 'Pat Creator',
      password: strongPassword,
      roleIds: [role],
    })
    const asPc = call((await logIn(app, { company: a.slug, email: 'pc@a.test' })).json().token)
    problem(await asPc('POST', '/api/v1/projects', { name: 'Sneaky' }), 403, 'forbidden')
  })
})

describe("projects: company B's ids anywhere are ids that do not exist", () => {
  const same = async (
    theirs: Promise<{ statusCode: number; json(): unknown }>,
    none: Promise<{ statusCode: number; json(): unknown }>,
  ) => {
    const [x, y] = await Promise.all([theirs, none])
    expect(x.statusCode).toBe(404)
    expect(x.json()).toEqual(y.json())
  }

  it("cannot read, list, delete or see the members of B's project", async () => {
    await same(asA('GET', `/api/v1/projects/${bProject}`), asA('GET', '/api/v1/projects/none'))
    await same(
      asA('DELETE', `/api/v1/projects/${bProject}`),
      asA('DELETE', '/api/v1/projects/none'),
    )
    await same(
      asA('GET', `/api/v1/projects/${bProject}/members`),
      asA('GET', '/api/v1/projects/none/members'),
    )
    expect(ids(await asA('GET', '/api/v1/projects'))).not.toContain(bProject)
    expect((await asB('GET', `/api/v1/projects/${bProject}`)).statusCode).toBe(200)
  })

  it("cannot add B's user to a project, nor anyone to B's project", async () => {
    const members = await countRows(db, 'project_members', a.companyId)
    const theirs = asA('PUT', `/api/v1/projects/${sales}/members/${b.userId}`)
    await same(theirs, asA('PUT', `/api/v1/projects/${sales}/members/nobody`))
    expect(problem(await theirs, 404, 'not_found').errors).toEqual([
      { path: 'params/userId', message: 'no such user' },
    ])
    await same(
      asA('PUT', `/api/v1/projects/${bProject}/members/${agent}`),
      asA('PUT', `/api/v1/projects/none/members/${agent}`),
    )
    await same(
      asA('PUT', `/api/v1/projects/${bProject}/members/${b.userId}`),
      asA('PUT', `/api/v1/projects/none/members/${b.userId}`),
    )
    expect(await countRows(db, 'project_members', a.companyId)).toBe(members)
    expect(await countRows(db, 'project_members', b.companyId)).toBe(0)
  })
})

describe('projects: bad input is 400 problem+json and writes nothing', () => {
  it.each([
    ['a missing name', { description: 'x' }],
    ['a wrong type', { name: 1 }],
    ['a too long name', { name: 'x'.repeat(201) }],
    ['a too long description', { name: 'Long', description: 'x'.repeat(2001) }],
    ['an unknown field', { name: 'Extra', owner: 'me' }],
  ])('POST /projects with %s', async (_, payload) => {
    const before = await countRows(db, 'projects', a.companyId)
    problem(await asA('POST', '/api/v1/projects', payload), 400, 'validation_failed')
    expect(await countRows(db, 'projects', a.companyId)).toBe(before)
  })

  it('rejects bad list queries', async () => {
    problem(await asA('GET', '/api/v1/projects?limit=-1'), 400, 'validation_failed')
    problem(await asA('GET', '/api/v1/projects?name=Sales'), 400, 'validation_failed')
    problem(await asA('GET', '/api/v1/projects?cursor=%7B%7D'), 400, 'validation_failed')
    problem(await asA('GET', '/api/v1/projects?q='), 400, 'validation_failed')
    problem(await asA('GET', `/api/v1/projects?q=${'x'.repeat(101)}`), 400, 'validation_failed')
  })
})
