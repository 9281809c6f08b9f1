import { describe, expect, it } from 'vitest'
import { caller } from './fixtures.js'
import { createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

// Escalation inside one company: anything that widens access is a delegation (security issue
// S2 restrictions, S4 role and group edits reach every holder, S16 MFA off, S17 subtree).

const { app } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Escalation A' })
const admin = call(a.token)

const unit = async (name: string) =>
  (await admin('POST', '/api/v1/org-units', { kind: 'team', name, parentId: null })).json()
    .id as string
const team1 = await unit('Team 1')
const team2 = await unit('Team 2')

async function role(body: Record<string, unknown>) {
  const res = await admin('POST', '/api/v1/roles', body)
  if (res.statusCode !== 201) throw new Error(`role: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
async function person(email: string, orgUnitId: string, roleIds: string[]) {
  const res = await admin('POST', '/api/v1/users', {
    email,
    name: email,
    password: strongPassword,
    orgUnitId,
    roleIds,
  })
  if (res.statusCode !== 201) throw new Error(`user: ${res.statusCode} ${res.body}`)
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id: res.json().id as string, as: call(token) }
}

const roleAdmin = [
  { actions: ['role.view', 'role.edit', 'role.create'], scope: 'company' },
  { actions: ['user.view'], scope: 'team' },
]
const noEdit = { id: 'no-user-edit', actions: ['user.edit'] }

describe('S2: lifting a restriction is a delegation', () => {
  it('a role editor cannot lift the restriction on their own role; the action stays denied', async () => {
    const own = await role({
      name: 'Restricted manager',
      grants: [...roleAdmin, { actions: ['user.edit'], scope: 'team' }],
      restrictions: [noEdit],
    })
    const m = await person('s2@a.test', team1, [own])
    const res = await m.as('PATCH', `/api/v1/roles/${own}`, { restrictions: [] })
    problem(res, 403, 'forbidden')
    const after = await admin('GET', `/api/v1/roles/${own}`)
    expect(after.json().restrictions).toHaveLength(1)
    problem(await m.as('PATCH', `/api/v1/users/${m.id}`, { name: 'Renamed' }), 403, 'forbidden')
  })

  it('nor lift one on another role for access the editor does not hold', async () => {
    const editor = await role({ name: 'Plain editor', grants: roleAdmin })
    const m = await person('s2b@a.test', team1, [editor])
    const target = await role({
      name: 'Target',
      grants: [{ actions: ['user.view'], scope: 'team' }],
      restrictions: [{ id: 'no-delete', actions: ['user.delete'] }],
    })
    problem(await m.as('PATCH', `/api/v1/roles/${target}`, { restrictions: [] }), 403, 'forbidden')
  })

  it('an Admin may lift it', async () => {
    const target = await role({
      name: 'Liftable',
      grants: [{ actions: ['user.view'], scope: 'team' }],
      restrictions: [{ id: 'no-view', actions: ['user.view'] }],
    })
    const res = await admin('PATCH', `/api/v1/roles/${target}`, { restrictions: [] })
    expect(res.statusCode).toBe(200)
  })
})

describe('S4: editing a role delegates to every holder', () => {
  it('a team-1 manager cannot add a team-scoped grant to a role held in team 2; team 2 stays unseen', async () => {
    const manager = await role({ name: 'Team-1 manager', grants: roleAdmin })
    const m = await person('s4@a.test', team1, [manager])
    const shared = await role({
      name: 'Shared',
      grants: [{ actions: ['role.view'], scope: 'company' }],
    })
    const holder = await person('holder@a.test', team2, [shared])
    await person('peer@a.test', team2, [])
    const widen = {
      grants: [
        { actions: ['role.view'], scope: 'company' },
        { actions: ['user.view'], scope: 'team' },
      ],
    }
    const res = await m.as('PATCH', `/api/v1/roles/${shared}`, widen)
    expect(problem(res, 403, 'forbidden').errors).toEqual([
      { path: 'body/grants/1', message: expect.stringContaining('user.view') },
    ])
    problem(await holder.as('GET', '/api/v1/users'), 403, 'forbidden')
  })

  it('the same edit on a role held only inside the manager’s team is allowed', async () => {
    const manager = await role({ name: 'Team-1 manager 2', grants: roleAdmin })
    const m = await person('s4b@a.test', team1, [manager])
    const local = await role({
      name: 'Local',
      grants: [{ actions: ['role.view'], scope: 'company' }],
    })
    await person('local@a.test', team1, [local])
    const res = await m.as('PATCH', `/api/v1/roles/${local}`, {
      grants: [
        { actions: ['role.view'], scope: 'company' },
        { actions: ['user.view'], scope: 'team' },
      ],
    })
    expect(res.statusCode).toBe(200)
  })
})

describe('S16: lowering a security setting', () => {
  it('a non-admin role editor cannot switch MFA off; an Admin can', async () => {
    const editor = await role({ name: 'MFA editor', grants: roleAdmin })
    const m = await person('s16@a.test', team1, [editor])
    const strict = await role({
      name: 'Strict',
      grants: [{ actions: ['role.view'], scope: 'company' }],
      mfaRequired: true,
    })
    problem(
      await m.as('PATCH', `/api/v1/roles/${strict}`, { mfaRequired: false }),
      403,
      'forbidden',
    )
    expect((await admin('GET', `/api/v1/roles/${strict}`)).json().mfaRequired).toBe(true)
    expect(
      (await admin('PATCH', `/api/v1/roles/${strict}`, { mfaRequired: false })).statusCode,
    ).toBe(200)
  })
})

describe('S17: subtree is delegated only by holders of subtree', () => {
  it('a leaf-team holder cannot create a subtree grant', async () => {
    const editor = await role({ name: 'Leaf editor', grants: roleAdmin })
    const m = await person('s17@a.test', team1, [editor])
    const res = await m.as('POST', '/api/v1/roles', {
      name: 'Grows',
      grants: [{ actions: ['user.view'], scope: 'subtree' }],
    })
    problem(res, 403, 'forbidden')
  })
})
