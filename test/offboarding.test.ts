/**
 * G5, G6 (issue 11 point 4): offboarding and force offline through HTTP.
 *
 * Kim, a senior agent of team One managed by Lee, holds a session, an API key she minted (and a
 * key that key minted), a temporary grant from Lee, a permission group, an open access request,
 * customers she owns and tickets she is assigned. An admin offboards her in one call: nothing of
 * hers works any more (each tried), her request is cancelled, what she owned is Lee's, and one
 * `user.offboarded` event carries before → after counts. Refusals (a Supervisor offboarding an
 * Admin, another company's id, a successor of another company, bad input, no manager and no
 * successor) answer a clear error and change nothing at all.
 */
import { describe, expect, it } from 'vitest'
import { builtinRoleId } from './fixtures.js'
import { governanceWorld } from './governance-setup.js'
import { auditActions, logIn as logInFrom, problem, signUp, strongPassword } from './test-app.js'

const w = await governanceWorld()
const { app, db, clock, call, a, b, asA, asB, t1, t2, lee, oscar, ada2, sam, customer } = w

let address = 0
/** A login from its own address (the per-address login limiter is not what is tested here). */
const logIn = (app_: typeof app, body: { company: string; email: string }) =>
  logInFrom(app_, body, `10.77.${Math.floor(++address / 250)}.${(address % 250) + 1}`)

const must = async (res: ReturnType<typeof asA>, status = 201) => {
  const r = await res
  if (r.statusCode !== status) throw new Error(`setup: ${r.statusCode} ${r.body}`)
  return r.json() as Record<string, unknown> & { id: string }
}

// a group that lets its holder mint API keys for roles she could give
const keyMinter = (
  await must(
    asA('POST', '/api/v1/permission-groups', {
      name: 'Key minter',
      grants: [{ actions: ['role.assign'], scope: 'company' }],
    }),
  )
).id
const noviceRole = await builtinRoleId(db, a.companyId, 'Novice agent')
// the role Kim's keys act with: one she holds company-wide through the group, so hers to give
const keyRole = (
  await must(
    asA('POST', '/api/v1/roles', {
      name: 'Key keeper',
      grants: [{ actions: ['role.assign'], scope: 'company' }],
    }),
  )
).id
const seniorRole = await builtinRoleId(db, a.companyId, 'Senior agent')
const supervisorRole = await builtinRoleId(db, a.companyId, 'Supervisor')

/** A person of company A with a session; `managerId` and groups as given. */
async function person(
  email: string,
  roleId: string,
  orgUnitId: string | null,
  extra: { managerId?: string; groupIds?: string[]; level?: string } = {},
) {
  const user = await must(
    asA('POST', '/api/v1/users', {
      email,
      name: email.split('@')[0],
      password: strongPassword,
      orgUnitId,
      level: extra.level ?? 'senior',
      roleIds: [roleId],
      ...(extra.managerId !== undefined && { managerId: extra.managerId }),
    }),
  )
  if (extra.groupIds)
    await must(asA('PUT', `/api/v1/users/${user.id}/groups`, { groupIds: extra.groupIds }), 200)
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id: user.id, token, as: call(token) }
}

