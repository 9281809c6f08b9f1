import { describe, expect, it } from 'vitest'
import { withCompany } from '../src/db/index.js'
import { bumpPolicyVersion } from '../src/domain/access/index.js'
import { assignRoleUnchecked, storeRole } from '../src/domain/roles/index.js'
import {
  addUser,
  bearer,
  createTestApp,
  logIn,
  problem,
  signUp,
  type SignedUp,
} from './test-app.js'

const { app, db } = await createTestApp()
const a = await signUp(app, { companyName: 'Roles A' })
const b = await signUp(app, { companyName: 'Roles B' })

async function tokenOf(co: SignedUp, email: string) {
  const res = await logIn(app, { company: co.slug, email })
  if (res.statusCode !== 200) throw new Error(res.body)
  return res.json().token as string
}
const get = (token: string, url: string) =>
  app.inject({ method: 'GET', url, headers: bearer(token) })
const send = (
  token: string,
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
) =>
  app.inject({
    method,
    url,
    headers: bearer(token),
    ...(payload === undefined ? {} : { payload: payload as object }),
  })

async function rolesOf(co: SignedUp) {
  const res = await get(co.token, '/api/v1/roles')
  expect(res.statusCode).toBe(200)
  return res.json().items as { id: string; name: string; kind: string; grants: unknown[] }[]
}

/** A user holding one role defined straight in the database (the roles API is what we test). */
async function userWithRole(co: SignedUp, email: string, grants: unknown[], name = email) {
  const userId = await addUser(db, co.companyId, { email })
  await withCompany(db, co.companyId, async (trx) => {
    const role = await storeRole(
      trx,
      co.companyId,
      { name, kind: 'custom', definition: { grants } },
      new Date(),
    )
    await assignRoleUnchecked(trx, co.companyId, userId, role.id, new Date())
    // as the roles service does: a cached compiled policy without the role must not be used
    await bumpPolicyVersion(trx, co.companyId)
  })
  return { userId, token: await tokenOf(co, email) }
}

