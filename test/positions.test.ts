/**
 * R8 positions ([002] 岗位变动会自动触发权限重置; issue 11, 12): CRUD /api/v1/positions, and a
 * transfer (PATCH /users/{id} with positionId and/or orgUnitId) that resets roles and groups to
 * the new position's defaults in one transaction, as a delegation: a team lead who could not
 * grant a default, or reach the new team, is refused with nothing changed; nobody transfers
 * themselves; another company's ids are 404; bad input is 400 writing nothing. On PostgreSQL
 * the same transfer twice at once leaves one consistent set of roles.
 */
import { Migrator, sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { loadTestDatabaseUrl } from '../src/config.js'
import { createDb, migrateToLatest } from '../src/db/index.js'
import { migrations } from '../src/db/migrations/index.js'
import type { Database } from '../src/domain/database.js'
import { addRole, caller, newTeam } from './fixtures.js'
import { createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db } = await createTestApp()
const a = await signUp(app, { companyName: 'Positions A' })
const b = await signUp(app, { companyName: 'Positions B' })
const call = caller(app)
const asA = call(a.token)
const asB = call(b.token)

const teamOne = await newTeam(asA, 'One')
const teamTwo = await newTeam(asA, 'Two')

// default roles: what a lead holds (ticket view in the team) and what they do not (export)
const agentRole = await addRole(db, a.companyId, 'Agent work', {
  grants: [{ actions: ['ticket.view'], scope: 'team' }],
})
const bossRole = await addRole(db, a.companyId, 'Boss work', {
  grants: [{ actions: ['customer.view', 'customer.export'], scope: 'company' }],
})
const extraRole = await addRole(db, a.companyId, 'Extra', {
  grants: [{ actions: ['ticket.view'], scope: 'own' }],
})
// the lead: administers the people of their own team, and may hand out what they hold
const leadRole = await addRole(db, a.companyId, 'Lead admin', {
  grants: [
    { actions: ['user.view', 'user.edit', 'user.assignRole', 'user.create'], scope: 'team' },
    { actions: ['role.view', 'role.assign', 'orgUnit.view'], scope: 'company' },
    { actions: ['ticket.view'], scope: 'team' },
  ],
})

async function position(body: Record<string, unknown>) {
  const res = await asA('POST', '/api/v1/positions', body)
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; name: string; roleIds: string[]; groupIds: string[] }
}

const agent = await position({ name: 'Agent', roleIds: [agentRole] })
const boss = await position({ name: 'Boss', description: 'runs things', roleIds: [bossRole] })

async function person(email: string, body: Record<string, unknown>) {
  const res = await asA('POST', '/api/v1/users', {
    email,
    name: email.split('@')[0],
    password: strongPassword,
    ...body,
  })
  expect(res.statusCode, res.body).toBe(201)
  return res.json() as { id: string; positionId: string | null; position: string | null }
}

const lead = await person('lead@a.test', { orgUnitId: teamOne, roleIds: [leadRole] })
const asLead = call(
  (await logIn(app, { company: a.slug, email: 'lead@a.test' })).json().token as string,
)

const rolesOf = async (id: string) =>
  (await asA('GET', `/api/v1/users/${id}/roles`)).json() as {
    roleIds: string[]
    groupIds: string[]
  }

