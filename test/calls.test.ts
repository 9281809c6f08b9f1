/**
 * Calls and telephony through HTTP (issue 10, point 3; P8, P9, P11, G2): number pools and the
 * blacklist (admin-managed), a team lead's daily quota of pool additions, the call log through
 * the read seam, outbound dial through the simulator (ringing → answered → ended; hang-up frees
 * the line), dial only numbers of an assigned pool and never a blacklisted one, concurrent lines
 * by level, QA inspectors who play recordings but never dial, playback audited. Another
 * company's and another team's records 404, bad input 400 writing nothing.
 */
import { describe, expect, it } from 'vitest'
import { builtinRoleId, caller } from './fixtures.js'
import { auditActions, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db } = await createTestApp()
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

async function rows(table: 'number_pools' | 'pool_numbers' | 'blacklist') {
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

  it('lets a team lead add 5 numbers a day to the team pool, then 429 quota_exceeded (P8)', async () => {
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
    const over = await add(lee.as, teamOne.id, '+8613800138005')
    problem(over, 429, 'quota_exceeded')
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0)
    // another team's pool is out of the lead's scope: 404; a novice may not add at all
    problem(await add(oscar.as, teamOne.id, '+8613800138006'), 404, 'not_found')
    problem(await add(nina.as, teamOne.id, '+8613800138006'), 404, 'not_found')
    // the admin has no daily limit
    expect((await add(asA, teamOne.id, '+8613800138005')).statusCode).toBe(201)
    const numbers = (
      await lee.as('GET', `/api/v1/number-pools/${teamOne.id}/numbers?limit=200`)
    ).json()
    expect(numbers.items).toHaveLength(6)
    const events = await auditActions(db, a.companyId)
    expect(
      events.filter((e) => e.action === 'numberPool.number_added' && e.actor_user_id === lee.id),
    ).toHaveLength(5)
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
