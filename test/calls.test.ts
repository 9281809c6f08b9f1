/**
 * Calls and telephony through HTTP (issue 10, point 3; P8, P9, P11, G2): number pools and the
 * blacklist (admin-managed), a team lead's daily quota of pool additions, the call log through
 * the read seam, outbound dial through the simulator (ringing → answered → ended; hang-up frees
 * the line), dial only numbers of an assigned pool and never a blacklisted one, concurrent lines
 * by level, QA inspectors who play recordings but never dial, playback audited. Another
 * company's and another team's records 404, bad input 400 writing nothing.
 */
import { describe, expect, it } from 'vitest'
import { withCompany } from '../src/db/index.js'
import { addRole, builtinRoleId, caller, giveRole } from './fixtures.js'
import { auditActions, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Calls A' })
const b = await signUp(app, { companyName: 'Calls B' })
const asA = call(a.token)
const asB = call(b.token)

async function created(res: { statusCode: number; body: string; json(): unknown }, what: string) {
  if (res.statusCode !== 201) throw new Error(`${what}: ${res.statusCode} ${res.body}`)
  return res.json() as Record<string, unknown> & { id: string }
}
const unit = async (name: string) =>
  (
    await created(
      await asA('POST', '/api/v1/org-units', { kind: 'team', name, parentId: null }),
      'unit',
    )
  ).id
const t1 = await unit('Team one')
const t2 = await unit('Team two')
const apollo = (await created(await asA('POST', '/api/v1/projects', { name: 'Apollo' }), 'project'))
  .id

/** A user of company A holding a preset position, and their bearer token. */
async function person(email: string, roleName: string, orgUnitId: string | null) {
  const roleId = await builtinRoleId(db, a.companyId, roleName)
  const res = await asA('POST', '/api/v1/users', {
    email,
    name: email.split('@')[0],
    password: strongPassword,
    orgUnitId,
    roleIds: [roleId],
  })
  const id = (await created(res, 'user')).id
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id, as: call(token) }
}
const nina = await person('nina@a.test', 'Novice agent', t1)
const sam = await person('sam@a.test', 'Senior agent', t1)
const lee = await person('lee@a.test', 'Team lead', t1)
const oscar = await person('oscar@a.test', 'Team lead', t2)
const quinn = await person('quinn@a.test', 'QA inspector', null)
const pat = await person('pat@a.test', 'Novice agent', null)
await asA('PUT', `/api/v1/projects/${apollo}/members/${pat.id}`)

const ids = (res: { json(): { items: { id: string }[] } }) =>
  res
    .json()
    .items.map((c) => c.id)
    .sort()
const sorted = (...xs: string[]) => [...xs].sort()