describe('roles (R1–R3)', () => {
  it('a new company has the three built-ins and the preset positions', async () => {
    const roles = await rolesOf(a)
    expect(
      roles
        .filter((r) => r.kind === 'builtin')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['Admin', 'Operator', 'Supervisor'])
    expect(roles.filter((r) => r.kind === 'preset').map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'Novice agent',
        'Senior agent',
        'Team lead',
        'QA inspector',
        'Tech support',
      ]),
    )
  })

  it('built-in roles refuse edit and delete', async () => {
    const admin = (await rolesOf(a)).find((r) => r.name === 'Admin')!
    problem(
      await send(a.token, 'PATCH', `/api/v1/roles/${admin.id}`, { description: 'mine now' }),
      409,
      'conflict',
    )
    problem(await send(a.token, 'DELETE', `/api/v1/roles/${admin.id}`), 409, 'conflict')
  })

  it('creates a custom role, refuses an invalid one and writes nothing', async () => {
    const ok = await send(a.token, 'POST', '/api/v1/roles', {
      name: 'Night shift',
      grants: [{ actions: ['ticket.view'], scope: 'team' }],
    })
    expect(ok.statusCode).toBe(201)
    const before = (await rolesOf(a)).length
    const bad = problem(
      await send(a.token, 'POST', '/api/v1/roles', {
        name: 'Broken',
        grants: [{ actions: ['ticket.fly'], scope: 'team' }],
      }),
      400,
      'validation_failed',
    )
    expect(bad.errors).toEqual([expect.objectContaining({ path: 'body/grants/0/actions/0' })])
    problem(
      await send(a.token, 'POST', '/api/v1/roles', { name: 'Extra', grants: [], colour: 'red' }),
      400,
      'validation_failed',
    )
    problem(
      await send(a.token, 'POST', '/api/v1/roles', { name: 'x'.repeat(101), grants: [] }),
      400,
      'validation_failed',
    )
    problem(await send(a.token, 'POST', '/api/v1/roles', { grants: [] }), 400, 'validation_failed')
    expect((await rolesOf(a)).length).toBe(before)
  })

  it('clones a built-in into an editable custom role', async () => {
    const sup = (await rolesOf(a)).find((r) => r.name === 'Supervisor')!
    const res = await send(a.token, 'POST', `/api/v1/roles/${sup.id}/clone`, {
      name: 'Supervisor (EU)',
    })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ kind: 'custom', grants: sup.grants })
  })

  it('a role change takes effect on the very next request', async () => {
    const reader = await userWithRole(a, 'reader@example.com', [
      { actions: ['role.view'], scope: 'company' },
    ])
    expect((await get(reader.token, '/api/v1/roles')).statusCode).toBe(200)
    const role = (await rolesOf(a)).find((r) => r.name === 'reader@example.com')!
    expect(
      (await send(a.token, 'PATCH', `/api/v1/roles/${role.id}`, { grants: [] })).statusCode,
    ).toBe(200)
    problem(await get(reader.token, '/api/v1/roles'), 403, 'forbidden')
  })

  it("company A cannot see, change or assign company B's roles (404)", async () => {
    const bRole = (await rolesOf(b)).find((r) => r.kind === 'preset')!
    problem(await get(a.token, `/api/v1/roles/${bRole.id}`), 404, 'not_found')
    problem(
      await send(a.token, 'PATCH', `/api/v1/roles/${bRole.id}`, { description: 'x' }),
      404,
      'not_found',
    )
    problem(await send(a.token, 'DELETE', `/api/v1/roles/${bRole.id}`), 404, 'not_found')
    problem(
      await send(a.token, 'POST', `/api/v1/roles/${bRole.id}/clone`, { name: 'stolen' }),
      404,
      'not_found',
    )
    problem(
      await send(a.token, 'PUT', `/api/v1/users/${a.userId}/roles`, { roleIds: [bRole.id] }),
      404,
      'not_found',
    )
    problem(
      await send(a.token, 'PUT', `/api/v1/users/${b.userId}/roles`, { roleIds: [] }),
      404,
      'not_found',
    )
    problem(
      await send(a.token, 'POST', `/api/v1/roles/${(await rolesOf(a))[0]!.id}/assignments`, {
        userIds: [b.userId],
      }),
      404,
      'not_found',
    )
  })

  it('an operator may not manage roles', async () => {
    await addUser(db, a.companyId, { email: 'op@example.com', role: 'Operator' })
    const op = await tokenOf(a, 'op@example.com')
    problem(await get(op, '/api/v1/roles'), 403, 'forbidden')
    problem(await send(op, 'POST', '/api/v1/roles', { name: 'Mine', grants: [] }), 403, 'forbidden')
    problem(
      await send(op, 'PUT', `/api/v1/users/${a.userId}/roles`, { roleIds: [] }),
      404,
      'not_found',
    )
  })
})

describe('the last active Admin (R1)', () => {
  it('can never lose the Admin role, by any path', async () => {
    const c = await signUp(app, { companyName: 'Lonely admin' })
    const admin = (await rolesOf(c)).find((r) => r.name === 'Admin')!
    problem(
      await send(c.token, 'PUT', `/api/v1/users/${c.userId}/roles`, { roleIds: [] }),
      409,
      'conflict',
    )
    const held = await get(c.token, `/api/v1/users/${c.userId}/roles`)
    expect(held.json().roleIds).toEqual([admin.id])
    // with a second admin, the first may step down
    const second = await addUser(db, c.companyId, { email: 'second@example.com', role: 'Admin' })
    expect(
      (await send(c.token, 'PUT', `/api/v1/users/${c.userId}/roles`, { roleIds: [] })).statusCode,
    ).toBe(200)
    const t2 = await tokenOf(c, 'second@example.com')
    problem(
      await send(t2, 'PUT', `/api/v1/users/${second}/roles`, { roleIds: [] }),
      409,
      'conflict',
    )
  })
})