/** Everything Kim-like holds: sessions, keys, a grant, a group, a request, customers, tickets. */
async function loadedPerson(email: string, managerId?: string) {
  const p = await person(email, seniorRole, t1, {
    groupIds: [keyMinter],
    ...(managerId !== undefined && { managerId }),
  })
  const second = (await logIn(app, { company: a.slug, email })).json().token as string
  const key = (await must(p.as('POST', '/api/v1/api-keys', { name: 'sync', roleId: keyRole })))
    .key as string
  const keyOfKey = (
    await must(call(key)('POST', '/api/v1/api-keys', { name: 'child', roleId: keyRole }), 201)
  ).key as string
  const grant = await must(
    lee.as('POST', '/api/v1/grants', {
      userId: p.id,
      actions: ['customer.view'],
      resource: { type: 'customer', id: customer.id },
      fields: { idNumber: 'read', phone: 'read' },
      endsAt: new Date(clock.now().getTime() + 60 * 60_000).toISOString(),
      reason: 'dispute #4411',
    }),
  )
  const upcoming = await must(
    lee.as('POST', '/api/v1/grants', {
      userId: p.id,
      actions: ['customer.view'],
      resource: { type: 'customer', id: customer.id },
      fields: { idNumber: 'read', phone: 'read' },
      startsAt: new Date(clock.now().getTime() + 10 * 60_000).toISOString(),
      endsAt: new Date(clock.now().getTime() + 60 * 60_000).toISOString(),
      reason: 'callback tomorrow',
    }),
  )
  const request = await must(
    p.as('POST', '/api/v1/approvals', {
      type: 'temporaryGrant',
      payload: {
        actions: ['customer.view'],
        resource: { type: 'customer', id: customer.id },
        fields: { phone: 'read' },
        durationMinutes: 20,
      },
      reason: 'a second dispute',
    }),
  )
  const owned = [
    await must(asA('POST', '/api/v1/customers', { name: 'Owned 1', orgUnitId: t1, ownerId: p.id })),
    await must(asA('POST', '/api/v1/customers', { name: 'Owned 2', orgUnitId: t1, ownerId: p.id })),
  ]
  const open = await must(
    asA('POST', '/api/v1/tickets', { title: 'open one', orgUnitId: t1, assigneeId: p.id }),
  )
  const closed = await must(
    asA('POST', '/api/v1/tickets', { title: 'closed one', orgUnitId: t1, assigneeId: p.id }),
  )
  await must(asA('POST', `/api/v1/tickets/${closed.id}/status`, { status: 'closed' }), 200)
  return { ...p, second, key, keyOfKey, grant, upcoming, request, owned, open, closed }
}

/** Everything about a person and what they hold, as the database has it (for "nothing changed"). */
async function snapshot(userId: string, companyId = a.companyId) {
  return {
    user: await db
      .selectFrom('users')
      .select(['status', 'updated_at'])
      .where('id', '=', userId)
      .execute(),
    sessions: await db
      .selectFrom('sessions')
      .select(['id', 'revoked_at'])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
    keys: await db.selectFrom('api_keys').select(['id', 'revoked_at']).orderBy('id').execute(),
    grants: await db
      .selectFrom('grants')
      .select(['id', 'revoked_at', 'revoked_by'])
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
    groups: await db
      .selectFrom('user_groups')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('group_id')
      .execute(),
    requests: await db
      .selectFrom('approval_requests')
      .select(['id', 'status'])
      .where('requester_id', '=', userId)
      .orderBy('id')
      .execute(),
    customers: await db
      .selectFrom('customers')
      .select(['id', 'owner_id'])
      .where('company_id', '=', companyId)
      .orderBy('id')
      .execute(),
    tickets: await db
      .selectFrom('tickets')
      .select(['id', 'assignee_id'])
      .where('company_id', '=', companyId)
      .orderBy('id')
      .execute(),
    audit: (await auditActions(db, companyId)).filter((e) => !e.action.startsWith('access.'))
      .length,
  }
}

const me = (token: string) => call(token)('GET', '/api/v1/me')