async function rows(table: 'number_pools' | 'pool_numbers' | 'blacklist' | 'calls' | 'recordings') {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', a.companyId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

const pool = async (body: Record<string, unknown>) =>
  created(await asA('POST', '/api/v1/number-pools', body), 'pool')
const teamOne = await pool({ name: 'Team one numbers', orgUnitId: t1 })
const teamTwo = await pool({ name: 'Team two numbers', orgUnitId: t2 })
const patsOwn = await pool({ name: "Pat's numbers", userId: pat.id })
const apollos = await pool({ name: 'Apollo numbers', projectId: apollo })
const bPool = created(await asB('POST', '/api/v1/number-pools', { name: 'B numbers' }), 'pool')
const theirs = await bPool

describe('number pools (P11: admin-managed; P8: a lead adds within a daily quota)', () => {
  it('creates pools assigned to a team, a person or a project, and lists them by scope', async () => {
    expect(teamOne).toMatchObject({ name: 'Team one numbers', orgUnitId: t1, userId: null })
    expect(patsOwn).toMatchObject({ userId: pat.id, orgUnitId: null, projectId: null })
    expect(ids(await asA('GET', '/api/v1/number-pools'))).toEqual(
      sorted(teamOne.id, teamTwo.id, patsOwn.id, apollos.id),
    )
    expect(ids(await lee.as('GET', '/api/v1/number-pools'))).toEqual([teamOne.id])
    expect(ids(await oscar.as('GET', '/api/v1/number-pools'))).toEqual([teamTwo.id])
    expect(ids(await asA('GET', '/api/v1/number-pools?q=apollo'))).toEqual([apollos.id])
    expect(ids(await asA('GET', `/api/v1/number-pools?userId=${pat.id}`))).toEqual([patsOwn.id])
    const events = await auditActions(db, a.companyId)
    expect(
      events.some((e) => e.action === 'numberPool.created' && e.target_id === teamOne.id),
    ).toBe(true)
  })

  it('is admin-managed: agents and leads may not create, edit or delete pools', async () => {
    const before = await rows('number_pools')
    problem(
      await lee.as('POST', '/api/v1/number-pools', { name: 'Mine', orgUnitId: t1 }),
      403,
      'forbidden',
    )
    problem(await nina.as('POST', '/api/v1/number-pools', { name: 'Mine' }), 403, 'forbidden')
    problem(
      await lee.as('PATCH', `/api/v1/number-pools/${teamOne.id}`, { name: 'x' }),
      403,
      'forbidden',
    )
    problem(await lee.as('DELETE', `/api/v1/number-pools/${teamOne.id}`), 403, 'forbidden')
    // no pool right at all: the list is closed (403)
    problem(await sam.as('GET', '/api/v1/number-pools'), 403, 'forbidden')
    problem(await quinn.as('GET', '/api/v1/number-pools'), 403, 'forbidden')
    // out of scope: another team's pool is 404, as is one a novice cannot view
    problem(await lee.as('GET', `/api/v1/number-pools/${teamTwo.id}`), 404, 'not_found')
    problem(await nina.as('GET', `/api/v1/number-pools/${teamOne.id}`), 404, 'not_found')
    expect(await rows('number_pools')).toBe(before)
  })

  it("answers 404 for another company's pool on every route, and never lists it", async () => {
    for (const [method, url, body] of [
      ['GET', `/api/v1/number-pools/${theirs.id}`, undefined],
      ['PATCH', `/api/v1/number-pools/${theirs.id}`, { name: 'x' }],
      ['DELETE', `/api/v1/number-pools/${theirs.id}`, undefined],
      ['GET', `/api/v1/number-pools/${theirs.id}/numbers`, undefined],
      ['POST', `/api/v1/number-pools/${theirs.id}/numbers`, { phone: '+8613800138000' }],
    ] as const) {
      problem(await asA(method, url, body), 404, 'not_found')
    }
    expect(ids(await asA('GET', '/api/v1/number-pools'))).not.toContain(theirs.id)
    // a reference to another company's unit is 404 on its path, nothing written
    const before = await rows('number_pools')
    const res = await asB('POST', '/api/v1/number-pools', { name: 'Sneaky', orgUnitId: t1 })
    expect(problem(res, 404, 'not_found').errors).toEqual([
      expect.objectContaining({ path: 'body/orgUnitId' }),
    ])
    expect(await rows('number_pools')).toBe(before)
  })

  it('refuses bad input with 400 and writes nothing (NUL bytes, two assignees, bad phones)', async () => {
    const pools = await rows('number_pools')
    const numbers = await rows('pool_numbers')
    for (const body of [
      { name: 'nul \u0000 byte' },
      { name: 'lone \ud800 surrogate' },
      { name: '   ' },
      { name: 'Two', orgUnitId: t1, userId: nina.id },
      { name: 'Extra', colour: 'red' },
      {},
    ]) {
      problem(await asA('POST', '/api/v1/number-pools', body), 400, 'validation_failed')
    }
    problem(
      await asA('PATCH', `/api/v1/number-pools/${teamOne.id}`, { userId: nina.id }),
      400,
      'validation_failed',
    )
    for (const body of [
      { phone: 'not a phone' },
      { phone: '+86 138\u0000' },
      { phone: '12345' },
      { phone: '138 0013 8000', country: 'C1' },
    ]) {
      problem(
        await asA('POST', `/api/v1/number-pools/${teamOne.id}/numbers`, body),
        400,
        'validation_failed',
      )
    }
    problem(await asA('GET', '/api/v1/number-pools/x%00'), 400, 'validation_failed')
    expect(await rows('number_pools')).toBe(pools)
    expect(await rows('pool_numbers')).toBe(numbers)
  })

  it('renames and reassigns a pool, audited; a taken name is 409', async () => {
    const spare = await pool({ name: 'Spare' })
    const moved = await asA('PATCH', `/api/v1/number-pools/${spare.id}`, { orgUnitId: t2 })
    expect(moved.json()).toMatchObject({ orgUnitId: t2 })
    problem(
      await asA('PATCH', `/api/v1/number-pools/${spare.id}`, { name: 'Team one numbers' }),
      409,
      'conflict',
    )
    expect((await asA('DELETE', `/api/v1/number-pools/${spare.id}`)).statusCode).toBe(204)
    problem(await asA('GET', `/api/v1/number-pools/${spare.id}`), 404, 'not_found')
  })

  it('lets a team lead add 5 numbers a day to the team pool, then asks for approval (P8, W3)', async () => {
    const add = (as: typeof asA, poolId: string, phone: string) =>
      as('POST', `/api/v1/number-pools/${poolId}/numbers`, { phone })
    // the same number twice: 409, and the refused addition spends nothing of the quota
    const first = await add(lee.as, teamOne.id, '+86 138 0013 8000')
    expect(first.statusCode).toBe(201)
    expect(first.json()).toMatchObject({
      poolId: teamOne.id,
      phone: '+8613800138000',
      addedBy: lee.id,
    })
    problem(await add(lee.as, teamOne.id, '0086 13800138000'), 409, 'conflict')
    for (const n of ['+8613800138001', '+8613800138002', '+8613800138003', '+8613800138004']) {
      expect((await add(lee.as, teamOne.id, n)).statusCode).toBe(201)
    }
    // W3: beyond the quota the number is not added: an approval request is opened (202)
    const over = await add(lee.as, teamOne.id, '+8613800138005')
    expect(over.statusCode, over.body).toBe(202)
    expect(over.json()).toMatchObject({
      applied: false,
      approvalRequest: { type: 'poolNumbers', route: 'admin', status: 'pending' },
    })
    // another team's pool is out of the lead's scope: 404; a novice may not add at all
    problem(await add(oscar.as, teamOne.id, '+8613800138006'), 404, 'not_found')
    problem(await add(nina.as, teamOne.id, '+8613800138006'), 404, 'not_found')
    // W3: beyond the quota a lead asks; an admin approves a time-boxed grant without the limit
    // (a grant without a limit lifts it: the engine keeps the most generous), and it goes on
    const asked = await lee.as('POST', '/api/v1/approvals', {
      type: 'temporaryGrant',
      payload: { actions: ['numberPool.addNumber'], scope: 'team', durationMinutes: 60 },
      reason: 'campaign day: 10 more numbers',
    })
    expect(asked.statusCode, asked.body).toBe(201)
    const approved = await asA('POST', `/api/v1/approvals/${asked.json().id}/approve`, {})
    expect(approved.statusCode, approved.body).toBe(200)
    expect((await add(lee.as, teamOne.id, '+8613800138005')).statusCode).toBe(201)
    // the grant ended (revoked here): the day's quota is spent again
    const grantId = approved.json().grantId as string
    expect((await asA('DELETE', `/api/v1/grants/${grantId}`)).statusCode).toBe(200)
    expect((await add(lee.as, teamOne.id, '+8613800138007')).statusCode).toBe(202)
    // the admin has no daily limit
    expect((await add(asA, teamOne.id, '+8613800138007')).statusCode).toBe(201)
    const numbers = (
      await lee.as('GET', `/api/v1/number-pools/${teamOne.id}/numbers?limit=200`)
    ).json()
    expect(numbers.items.filter((n: { addedBy: string }) => n.addedBy === lee.id)).toHaveLength(6)
    const events = await auditActions(db, a.companyId)
    expect(
      events.filter((e) => e.action === 'numberPool.number_added' && e.actor_user_id === lee.id),
    ).toHaveLength(6)
    const added = events.filter((e) => e.action === 'numberPool.number_added')
    expect(JSON.stringify(added)).not.toContain('+8613800138000')
  })
})

describe('the blacklist (P11: admin-managed, E.164)', () => {
  it('stores a number in E.164; the same number in another format is 409; q finds any format', async () => {
    const entry = await created(
      await asA('POST', '/api/v1/blacklist', { phone: '0086 139 0000 0001', reason: 'complaint' }),
      'blacklist',
    )
    expect(entry).toMatchObject({
      phone: '+8613900000001',
      reason: 'complaint',
      createdBy: a.userId,
    })
    problem(
      await asA('POST', '/api/v1/blacklist', { phone: '13900000001', country: 'CN' }),
      409,
      'conflict',
    )
    expect(ids(await asA('GET', '/api/v1/blacklist?q=139%200000%200001'))).toEqual([entry.id])
    expect((await asA('GET', `/api/v1/blacklist/${entry.id}`)).json().phone).toBe('+8613900000001')
    const events = await auditActions(db, a.companyId)
    const made = events.find((e) => e.action === 'blacklist.created' && e.target_id === entry.id)
    // the audit log keeps the number masked (a personal field with a mask)
    expect(JSON.stringify(made?.after)).not.toContain('+8613900000001')
  })

  it('is admin-managed: agents and leads neither read nor change it', async () => {
    const before = await rows('blacklist')
    for (const who of [nina, lee, quinn]) {
      problem(await who.as('GET', '/api/v1/blacklist'), 403, 'forbidden')
      problem(
        await who.as('POST', '/api/v1/blacklist', { phone: '+8613900000002' }),
        403,
        'forbidden',
      )
    }
    expect(await rows('blacklist')).toBe(before)
  })

  it("answers 404 for another company's entry, 400 for bad input, writing nothing", async () => {
    const bEntry = await created(
      await asB('POST', '/api/v1/blacklist', { phone: '+79123456789' }),
      'b',
    )
    problem(await asA('GET', `/api/v1/blacklist/${bEntry.id}`), 404, 'not_found')
    problem(await asA('DELETE', `/api/v1/blacklist/${bEntry.id}`), 404, 'not_found')
    expect(ids(await asA('GET', '/api/v1/blacklist'))).not.toContain(bEntry.id)
    const before = await rows('blacklist')
    for (const body of [
      { phone: 'call me maybe' },
      { phone: '+79123456789', reason: 'nul \u0000' },
      { phone: '+7912\ud800' },
      { phone: '+79123456780', extra: true },
      { reason: 'no phone' },
    ]) {
      problem(await asA('POST', '/api/v1/blacklist', body), 400, 'validation_failed')
    }
    expect(await rows('blacklist')).toBe(before)
  })

  it('takes a number off the list, audited', async () => {
    const entry = await created(
      await asA('POST', '/api/v1/blacklist', { phone: '+74951234567' }),
      'x',
    )
    expect((await asA('DELETE', `/api/v1/blacklist/${entry.id}`)).statusCode).toBe(204)
    problem(await asA('GET', `/api/v1/blacklist/${entry.id}`), 404, 'not_found')
    const events = await auditActions(db, a.companyId)
    expect(events.some((e) => e.action === 'blacklist.deleted' && e.target_id === entry.id)).toBe(
      true,
    )
  })
})

// --- calls -------------------------------------------------------------------------------------

const addNumber = async (poolId: string, phone: string) =>
  created(await asA('POST', `/api/v1/number-pools/${poolId}/numbers`, { phone }), 'number')
const T1_A = '+8613811110001'
const T1_B = '+8613811110002'
const T1_LISTED = '+8613811110003'
const T2_ONLY = '+8613822220001'
const APOLLO = '+79161234501'
const PATS = '+79161234502'
for (const n of [T1_A, T1_B, T1_LISTED]) await addNumber(teamOne.id, n)
await addNumber(teamTwo.id, T2_ONLY)
await addNumber(apollos.id, APOLLO)
await addNumber(patsOwn.id, PATS)

type As = typeof asA
const dialAs = (as: As, phone: string, extra: Record<string, unknown> = {}) =>
  as('POST', '/api/v1/calls', { phone, ...extra })
async function placed(as: As, phone: string) {
  return created(await dialAs(as, phone), 'dial')
}
const hangUp = (as: As, id: string) => as('POST', `/api/v1/calls/${id}/hangup`)
/** GET /calls/lines: my lines in use and my limit. */
async function lines(as: As) {
  const res = await as('GET', '/api/v1/calls/lines')
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as unknown
}

/** One answered and ended call of `who`, lasting `seconds`, and its recording's id. */
async function finishedCall(who: { as: As }, phone: string, seconds: number) {
  const c = await placed(who.as, phone)
  expect((await who.as('POST', `/api/v1/calls/${c.id}/answer`)).statusCode).toBe(200)
  clock.advance(seconds * 1000)
  expect((await hangUp(who.as, c.id)).statusCode).toBe(200)
  const recs = (await who.as('GET', `/api/v1/calls/${c.id}/recordings`)).json().items
  return { call: c, recordingId: recs[0]?.id as string }
}

describe('outbound dial through the simulator (ringing → answered → ended)', () => {
  it('dials a number of the team pool, answers, hangs up; the recording is left, all audited', async () => {
    const c = await placed(nina.as, '+86 138 1111 0001')
    expect(c).toMatchObject({
      agentId: nina.id,
      orgUnitId: t1,
      poolId: teamOne.id,
      phone: T1_A,
      status: 'ringing',
      direction: 'outbound',
      blacklisted: false,
      durationSec: 0,
    })
    const answered = (await nina.as('POST', `/api/v1/calls/${c.id}/answer`)).json()
    expect(answered).toMatchObject({ status: 'answered' })
    problem(await nina.as('POST', `/api/v1/calls/${c.id}/answer`), 409, 'conflict')
    clock.advance(95_000)
    const ended = (await hangUp(nina.as, c.id)).json()
    expect(ended).toMatchObject({ status: 'ended', durationSec: 95 })
    problem(await hangUp(nina.as, c.id), 409, 'conflict')
    const recs = (await nina.as('GET', `/api/v1/calls/${c.id}/recordings`)).json().items
    expect(recs).toEqual([
      expect.objectContaining({ callId: c.id, agentId: nina.id, durationSec: 95 }),
    ])
    const events = await auditActions(db, a.companyId)
    for (const action of ['call.dialed', 'call.answered', 'call.ended']) {
      expect(
        events.find((e) => e.action === action && e.target_id === c.id),
        action,
      ).toMatchObject({
        actor_user_id: nina.id,
      })
    }
    // the dial event keeps the number masked
    const dialed = events.find((e) => e.action === 'call.dialed' && e.target_id === c.id)
    expect(JSON.stringify(dialed?.after)).not.toContain(T1_A)
  })

  it('a call never answered ends without a recording', async () => {
    const c = await placed(nina.as, T1_B)
    expect((await hangUp(nina.as, c.id)).json()).toMatchObject({ status: 'ended', durationSec: 0 })
    expect((await nina.as('GET', `/api/v1/calls/${c.id}/recordings`)).json().items).toEqual([])
  })

  it('dials only numbers of a pool assigned to me, my team or my project (P11): 403 number_not_in_pool', async () => {
    const before = await rows('calls')
    for (const phone of [T2_ONLY, APOLLO, PATS, '+8613700000000']) {
      problem(await dialAs(nina.as, phone), 403, 'number_not_in_pool')
    }
    // Pat: no team; a project member and the owner of a personal pool
    expect((await placed(pat.as, APOLLO)).projectId).toBe(apollo)
    expect((await placed(pat.as, PATS)).poolId).toBe(patsOwn.id)
    problem(await dialAs(pat.as, T1_A), 403, 'number_not_in_pool')
    // the admin, too, dials only from a pool assigned to them
    problem(await dialAs(asA, T1_A), 403, 'number_not_in_pool')
    expect(await rows('calls')).toBe(before + 2)
    const pats = (await pat.as('GET', '/api/v1/calls?status=ringing')).json().items
    for (const c of pats) await hangUp(pat.as, c.id)
  })

  it('never dials a blacklisted number (P11): 403 number_blacklisted, even from a pool', async () => {
    await created(await asA('POST', '/api/v1/blacklist', { phone: T1_LISTED }), 'blacklist')
    const before = await rows('calls')
    problem(await dialAs(nina.as, T1_LISTED), 403, 'number_blacklisted')
    problem(await dialAs(lee.as, '0086 138 1111 0003'), 403, 'number_blacklisted')
    // outside the caller's pools the answer is the pool's: no oracle on the blacklist
    problem(await dialAs(oscar.as, T1_LISTED), 403, 'number_not_in_pool')
    expect(await rows('calls')).toBe(before)
  })

  it('holds at most 2 lines for a novice, 5 for a senior (P9): 429 line_limit_reached; hang-up frees one', async () => {
    expect(await lines(nina.as)).toEqual({ inUse: 0, limit: 2, mayDial: true })
    const first = await placed(nina.as, T1_A)
    expect(await lines(nina.as)).toEqual({ inUse: 1, limit: 2, mayDial: true })
    await placed(nina.as, T1_B)
    const busy = await dialAs(nina.as, T1_A)
    problem(busy, 429, 'line_limit_reached')
    expect(busy.headers['retry-after']).toBeDefined()
    // the refused dial held no line; another person's lines are their own
    expect(await lines(nina.as)).toEqual({ inUse: 2, limit: 2, mayDial: true })
    expect(await lines(sam.as)).toEqual({ inUse: 0, limit: 5, mayDial: true })
    expect((await hangUp(nina.as, first.id)).statusCode).toBe(200)
    expect(await lines(nina.as)).toEqual({ inUse: 1, limit: 2, mayDial: true })
    const third = await placed(nina.as, T1_A)
    problem(await dialAs(nina.as, T1_A), 429, 'line_limit_reached')
    // a senior holds 5
    const sams: string[] = []
    for (let i = 0; i < 5; i++) sams.push((await placed(sam.as, i % 2 ? T1_A : T1_B)).id)
    problem(await dialAs(sam.as, T1_A), 429, 'line_limit_reached')
    for (const id of [...sams, third.id]) await hangUp(id === third.id ? nina.as : sam.as, id)
    for (const c of (await nina.as('GET', '/api/v1/calls?status=ringing')).json().items) {
      await hangUp(nina.as, c.id)
    }
  })

  it('takes the line limit from the grants: a custom role with 1 line', async () => {
    const role = await created(
      await asA('POST', '/api/v1/roles', {
        name: 'One line',
        grants: [
          { actions: ['call.dial'], scope: 'own', limits: { concurrent: 1 } },
          { actions: ['numberPool.use'], scope: 'team' },
        ],
      }),
      'role',
    )
    const res = await asA('POST', '/api/v1/users', {
      email: 'uno@a.test',
      name: 'Uno',
      password: strongPassword,
      orgUnitId: t1,
      roleIds: [role.id],
    })
    expect(res.statusCode).toBe(201)
    const uno = call((await logIn(app, { company: a.slug, email: 'uno@a.test' })).json().token)
    // no call.view: the answer names only the call, but the line is still Uno's to free
    const c = await placed(uno, T1_A)
    expect(c).toEqual({ id: c.id })
    expect(await lines(uno)).toEqual({ inUse: 1, limit: 1, mayDial: true })
    problem(await dialAs(uno, T1_B), 429, 'line_limit_reached')
    expect((await hangUp(uno, c.id)).statusCode).toBe(200)
    const next = await placed(uno, T1_B)
    expect((await hangUp(uno, next.id)).statusCode).toBe(200)
    problem(await uno('GET', `/api/v1/calls/${next.id}`), 404, 'not_found')
    problem(await uno('GET', '/api/v1/calls'), 403, 'forbidden')
  })

  it('an API key never dials (a line is a person’s), whatever its role', async () => {
    const adminRole = await builtinRoleId(db, a.companyId, 'Admin')
    const made = await asA('POST', '/api/v1/api-keys', { name: 'CRM', roleId: adminRole })
    expect(made.statusCode, made.body).toBe(201)
    const before = await rows('calls')
    const key = call(made.json().key as string)
    problem(await key('POST', '/api/v1/calls', { phone: T1_A }), 403, 'forbidden')
    expect(await lines(key)).toEqual({ inUse: 0, limit: null, mayDial: false })
    expect(await rows('calls')).toBe(before)
  })

  it('QA inspectors listen but never dial: 403, nothing written', async () => {
    const before = await rows('calls')
    problem(await dialAs(quinn.as, T1_A), 403, 'forbidden')
    expect(await rows('calls')).toBe(before)
    // the line counter says so too: no line, no limit
    expect(await lines(quinn.as)).toEqual({ inUse: 0, limit: null, mayDial: false })
    const check = await quinn.as('POST', '/api/v1/authz/check', {
      subject: { userId: quinn.id },
      action: 'call.dial',
      resource: { type: 'call', attrs: { agentId: quinn.id } },
    })
    expect(check.statusCode, check.body).toBe(200)
    expect(check.json()).toMatchObject({ allowed: false, reason: 'not_granted' })
  })

  it('refuses bad input with 400 and writes nothing (NUL bytes, bad numbers, unknown fields)', async () => {
    const before = await rows('calls')
    for (const body of [
      { phone: 'nope' },
      { phone: '+86138\u00001110001' },
      { phone: '+8613811110001\ud800' },
      { phone: T1_A, colour: 'red' },
      { phone: '13811110001', country: 'XX1' },
      {},
    ]) {
      problem(await nina.as('POST', '/api/v1/calls', body), 400, 'validation_failed')
    }
    // another company's customer is 404 on its path
    const bCustomer = await created(
      await asB('POST', '/api/v1/customers', { name: 'B person' }),
      'c',
    )
    const res = await dialAs(nina.as, T1_A, { customerId: bCustomer.id })
    expect(problem(res, 404, 'not_found').errors).toEqual([
      expect.objectContaining({ path: 'body/customerId' }),
    ])
    problem(await nina.as('GET', '/api/v1/calls?phone=abc'), 400, 'validation_failed')
    problem(await nina.as('GET', '/api/v1/calls?status=lost'), 400, 'validation_failed')
    expect(await rows('calls')).toBe(before)
  })
})

describe('the call log (read seam) and notes', () => {
  it('shows each person exactly their scope: own for agents, the team for leads, all for QA', async () => {
    const mine = ids(await nina.as('GET', '/api/v1/calls?limit=200'))
    expect(mine.length).toBeGreaterThan(0)
    const all = (await asA('GET', '/api/v1/calls?limit=200')).json().items as {
      id: string
      agentId: string
      orgUnitId: string | null
    }[]
    expect(mine).toEqual(sorted(...all.filter((c) => c.agentId === nina.id).map((c) => c.id)))
    expect(ids(await lee.as('GET', '/api/v1/calls?limit=200'))).toEqual(
      sorted(...all.filter((c) => c.orgUnitId === t1).map((c) => c.id)),
    )
    expect(ids(await oscar.as('GET', '/api/v1/calls?limit=200'))).toEqual([])
    expect(ids(await quinn.as('GET', '/api/v1/calls?limit=200'))).toEqual(
      sorted(...all.map((c) => c.id)),
    )
    expect((await nina.as('GET', '/api/v1/calls/count')).json()).toEqual({ count: mine.length })
    const someone = all.find((c) => c.agentId === pat.id) as { id: string }
    problem(await nina.as('GET', `/api/v1/calls/${someone.id}`), 404, 'not_found')
    problem(await oscar.as('GET', `/api/v1/calls/${mine[0]}`), 404, 'not_found')
  })

  it('searches a number in any format and filters by status and agent', async () => {
    const byPhone = ids(
      await asA('GET', `/api/v1/calls?q=${encodeURIComponent('+86 138 1111 0001')}&limit=200`),
    )
    const all = (await asA('GET', '/api/v1/calls?limit=200')).json().items as {
      id: string
      phone: string
      agentId: string
    }[]
    expect(byPhone).toEqual(sorted(...all.filter((c) => c.phone === T1_A).map((c) => c.id)))
    expect(
      ids(
        await asA('GET', `/api/v1/calls?phone=${encodeURIComponent('0086 13811110002')}&limit=200`),
      ),
    ).toEqual(sorted(...all.filter((c) => c.phone === T1_B).map((c) => c.id)))
    expect(ids(await asA('GET', `/api/v1/calls?agentId=${pat.id}`))).toEqual(
      sorted(...all.filter((c) => c.agentId === pat.id).map((c) => c.id)),
    )
    expect((await asA('GET', '/api/v1/calls/count?status=ringing')).json()).toEqual({ count: 0 })
  })

  it("answers 404 for another company's call on every route", async () => {
    const c = (await nina.as('GET', '/api/v1/calls?limit=1')).json().items[0].id as string
    for (const [method, url, body] of [
      ['GET', `/api/v1/calls/${c}`, undefined],
      ['POST', `/api/v1/calls/${c}/answer`, undefined],
      ['POST', `/api/v1/calls/${c}/hangup`, undefined],
      ['PUT', `/api/v1/calls/${c}/notes`, { notes: 'x' }],
      ['GET', `/api/v1/calls/${c}/recordings`, undefined],
    ] as const) {
      problem(await asB(method, url, body), 404, 'not_found')
    }
    expect(ids(await asB('GET', '/api/v1/calls'))).toEqual([])
  })

  it('writes notes on my own call (call.note); out of scope 404, no note right 403; NUL 400', async () => {
    const c = await placed(nina.as, T1_A)
    const noted = await nina.as('PUT', `/api/v1/calls/${c.id}/notes`, {
      notes: ' Call back Friday ',
    })
    expect(noted.json()).toMatchObject({ notes: 'Call back Friday' })
    expect(ids(await nina.as('GET', '/api/v1/calls?q=friday'))).toEqual([c.id])
    problem(await sam.as('PUT', `/api/v1/calls/${c.id}/notes`, { notes: 'x' }), 404, 'not_found')
    problem(await quinn.as('PUT', `/api/v1/calls/${c.id}/notes`, { notes: 'x' }), 403, 'forbidden')
    problem(
      await nina.as('PUT', `/api/v1/calls/${c.id}/notes`, { notes: 'x\u0000' }),
      400,
      'validation_failed',
    )
    problem(
      await nina.as('PUT', `/api/v1/calls/${c.id}/notes`, { notes: 'x'.repeat(10_001) }),
      400,
      'validation_failed',
    )
    expect((await asA('GET', `/api/v1/calls/${c.id}`)).json().notes).toBe('Call back Friday')
    // another agent's line: invisible 404, visible without call.edit 403, the admin may end it
    problem(await sam.as('POST', `/api/v1/calls/${c.id}/hangup`), 404, 'not_found')
    problem(await lee.as('POST', `/api/v1/calls/${c.id}/hangup`), 403, 'forbidden')
    expect((await hangUp(asA, c.id)).json()).toMatchObject({ status: 'ended' })
    const events = await auditActions(db, a.companyId)
    expect(events.some((e) => e.action === 'call.updated' && e.target_id === c.id)).toBe(true)
  })
})

describe('recordings: playback is an audited action (G2)', () => {
  it('plays my own recording, the team lead the team’s, QA every one; each playback audited', async () => {
    const { call: c, recordingId } = await finishedCall(nina, T1_A, 30)
    const before = (await auditActions(db, a.companyId)).filter(
      (e) => e.action === 'recording.played',
    ).length
    for (const who of [nina, lee, quinn]) {
      const res = await who.as('POST', `/api/v1/recordings/${recordingId}/play`)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json()).toMatchObject({ id: recordingId, callId: c.id })
      expect(res.json().url).toMatch(/^https:\/\/telephony\.invalid\//)
    }
    const played = (await auditActions(db, a.companyId)).filter(
      (e) => e.action === 'recording.played',
    )
    expect(played.length).toBe(before + 3)
    expect(played.slice(-3).map((e) => e.actor_user_id)).toEqual([nina.id, lee.id, quinn.id])
    expect(played.at(-1)).toMatchObject({ target_id: recordingId, after: { callId: c.id } })
  })

  it('out of scope 404 (another agent, another team, another company); QA reads the metadata', async () => {
    const { recordingId } = await finishedCall(nina, T1_B, 12)
    const before = (await auditActions(db, a.companyId)).length
    problem(await sam.as('POST', `/api/v1/recordings/${recordingId}/play`), 404, 'not_found')
    problem(await oscar.as('POST', `/api/v1/recordings/${recordingId}/play`), 404, 'not_found')
    problem(await asB('POST', `/api/v1/recordings/${recordingId}/play`), 404, 'not_found')
    problem(await asB('GET', `/api/v1/recordings/${recordingId}`), 404, 'not_found')
    expect((await auditActions(db, a.companyId)).length).toBe(before)
    expect((await quinn.as('GET', `/api/v1/recordings/${recordingId}`)).json()).toMatchObject({
      id: recordingId,
      durationSec: 12,
    })
    expect(ids(await quinn.as('GET', '/api/v1/recordings?limit=200'))).toContain(recordingId)
    // a novice plays their own but has no recording.view: the list is closed to them
    problem(await nina.as('GET', '/api/v1/recordings'), 403, 'forbidden')
    problem(await asA('POST', '/api/v1/recordings/x%00/play'), 400, 'validation_failed')
  })
})

describe('tenancy of the telephony tables', () => {
  it("row-level security hides company A's rows from a transaction of company B", async () => {
    for (const table of [
      'number_pools',
      'pool_numbers',
      'blacklist',
      'calls',
      'recordings',
    ] as const) {
      expect(await rows(table), table).toBeGreaterThan(0)
      const seen = await withCompany(db, b.companyId, (trx) =>
        trx
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('company_id', '=', a.companyId)
          .executeTakeFirstOrThrow(),
      )
      expect(Number(seen.n), table).toBe(0)
    }
  })
})

describe('a pool deleted with calls dialled from it', () => {
  it('keeps the call log: the calls stay, their poolId forgotten', async () => {
    const pats = (await asA('GET', `/api/v1/calls?agentId=${pat.id}&limit=200`)).json().items as {
      id: string
      poolId: string | null
    }[]
    const fromPool = pats.filter((c) => c.poolId === patsOwn.id)
    expect(fromPool.length).toBeGreaterThan(0)
    expect((await asA('DELETE', `/api/v1/number-pools/${patsOwn.id}`)).statusCode).toBe(204)
    for (const c of fromPool) {
      expect((await asA('GET', `/api/v1/calls/${c.id}`)).json()).toMatchObject({ poolId: null })
    }
    problem(await dialAs(pat.as, PATS), 403, 'number_not_in_pool')
  })
})

describe('call-log export (G2, P2: high-risk, the Admin’s by default)', () => {
  const csvIds = (body: string) =>
    body
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0] as string)
      .sort()
  const exportEvents = async () =>
    (await auditActions(db, a.companyId)).filter((e) => e.action.startsWith('call.export'))

  it('exports exactly the calls the list shows, audited before the first row and at the end', async () => {
    const listed = ids(await asA('GET', '/api/v1/calls?limit=200'))
    expect(listed.length).toBeGreaterThan(0)
    const before = (await exportEvents()).length
    const res = await asA('GET', '/api/v1/calls/export')
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv/)
    expect(res.body.split('\n')[0]?.trim().split(',')).toEqual(
      'id,startedAt,answeredAt,endedAt,direction,status,phone,durationSec,agentId,orgUnitId,projectId,customerId,blacklisted,notes'.split(
        ',',
      ),
    )
    expect(csvIds(res.body)).toEqual(listed)
    const events = (await exportEvents()).slice(before)
    expect(events.map((e) => e.action)).toEqual(['call.export.started', 'call.exported'])
    expect(events[1]?.after).toMatchObject({ rows: listed.length })
    // filters apply as in the list
    const ninas = ids(await asA('GET', `/api/v1/calls?agentId=${nina.id}&limit=200`))
    expect(csvIds((await asA('GET', `/api/v1/calls/export?agentId=${nina.id}`)).body)).toEqual(
      ninas,
    )
  })

  it('exports a masked field masked: the row is what the caller’s list shows', async () => {
    const roleId = await addRole(db, a.companyId, 'Call auditor', {
      grants: [
        { actions: ['call.view', 'call.export'], scope: 'company', fields: { phone: 'masked' } },
      ],
    })
    const auditor = await person('aud@a.test', 'Novice agent', null)
    await giveRole(db, a.companyId, auditor.id, roleId)
    const res = await auditor.as('GET', '/api/v1/calls/export')
    expect(res.statusCode, res.body).toBe(200)
    const phones = res.body
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[6])
    expect(phones.length).toBeGreaterThan(0)
    for (const p of phones) expect(p).toMatch(/\*{3,}/)
  })

  it('is refused without call.export, before any row and with no export event; bad input is 400', async () => {
    const before = (await exportEvents()).length
    problem(await nina.as('GET', '/api/v1/calls/export'), 403, 'forbidden')
    problem(await lee.as('GET', '/api/v1/calls/export'), 403, 'forbidden')
    problem(await quinn.as('GET', '/api/v1/calls/export'), 403, 'forbidden')
    problem(await asA('GET', '/api/v1/calls/export?phone=not-a-number'), 400, 'validation_failed')
    problem(await asA('GET', '/api/v1/calls/export?status=%00'), 400, 'validation_failed')
    expect((await exportEvents()).length).toBe(before)
    // another company's admin exports none of A's calls
    const theirs = await asB('GET', '/api/v1/calls/export')
    expect(theirs.statusCode, theirs.body).toBe(200)
    expect(csvIds(theirs.body)).toEqual(ids(await asB('GET', '/api/v1/calls?limit=200')))
    for (const id of csvIds(theirs.body))
      expect(ids(await asA('GET', '/api/v1/calls?limit=200'))).not.toContain(id)
  })
})
