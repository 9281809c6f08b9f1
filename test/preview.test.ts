/**
 * G4 (issue 11 item 3) through HTTP: test a role, simulate a person. A preview shows exactly the
 * subject previewed's access, never more than the viewer's own (an intersection), changes
 * nothing, marks every response, is audited when it starts and ends, and ends by DELETE, at
 * logout and by the clock. The multi-process case (the preview is read from the session row by
 * every process) runs on PostgreSQL only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addRole, builtinRoleId, caller, newPerson, newTeam } from './fixtures.js'
import { onPostgres, startTwoServers, type Server } from './servers.js'
import { auditActions, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Preview A' })
const b = await signUp(app, { companyName: 'Preview B' })
const asA = call(a.token)
const t1 = await newTeam(asA, 'Team one')
const t2 = await newTeam(asA, 'Team two')
const nina = await newPerson(app, db, a, {
  email: 'nina@a.test',
  role: 'Novice agent',
  orgUnitId: t1,
})
const noviceRole = await builtinRoleId(db, a.companyId, 'Novice agent')
const otherRole = await builtinRoleId(db, b.companyId, 'Novice agent')

const clearId = '110101199003071234'
const maskedId = '110101********1234'
async function customer(body: Record<string, unknown>) {
  const res = await asA('POST', '/api/v1/customers', body)
  if (res.statusCode !== 201) throw new Error(`customer: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const mine = await customer({
  name: 'Wang Fang',
  phone: '+8613812345678',
  idNumber: clearId,
  orgUnitId: t1,
  ownerId: a.userId,
})
const ninas = await customer({
  name: 'Li Wei',
  phone: '+8613812345679',
  idNumber: clearId,
  orgUnitId: t1,
  ownerId: nina.id,
})
const elsewhere = await customer({
  name: 'Zhang Min',
  phone: '+8613812345670',
  idNumber: clearId,
  orgUnitId: t2,
})

/** The viewer's own session, logged in afresh (each scenario its own session). */
async function session(email = a.email, company = a.slug) {
  const res = await logIn(app, { company, email })
  if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${res.body}`)
  return call(res.json().token as string)
}

const ids = (res: { json(): { items: { id: string }[] } }) =>
  res
    .json()
    .items.map((c) => c.id)
    .sort()

async function customerNames(): Promise<string[]> {
  const rows = await db
    .selectFrom('customers')
    .select('name')
    .where('company_id', '=', a.companyId)
    .orderBy('name')
    .execute()
  return rows.map((r) => r.name)
}

describe('previewing a role', () => {
  it('the novice-agent preset: exactly what a novice sees, every response marked', async () => {
    const as = await session()
    const before = await as('GET', '/api/v1/customers')
    expect(ids(before)).toEqual([mine, ninas, elsewhere].sort())
    expect(before.headers['tessera-preview']).toBeUndefined()

    const started = await as('POST', '/api/v1/previews', { roleId: noviceRole })
    expect(started.statusCode, started.body).toBe(201)
    expect(started.json()).toMatchObject({
      kind: 'role',
      roleId: noviceRole,
      userId: null,
      orgUnitId: null,
      startedAt: clock.now().toISOString(),
      expiresAt: new Date(clock.now().getTime() + 30 * 60_000).toISOString(),
    })

    const mark = `role=${noviceRole}`
    const list = await as('GET', '/api/v1/customers')
    expect(list.statusCode).toBe(200)
    expect(list.headers['tessera-preview']).toBe(mark)
    // a novice sees their own customers (the viewer placed as themselves), ID number masked
    expect(ids(list)).toEqual([mine])
    const [row] = list.json().items
    expect(row.idNumber).toBe(maskedId)
    expect(row.maskedFields).toContain('idNumber')
    expect(row).not.toHaveProperty('complaints')

    const one = await as('GET', `/api/v1/customers/${mine}`)
    expect(one.headers['tessera-preview']).toBe(mark)
    expect(one.json().idNumber).toBe(maskedId)
    const hidden = await as('GET', `/api/v1/customers/${ninas}`)
    problem(hidden, 404, 'not_found')
    expect(hidden.headers['tessera-preview']).toBe(mark)
    const count = await as('GET', '/api/v1/customers/count')
    expect(count.json()).toMatchObject({ count: 1 })
    expect(count.headers['tessera-preview']).toBe(mark)
    const search = await as('GET', '/api/v1/customers?q=Li%20Wei')
    expect(ids(search)).toEqual([])
    // a novice may not export: nor may the preview
    const exported = await as('GET', '/api/v1/customers/export')
    problem(exported, 403, 'forbidden')
    expect(exported.headers['tessera-preview']).toBe(mark)
    // a novice sees no user list, no roles, no audit log
    problem(await as('GET', '/api/v1/audit'), 403, 'forbidden')

    const me = await as('GET', '/api/v1/me')
    expect(me.headers['tessera-preview']).toBe(mark)
    expect(me.json().user.id).toBe(a.userId)
    expect(me.json().preview).toMatchObject({ kind: 'role', roleId: noviceRole })
    expect(me.json().roles.map((r: { id: string }) => r.id)).toEqual([noviceRole])
    const actions = me.json().permissions.map((p: { action: string }) => p.action)
    expect(actions).toContain('customer.view')
    expect(actions).not.toContain('customer.delete')
    expect(actions).not.toContain('role.preview')

    const current = await as('GET', '/api/v1/previews/current')
    expect(current.json()).toMatchObject({ kind: 'role', roleId: noviceRole })

    const ended = await as('DELETE', '/api/v1/previews/current')
    expect(ended.statusCode).toBe(204)
    const after = await as('GET', '/api/v1/customers')
    expect(after.headers['tessera-preview']).toBeUndefined()
    expect(ids(after)).toEqual([mine, ninas, elsewhere].sort())
    expect(after.json().items.find((c: { id: string }) => c.id === mine).idNumber).toBe(clearId)
    problem(await as('GET', '/api/v1/previews/current'), 404, 'not_found')
    expect((await as('GET', '/api/v1/me')).json().preview).toBeNull()
    problem(await as('DELETE', '/api/v1/previews/current'), 404, 'not_found')
  })

  it('is read-only: every write is 403 preview_read_only and changes nothing', async () => {
    const as = await session()
    expect((await as('POST', '/api/v1/previews', { roleId: noviceRole })).statusCode).toBe(201)
    const names = await customerNames()
    const audited = (await auditActions(db, a.companyId)).length
    for (const [method, url, body] of [
      ['POST', '/api/v1/customers', { name: 'New one', phone: '+8613800000001' }],
      ['PATCH', `/api/v1/customers/${mine}`, { name: 'Renamed' }],
      ['DELETE', `/api/v1/customers/${mine}`, undefined],
      ['POST', '/api/v1/org-units', { kind: 'team', name: 'T3', parentId: null }],
      ['POST', '/api/v1/previews', { roleId: noviceRole }],
      ['PUT', `/api/v1/users/${nina.id}/roles`, { roleIds: [] }],
    ] as const) {
      const res = await as(method, url, body)
      problem(res, 403, 'preview_read_only')
      expect(res.headers['tessera-preview'], url).toBe(`role=${noviceRole}`)
    }
    expect(await customerNames()).toEqual(names)
    expect((await auditActions(db, a.companyId)).length).toBe(audited)
    expect((await asA('GET', `/api/v1/users/${nina.id}`)).statusCode).toBe(200)
    // a question changes nothing: it is answered, for the subject previewed
    const check = await as('POST', '/api/v1/authz/check', { action: 'customer.export' })
    expect(check.statusCode).toBe(200)
    expect(check.json().allowed).toBe(false)
    expect((await as('DELETE', '/api/v1/previews/current')).statusCode).toBe(204)
    const renamed = await as('PATCH', `/api/v1/customers/${mine}`, { name: 'Wang Fang' })
    expect(renamed.statusCode).toBe(200)
  })

  it('is audited when it starts and when it ends, as the viewer', async () => {
    const as = await session()
    await as('POST', '/api/v1/previews', { roleId: noviceRole })
    await as('DELETE', '/api/v1/previews/current')
    const events = (await auditActions(db, a.companyId)).filter((e) =>
      e.action.startsWith('preview.'),
    )
    const [start, end] = events.slice(-2)
    expect(start).toMatchObject({
      action: 'preview.started',
      actor_user_id: a.userId,
      target_id: noviceRole,
      after: { kind: 'role', roleId: noviceRole },
    })
    expect(end).toMatchObject({
      action: 'preview.ended',
      actor_user_id: a.userId,
      target_id: noviceRole,
      after: { how: 'ended' },
    })
  })

  it('ends by the clock', async () => {
    const as = await session()
    const res = await as('POST', '/api/v1/previews', { roleId: noviceRole, minutes: 1 })
    expect(res.statusCode).toBe(201)
    expect((await as('GET', '/api/v1/customers')).headers['tessera-preview']).toBeDefined()
    clock.advance(61_000)
    const after = await as('GET', '/api/v1/customers')
    expect(after.headers['tessera-preview']).toBeUndefined()
    expect(ids(after)).toHaveLength(3)
    problem(await as('GET', '/api/v1/previews/current'), 404, 'not_found')
  })
})

describe('previewing a person', () => {
  it("shows that person's access; logout ends it, audited", async () => {
    const as = await session()
    const started = await as('POST', '/api/v1/previews', { userId: nina.id })
    expect(started.statusCode, started.body).toBe(201)
    expect(started.json()).toMatchObject({ kind: 'user', userId: nina.id, orgUnitId: t1 })
    const list = await as('GET', '/api/v1/customers')
    expect(list.headers['tessera-preview']).toBe(`user=${nina.id}`)
    expect(ids(list)).toEqual([ninas])
    expect(list.json().items[0].idNumber).toBe(maskedId)
    // the same as Nina herself
    expect(ids(await nina.as('GET', '/api/v1/customers'))).toEqual([ninas])

    const explained = await as('POST', '/api/v1/authz/explain', {
      action: 'customer.view',
      resource: { type: 'customer', id: mine, attrs: { ownerId: a.userId, orgUnitId: t1 } },
    })
    expect(explained.statusCode, explained.body).toBe(200)
    expect(explained.json()).toMatchObject({ allowed: false, reason: 'out_of_scope' })

    const out = await as('POST', '/api/v1/auth/logout')
    expect(out.statusCode).toBe(204)
    const events = await auditActions(db, a.companyId)
    expect(events.at(-2)).toMatchObject({
      action: 'preview.ended',
      target_id: nina.id,
      after: { how: 'logout' },
    })
    expect(events.at(-1)?.action).toBe('auth.logout')
    const again = await session()
    problem(await again('GET', '/api/v1/previews/current'), 404, 'not_found')
    expect((await again('GET', '/api/v1/customers')).headers['tessera-preview']).toBeUndefined()
  })
})

describe('never more than the viewer', () => {
  // Lara may preview roles, sees customers company-wide except Team two's (a restriction on her
  // role), ID numbers masked, and people of her own team only.
  const lara = { email: 'lara@a.test', id: '', as: asA }
  let fullRole = ''
  beforeAll(async () => {
    const limited = await addRole(db, a.companyId, 'Limited manager', {
      grants: [
        { actions: ['role.view', 'role.preview', 'customer.view'], scope: 'company' },
        { actions: ['user.view', 'user.impersonate'], scope: 'team' },
      ],
      restrictions: [
        {
          id: 'not-team-two',
          actions: ['customer.view'],
          when: { eq: [{ ref: 'resource.orgUnitId' }, t2] },
        },
      ],
    })
    fullRole = await addRole(db, a.companyId, 'Full customers', {
      grants: [
        {
          actions: ['customer.view', 'customer.export'],
          scope: 'company',
          fields: { idNumber: 'read', bankCard: 'read' },
        },
      ],
    })
    const made = await asA('POST', '/api/v1/users', {
      email: lara.email,
      name: 'Lara',
      password: strongPassword,
      orgUnitId: t1,
      roleIds: [limited],
    })
    if (made.statusCode !== 201) throw new Error(`lara: ${made.statusCode} ${made.body}`)
    lara.id = made.json().id
    lara.as = await session(lara.email)
  })

  it('a role holding what the viewer lacks shows only what the viewer holds', async () => {
    const own = await lara.as('GET', '/api/v1/customers')
    expect(ids(own)).toEqual([mine, ninas].sort())
    const started = await lara.as('POST', '/api/v1/previews', { roleId: fullRole })
    expect(started.statusCode, started.body).toBe(201)
    const list = await lara.as('GET', '/api/v1/customers')
    expect(ids(list)).toEqual([mine, ninas].sort())
    for (const c of list.json().items) expect(c.idNumber).toBe(maskedId)
    problem(await lara.as('GET', `/api/v1/customers/${elsewhere}`), 404, 'not_found')
    expect((await lara.as('GET', '/api/v1/customers/count')).json()).toMatchObject({ count: 2 })
    // the role exports; Lara does not
    problem(await lara.as('GET', '/api/v1/customers/export'), 403, 'forbidden')
    const me = (await lara.as('GET', '/api/v1/me')).json()
    expect(me.permissions.map((p: { action: string }) => p.action)).toEqual(['customer.view'])
    expect(me.permissions[0].conditional).toBe(true)
    const explained = await lara.as('POST', '/api/v1/authz/explain', {
      action: 'customer.view',
      resource: { type: 'customer', id: elsewhere, attrs: { orgUnitId: t2 } },
    })
    expect(explained.json()).toMatchObject({ allowed: false, reason: 'restricted' })
    expect(explained.json().trace).toContainEqual(
      expect.objectContaining({ effect: 'deny', outcome: 'matched', by: 'previewer' }),
    )
    expect((await lara.as('DELETE', '/api/v1/previews/current')).statusCode).toBe(204)
  })

  it('a person the viewer may not see is 404; one they see may be previewed', async () => {
    const bo = await newPerson(app, db, a, {
      email: 'bo@a.test',
      role: 'Senior agent',
      orgUnitId: t2,
    })
    const res = await lara.as('POST', '/api/v1/previews', { userId: bo.id })
    const body = problem(res, 404, 'not_found')
    expect(body.errors).toEqual([{ path: 'body/userId', message: 'no such user' }])
    expect((await lara.as('POST', '/api/v1/previews', { userId: nina.id })).statusCode).toBe(201)
    expect((await lara.as('DELETE', '/api/v1/previews/current')).statusCode).toBe(204)
  })
})

describe('who may preview what', () => {
  it('no right to preview: 403, nothing recorded', async () => {
    const audited = (await auditActions(db, a.companyId)).length
    problem(await nina.as('POST', '/api/v1/previews', { roleId: noviceRole }), 403, 'forbidden')
    problem(await nina.as('POST', '/api/v1/previews', { userId: nina.id }), 403, 'forbidden')
    problem(await nina.as('GET', '/api/v1/previews/current'), 404, 'not_found')
    expect((await auditActions(db, a.companyId)).length).toBe(audited)
  })

  it("another company's role or person: 404, as an id never issued", async () => {
    const as = await session()
    const role = problem(
      await as('POST', '/api/v1/previews', { roleId: otherRole }),
      404,
      'not_found',
    )
    expect(role.errors).toEqual([{ path: 'body/roleId', message: 'no such role' }])
    problem(await as('POST', '/api/v1/previews', { userId: b.userId }), 404, 'not_found')
    problem(await as('POST', '/api/v1/previews', { roleId: 'no-such-role' }), 404, 'not_found')
    problem(
      await as('POST', '/api/v1/previews', { roleId: noviceRole, orgUnitId: 'no-such-unit' }),
      404,
      'not_found',
    )
    problem(await as('GET', '/api/v1/previews/current'), 404, 'not_found')
  })

  it('bad input: 400 problem+json, no preview opened', async () => {
    const as = await session()
    for (const body of [
      {},
      { roleId: noviceRole, userId: nina.id },
      { userId: nina.id, orgUnitId: t1 },
      { roleId: noviceRole, minutes: 0 },
      { roleId: noviceRole, minutes: 100_000 },
      { roleId: noviceRole, extra: true },
      { roleId: '' },
    ]) {
      problem(await as('POST', '/api/v1/previews', body), 400, 'validation_failed')
    }
    problem(await as('GET', '/api/v1/previews/current'), 404, 'not_found')
  })

  it("exports what the role's list shows, masked as it masks, marked", async () => {
    const exporter = await addRole(db, a.companyId, 'Team exporter', {
      grants: [{ actions: ['customer.view', 'customer.export'], scope: 'team' }],
    })
    const as = await session()
    const res = await as('POST', '/api/v1/previews', { roleId: exporter, orgUnitId: t1 })
    expect(res.statusCode, res.body).toBe(201)
    const csv = await as('GET', '/api/v1/customers/export')
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['tessera-preview']).toBe(`role=${exporter}`)
    expect(csv.body).toContain('Wang Fang')
    expect(csv.body).toContain('Li Wei')
    expect(csv.body).not.toContain('Zhang Min')
    expect(csv.body).toContain(maskedId)
    expect(csv.body).not.toContain(clearId)
    // an export inside a preview is audited as the viewer's, naming the preview
    const exportEvent = (await auditActions(db, a.companyId)).findLast(
      (e) => e.action === 'customer.export.started',
    )
    expect(exportEvent).toMatchObject({
      actor_user_id: a.userId,
      after: { preview: `role=${exporter}` },
    })
    expect((await as('DELETE', '/api/v1/previews/current')).statusCode).toBe(204)
    expect((await as('GET', '/api/v1/customers/export')).body).toContain(clearId)
  })

  it('a role preview may be placed in a chosen org unit', async () => {
    const as = await session()
    const lead = await builtinRoleId(db, a.companyId, 'Team lead')
    const res = await as('POST', '/api/v1/previews', { roleId: lead, orgUnitId: t2 })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ kind: 'role', roleId: lead, orgUnitId: t2 })
    const list = await as('GET', '/api/v1/customers')
    expect(ids(list)).toContain(elsewhere)
    expect(ids(list)).not.toContain(ninas)
    expect((await as('DELETE', '/api/v1/previews/current')).statusCode).toBe(204)
  })
})

// One PostgreSQL, two server processes: the preview is on the session row, so the other process
// reads it with the session and refuses writes too; ending it there ends it here.
describe.skipIf(!onPostgres)('a preview on two server processes', () => {
  let one: Server
  let two: Server
  let stop = async () => {}
  beforeAll(async () => {
    ;({ a: one, b: two, stop } = await startTwoServers())
  }, 180_000)
  afterAll(() => stop(), 60_000)

  async function send(server: Server, method: string, path: string, token: string, body?: unknown) {
    const res = await fetch(`${server.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return {
      status: res.status,
      preview: res.headers.get('tessera-preview'),
      json: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    }
  }

  it('started on one process, in force on the other, ended there', async () => {
    const signup = await fetch(`${one.base}/api/v1/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        companyName: 'Preview on two',
        name: 'Ada',
        email: 'ada@two.test',
        password: strongPassword,
      }),
    })
    const token = ((await signup.json()) as { token: string }).token
    const roles = (await send(one, 'GET', '/api/v1/roles', token)).json['items'] as {
      id: string
      name: string
    }[]
    const novice = roles.find((r) => r.name === 'Novice agent')?.id as string
    // both processes know the caller without a preview first (kept in memory)
    expect((await send(two, 'GET', '/api/v1/customers', token)).preview).toBeNull()
    expect((await send(one, 'GET', '/api/v1/customers', token)).preview).toBeNull()
    expect((await send(one, 'POST', '/api/v1/previews', token, { roleId: novice })).status).toBe(
      201,
    )
    const there = await send(two, 'GET', '/api/v1/customers', token)
    expect(there.status).toBe(200)
    expect(there.preview).toBe(`role=${novice}`)
    const write = await send(two, 'POST', '/api/v1/org-units', token, {
      kind: 'team',
      name: 'T',
      parentId: null,
    })
    expect([write.status, write.json['code']]).toEqual([403, 'preview_read_only'])
    expect((await send(two, 'DELETE', '/api/v1/previews/current', token)).status).toBe(204)
    const back = await send(one, 'GET', '/api/v1/customers', token)
    expect(back.preview).toBeNull()
    expect((await send(one, 'GET', '/api/v1/previews/current', token)).status).toBe(404)
  })
})