describe('delegation through canDelegate (R5)', () => {
  it('a delegated administrator gives only what they hold, to their own team', async () => {
    const delegatorGrants = [
      { actions: ['role.view', 'role.assign', 'user.view', 'user.assignRole'], scope: 'company' },
      { actions: ['customer.view'], scope: 'company' },
    ]
    const d = await userWithRole(a, 'delegator@example.com', delegatorGrants)
    const target = await addUser(db, a.companyId, { email: 'target@example.com' })
    const mk = async (name: string, grants: unknown[]) =>
      (await send(a.token, 'POST', '/api/v1/roles', { name, grants })).json().id as string
    const viewers = await mk('Customer viewers', [{ actions: ['customer.view'], scope: 'team' }])
    const exporters = await mk('Customer exporters', [
      { actions: ['customer.export'], scope: 'company' },
    ])
    const unmaskers = await mk('Unmaskers', [
      { actions: ['customer.view'], scope: 'company', fields: { idNumber: 'read' } },
    ])
    expect(
      (await send(d.token, 'PUT', `/api/v1/users/${target}/roles`, { roleIds: [viewers] }))
        .statusCode,
    ).toBe(200)
    const denied = problem(
      await send(d.token, 'PUT', `/api/v1/users/${target}/roles`, {
        roleIds: [viewers, exporters],
      }),
      403,
      'forbidden',
    )
    expect(JSON.stringify(denied.errors)).toContain('customer.export')
    problem(
      await send(d.token, 'PUT', `/api/v1/users/${target}/roles`, { roleIds: [unmaskers] }),
      403,
      'forbidden',
    )
    const held = await get(a.token, `/api/v1/users/${target}/roles`)
    expect(held.json().roleIds).toEqual([viewers])
  })
})

describe('decision API', () => {
  it('checks and explains for the caller and for another user', async () => {
    await addUser(db, a.companyId, { email: 'op2@example.com', role: 'Operator' })
    const users = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'op2@example.com')
      .executeTakeFirstOrThrow()
    const q = {
      subject: { userId: users.id },
      action: 'ticket.view',
      resource: { type: 'ticket', id: 't1', attrs: { assigneeId: users.id } },
    }
    const own = await send(a.token, 'POST', '/api/v1/authz/check', q)
    expect(own.json()).toMatchObject({ allowed: true, reason: 'granted' })
    const other = await send(a.token, 'POST', '/api/v1/authz/check', {
      ...q,
      resource: { type: 'ticket', id: 't2', attrs: { assigneeId: 'someone' } },
    })
    expect(other.json()).toMatchObject({ allowed: false, reason: 'out_of_scope' })
    const batch = await send(a.token, 'POST', '/api/v1/authz/check', {
      checks: [q, { ...q, action: 'ticket.delete' }],
    })
    expect(batch.json().results.map((r: { reason: string }) => r.reason)).toEqual([
      'granted',
      'not_granted',
    ])
    const why = await send(a.token, 'POST', '/api/v1/authz/explain', {
      ...q,
      action: 'ticket.edit',
    })
    expect(why.json()).toMatchObject({ allowed: false, reason: 'not_granted', trace: [] })
    const explained = await send(a.token, 'POST', '/api/v1/authz/explain', q)
    expect(explained.json().trace).toEqual(
      expect.arrayContaining([expect.objectContaining({ outcome: 'matched', effect: 'allow' })]),
    )
  })

  it('refuses bad questions and hides other companies’ users', async () => {
    problem(
      await send(a.token, 'POST', '/api/v1/authz/check', { action: 'ticket.fly' }),
      400,
      'validation_failed',
    )
    problem(
      await send(a.token, 'POST', '/api/v1/authz/check', {
        action: 'ticket.view',
        resource: { type: 'customer' },
      }),
      400,
      'validation_failed',
    )
    problem(
      await send(a.token, 'POST', '/api/v1/authz/check', {
        subject: { userId: b.userId },
        action: 'ticket.view',
      }),
      404,
      'not_found',
    )
    problem(
      await send(a.token, 'POST', '/api/v1/authz/check', { action: 'ticket.view', extra: 1 }),
      400,
      'validation_failed',
    )
  })

  it('an operator may ask about themselves but not about others', async () => {
    const op = await tokenOf(a, 'op2@example.com')
    expect(
      (await send(op, 'POST', '/api/v1/authz/check', { action: 'workspace.use' })).json(),
    ).toMatchObject({ allowed: true })
    problem(
      await send(op, 'POST', '/api/v1/authz/check', {
        subject: { userId: a.userId },
        action: 'workspace.use',
      }),
      404,
      'not_found',
    )
  })

  it('GET /me lists effective permissions; GET /permissions the catalog', async () => {
    const op = await tokenOf(a, 'op2@example.com')
    const me = (await get(op, '/api/v1/me')).json()
    expect(me.roles.map((r: { name: string }) => r.name)).toEqual(['Operator'])
    // R1 [004]: the Operator reads the call and chat logs
    expect(me.permissions.map((p: { action: string }) => p.action)).toEqual([
      'call.view',
      'chat.view',
      'ticket.create',
      'ticket.view',
      // the replies of the tickets it may view (the ticket gates them)
      'ticketReply.view',
      'workspace.use',
    ])
    problem(await app.inject({ method: 'GET', url: '/api/v1/me' }), 401, 'not_authenticated')
    const catalog = (await app.inject({ method: 'GET', url: '/api/v1/permissions' })).json()
    const customer = catalog.resources.find((r: { type: string }) => r.type === 'customer')
    expect(customer.fields).toEqual(
      expect.arrayContaining([{ name: 'idNumber', sensitivity: 'secret' }]),
    )
  })
})

