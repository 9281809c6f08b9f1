import { describe, expect, it } from 'vitest'
import { withCompany } from '../src/db/index.js'
import { storeGrant } from '../src/domain/roles/index.js'
import { caller } from './fixtures.js'
import { createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

// Escalation inside one company: anything that widens access is a delegation (security issue
// S2 restrictions, S4 role and group edits reach every holder, S16 MFA off, S17 subtree).

const { app, db, clock } = await createTestApp()
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
let logins = 0
async function person(email: string, orgUnitId: string, roleIds: string[]) {
  const res = await admin('POST', '/api/v1/users', {
    email,
    name: email,
    password: strongPassword,
    orgUnitId,
    roleIds,
  })
  if (res.statusCode !== 201) throw new Error(`user: ${res.statusCode} ${res.body}`)
  // one client address per person: the login limiter counts attempts per address
  logins += 1
  const token = (await logIn(app, { company: a.slug, email }, `10.0.7.${logins}`)).json()
    .token as string
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

const roleIdOf = async (name: string) =>
  ((await admin('GET', '/api/v1/roles')).json().items as { id: string; name: string }[]).find(
    (r) => r.name === name,
  )?.id as string

describe('S5: a person’s reach is delegated like a grant', () => {
  it('with user.edit on own, a user renames themselves but cannot change their team, level or position', async () => {
    const self = await role({
      name: 'Self service',
      grants: [
        { actions: ['user.view', 'user.edit'], scope: 'own' },
        {
          actions: ['customer.view'],
          scope: 'company',
          when: { eq: [{ ref: 'subject.level' }, 'lead'] },
        },
      ],
    })
    const m = await person('s5@a.test', team1, [self])
    for (const patch of [{ orgUnitId: team2 }, { level: 'lead' }, { position: 'team-lead' }]) {
      problem(await m.as('PATCH', `/api/v1/users/${m.id}`, patch), 403, 'forbidden')
    }
    const after = (await admin('GET', `/api/v1/users/${m.id}`)).json()
    expect(after).toMatchObject({ orgUnitId: team1, level: 'novice', position: null })
    problem(await m.as('GET', '/api/v1/roles'), 403, 'forbidden')
    expect((await m.as('PATCH', `/api/v1/users/${m.id}`, { name: 'Renamed' })).statusCode).toBe(200)
  })

  it('a user editor cannot raise a level that a subject.level condition turns into access they lack', async () => {
    const editor = await role({
      name: 'Level editor',
      grants: [{ actions: ['user.view', 'user.edit'], scope: 'company' }],
    })
    const m = await person('s5b@a.test', team1, [editor])
    const gated = await role({
      name: 'Leads see customers',
      grants: [
        {
          actions: ['customer.view'],
          scope: 'company',
          when: { eq: [{ ref: 'subject.level' }, 'lead'] },
        },
      ],
    })
    const agent = await person('s5c@a.test', team1, [gated])
    const res = await m.as('PATCH', `/api/v1/users/${agent.id}`, { level: 'lead' })
    expect(problem(res, 403, 'forbidden').errors).toEqual([
      { path: 'body/level', message: expect.stringContaining('customer.view') },
    ])
    expect((await admin('PATCH', `/api/v1/users/${agent.id}`, { level: 'lead' })).statusCode).toBe(
      200,
    )
  })

  it('nobody names themselves manager to reach a user through resource.managerId', async () => {
    const editor = await role({
      name: 'Manager-bound editor',
      grants: [
        { actions: ['user.view', 'user.edit'], scope: 'company' },
        {
          actions: ['user.offboard'],
          scope: 'company',
          when: { eq: [{ ref: 'resource.managerId' }, { ref: 'subject.id' }] },
        },
      ],
    })
    const m = await person('s5m@a.test', team1, [editor])
    const target = await person('s5n@a.test', team2, [])
    const res = await m.as('PATCH', `/api/v1/users/${target.id}`, { managerId: m.id })
    expect(problem(res, 403, 'forbidden').errors).toEqual([
      { path: 'body/managerId', message: expect.stringContaining('user.offboard') },
    ])
    expect((await admin('GET', `/api/v1/users/${target.id}`)).json().managerId).toBeNull()
  })

  it('with project.manageMembers, nobody adds themselves or others to a project they do not reach', async () => {
    const projectOf = async (name: string) =>
      (await admin('POST', '/api/v1/projects', { name })).json().id as string
    const mine = await projectOf('S5 mine')
    const other = await projectOf('S5 other')
    const manager = await role({
      name: 'Project manager',
      grants: [
        { actions: ['project.view', 'project.manageMembers', 'user.view'], scope: 'company' },
        { actions: ['customer.view'], scope: 'project' },
      ],
    })
    const m = await person('s5p@a.test', team1, [manager])
    const peer = await person('s5q@a.test', team1, [manager])
    expect((await admin('PUT', `/api/v1/projects/${mine}/members/${m.id}`)).statusCode).toBe(204)
    problem(await m.as('PUT', `/api/v1/projects/${other}/members/${m.id}`), 403, 'forbidden')
    problem(await m.as('PUT', `/api/v1/projects/${other}/members/${peer.id}`), 403, 'forbidden')
    const members = await admin('GET', `/api/v1/projects/${other}/members`)
    expect(members.json().items).toEqual([])
    expect((await m.as('PUT', `/api/v1/projects/${mine}/members/${peer.id}`)).statusCode).toBe(204)
  })
})

describe('S7: nobody takes away what they could not grant', () => {
  const manager = [
    {
      actions: ['role.view', 'role.edit', 'role.create', 'role.delete', 'role.assign'],
      scope: 'company',
    },
    { actions: ['user.view', 'user.edit', 'user.assignRole'], scope: 'company' },
  ]

  it('a role manager cannot remove the Admin role from an Admin', async () => {
    const own = await role({ name: 'Role manager', grants: manager })
    const m = await person('s7a@a.test', team1, [own])
    const adminRole = await roleIdOf('Admin')
    const target = await person('s7admin@a.test', team1, [adminRole])
    problem(
      await m.as('PUT', `/api/v1/users/${target.id}/roles`, { roleIds: [] }),
      403,
      'forbidden',
    )
    expect((await admin('GET', `/api/v1/users/${target.id}/roles`)).json().roleIds).toEqual([
      adminRole,
    ])
  })

  it('a user.edit holder cannot suspend an Admin; a Supervisor cannot offboard one, but may an Operator', async () => {
    const own = await role({ name: 'User editor', grants: manager })
    const m = await person('s7b@a.test', team1, [own])
    const target = await person('s7admin2@a.test', team1, [await roleIdOf('Admin')])
    problem(
      await m.as('PATCH', `/api/v1/users/${target.id}`, { status: 'suspended' }),
      403,
      'forbidden',
    )
    const sup = await person('s7sup@a.test', team1, [await roleIdOf('Supervisor')])
    problem(
      await sup.as('PATCH', `/api/v1/users/${target.id}`, { status: 'offboarded' }),
      403,
      'forbidden',
    )
    expect((await admin('GET', `/api/v1/users/${target.id}`)).json().status).toBe('active')
    const op = await person('s7op@a.test', team1, [await roleIdOf('Operator')])
    const res = await sup.as('PATCH', `/api/v1/users/${op.id}`, { status: 'offboarded' })
    expect(res.statusCode).toBe(200)
  })

  it('a transfer does not take away roles the caller could not give (R8 reset)', async () => {
    const sup = await person('s7t@a.test', team1, [await roleIdOf('Supervisor')])
    const settings = await role({
      name: 'Security officer',
      grants: [{ actions: ['securitySettings.edit'], scope: 'company' }],
    })
    const target = await person('s7u@a.test', team1, [settings])
    const res = await sup.as('PATCH', `/api/v1/users/${target.id}`, { position: 'novice-agent' })
    problem(res, 403, 'forbidden')
    expect((await admin('GET', `/api/v1/users/${target.id}/roles`)).json().roleIds).toEqual([
      settings,
    ])
  })

  it('a role manager cannot delete a role stronger than theirs', async () => {
    const own = await role({ name: 'Role deleter', grants: manager })
    const m = await person('s7c@a.test', team1, [own])
    const strong = await role({
      name: 'Exporter',
      grants: [{ actions: ['customer.view', 'customer.export'], scope: 'company' }],
    })
    problem(await m.as('DELETE', `/api/v1/roles/${strong}`), 403, 'forbidden')
    expect((await admin('GET', `/api/v1/roles/${strong}`)).statusCode).toBe(200)
    const weak = await role({
      name: 'Viewer',
      grants: [{ actions: ['user.view'], scope: 'company' }],
    })
    expect((await m.as('DELETE', `/api/v1/roles/${weak}`)).statusCode).toBe(204)
  })
})

describe('S7: nor a permission group', () => {
  it('a group manager cannot delete a group stronger than theirs', async () => {
    const own = await role({
      name: 'Group manager',
      grants: [
        {
          actions: ['permissionGroup.view', 'permissionGroup.delete', 'user.view'],
          scope: 'company',
        },
      ],
    })
    const m = await person('s7g@a.test', team1, [own])
    const res = await admin('POST', '/api/v1/permission-groups', {
      name: 'Exporters',
      grants: [{ actions: ['customer.view', 'customer.export'], scope: 'company' }],
    })
    const group = res.json().id as string
    problem(await m.as('DELETE', `/api/v1/permission-groups/${group}`), 403, 'forbidden')
    expect((await admin('GET', `/api/v1/permission-groups/${group}`)).statusCode).toBe(200)
  })
})

describe('S8: an API key is bound to its creator’s standing', () => {
  const keyRole = [{ actions: ['role.view', 'role.assign', 'user.view'], scope: 'company' }]

  it('a key stops authenticating when its creator is offboarded, or no longer holds its grants', async () => {
    const own = await role({ name: 'Key maker', grants: keyRole })
    const maker = await person('s8a@a.test', team1, [own])
    const mint = async () =>
      (await maker.as('POST', '/api/v1/api-keys', { name: 'k', roleId: own })).json().key as string
    const key = await mint()
    expect((await call(key)('GET', '/api/v1/users')).statusCode).toBe(200)
    expect(
      (await admin('PATCH', `/api/v1/users/${maker.id}`, { status: 'offboarded' })).statusCode,
    ).toBe(200)
    problem(await call(key)('GET', '/api/v1/users'), 401, 'not_authenticated')
    problem(
      await call(key)('POST', '/api/v1/roles', { name: 'x', grants: [] }),
      401,
      'not_authenticated',
    )
  })

  it('a key holds no more than its creator holds now', async () => {
    const own = await role({ name: 'Key maker 2', grants: keyRole })
    const narrow = await role({
      name: 'Narrow',
      grants: [{ actions: ['role.view'], scope: 'company' }],
    })
    const maker = await person('s8b@a.test', team1, [own])
    const key = (await maker.as('POST', '/api/v1/api-keys', { name: 'k', roleId: own })).json()
      .key as string
    expect((await call(key)('GET', '/api/v1/users')).statusCode).toBe(200)
    expect(
      (await admin('PUT', `/api/v1/users/${maker.id}/roles`, { roleIds: [narrow] })).statusCode,
    ).toBe(200)
    problem(await call(key)('GET', '/api/v1/users'), 401, 'not_authenticated')
  })

  it('a key minted by a key dies with its parent', async () => {
    const own = await role({ name: 'Key maker 3', grants: keyRole })
    const parent = (await admin('POST', '/api/v1/api-keys', { name: 'p', roleId: own })).json()
    const child = await call(parent.key)('POST', '/api/v1/api-keys', { name: 'c', roleId: own })
    expect(child.statusCode).toBe(201)
    expect((await call(child.json().key)('GET', '/api/v1/users')).statusCode).toBe(200)
    expect((await admin('DELETE', `/api/v1/api-keys/${parent.apiKey.id}`)).statusCode).toBe(204)
    problem(await call(child.json().key)('GET', '/api/v1/users'), 401, 'not_authenticated')
  })
})

describe('S7: every removal is a checked revocation', () => {
  const exporter = [{ actions: ['customer.view', 'customer.export'], scope: 'company' }]
  // Administration of every kind, but no customer.export: what the targets below hold.
  const steward = async (name: string) =>
    role({
      name,
      grants: [
        {
          actions: [
            'role.view',
            'role.edit',
            'role.assign',
            'permissionGroup.view',
            'permissionGroup.edit',
            'permissionGroup.assign',
            'project.view',
            'project.delete',
            'project.manageMembers',
            'user.view',
            'user.edit',
            'user.assignRole',
            'customer.view',
            'orgUnit.view',
          ],
          scope: 'company',
        },
      ],
    })
  const exportRoleIds = async (roleId: string) =>
    (await admin('GET', `/api/v1/roles/${roleId}`)).json().grants

  it('deleting a project does not take from its members what the caller could not give', async () => {
    const m = await person('rm-p@a.test', team1, [await steward('Project steward')])
    const projectExport = await role({
      name: 'Project exporter',
      grants: [{ actions: ['customer.view', 'customer.export'], scope: 'project' }],
    })
    const member = await person('rm-pm@a.test', team1, [projectExport])
    const project = (await admin('POST', '/api/v1/projects', { name: 'RM held' })).json()
      .id as string
    expect(
      (await admin('PUT', `/api/v1/projects/${project}/members/${member.id}`)).statusCode,
    ).toBe(204)
    problem(await m.as('DELETE', `/api/v1/projects/${project}`), 403, 'forbidden')
    expect((await admin('GET', `/api/v1/projects/${project}`)).statusCode).toBe(200)
    // a project whose members hold nothing there beyond the caller's reach goes
    const plain = (await admin('POST', '/api/v1/projects', { name: 'RM plain' })).json()
      .id as string
    const viewer = await person('rm-pv@a.test', team1, [])
    expect((await admin('PUT', `/api/v1/projects/${plain}/members/${viewer.id}`)).statusCode).toBe(
      204,
    )
    expect((await m.as('DELETE', `/api/v1/projects/${plain}`)).statusCode).toBe(204)
  })

  it('a transfer does not end permission groups the caller could not give', async () => {
    const m = await person('rm-t@a.test', team1, [await steward('Transfer steward')])
    const group = (
      await admin('POST', '/api/v1/permission-groups', { name: 'RM exporters', grants: exporter })
    ).json().id as string
    const inGroup = await person('rm-tg@a.test', team1, [])
    expect(
      (await admin('PUT', `/api/v1/users/${inGroup.id}/groups`, { groupIds: [group] })).statusCode,
    ).toBe(200)
    problem(
      await m.as('PATCH', `/api/v1/users/${inGroup.id}`, { orgUnitId: team2 }),
      403,
      'forbidden',
    )
    expect((await admin('GET', `/api/v1/users/${inGroup.id}/roles`)).json().groupIds).toEqual([
      group,
    ])
  })

  it('nor temporary grants the caller could not give', async () => {
    const m = await person('rm-t2@a.test', team1, [await steward('Grant steward')])

    const granted = await person('rm-tt@a.test', team1, [])
    const now = clock.now()
    const grant = await withCompany(db, a.companyId, (trx) =>
      storeGrant(
        trx,
        a.companyId,
        {
          userId: granted.id,
          definition: { actions: ['customer.export'], scope: 'company' },
          validFrom: now,
          validUntil: new Date(now.getTime() + 86_400_000),
        },
        now,
      ),
    )
    problem(
      await m.as('PATCH', `/api/v1/users/${granted.id}`, { orgUnitId: team2 }),
      403,
      'forbidden',
    )
    const row = await db
      .selectFrom('grants')
      .select('revoked_at')
      .where('id', '=', grant.id)
      .executeTakeFirstOrThrow()
    expect(row.revoked_at).toBeNull()
    // without such a grant or group, the same caller transfers the same way
    const plain = await person('rm-tp@a.test', team1, [])
    expect(
      (await m.as('PATCH', `/api/v1/users/${plain.id}`, { orgUnitId: team2 })).statusCode,
    ).toBe(200)
  })

  it('nobody is moved out of a team where they had what the caller could not give there', async () => {
    const teamLead = await role({
      name: 'Team-1 mover',
      grants: [
        { actions: ['user.view', 'user.edit', 'orgUnit.view'], scope: 'company' },
        { actions: ['customer.view'], scope: 'team' },
      ],
    })
    const m = await person('rm-u@a.test', team1, [teamLead])
    const teamViewer = await role({
      name: 'Team viewer',
      grants: [{ actions: ['customer.view'], scope: 'team' }],
    })
    const other = await person('rm-u2@a.test', team2, [teamViewer])
    // they would lose team 2's customers, which the team-1 caller cannot give
    const res = await m.as('PATCH', `/api/v1/users/${other.id}`, { orgUnitId: team1 })
    expect(problem(res, 403, 'forbidden').errors).toEqual([
      { path: 'body/orgUnitId', message: expect.stringContaining('customer.view') },
    ])
    expect((await admin('GET', `/api/v1/users/${other.id}`)).json().orgUnitId).toBe(team2)
  })

  it('a role edit does not remove a grant, nor add a restriction, the editor could not give', async () => {
    const m = await person('rm-r@a.test', team1, [await steward('Role steward')])
    const held = await role({ name: 'RM export role', grants: exporter })
    await person('rm-rh@a.test', team2, [held])
    problem(
      await m.as('PATCH', `/api/v1/roles/${held}`, {
        grants: [{ actions: ['customer.view'], scope: 'company' }],
      }),
      403,
      'forbidden',
    )
    problem(
      await m.as('PATCH', `/api/v1/roles/${held}`, {
        restrictions: [{ id: 'no-export', actions: ['customer.export'] }],
      }),
      403,
      'forbidden',
    )
    expect(await exportRoleIds(held)).toEqual(exporter)
    expect((await admin('GET', `/api/v1/roles/${held}`)).json().restrictions ?? []).toEqual([])
    // nor shut the role out of a section: that removes its grants there too
    const section = await admin('GET', '/api/v1/sections/customers/roles')
    expect(section.statusCode).toBe(200)
    const inside = (section.json().roles as { id: string; enters: boolean }[])
      .filter((r) => r.enters && r.id !== held)
      .map((r) => r.id)
    problem(
      await m.as('PUT', '/api/v1/sections/customers/roles', { roleIds: inside }),
      403,
      'forbidden',
    )
    expect(await exportRoleIds(held)).toEqual(exporter)
    // what the editor holds, they may take away
    const weak = await role({
      name: 'RM weak role',
      grants: [
        { actions: ['customer.view'], scope: 'company' },
        { actions: ['user.view'], scope: 'company' },
      ],
    })
    await person('rm-rw@a.test', team2, [weak])
    expect(
      (
        await m.as('PATCH', `/api/v1/roles/${weak}`, {
          grants: [{ actions: ['user.view'], scope: 'company' }],
          restrictions: [{ id: 'no-view', actions: ['customer.view'] }],
        })
      ).statusCode,
    ).toBe(200)
  })

  it('a group edit does not remove a grant the editor could not give from its holders', async () => {
    const m = await person('rm-g@a.test', team1, [await steward('Group steward')])
    const group = (
      await admin('POST', '/api/v1/permission-groups', { name: 'RM held group', grants: exporter })
    ).json().id as string
    const holder = await person('rm-gh@a.test', team2, [])
    await admin('PUT', `/api/v1/users/${holder.id}/groups`, { groupIds: [group] })
    problem(
      await m.as('PATCH', `/api/v1/permission-groups/${group}`, {
        grants: [{ actions: ['customer.view'], scope: 'company' }],
      }),
      403,
      'forbidden',
    )
    expect((await admin('GET', `/api/v1/permission-groups/${group}`)).json().grants).toEqual(
      exporter,
    )
  })

  it('a level change does not bring a company-wide subject.* restriction onto someone it takes from', async () => {
    const m = await person('rm-l@a.test', team1, [await steward('Level steward')])
    const holder = await person('rm-lh@a.test', team1, [
      await role({ name: 'RM level exporter', grants: exporter }),
    ])
    await admin('PATCH', `/api/v1/users/${holder.id}`, { level: 'senior' })
    await withCompany(db, a.companyId, async (trx) => {
      await trx
        .insertInto('restrictions')
        .values({
          id: 'novices-do-not-export',
          company_id: a.companyId,
          name: 'Novices do not export',
          definition: JSON.stringify({
            actions: ['customer.export'],
            when: { eq: [{ ref: 'subject.level' }, 'novice'] },
          }),
        })
        .execute()
      await trx
        .updateTable('companies')
        .set((eb) => ({ policy_version: eb('policy_version', '+', 1) }))
        .where('id', '=', a.companyId)
        .execute()
    })
    const res = await m.as('PATCH', `/api/v1/users/${holder.id}`, { level: 'novice' })
    expect(problem(res, 403, 'forbidden').errors).toEqual([
      { path: 'body/level', message: expect.stringContaining('customer.export') },
    ])
    expect((await admin('GET', `/api/v1/users/${holder.id}`)).json().level).toBe('senior')
    await withCompany(db, a.companyId, (trx) =>
      trx.deleteFrom('restrictions').where('id', '=', 'novices-do-not-export').execute(),
    )
  })
})

describe('S17: moving an org unit is a delegation both ways', () => {
  const child = async (name: string, parentId: string | null) => {
    const res = await admin('POST', '/api/v1/org-units', { kind: 'team', name, parentId })
    if (res.statusCode !== 201) throw new Error(`unit: ${res.statusCode} ${res.body}`)
    return res.json().id as string
  }
  const parentOf = async (id: string) =>
    (await admin('GET', `/api/v1/org-units/${id}`)).json().parentId as string | null

  it('a lead cannot move another team under their own subtree (they would gain its people)', async () => {
    const region = await child('Move region', null)
    const mine = await child('Lead unit', region)
    const other = await child('Other team', region)
    const lead = await role({
      name: 'Subtree lead',
      grants: [
        { actions: ['orgUnit.view', 'orgUnit.edit', 'user.view'], scope: 'subtree' },
        // allowed to reorganise the other team, not to see its people
        { actions: ['orgUnit.view', 'orgUnit.edit'], scope: { subtree: other } },
      ],
    })
    const m = await person('mv-gain@a.test', mine, [lead])
    const agent = await person('mv-gain-agent@a.test', other, [])
    problem(await m.as('GET', `/api/v1/users/${agent.id}`), 404, 'not_found')
    const res = await m.as('PATCH', `/api/v1/org-units/${other}`, { parentId: mine })
    expect(problem(res, 403, 'forbidden').errors).toContainEqual({
      path: 'body/parentId',
      message: expect.stringContaining('user.view'),
    })
    expect(await parentOf(other)).toBe(region)
    problem(await m.as('GET', `/api/v1/users/${agent.id}`), 404, 'not_found')
    // bad input answers as before: unknown parent, under itself, another company's unit
    problem(
      await m.as('PATCH', `/api/v1/org-units/${other}`, { parentId: 'none' }),
      404,
      'not_found',
    )
    problem(await m.as('PATCH', `/api/v1/org-units/${other}`, { parentId: other }), 409, 'conflict')
    const b = await signUp(app, { companyName: 'Escalation B' })
    const bUnit = (
      await call(b.token)('POST', '/api/v1/org-units', { kind: 'team', name: 'B', parentId: null })
    ).json().id as string
    problem(await m.as('PATCH', `/api/v1/org-units/${bUnit}`, { parentId: mine }), 404, 'not_found')
    problem(
      await m.as('PATCH', `/api/v1/org-units/${other}`, { parentId: bUnit }),
      404,
      'not_found',
    )
    expect(await parentOf(other)).toBe(region)
  })

  it('nor strip a team from another lead’s subtree (they would lose its people)', async () => {
    const region = await child('Strip region', null)
    const led = await child('Led unit', region)
    const team = await child('Led team', led)
    const otherLead = await role({
      name: 'Other subtree lead',
      grants: [{ actions: ['user.view'], scope: 'subtree' }],
    })
    const holder = await person('mv-loss-lead@a.test', led, [otherLead])
    const agent = await person('mv-loss-agent@a.test', team, [])
    expect((await holder.as('GET', `/api/v1/users/${agent.id}`)).statusCode).toBe(200)
    const reorganiser = await role({
      name: 'Region reorganiser',
      grants: [
        { actions: ['orgUnit.view', 'orgUnit.edit'], scope: 'subtree' },
        { actions: ['user.view'], scope: 'team' },
      ],
    })
    const m = await person('mv-loss@a.test', region, [reorganiser])
    const res = await m.as('PATCH', `/api/v1/org-units/${team}`, { parentId: region })
    expect(problem(res, 403, 'forbidden').errors).toContainEqual({
      path: 'body/parentId',
      message: expect.stringContaining('user.view'),
    })
    expect(await parentOf(team)).toBe(led)
    expect((await holder.as('GET', `/api/v1/users/${agent.id}`)).statusCode).toBe(200)
  })

  it('the Admin moves units both ways and the subtree scopes follow', async () => {
    const region = await child('Admin region', null)
    const mine = await child('Admin lead unit', region)
    const other = await child('Admin other team', region)
    const lead = await role({
      name: 'Followed lead',
      grants: [{ actions: ['user.view'], scope: 'subtree' }],
    })
    const m = await person('mv-admin-lead@a.test', mine, [lead])
    const agent = await person('mv-admin-agent@a.test', other, [])
    problem(await m.as('GET', `/api/v1/users/${agent.id}`), 404, 'not_found')
    const moved = await admin('PATCH', `/api/v1/org-units/${other}`, { parentId: mine })
    expect(moved.statusCode).toBe(200)
    expect(moved.json().parentId).toBe(mine)
    expect((await m.as('GET', `/api/v1/users/${agent.id}`)).statusCode).toBe(200)
    // and back out, to the root
    const out = await admin('PATCH', `/api/v1/org-units/${other}`, { parentId: null })
    expect(out.statusCode).toBe(200)
    problem(await m.as('GET', `/api/v1/users/${agent.id}`), 404, 'not_found')
  })

  it('a manager over both places moves a team between them (no Admin needed)', async () => {
    const region = await child('Managed region', null)
    const from = await child('From unit', region)
    const to = await child('To unit', region)
    const team = await child('Moving team', from)
    const manager = await role({
      name: 'Region manager',
      grants: [{ actions: ['orgUnit.view', 'orgUnit.edit', 'user.view'], scope: 'subtree' }],
    })
    const m = await person('mv-manager@a.test', region, [manager])
    const fromLead = await person('mv-from-lead@a.test', from, [
      await roleIdOf('Other subtree lead'),
    ])
    const agent = await person('mv-moving-agent@a.test', team, [])
    expect((await fromLead.as('GET', `/api/v1/users/${agent.id}`)).statusCode).toBe(200)
    const res = await m.as('PATCH', `/api/v1/org-units/${team}`, { parentId: to })
    expect(res.statusCode).toBe(200)
    expect(await parentOf(team)).toBe(to)
    problem(await fromLead.as('GET', `/api/v1/users/${agent.id}`), 404, 'not_found')
  })
})