async function snapshot(userId: string) {
  const user = await db
    .selectFrom('users')
    .select(['position_id', 'position', 'org_unit_id'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow()
  const roles = await db
    .selectFrom('user_roles')
    .select('role_id')
    .where('user_id', '=', userId)
    .orderBy('role_id')
    .execute()
  const audit = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', a.companyId)
    .executeTakeFirstOrThrow()
  const positions = await db
    .selectFrom('positions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow()
  return { user, roles: roles.map((r) => r.role_id), audit: audit.n, positions: positions.n }
}

describe('positions: CRUD (role.* permissions), audited', () => {
  it('a new company has the preset positions with their preset roles as defaults', async () => {
    const res = await asB('GET', '/api/v1/positions?limit=200')
    expect(res.statusCode).toBe(200)
    const items = res.json().items as { name: string; roleIds: string[] }[]
    const lead = items.find((p) => p.name === 'team-lead')
    expect(lead?.roleIds).toHaveLength(1)
    expect(items.find((p) => p.name === 'admin')?.roleIds).toEqual([])
  })

  it('creates, reads, renames and deletes a position; each change audited before → after', async () => {
    const p = await position({ name: 'Night shift', roleIds: [agentRole] })
    expect((await asA('GET', `/api/v1/positions/${p.id}`)).json()).toMatchObject({
      name: 'Night shift',
      roleIds: [agentRole],
      groupIds: [],
    })
    const renamed = await asA('PATCH', `/api/v1/positions/${p.id}`, {
      name: 'Late shift',
      roleIds: [agentRole, extraRole],
    })
    expect(renamed.statusCode, renamed.body).toBe(200)
    expect(renamed.json().roleIds).toEqual([agentRole, extraRole].sort())
    const events = await db
      .selectFrom('audit_events')
      .select(['action', 'before', 'after'])
      .where('target_id', '=', p.id)
      .orderBy('seq')
      .execute()
    expect(events.map((e) => e.action)).toEqual(['position.created', 'position.updated'])
    expect(events[1]?.before).toMatchObject({ name: 'Night shift' })
    expect(events[1]?.after).toMatchObject({ name: 'Late shift' })
    expect((await asA('DELETE', `/api/v1/positions/${p.id}`)).statusCode).toBe(204)
    problem(await asA('GET', `/api/v1/positions/${p.id}`), 404, 'not_found')
  })

  it('refuses a taken name (409), a built-in default (400) and another company’s role (404)', async () => {
    problem(await asA('POST', '/api/v1/positions', { name: 'Agent' }), 409, 'conflict')
    const admin = (await asA('GET', '/api/v1/roles'))
      .json()
      .items.find((r: { kind: string }) => r.kind === 'builtin') as { id: string }
    problem(
      await asA('POST', '/api/v1/positions', { name: 'X', roleIds: [admin.id] }),
      400,
      'validation_failed',
    )
    const theirs = (await asB('GET', '/api/v1/roles')).json().items[0].id as string
    const body = problem(
      await asA('POST', '/api/v1/positions', { name: 'Y', roleIds: [theirs] }),
      404,
      'not_found',
    )
    expect(body.errors).toEqual([expect.objectContaining({ path: 'body/roleIds/0' })])
  })

  it('finds positions by part of the name (q), any case, in the caller’s company only', async () => {
    const names = async (as: typeof asA, q: string) =>
      ((await as('GET', `/api/v1/positions?q=${q}`)).json().items as { name: string }[]).map(
        (p) => p.name,
      )
    expect(await names(asA, 'bOS')).toEqual(['Boss'])
    expect(await names(asA, '%25')).toEqual([])
    expect(await names(asB, 'Boss')).toEqual([])
    problem(await asA('GET', `/api/v1/positions?q=${'x'.repeat(101)}`), 400, 'validation_failed')
  })

  it('hides another company’s positions (404) and refuses people without role.* (403)', async () => {
    problem(await asB('GET', `/api/v1/positions/${agent.id}`), 404, 'not_found')
    problem(await asB('PATCH', `/api/v1/positions/${agent.id}`, { name: 'Z' }), 404, 'not_found')
    problem(await asB('DELETE', `/api/v1/positions/${agent.id}`), 404, 'not_found')
    problem(await asLead('POST', '/api/v1/positions', { name: 'Mine' }), 403, 'forbidden')
    problem(
      await asLead('PATCH', `/api/v1/positions/${boss.id}`, { roleIds: [] }),
      403,
      'forbidden',
    )
  })

  it('answers bad input with 400 and writes nothing (NUL bytes, too long, wrong types)', async () => {
    const before = await snapshot(lead.id)
    for (const body of [
      { name: 'a\u0000b' },
      { name: 'x'.repeat(101) },
      { name: 42 },
      { name: 'ok', roleIds: 'nope' },
      { name: 'ok', roleIds: ['a\u0000'] },
      { name: 'ok', extra: true },
      { name: 'ok', roleIds: [agentRole, agentRole] },
    ]) {
      problem(await asA('POST', '/api/v1/positions', body), 400, 'validation_failed')
    }
    problem(
      await asA('PATCH', `/api/v1/positions/${agent.id}`, { description: 'x\u0000' }),
      400,
      'validation_failed',
    )
    expect(await snapshot(lead.id)).toEqual(before)
  })

  it('refuses to delete a position someone holds (409)', async () => {
    const p = await position({ name: 'Held' })
    await person('held@a.test', { positionId: p.id })
    problem(await asA('DELETE', `/api/v1/positions/${p.id}`), 409, 'conflict')
  })
})

describe('R8 transfer: PATCH /users/{id} resets roles to the new defaults', () => {
  it('creating a user with a position gives its defaults; a transfer resets them, audited', async () => {
    const u = await person('mover@a.test', { orgUnitId: teamOne, positionId: agent.id })
    expect(u).toMatchObject({ positionId: agent.id, position: 'Agent' })
    expect((await rolesOf(u.id)).roleIds).toEqual([agentRole])
    await asA('PUT', `/api/v1/users/${u.id}/roles`, { roleIds: [agentRole, extraRole] })
    const res = await asA('PATCH', `/api/v1/users/${u.id}`, { positionId: boss.id })
    expect(res.statusCode, res.body).toBe(200)
    expect((await rolesOf(u.id)).roleIds).toEqual([bossRole])
    const after = (await asA('GET', `/api/v1/users/${u.id}`)).json()
    expect(after).toMatchObject({ positionId: boss.id, position: 'Boss' })
    const reset = await db
      .selectFrom('audit_events')
      .select(['before', 'after'])
      .where('target_id', '=', u.id)
      .where('action', '=', 'user.permissions_reset')
      .executeTakeFirstOrThrow()
    expect(reset.before).toMatchObject({ roleIds: [agentRole, extraRole].sort() })
    expect(reset.after).toMatchObject({ positionId: boss.id, roleIds: [bossRole] })
    // by name works too, and a rename of the position shows on its holders
    expect((await asA('PATCH', `/api/v1/users/${u.id}`, { position: 'Agent' })).statusCode).toBe(
      200,
    )
    expect((await rolesOf(u.id)).roleIds).toEqual([agentRole])
    const p = await position({ name: 'Temp' })
    await asA('PATCH', `/api/v1/users/${u.id}`, { positionId: p.id })
    await asA('PATCH', `/api/v1/positions/${p.id}`, { name: 'Temp renamed' })
    expect((await asA('GET', `/api/v1/users/${u.id}`)).json().position).toBe('Temp renamed')
  })

  it('a team lead moves a member of their team to a position whose defaults they hold', async () => {
    const u = await person('member1@a.test', { orgUnitId: teamOne, positionId: agent.id })
    const p = await position({ name: 'Agent two', roleIds: [agentRole] })
    const res = await asLead('PATCH', `/api/v1/users/${u.id}`, { positionId: p.id })
    expect(res.statusCode, res.body).toBe(200)
    expect((await rolesOf(u.id)).roleIds).toEqual([agentRole])
  })

  it('a team lead who cannot grant a default role is refused (403); nothing changes', async () => {
    const u = await person('member2@a.test', { orgUnitId: teamOne, positionId: agent.id })
    const before = await snapshot(u.id)
    const res = await asLead('PATCH', `/api/v1/users/${u.id}`, { positionId: boss.id })
    const body = problem(res, 403, 'forbidden')
    expect(JSON.stringify(body.errors)).toContain('body/positionId')
    expect(await snapshot(u.id)).toEqual(before)
  })

  it('a team lead cannot move someone into a team they cannot reach; nothing changes', async () => {
    const u = await person('member3@a.test', { orgUnitId: teamOne, positionId: agent.id })
    const before = await snapshot(u.id)
    const res = await asLead('PATCH', `/api/v1/users/${u.id}`, { orgUnitId: teamTwo })
    expect([403, 404]).toContain(res.statusCode)
    expect(await snapshot(u.id)).toEqual(before)
  })

  it('nobody transfers themselves into more access', async () => {
    const before = await snapshot(lead.id)
    problem(
      await asLead('PATCH', `/api/v1/users/${lead.id}`, { positionId: boss.id }),
      403,
      'forbidden',
    )
    problem(
      await asLead('PATCH', `/api/v1/users/${lead.id}`, { positionId: agent.id }),
      403,
      'forbidden',
    )
    expect(await snapshot(lead.id)).toEqual(before)
  })

  it('a team lead creating someone in a position whose defaults they cannot grant: 403, nobody created', async () => {
    const before = await snapshot(lead.id)
    const res = await asLead('POST', '/api/v1/users', {
      email: 'newboss@a.test',
      name: 'New boss',
      password: strongPassword,
      orgUnitId: teamOne,
      positionId: boss.id,
    })
    const body = problem(res, 403, 'forbidden')
    expect(JSON.stringify(body.errors)).toContain('body/positionId/defaults')
    expect(await snapshot(lead.id)).toEqual(before)
  })

  it('another company’s user or position is 404; bad input is 400; nothing changes', async () => {
    const u = await person('member4@a.test', { orgUnitId: teamOne, positionId: agent.id })
    const theirPosition = (await asB('GET', '/api/v1/positions')).json().items[0].id as string
    const before = await snapshot(u.id)
    problem(
      await asB('PATCH', `/api/v1/users/${u.id}`, { positionId: theirPosition }),
      404,
      'not_found',
    )
    const body = problem(
      await asA('PATCH', `/api/v1/users/${u.id}`, { positionId: theirPosition }),
      404,
      'not_found',
    )
    expect(body.errors).toEqual([expect.objectContaining({ path: 'body/positionId' })])
    problem(await asA('PATCH', `/api/v1/users/${u.id}`, { position: 'No such' }), 404, 'not_found')
    for (const patch of [
      { positionId: 'a\u0000b' },
      { position: 'Agent\u0000' },
      { positionId: 42 },
      { position: 'x'.repeat(101) },
      { positionId: boss.id, position: 'Agent' },
    ]) {
      problem(await asA('PATCH', `/api/v1/users/${u.id}`, patch), 400, 'validation_failed')
    }
    expect(await snapshot(u.id)).toEqual(before)
  })
})

describe.skipIf(loadTestDatabaseUrl() === undefined)('R8 transfer on PostgreSQL', () => {
  it('the same transfer twice at once leaves one consistent set of roles', async () => {
    for (let round = 0; round < 3; round++) {
      const u = await person(`race${round}@a.test`, { orgUnitId: teamOne, positionId: agent.id })
      const answers = await Promise.all([
        asA('PATCH', `/api/v1/users/${u.id}`, { positionId: boss.id }),
        asA('PATCH', `/api/v1/users/${u.id}`, { positionId: boss.id }),
      ])
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200])
      const rows = await db
        .selectFrom('user_roles')
        .select('role_id')
        .where('user_id', '=', u.id)
        .execute()
      expect(rows.map((r) => r.role_id)).toEqual([bossRole])
      const resets = await db
        .selectFrom('audit_events')
        .select('action')
        .where('target_id', '=', u.id)
        .where('action', '=', 'user.permissions_reset')
        .execute()
      expect(resets).toHaveLength(1)
    }
  })
})

describe('migration 0045: free-text positions become references', () => {
  it('makes a position of each value in use and of each preset, and points the holders at it', async () => {
    const fresh = await createDb<Database>({ dataDir: 'memory://' })
    try {
      // the migrations before 0045 only: later ones cannot run before it
      const earlier = Object.fromEntries(
        Object.entries(migrations).filter(([name]) => name < '0045_positions'),
      )
      const upTo = new Migrator({ db: fresh, provider: { getMigrations: async () => earlier } })
      expect((await upTo.migrateToLatest()).error).toBeUndefined()
      await sql`insert into companies (id, slug, name) values ('co', 'co', 'Co')`.execute(fresh)
      await sql`insert into roles (id, company_id, name, kind, definition) values
        ('r-lead', 'co', 'Team lead', 'preset', '{"preset":"team-lead"}'),
        ('r-admin', 'co', 'Admin', 'builtin', '{"builtin":"admin"}')`.execute(fresh)
      await sql`insert into users (id, company_id, email, name, position, password_hash) values
        ('u1', 'co', 'u1@co.test', 'U1', 'team-lead', 'x'),
        ('u2', 'co', 'u2@co.test', 'U2', 'Night watch', 'x'),
        ('u3', 'co', 'u3@co.test', 'U3', 'Night watch', 'x'),
        ('u4', 'co', 'u4@co.test', 'U4', null, 'x'),
        ('u5', 'co', 'u5@co.test', 'U5', '  ', 'x')`.execute(fresh)
      await migrateToLatest(fresh)
      const positions = await fresh
        .selectFrom('positions')
        .select(['id', 'name'])
        .orderBy('name')
        .execute()
      expect(positions.map((p) => p.name)).toContain('Night watch')
      expect(positions.map((p) => p.name)).toContain('team-lead')
      expect(positions.filter((p) => p.name === 'Night watch')).toHaveLength(1)
      const users = await fresh
        .selectFrom('users')
        .select(['id', 'position', 'position_id'])
        .orderBy('id')
        .execute()
      const id = (name: string) => positions.find((p) => p.name === name)?.id
      expect(users).toEqual([
        { id: 'u1', position: 'team-lead', position_id: id('team-lead') },
        { id: 'u2', position: 'Night watch', position_id: id('Night watch') },
        { id: 'u3', position: 'Night watch', position_id: id('Night watch') },
        { id: 'u4', position: null, position_id: null },
        { id: 'u5', position: null, position_id: null },
      ])
      const defaults = await fresh
        .selectFrom('position_roles')
        .select(['position_id', 'role_id'])
        .execute()
      expect(defaults).toEqual([{ position_id: id('team-lead'), role_id: 'r-lead' }])
      // the name is the database's to keep: a direct write of it is overwritten
      await sql`update users set position = 'forged' where id = 'u1'`.execute(fresh)
      const u1 = await fresh
        .selectFrom('users')
        .select('position')
        .where('id', '=', 'u1')
        .executeTakeFirstOrThrow()
      expect(u1.position).toBe('team-lead')
    } finally {
      await fresh.destroy()
    }
  })
})