describe('offboarding (G6): everything ends at once, what they own is handed over', () => {
  it('ends every session, API key and grant, removes groups, cancels requests, hands over to the manager, one audit event', async () => {
    const kim = await loadedPerson('kim@a.test', lee.id)
    // before: everything works
    expect((await me(kim.token)).statusCode).toBe(200)
    expect((await me(kim.second)).statusCode).toBe(200)
    expect((await call(kim.key)('GET', '/api/v1/api-keys')).statusCode).toBe(200)
    expect((await call(kim.keyOfKey)('GET', '/api/v1/api-keys')).statusCode).toBe(200)
    expect((await kim.as('GET', `/api/v1/customers/${customer.id}`)).json().idNumber).toBe(
      '110101199003071234',
    )
    const eventsBefore = await auditActions(db, a.companyId)

    const res = await asA('POST', `/api/v1/users/${kim.id}/offboard`, {
      reason: 'left the company',
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({
      user: { id: kim.id, status: 'offboarded' },
      successorId: lee.id,
      revoked: { sessions: 2, apiKeys: 2, grants: 2, groups: 1, requests: 1 },
      handedOver: { customers: 2, tickets: 1 },
    })

    // no session, no key works: 401 each
    for (const token of [kim.token, kim.second, kim.key, kim.keyOfKey])
      problem(await call(token)('GET', '/api/v1/me'), 401, 'not_authenticated')
    problem(await call(kim.key)('GET', '/api/v1/api-keys'), 401, 'not_authenticated')
    // nor a new login
    expect((await logIn(app, { company: a.slug, email: 'kim@a.test' })).statusCode).toBe(401)
    // the grants are revoked, by the admin, each audited; the groups are gone
    const grants = await db
      .selectFrom('grants')
      .select(['id', 'revoked_at', 'revoked_by'])
      .where('user_id', '=', kim.id)
      .execute()
    expect(grants).toHaveLength(2)
    for (const g of grants) {
      expect(g.revoked_at).not.toBeNull()
      expect(g.revoked_by).toBe(a.userId)
    }
    const events = (await auditActions(db, a.companyId)).slice(eventsBefore.length)
    expect(
      events
        .filter((e) => e.action === 'grant.revoked')
        .map((e) => e.target_id)
        .sort(),
    ).toEqual([kim.grant.id, kim.upcoming.id].sort())
    expect(events.filter((e) => e.action === 'api_key.revoked')).toHaveLength(2)
    expect(events.filter((e) => e.action === 'approval.cancelled')).toHaveLength(1)
    const offboarded = events.filter((e) => e.action === 'user.offboarded')
    expect(offboarded).toHaveLength(1)
    expect(offboarded[0]).toMatchObject({
      target_id: kim.id,
      actor_user_id: a.userId,
      after: {
        status: 'offboarded',
        successorId: lee.id,
        sessions: 0,
        apiKeys: 0,
        grants: 0,
        groups: 0,
        openRequests: 0,
        customersOwned: 0,
        openTicketsAssigned: 0,
        reason: 'left the company',
      },
    })
    const before = await db
      .selectFrom('audit_events')
      .select('before')
      .where('company_id', '=', a.companyId)
      .where('action', '=', 'user.offboarded')
      .where('target_id', '=', kim.id)
      .executeTakeFirstOrThrow()
    expect(before.before).toMatchObject({
      status: 'active',
      sessions: 2,
      apiKeys: 2,
      grants: 2,
      groups: 1,
      openRequests: 1,
      customersOwned: 2,
      openTicketsAssigned: 1,
    })
    const roles = (await asA('GET', `/api/v1/users/${kim.id}/roles`)).json()
    expect(roles.groupIds).toEqual([])
    // the open request is cancelled
    const request = await asA('GET', `/api/v1/approvals/${kim.request.id}`)
    expect(request.json().status).toBe('cancelled')
    // what she owned is her manager's; a closed ticket keeps who worked it
    for (const c of kim.owned)
      expect((await asA('GET', `/api/v1/customers/${c.id}`)).json().ownerId).toBe(lee.id)
    expect((await asA('GET', `/api/v1/tickets/${kim.open.id}`)).json().assigneeId).toBe(lee.id)
    expect((await asA('GET', `/api/v1/tickets/${kim.closed.id}`)).json().assigneeId).toBe(kim.id)

    // reactivated, she comes back with nothing of the old access: no grant, no group, no key
    expect((await asA('PATCH', `/api/v1/users/${kim.id}`, { status: 'active' })).statusCode).toBe(
      200,
    )
    const again = (await logIn(app, { company: a.slug, email: 'kim@a.test' })).json()
      .token as string
    expect((await me(again)).json().grants).toEqual([])
    // the record she saw only through the grant is out of her reach again
    problem(await call(again)('GET', `/api/v1/customers/${customer.id}`), 404, 'not_found')
    problem(await call(kim.key)('GET', '/api/v1/api-keys'), 401, 'not_authenticated')
    problem(
      await call(again)('POST', '/api/v1/api-keys', { name: 'x', roleId: noviceRole }),
      403,
      'forbidden',
    )
  })

  it('hands over to a named successor instead of the manager', async () => {
    const jo = await loadedPerson('jo@a.test', lee.id)
    const res = await asA('POST', `/api/v1/users/${jo.id}/offboard`, { successorId: sam.id })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().successorId).toBe(sam.id)
    for (const c of jo.owned)
      expect((await asA('GET', `/api/v1/customers/${c.id}`)).json().ownerId).toBe(sam.id)
  })

  it('a PATCH to offboarded revokes the same access (nothing handed over)', async () => {
    const ed = await loadedPerson('ed@a.test')
    const res = await asA('PATCH', `/api/v1/users/${ed.id}`, { status: 'offboarded' })
    expect(res.statusCode, res.body).toBe(200)
    for (const token of [ed.token, ed.key, ed.keyOfKey])
      problem(await call(token)('GET', '/api/v1/me'), 401, 'not_authenticated')
    const s = await snapshot(ed.id)
    expect(s.grants.every((g) => g.revoked_by === a.userId)).toBe(true)
    expect(s.groups).toEqual([])
    expect(s.requests.map((r) => r.status)).toEqual(['cancelled'])
    expect(s.customers.filter((c) => c.owner_id === ed.id)).toHaveLength(2)
  })
})

describe('a transfer (R8) ends the old job’s grants as the caller, each audited', () => {
  it('records who revoked each grant, in force or upcoming, and audits grant.revoked per grant', async () => {
    const mo = await person('mo@a.test', seniorRole, t1)
    const give = async (startsInMinutes: number) =>
      must(
        lee.as('POST', '/api/v1/grants', {
          userId: mo.id,
          actions: ['customer.view'],
          resource: { type: 'customer', id: customer.id },
          fields: { idNumber: 'read', phone: 'read' },
          startsAt: new Date(clock.now().getTime() + startsInMinutes * 60_000).toISOString(),
          endsAt: new Date(clock.now().getTime() + 60 * 60_000).toISOString(),
          reason: 'dispute #4412',
        }),
      )
    const now = await give(0)
    const later = await give(10)
    const seen = (await auditActions(db, a.companyId)).length
    const moved = await asA('PATCH', `/api/v1/users/${mo.id}`, { orgUnitId: t2 })
    expect(moved.statusCode, moved.body).toBe(200)
    const rows = await db
      .selectFrom('grants')
      .select(['id', 'revoked_at', 'revoked_by'])
      .where('user_id', '=', mo.id)
      .execute()
    expect(rows.map((r) => [r.revoked_at !== null, r.revoked_by])).toEqual([
      [true, a.userId],
      [true, a.userId],
    ])
    const events = (await auditActions(db, a.companyId)).slice(seen)
    expect(
      events
        .filter((e) => e.action === 'grant.revoked')
        .map((e) => e.target_id)
        .sort(),
    ).toEqual([now.id, later.id].sort())
    expect(events.find((e) => e.action === 'user.permissions_reset')?.after).toBeDefined()
  })
})

describe('offboarding: refusals change nothing', () => {
  it('refuses every bad case with a clear error and writes nothing', async () => {
    const vic = await loadedPerson('vic@a.test', lee.id)
    const supervisor = await person('sup@a.test', supervisorRole, null, { level: 'admin' })
    const noManager = await person('nom@a.test', noviceRole, t1, { level: 'novice' })
    const bUser = (
      await must(
        asB('POST', '/api/v1/users', {
          email: 'bob@b.test',
          name: 'Bob',
          password: strongPassword,
          roleIds: [],
        }),
      )
    ).id
    const offboarded = await person('gone@a.test', noviceRole, t1, { level: 'novice' })
    await must(asA('PATCH', `/api/v1/users/${offboarded.id}`, { status: 'offboarded' }), 200)
    const cases: [string, ReturnType<typeof asA>, number, string][] = [
      // a non-admin may not take an Admin's access away (S7)
      [
        'supervisor → admin',
        supervisor.as('POST', `/api/v1/users/${ada2.id}/offboard`, { successorId: sam.id }),
        403,
        'forbidden',
      ],
      // a team lead may not offboard at all; another team's lead does not see Vic
      ['lead', lee.as('POST', `/api/v1/users/${vic.id}/offboard`, {}), 403, 'forbidden'],
      ['other lead', oscar.as('POST', `/api/v1/users/${vic.id}/offboard`, {}), 404, 'not_found'],
      ['agent', sam.as('POST', `/api/v1/users/${vic.id}/offboard`, {}), 404, 'not_found'],
      // another company's id, either way
      ['b → a', asB('POST', `/api/v1/users/${vic.id}/offboard`, {}), 404, 'not_found'],
      [
        'a → b',
        asA('POST', `/api/v1/users/${bUser}/offboard`, { successorId: lee.id }),
        404,
        'not_found',
      ],
      // a successor of another company: found out only midway, after the checks passed
      [
        'foreign successor',
        asA('POST', `/api/v1/users/${vic.id}/offboard`, { successorId: bUser }),
        404,
        'not_found',
      ],
      [
        'missing successor',
        asA('POST', `/api/v1/users/${vic.id}/offboard`, { successorId: 'nope' }),
        404,
        'not_found',
      ],
      [
        'offboarded successor',
        asA('POST', `/api/v1/users/${vic.id}/offboard`, { successorId: offboarded.id }),
        409,
        'conflict',
      ],
      [
        'self successor',
        asA('POST', `/api/v1/users/${vic.id}/offboard`, { successorId: vic.id }),
        400,
        'validation_failed',
      ],
      // no manager and no successor
      [
        'no successor',
        asA('POST', `/api/v1/users/${noManager.id}/offboard`, {}),
        400,
        'validation_failed',
      ],
      // nobody offboards themselves
      [
        'self',
        asA('POST', `/api/v1/users/${a.userId}/offboard`, { successorId: ada2.id }),
        403,
        'forbidden',
      ],
      // bad input
      [
        'extra field',
        asA('POST', `/api/v1/users/${vic.id}/offboard`, { successorId: lee.id, x: 1 }),
        400,
        'validation_failed',
      ],
      [
        'NUL',
        asA('POST', `/api/v1/users/${vic.id}/offboard`, { reason: 'a\u0000b' }),
        400,
        'validation_failed',
      ],
      [
        'surrogate',
        asA('POST', `/api/v1/users/${vic.id}/offboard`, { reason: 'a\ud800b' }),
        400,
        'validation_failed',
      ],
      [
        'empty reason',
        asA('POST', `/api/v1/users/${vic.id}/offboard`, { reason: '' }),
        400,
        'validation_failed',
      ],
      [
        'long id',
        asA('POST', `/api/v1/users/${'x'.repeat(101)}/offboard`, {}),
        400,
        'validation_failed',
      ],
    ]
    const vicBefore = await snapshot(vic.id)
    const adaBefore = await snapshot(ada2.id)
    for (const [name, res, status, code] of cases) {
      const r = await res
      expect(`${name}: ${r.statusCode} ${r.json().code}`, r.body).toBe(`${name}: ${status} ${code}`)
      expect(String(r.headers['content-type'])).toContain('application/problem+json')
    }
    const vicAfter = await snapshot(vic.id)
    expect({ ...vicAfter, audit: 0 }).toEqual({ ...vicBefore, audit: 0 })
    expect({ ...(await snapshot(ada2.id)), audit: 0 }).toEqual({ ...adaBefore, audit: 0 })
    // refusals leave no offboarding trace in the audit log either
    const events = (await auditActions(db, a.companyId)).filter(
      (e) => e.action === 'user.offboarded' && e.target_id === vic.id,
    )
    expect(events).toEqual([])
    // and Vic still works
    expect((await me(vic.token)).statusCode).toBe(200)
    expect((await call(vic.key)('GET', '/api/v1/api-keys')).statusCode).toBe(200)
  })

  it('a failure after the writes began (the last active Admin, refused at commit) rolls every one of them back', async () => {
    // Company Solo: the founder and a second Admin. The second Admin mints an Admin key, then
    // suspends the founder: they are now the last active Admin. Their key (not them: nobody
    // offboards themselves) passes every check, and the offboarding writes sessions, keys,
    // groups, requests and the handover before R1's deferred trigger refuses at commit.
    const solo = await signUp(app, { companyName: 'Solo admin' })
    const asSolo = call(solo.token)
    const adminRole = await builtinRoleId(db, solo.companyId, 'Admin')
    const helper = await must(
      asSolo('POST', '/api/v1/users', {
        email: 'helper@solo.test',
        name: 'Helper',
        password: strongPassword,
        roleIds: [await builtinRoleId(db, solo.companyId, 'Senior agent')],
      }),
    )
    const two = await must(
      asSolo('POST', '/api/v1/users', {
        email: 'admin2@solo.test',
        name: 'Admin two',
        password: strongPassword,
        roleIds: [adminRole],
      }),
    )
    await must(asSolo('POST', '/api/v1/customers', { name: 'Kept', ownerId: two.id }))
    const token = (await logIn(app, { company: solo.slug, email: 'admin2@solo.test' })).json()
      .token as string
    const key = (
      await must(call(token)('POST', '/api/v1/api-keys', { name: 'k', roleId: adminRole }))
    ).key as string
    await must(call(token)('PATCH', `/api/v1/users/${solo.userId}`, { status: 'suspended' }), 200)
    const before = await snapshot(two.id, solo.companyId)
    const res = await call(key)('POST', `/api/v1/users/${two.id}/offboard`, {
      successorId: helper.id,
    })
    problem(res, 409, 'conflict')
    const after = await snapshot(two.id, solo.companyId)
    expect(after).toEqual(before)
    expect(after.sessions.every((x) => x.revoked_at === null)).toBe(true)
    expect((await me(token)).statusCode).toBe(200)
    expect((await call(key)('GET', '/api/v1/customers')).statusCode).toBe(200)
  })
})

describe('offboarding: the handover is an edit of each record', () => {
  it('refuses a caller who may offboard but not change the records’ owner or assignee; nothing moves', async () => {
    const peopleOps = (
      await must(
        asA('POST', '/api/v1/roles', {
          name: 'People ops',
          grants: [{ actions: ['user.view', 'user.offboard'], scope: 'company' }],
        }),
      )
    ).id
    const hr = await person('hr@a.test', peopleOps, null, { level: 'lead' })
    // a person without roles (nothing for S7 to refuse) who owns a customer
    const pat = await must(
      asA('POST', '/api/v1/users', {
        email: 'pat@a.test',
        name: 'Pat',
        password: strongPassword,
        orgUnitId: t1,
        managerId: lee.id,
        roleIds: [],
      }),
    )
    await must(asA('POST', '/api/v1/customers', { name: 'Pat’s', orgUnitId: t1, ownerId: pat.id }))
    const before = await snapshot(pat.id)
    const refused = problem(
      await hr.as('POST', `/api/v1/users/${pat.id}/offboard`, {}),
      403,
      'forbidden',
    )
    expect(JSON.stringify(refused.errors)).toContain('1 customer(s)')
    expect(await snapshot(pat.id)).toEqual(before)
    // without anything to hand over, the same caller may offboard
    const quinn = await must(
      asA('POST', '/api/v1/users', {
        email: 'quinn@a.test',
        name: 'Quinn',
        password: strongPassword,
        orgUnitId: t1,
        managerId: lee.id,
        roleIds: [],
      }),
    )
    const ok = await hr.as('POST', `/api/v1/users/${quinn.id}/offboard`, {})
    expect(ok.statusCode, ok.body).toBe(200)
  })
})

describe('force offline (G5) for a role or a team', () => {
  it('ends the sessions of every holder or member the caller may manage, audited with the count', async () => {
    const t2a = await person('t2a@a.test', noviceRole, t2, { level: 'novice' })
    const t2b = await person('t2b@a.test', noviceRole, t2, { level: 'novice' })
    const t1n = await person('t1n@a.test', noviceRole, t1, { level: 'novice' })
    // a team: only its members
    const team = await asA('POST', '/api/v1/sessions/revoke', { orgUnitId: t2 })
    expect(team.statusCode, team.body).toBe(200)
    expect(team.json().users).toBeGreaterThanOrEqual(2)
    problem(await me(t2a.token), 401, 'not_authenticated')
    problem(await me(t2b.token), 401, 'not_authenticated')
    problem(await me(oscar.token), 401, 'not_authenticated')
    expect((await me(t1n.token)).statusCode).toBe(200)
    const event = (await auditActions(db, a.companyId)).findLast(
      (e) => e.action === 'sessions.forced_offline',
    )
    expect(event).toMatchObject({ target_id: t2, after: { revoked: team.json().revoked } })
    // a role: every holder
    const role = await asA('POST', '/api/v1/sessions/revoke', { roleId: noviceRole })
    expect(role.statusCode, role.body).toBe(200)
    problem(await me(t1n.token), 401, 'not_authenticated')
    expect((await me(lee.token)).statusCode).toBe(200)
  })

  it('refuses without the right, another company’s role or unit, bad input; changes nothing', async () => {
    const n1 = await person('n1@a.test', noviceRole, t1, { level: 'novice' })
    const audit = (await auditActions(db, a.companyId)).length
    problem(await n1.as('POST', '/api/v1/sessions/revoke', { orgUnitId: t1 }), 403, 'forbidden')
    const bRole = await builtinRoleId(db, b.companyId, 'Novice agent')
    const bUnit = (
      await must(asB('POST', '/api/v1/org-units', { kind: 'team', name: 'B1', parentId: null }))
    ).id
    problem(await asA('POST', '/api/v1/sessions/revoke', { roleId: bRole }), 404, 'not_found')
    problem(await asA('POST', '/api/v1/sessions/revoke', { orgUnitId: bUnit }), 404, 'not_found')
    problem(await asA('POST', '/api/v1/sessions/revoke', {}), 400, 'validation_failed')
    problem(
      await asA('POST', '/api/v1/sessions/revoke', { roleId: noviceRole, orgUnitId: t1 }),
      400,
      'validation_failed',
    )
    problem(
      await asA('POST', '/api/v1/sessions/revoke', { roleId: 'a\u0000' }),
      400,
      'validation_failed',
    )
    expect((await me(n1.token)).statusCode).toBe(200)
    expect((await auditActions(db, a.companyId)).length).toBe(audit)
    // a team lead may not force anyone offline; someone who may do it for their own team only
    // ends the sessions of that team's holders, not the others'
    problem(
      await lee.as('POST', '/api/v1/sessions/revoke', { roleId: noviceRole }),
      403,
      'forbidden',
    )
    const teamOps = (
      await must(
        asA('POST', '/api/v1/roles', {
          name: 'Team ops',
          grants: [{ actions: ['user.view', 'user.forceOffline'], scope: 'team' }],
        }),
      )
    ).id
    const ops = await person('ops@a.test', teamOps, t1, { level: 'lead' })
    const t2n = await person('t2n@a.test', noviceRole, t2, { level: 'novice' })
    const byOps = await ops.as('POST', '/api/v1/sessions/revoke', { roleId: noviceRole })
    expect(byOps.statusCode, byOps.body).toBe(200)
    expect(byOps.json().users).toBeGreaterThanOrEqual(1)
    problem(await me(n1.token), 401, 'not_authenticated')
    expect((await me(t2n.token)).statusCode).toBe(200)
    // and a team they may not see is not found; nothing ends there
    problem(await ops.as('POST', '/api/v1/sessions/revoke', { orgUnitId: t2 }), 404, 'not_found')
    expect((await me(t2n.token)).statusCode).toBe(200)
  })
})