describe('sections (R7)', () => {
  it('shows and changes which roles may enter a section; built-ins refuse', async () => {
    const res = await get(a.token, '/api/v1/sections/qa/roles')
    const roles = res.json().roles as { id: string; name: string; enters: boolean; kind: string }[]
    expect(roles.find((r) => r.name === 'QA inspector')?.enters).toBe(true)
    expect(roles.find((r) => r.name === 'Novice agent')?.enters).toBe(false)
    const wanted = roles.filter((r) => r.enters).map((r) => r.id)
    const novice = roles.find((r) => r.name === 'Novice agent')!
    const after = await send(a.token, 'PUT', '/api/v1/sections/qa/roles', {
      roleIds: [...wanted, novice.id],
    })
    expect(after.json().roles.find((r: { id: string }) => r.id === novice.id).enters).toBe(true)
    const operator = roles.find((r) => r.name === 'Operator')!
    problem(
      await send(a.token, 'PUT', '/api/v1/sections/qa/roles', {
        roleIds: [...wanted, novice.id, operator.id],
      }),
      409,
      'conflict',
    )
    problem(await get(a.token, '/api/v1/sections/nope/roles'), 400, 'validation_failed')
  })
})

describe('R8 position → default roles', () => {
  it('a transfer to another position resets roles to the new defaults and ends groups', async () => {
    const all = await rolesOf(a)
    const novice = all.find((r) => r.name === 'Novice agent')!
    const lead = all.find((r) => r.name === 'Team lead')!
    const created = await send(a.token, 'POST', '/api/v1/users', {
      email: 'mover@example.com',
      name: 'Mover',
      password: 'Correct-Horse-44',
      position: 'novice-agent',
      roleIds: [novice.id],
    })
    expect(created.statusCode).toBe(201)
    const id = created.json().id as string
    const vip = (await get(a.token, '/api/v1/permission-groups')).json().items[0].id as string
    expect(
      (await send(a.token, 'PUT', `/api/v1/users/${id}/groups`, { groupIds: [vip] })).statusCode,
    ).toBe(200)
    expect(
      (await send(a.token, 'PATCH', `/api/v1/users/${id}`, { position: 'team-lead' })).statusCode,
    ).toBe(200)
    expect((await get(a.token, `/api/v1/users/${id}/roles`)).json()).toEqual({
      roleIds: [lead.id],
      groupIds: [],
    })
    // a profile change that is not a transfer keeps them
    expect(
      (await send(a.token, 'PATCH', `/api/v1/users/${id}`, { name: 'Mover Two' })).statusCode,
    ).toBe(200)
    expect((await get(a.token, `/api/v1/users/${id}/roles`)).json().roleIds).toEqual([lead.id])
  })
})

describe('API keys and roles', () => {
  it('a role held by an API key cannot be deleted; the key reads its own /me', async () => {
    const role = (
      await send(a.token, 'POST', '/api/v1/roles', {
        name: 'Integration',
        grants: [{ actions: ['ticket.view'], scope: 'company' }],
      })
    ).json()
    const key = await send(a.token, 'POST', '/api/v1/api-keys', { name: 'crm', roleId: role.id })
    expect(key.statusCode).toBe(201)
    problem(await send(a.token, 'DELETE', `/api/v1/roles/${role.id}`), 409, 'conflict')
    const me = (await get(key.json().key, '/api/v1/me')).json()
    expect(me).toMatchObject({ user: null, apiKeyId: key.json().apiKey.id })
    expect(me.permissions.map((p: { action: string }) => p.action)).toEqual(['ticket.view'])
  })

  it('an over-long id answers 400 problem+json, not a bare 414', async () => {
    problem(await get(a.token, `/api/v1/roles/${'x'.repeat(300)}`), 400, 'validation_failed')
  })
})
