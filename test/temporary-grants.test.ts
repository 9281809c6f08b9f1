/**
 * W1, P8 (issue 11): temporary grants through HTTP. A lead gives a team member one customer's
 * full record for a while: in force at once, ended by the clock at the exact end time (the test
 * clock moves; the caller kept in memory does not keep the grant alive), revocable, listed on the
 * person and in `me`, audited before → after. Giving one is a delegation (canDelegate): a lead
 * who does not hold the full record, a lead of another team, an agent, another company and bad
 * input are refused and write nothing.
 */
import { describe, expect, it } from 'vitest'
import { countRows, governanceWorld } from './governance-setup.js'
import { auditActions, problem } from './test-app.js'

const w = await governanceWorld()
const { db, clock, a, sam, lee, lou, oscar, nia, customer } = w

const fullRecord = (minutes: number, extra: Record<string, unknown> = {}) => ({
  userId: sam.id,
  actions: ['customer.view'],
  resource: { type: 'customer', id: customer.id },
  fields: { idNumber: 'read', phone: 'read' },
  endsAt: new Date(clock.now().getTime() + minutes * 60_000).toISOString(),
  reason: 'dispute #4411: confirm the caller’s identity',
  ...extra,
})

const idNumberAs = async (as: typeof sam.as) => {
  const res = await as('GET', `/api/v1/customers/${customer.id}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json().idNumber as string
}

describe('temporary grants: given by a lead, ended by the clock', () => {
  it('is in force at once, listed on the person and in me, audited, and ends at the exact end time', async () => {
    expect(await idNumberAs(sam.as)).toBe('110101********1234')
    const res = await lee.as('POST', '/api/v1/grants', fullRecord(20))
    expect(res.statusCode, res.body).toBe(201)
    const grant = res.json()
    expect(grant).toMatchObject({
      userId: sam.id,
      actions: ['customer.view'],
      scope: { record: customer.id },
      resource: { type: 'customer', id: customer.id },
      state: 'active',
      createdBy: lee.id,
      approvalId: null,
    })
    // in force at once, for the same (kept) session
    expect(await idNumberAs(sam.as)).toBe('110101199003071234')
    // every use is audited (G2)
    const events = await auditActions(db, a.companyId)
    expect(
      events.find((e) => e.action === 'grant.created' && e.target_id === grant.id)?.after,
    ).toMatchObject({ userId: sam.id, state: 'active' })
    expect(
      events.some((e) => e.action === 'access.customer.view' && e.actor_user_id === sam.id),
    ).toBe(true)
    // listed on the person (the lead sees the team's), for the person, and in me
    const onPerson = await lee.as('GET', `/api/v1/users/${sam.id}/grants`)
    expect(onPerson.json().items.map((g: { id: string }) => g.id)).toEqual([grant.id])
    const mine = await sam.as('GET', '/api/v1/grants')
    expect(mine.json().items.map((g: { id: string }) => g.id)).toEqual([grant.id])
    const me = await sam.as('GET', '/api/v1/me')
    expect(me.json().grants).toEqual([
      {
        id: grant.id,
        actions: ['customer.view'],
        scope: { record: customer.id },
        validFrom: grant.validFrom,
        validUntil: grant.validUntil,
      },
    ])

    // one millisecond before the end: still in force; at the end: masked, not in me
    clock.set(new Date(Date.parse(grant.validUntil) - 1))
    expect(await idNumberAs(sam.as)).toBe('110101199003071234')
    clock.set(new Date(grant.validUntil))
    expect(await idNumberAs(sam.as)).toBe('110101********1234')
    expect((await sam.as('GET', '/api/v1/me')).json().grants).toEqual([])
    expect((await sam.as('GET', '/api/v1/grants')).json().items).toEqual([])
    const history = await sam.as('GET', '/api/v1/grants?state=all')
    expect(history.json().items[0]).toMatchObject({ id: grant.id, state: 'ended' })
    // the list is filtered by the same rules: the customer's list masks it again too
    const list = await sam.as('GET', '/api/v1/customers')
    const row = list.json().items.find((c: { id: string }) => c.id === customer.id)
    expect(row.idNumber).toBe('110101********1234')
    // an ended grant is not revoked
    problem(await lee.as('DELETE', `/api/v1/grants/${grant.id}`), 409, 'conflict')
  })

  it('is revocable: revoked, it stops at once; audited before → after; a second revoke is 409', async () => {
    const res = await lee.as('POST', '/api/v1/grants', fullRecord(20))
    expect(res.statusCode, res.body).toBe(201)
    const id = res.json().id as string
    expect(await idNumberAs(sam.as)).toBe('110101199003071234')
    const revoked = await lee.as('DELETE', `/api/v1/grants/${id}`)
    expect(revoked.statusCode, revoked.body).toBe(200)
    expect(revoked.json()).toMatchObject({ state: 'revoked', revokedBy: lee.id })
    expect(await idNumberAs(sam.as)).toBe('110101********1234')
    problem(await lee.as('DELETE', `/api/v1/grants/${id}`), 409, 'conflict')
    const event = (await auditActions(db, a.companyId)).find(
      (e) => e.action === 'grant.revoked' && e.target_id === id,
    )
    expect(event?.after).toMatchObject({ state: 'revoked' })
  })

  it('starts later when asked: upcoming until startsAt, then in force', async () => {
    const startsAt = new Date(clock.now().getTime() + 5 * 60_000).toISOString()
    const res = await lee.as('POST', '/api/v1/grants', fullRecord(20, { startsAt }))
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().state).toBe('upcoming')
    expect(await idNumberAs(sam.as)).toBe('110101********1234')
    clock.set(startsAt)
    expect(await idNumberAs(sam.as)).toBe('110101199003071234')
    expect((await lee.as('DELETE', `/api/v1/grants/${res.json().id}`)).statusCode).toBe(200)
  })
})

describe('temporary grants: only what the giver holds, to whom they may give it', () => {
  it('refuses a lead who does not hold the full record (403 cannot_grant) and writes nothing', async () => {
    const before = await countRows(db, 'grants', a.companyId)
    const body = problem(
      await lou.as('POST', '/api/v1/grants', fullRecord(20)),
      403,
      'cannot_grant',
    )
    expect(JSON.stringify(body.errors)).toContain('customer.view')
    expect(await countRows(db, 'grants', a.companyId)).toBe(before)
  })

  it('refuses more revealing fields than the giver’s own, and actions they lack', async () => {
    problem(
      await lee.as(
        'POST',
        '/api/v1/grants',
        fullRecord(20, { fields: { complaints: 'edit', idNumber: 'edit' } }),
      ),
      403,
      'cannot_grant',
    )
    problem(
      await lee.as('POST', '/api/v1/grants', fullRecord(20, { actions: ['customer.delete'] })),
      403,
      'cannot_grant',
    )
  })

  it('refuses a lead of another team (404: they may not know the person) and an agent (403)', async () => {
    problem(await oscar.as('POST', '/api/v1/grants', fullRecord(20)), 404, 'not_found')
    problem(
      await sam.as('POST', '/api/v1/grants', { ...fullRecord(20), userId: nia.id }),
      403,
      'forbidden',
    )
  })

  it('answers 404 for another company’s person, record and grant', async () => {
    const given = await lee.as('POST', '/api/v1/grants', fullRecord(20))
    const id = given.json().id as string
    problem(await w.asB('POST', '/api/v1/grants', fullRecord(20)), 404, 'not_found')
    problem(await w.asB('GET', `/api/v1/grants/${id}`), 404, 'not_found')
    problem(await w.asB('DELETE', `/api/v1/grants/${id}`), 404, 'not_found')
    problem(await w.asB('GET', `/api/v1/users/${sam.id}/grants`), 404, 'not_found')
    problem(
      await lee.as('POST', '/api/v1/grants', {
        ...fullRecord(20),
        resource: { type: 'customer', id: w.foreign.id },
      }),
      404,
      'not_found',
    )
    // a person outside my view cannot read my grants either
    problem(await oscar.as('GET', `/api/v1/grants/${id}`), 404, 'not_found')
    expect((await lee.as('DELETE', `/api/v1/grants/${id}`)).statusCode).toBe(200)
  })

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const before = await countRows(db, 'grants', a.companyId)
    const cases: [Record<string, unknown>, string][] = [
      [{ reason: 'dispute\u0000' }, 'body/reason'],
      [{ actions: ['customer.fly'] }, 'body/actions/0'],
      [{ actions: ['ticket.view'] }, 'body/actions/0'],
      [{ endsAt: new Date(clock.now().getTime() - 1000).toISOString() }, 'body/endsAt'],
      [{ endsAt: new Date(clock.now().getTime() + 31 * 86_400_000).toISOString() }, 'body/endsAt'],
      [{ endsAt: 'tomorrow' }, 'body/endsAt'],
      [{ scope: 'team' }, 'body/scope'],
      [{ fields: { salary: 'read' } }, 'body/fields/salary'],
      [{ resource: { type: 'user', id: sam.id } }, 'body/resource/type'],
      [{ reason: '' }, 'body/reason'],
    ]
    for (const [change, path] of cases) {
      const body = problem(
        await lee.as('POST', '/api/v1/grants', fullRecord(20, change)),
        400,
        'validation_failed',
      )
      expect(JSON.stringify(body.errors), JSON.stringify(change)).toContain(path)
    }
    expect(await countRows(db, 'grants', a.companyId)).toBe(before)
  })
})
