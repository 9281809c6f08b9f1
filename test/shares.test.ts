/**
 * W5 (issue 10): a ticket or a customer shared with another team, limited to chosen fields,
 * through HTTP. The lead of team A shares one ticket with team B: a B agent sees it in their
 * list, search, count and single read with only the chosen fields, and nothing else of A's; a C
 * agent (and a member of a unit under B) sees nothing; a revocation or the end time (the test
 * clock moves) takes it away on the very next request; sharing is a delegation (no `share`: 403;
 * a field the sharer sees masked stays masked; one hidden from them is refused); another
 * company's ids are 404; bad input is 400 and writes nothing; a share opens no write.
 */
import { describe, expect, it } from 'vitest'
import { caller, newPerson, newTeam } from './fixtures.js'
import { auditActions, createTestApp, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Shares A' })
const b = await signUp(app, { companyName: 'Shares B' })
const asA = call(a.token)
const asB = call(b.token)

const teamA = await newTeam(asA, 'Team A')
const teamB = await newTeam(asA, 'Team B')
const teamC = await newTeam(asA, 'Team C')
const underB = (
  await asA('POST', '/api/v1/org-units', { kind: 'team', name: 'Under B', parentId: teamB })
).json().id as string
const foreignTeam = await newTeam(asB, 'B company team')

const person = (email: string, role: string, orgUnitId: string | null) =>
  newPerson(app, db, a, { email, role, orgUnitId })
const leadA = await person('lead.a@s.test', 'Team lead', teamA)
const agentA = await person('agent.a@s.test', 'Senior agent', teamA)
const agentB = await person('agent.b@s.test', 'After-sales agent', teamB)
const leadB = await person('lead.b@s.test', 'Team lead', teamB)
const agentC = await person('agent.c@s.test', 'After-sales agent', teamC)
const agentUnderB = await person('agent.ub@s.test', 'After-sales agent', underB)

const must = async (res: Promise<{ statusCode: number; body: string; json: () => unknown }>) => {
  const r = await res
  if (r.statusCode !== 201) throw new Error(`setup: ${r.statusCode} ${r.body}`)
  return r.json() as { id: string }
}
const ticketOf = (title: string, orgUnitId: string, extra: Record<string, unknown> = {}) =>
  must(
    asA('POST', '/api/v1/tickets', {
      title,
      description: `${title}: the details`,
      priority: 3,
      orgUnitId,
      ...extra,
    }),
  )
const shared = await ticketOf('Router keeps rebooting', teamA, { assigneeId: agentA.id })
const otherA = await ticketOf('Billing dispute', teamA)
const ownB = await ticketOf('Headset broken', teamB)
const customer = await must(
  asA('POST', '/api/v1/customers', {
    name: 'Wang Fang',
    phone: '+86 138-1234-5678',
    email: 'wang.fang@example.com',
    idNumber: '110101199003071234',
    orgUnitId: teamA,
    level: 'gold',
  }),
)
const foreignTicket = await must(asB('POST', '/api/v1/tickets', { title: 'B company ticket' }))

const sharesOf = (recordId: string) =>
  db
    .selectFrom('shares')
    .selectAll()
    .where((eb) => eb.or([eb('ticket_id', '=', recordId), eb('customer_id', '=', recordId)]))
    .execute()
const allShares = async () => (await db.selectFrom('shares').select('id').execute()).length
const ids = (res: { json: () => unknown }) =>
  ((res.json() as { items: { id: string }[] }).items ?? []).map((i) => i.id)
const count = async (as: typeof asA, query = '') => {
  const res = await as('GET', `/api/v1/tickets/count${query}`)
  expect(res.statusCode, res.body).toBe(200)
  return (res.json() as { count: number }).count
}
const shareTicket = (body: Record<string, unknown>, as = leadA.as, id = shared.id) =>
  as('POST', `/api/v1/tickets/${id}/shares`, body)

describe('W5: a ticket shared with team B, limited to chosen fields', () => {
  it('shows a B agent that one ticket, with only the chosen fields, in list, search, count and read', async () => {
    // before: team B does not see team A's ticket
    problem(await agentB.as('GET', `/api/v1/tickets/${shared.id}`), 404, 'not_found')
    expect(await count(agentB.as)).toBe(1)

    const res = await shareTicket({ orgUnitId: teamB, fields: ['title', 'status'] })
    expect(res.statusCode, res.body).toBe(201)
    const share = res.json()
    expect(share).toMatchObject({
      resource: { type: 'ticket', id: shared.id },
      orgUnitId: teamB,
      fields: ['title', 'status'],
      masked: [],
      until: null,
      state: 'active',
      createdBy: leadA.id,
      revokedAt: null,
    })

    // the single read: only the chosen fields (and the record's ids and times)
    const got = await agentB.as('GET', `/api/v1/tickets/${shared.id}`)
    expect(got.statusCode, got.body).toBe(200)
    const item = got.json()
    expect(item).toMatchObject({ id: shared.id, title: 'Router keeps rebooting', status: 'new' })
    for (const hidden of [
      'description',
      'escalated',
      'priority',
      'category',
      'faultCode',
      'customerLevel',
      'assigneeId',
      'customerId',
    ])
      expect(item, hidden).not.toHaveProperty(hidden)

    // the list: B's own ticket and the shared one, projected the same way; not A's other one
    const list = await agentB.as('GET', '/api/v1/tickets')
    expect(ids(list).sort()).toEqual([shared.id, ownB.id].sort())
    const listed = (list.json() as { items: Record<string, unknown>[] }).items.find(
      (t) => t['id'] === shared.id,
    )
    expect(listed).toEqual(item)
    problem(await agentB.as('GET', `/api/v1/tickets/${otherA.id}`), 404, 'not_found')

    // search: through a chosen field, never through one the share hides
    expect(ids(await agentB.as('GET', '/api/v1/tickets?q=rebooting'))).toEqual([shared.id])
    expect(ids(await agentB.as('GET', '/api/v1/tickets?q=the%20details'))).toEqual([ownB.id])
    // a filter on a hidden field is no oracle either
    expect(ids(await agentB.as('GET', '/api/v1/tickets?priority=3'))).toEqual([ownB.id])
    expect(ids(await agentB.as('GET', '/api/v1/tickets?status=new')).sort()).toEqual(
      [shared.id, ownB.id].sort(),
    )

    // the count
    expect(await count(agentB.as)).toBe(2)
    expect(await count(agentB.as, '?q=rebooting')).toBe(1)

    // team C and a unit under B: nothing
    problem(await agentC.as('GET', `/api/v1/tickets/${shared.id}`), 404, 'not_found')
    expect(ids(await agentC.as('GET', '/api/v1/tickets'))).toEqual([])
    expect(await count(agentC.as)).toBe(0)
    problem(await agentUnderB.as('GET', `/api/v1/tickets/${shared.id}`), 404, 'not_found')
    expect(ids(await agentUnderB.as('GET', '/api/v1/tickets?q=rebooting'))).toEqual([])

    // the share is listed for those who see the ticket through their own access
    const listedShares = await leadA.as('GET', `/api/v1/tickets/${shared.id}/shares`)
    expect(listedShares.statusCode, listedShares.body).toBe(200)
    expect(ids(listedShares)).toEqual([share.id])
    // not for B (a share is for reading the ticket, nothing more), nor C
    problem(await agentB.as('GET', `/api/v1/tickets/${shared.id}/shares`), 404, 'not_found')
    problem(await agentC.as('GET', `/api/v1/tickets/${shared.id}/shares`), 404, 'not_found')
    // it is not a grant of the B agent's own
    expect((await agentB.as('GET', '/api/v1/me')).json().grants).toEqual([])

    // audited (G2), without any record value
    const events = await auditActions(db, a.companyId)
    const created = events.find((e) => e.action === 'share.created' && e.target_id === share.id)
    expect(created?.actor_user_id).toBe(leadA.id)
    expect(created?.after).toMatchObject({
      resource: { type: 'ticket', id: shared.id },
      orgUnitId: teamB,
      fields: ['title', 'status'],
    })
    expect(JSON.stringify(created?.after)).not.toContain('rebooting')

    // revoked: gone on the very next request, for the same (kept) session
    const revoked = await leadA.as('DELETE', `/api/v1/tickets/${shared.id}/shares/${share.id}`)
    expect(revoked.statusCode, revoked.body).toBe(200)
    expect(revoked.json()).toMatchObject({ id: share.id, state: 'revoked', revokedBy: leadA.id })
    problem(await agentB.as('GET', `/api/v1/tickets/${shared.id}`), 404, 'not_found')
    expect(ids(await agentB.as('GET', '/api/v1/tickets'))).toEqual([ownB.id])
    expect(await count(agentB.as)).toBe(1)
    expect(ids(await agentB.as('GET', '/api/v1/tickets?q=rebooting'))).toEqual([])
    problem(
      await leadA.as('DELETE', `/api/v1/tickets/${shared.id}/shares/${share.id}`),
      409,
      'conflict',
    )
    expect(ids(await leadA.as('GET', `/api/v1/tickets/${shared.id}/shares`))).toEqual([])
    const history = await leadA.as('GET', `/api/v1/tickets/${shared.id}/shares?state=all`)
    expect(history.json().items).toMatchObject([{ id: share.id, state: 'revoked' }])
    expect(
      (await auditActions(db, a.companyId)).some(
        (e) => e.action === 'share.revoked' && e.target_id === share.id,
      ),
    ).toBe(true)
  })

  it('ends by the clock at `until`, with no job', async () => {
    const until = new Date(clock.now().getTime() + 10 * 60_000).toISOString()
    const res = await shareTicket({ orgUnitId: teamB, fields: ['title'], until })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ until, state: 'active' })
    const share = res.json()
    expect((await agentB.as('GET', `/api/v1/tickets/${shared.id}`)).statusCode).toBe(200)

    clock.set(new Date(Date.parse(until) - 1))
    expect((await agentB.as('GET', `/api/v1/tickets/${shared.id}`)).statusCode).toBe(200)
    expect(await count(agentB.as)).toBe(2)

    clock.set(new Date(until))
    problem(await agentB.as('GET', `/api/v1/tickets/${shared.id}`), 404, 'not_found')
    expect(ids(await agentB.as('GET', '/api/v1/tickets'))).toEqual([ownB.id])
    expect(ids(await agentB.as('GET', '/api/v1/tickets?q=rebooting'))).toEqual([])
    expect(await count(agentB.as)).toBe(1)
    // no longer current; in the history as ended; revoking it now is 409
    expect(ids(await leadA.as('GET', `/api/v1/tickets/${shared.id}/shares`))).toEqual([])
    const history = await leadA.as('GET', `/api/v1/tickets/${shared.id}/shares?state=all`)
    expect(history.json().items).toContainEqual(
      expect.objectContaining({ id: share.id, state: 'ended' }),
    )
    problem(
      await leadA.as('DELETE', `/api/v1/tickets/${shared.id}/shares/${share.id}`),
      409,
      'conflict',
    )
  })

  it('opens no write and nothing beyond reading the ticket', async () => {
    const res = await shareTicket({ orgUnitId: teamB, fields: ['title', 'description'] })
    expect(res.statusCode, res.body).toBe(201)
    const share = res.json()
    expect((await agentB.as('GET', `/api/v1/tickets/${shared.id}`)).statusCode).toBe(200)
    const before = await db
      .selectFrom('tickets')
      .selectAll()
      .where('id', '=', shared.id)
      .executeTakeFirstOrThrow()

    // P5 and W5: visible, so a refused write is 403 (not 404), and nothing changes
    problem(
      await agentB.as('PATCH', `/api/v1/tickets/${shared.id}`, { title: 'Hijacked' }),
      403,
      'forbidden',
    )
    problem(
      await agentB.as('POST', `/api/v1/tickets/${shared.id}/status`, { status: 'processing' }),
      403,
      'forbidden',
    )
    problem(
      await agentB.as('POST', `/api/v1/tickets/${shared.id}/replies`, { body: 'Hello' }),
      403,
      'forbidden',
    )
    problem(await agentB.as('DELETE', `/api/v1/tickets/${shared.id}`), 403, 'forbidden')
    // not its replies, not its watchers, not watching it
    problem(await agentB.as('GET', `/api/v1/tickets/${shared.id}/replies`), 404, 'not_found')
    problem(await agentB.as('GET', `/api/v1/tickets/${shared.id}/watchers`), 404, 'not_found')
    problem(
      await agentB.as('POST', `/api/v1/tickets/${shared.id}/watchers`, { userId: agentB.id }),
      404,
      'not_found',
    )
    // and not passed on: B's lead (who may share B's tickets) cannot share it further, nor give
    // it to a member of B as a temporary grant that would outlive the share
    expect((await leadB.as('GET', `/api/v1/tickets/${shared.id}`)).statusCode).toBe(200)
    problem(await shareTicket({ orgUnitId: teamC, fields: ['title'] }, leadB.as), 404, 'not_found')
    problem(
      await leadB.as('POST', '/api/v1/grants', {
        userId: agentB.id,
        actions: ['ticket.view'],
        resource: { type: 'ticket', id: shared.id },
        fields: { '*': 'hidden', title: 'read' },
        endsAt: new Date(clock.now().getTime() + 60 * 60_000).toISOString(),
        reason: 'keep it after the share ends',
      }),
      403,
      'cannot_grant',
    )
    expect(await db.selectFrom('grants').select('id').execute()).toEqual([])
    const after = await db
      .selectFrom('tickets')
      .selectAll()
      .where('id', '=', shared.id)
      .executeTakeFirstOrThrow()
    expect(after).toEqual(before)
    expect(
      await db
        .selectFrom('ticket_watchers')
        .select('id')
        .where('ticket_id', '=', shared.id)
        .execute(),
    ).toEqual([])
    expect(
      await db
        .selectFrom('ticket_replies')
        .select('id')
        .where('ticket_id', '=', shared.id)
        .execute(),
    ).toEqual([])
    const revoked = await leadA.as('DELETE', `/api/v1/tickets/${shared.id}/shares/${share.id}`)
    expect(revoked.statusCode).toBe(200)
  })
})

describe('W5: sharing is a delegation', () => {
  it('refuses a person without `share` (403) and one who may not see the ticket (404)', async () => {
    const before = await allShares()
    // agentA sees the ticket (assigned to them) but holds no `share`
    expect((await agentA.as('GET', `/api/v1/tickets/${shared.id}`)).statusCode).toBe(200)
    problem(await shareTicket({ orgUnitId: teamB, fields: ['title'] }, agentA.as), 403, 'forbidden')
    // agentC may not know the ticket exists
    problem(await shareTicket({ orgUnitId: teamB, fields: ['title'] }, agentC.as), 404, 'not_found')
    // nor revoke or list the shares of a ticket they may not see, nor revoke without `share`
    const share = (await shareTicket({ orgUnitId: teamB, fields: ['title'] })).json()
    problem(
      await agentC.as('DELETE', `/api/v1/tickets/${shared.id}/shares/${share.id}`),
      404,
      'not_found',
    )
    problem(
      await agentA.as('DELETE', `/api/v1/tickets/${shared.id}/shares/${share.id}`),
      403,
      'forbidden',
    )
    // an Admin may (they may share every ticket)
    const ended = await asA('DELETE', `/api/v1/tickets/${shared.id}/shares/${share.id}`)
    expect(ended.statusCode, ended.body).toBe(200)
    expect(await allShares()).toBe(before + 1)
  })

  it('never shows more than the sharer sees: masked stays masked, hidden is refused', async () => {
    // the lead sees the customer's ID number masked (team scope, catalog default)
    const asLead = await leadA.as('GET', `/api/v1/customers/${customer.id}`)
    expect(asLead.json().idNumber).toBe('110101********1234')
    const res = await leadA.as('POST', `/api/v1/customers/${customer.id}/shares`, {
      orgUnitId: teamB,
      fields: ['name', 'phone', 'idNumber'],
    })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({
      resource: { type: 'customer', id: customer.id },
      fields: ['name', 'phone', 'idNumber'],
      masked: ['idNumber'],
    })
    const got = await agentB.as('GET', `/api/v1/customers/${customer.id}`)
    expect(got.statusCode, got.body).toBe(200)
    const item = got.json()
    expect(item).toMatchObject({
      id: customer.id,
      name: 'Wang Fang',
      phone: '+8613812345678',
      idNumber: '110101********1234',
      maskedFields: ['idNumber'],
    })
    for (const hidden of ['email', 'bankCard', 'level', 'tags', 'region', 'complaints'])
      expect(item, hidden).not.toHaveProperty(hidden)
    // in the list and search too, and not through the hidden email
    const listed = await agentB.as('GET', '/api/v1/customers?q=wang%20fang')
    expect(listed.json().items).toEqual([item])
    expect(ids(await agentB.as('GET', '/api/v1/customers?q=example.com'))).toEqual([])
    // unmasking is its own action, which a share does not give
    problem(
      await agentB.as('POST', `/api/v1/customers/${customer.id}/unmask`, {
        field: 'idNumber',
        reason: 'checking',
      }),
      403,
      'forbidden',
    )
    // not a customer B may name in its own tickets (a share is read-only)
    problem(
      await agentB.as('POST', '/api/v1/tickets', { title: 'Follow-up', customerId: customer.id }),
      404,
      'not_found',
    )

    // an Admin sees the ID number in clear: when they name it, the team sees it in clear
    const byAdmin = await asA('POST', `/api/v1/customers/${customer.id}/shares`, {
      orgUnitId: teamC,
      fields: ['idNumber'],
    })
    expect(byAdmin.statusCode, byAdmin.body).toBe(201)
    expect(byAdmin.json().masked).toEqual([])
    const asC = (await agentC.as('GET', `/api/v1/customers/${customer.id}`)).json()
    expect(asC).toEqual({
      id: customer.id,
      companyId: a.companyId,
      idNumber: '110101199003071234',
      orgUnitId: teamA,
      projectId: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    })

    // the lead may not see a ticket's customer level: sharing it is refused, nothing written
    const before = await allShares()
    const refused = problem(
      await shareTicket({ orgUnitId: teamB, fields: ['title', 'customerLevel'] }),
      403,
      'cannot_grant',
    )
    expect(refused.errors).toEqual([{ path: 'body/fields/1', message: 'hidden from you' }])
    expect(await allShares()).toBe(before)
  })
})

describe('W5: other companies and bad input', () => {
  it("answers 404 for another company's ticket or team, and writes nothing", async () => {
    const before = await allShares()
    problem(
      await shareTicket({ orgUnitId: teamB, fields: ['title'] }, leadA.as, foreignTicket.id),
      404,
      'not_found',
    )
    problem(await shareTicket({ orgUnitId: foreignTeam, fields: ['title'] }, asB), 404, 'not_found')
    const team = problem(
      await shareTicket({ orgUnitId: foreignTeam, fields: ['title'] }),
      404,
      'not_found',
    )
    expect(team.errors).toEqual([{ path: 'body/orgUnitId', message: expect.any(String) }])
    problem(await asB('GET', `/api/v1/tickets/${shared.id}/shares`), 404, 'not_found')
    problem(
      await asB('POST', `/api/v1/customers/${customer.id}/shares`, {
        orgUnitId: foreignTeam,
        fields: ['name'],
      }),
      404,
      'not_found',
    )
    // a share of one record is not reached through another
    const share = (await shareTicket({ orgUnitId: teamB, fields: ['title'] })).json()
    problem(
      await asA('DELETE', `/api/v1/tickets/${otherA.id}/shares/${share.id}`),
      404,
      'not_found',
    )
    problem(
      await asB('DELETE', `/api/v1/tickets/${foreignTicket.id}/shares/${share.id}`),
      404,
      'not_found',
    )
    expect(await allShares()).toBe(before + 1)
    expect((await sharesOf(shared.id)).find((s) => s.id === share.id)?.revoked_at).toBeNull()
    await leadA.as('DELETE', `/api/v1/tickets/${shared.id}/shares/${share.id}`)
  })

  it('refuses bad input with 400 problem+json and writes nothing', async () => {
    const before = await allShares()
    const past = new Date(clock.now().getTime() - 1000).toISOString()
    const cases: [Record<string, unknown>, string][] = [
      [{ orgUnitId: teamB, fields: ['title', 'secret'] }, 'body/fields/1'],
      [{ orgUnitId: teamB, fields: ['title', 'title'] }, 'body/fields/1'],
      [{ orgUnitId: teamB, fields: ['phone'] }, 'body/fields/0'],
      [{ orgUnitId: teamB, fields: ['title'], until: past }, 'body/until'],
      [{ orgUnitId: teamB, fields: [] }, 'body/fields'],
      [{ orgUnitId: teamB, fields: ['title'], until: 'tomorrow' }, 'body/until'],
      [{ fields: ['title'] }, 'body'],
      [{ orgUnitId: teamB, fields: ['title'], extra: true }, 'body'],
      [{ orgUnitId: teamB, fields: ['ti\u0000tle'] }, ''],
      [{ orgUnitId: `${teamB}\u0000`, fields: ['title'] }, ''],
    ]
    for (const [body, path] of cases) {
      const res = await shareTicket(body)
      const p = problem(res, 400, 'validation_failed')
      if (path !== '')
        expect(
          (p.errors as { path: string }[]).some((e) => e.path.startsWith(path)),
          `${JSON.stringify(body)}: ${res.body}`,
        ).toBe(true)
    }
    expect(await allShares()).toBe(before)
  })
})

describe('W5: a share ends with its maker (G6)', () => {
  it("revokes, when the sharer is offboarded, every share they made, audited, in the offboarding's transaction", async () => {
    const leadX = await person('lead.x@s.test', 'Team lead', teamA)
    const ticket = await ticketOf('Fibre cut in the basement', teamA)
    const made = await shareTicket({ orgUnitId: teamC, fields: ['title'] }, leadX.as, ticket.id)
    expect(made.statusCode, made.body).toBe(201)
    // another lead's share of the same ticket is theirs, and stays
    const kept = await shareTicket({ orgUnitId: teamB, fields: ['title'] }, leadA.as, ticket.id)
    expect(kept.statusCode, kept.body).toBe(201)
    expect((await agentC.as('GET', `/api/v1/tickets/${ticket.id}`)).statusCode).toBe(200)

    const off = await asA('POST', `/api/v1/users/${leadX.id}/offboard`, {
      successorId: leadA.id,
    })
    expect(off.statusCode, off.body).toBe(200)
    expect(off.json().revoked).toMatchObject({ shares: 1 })

    problem(await agentC.as('GET', `/api/v1/tickets/${ticket.id}`), 404, 'not_found')
    expect(ids(await agentC.as('GET', '/api/v1/tickets?q=basement'))).toEqual([])
    expect((await agentB.as('GET', `/api/v1/tickets/${ticket.id}`)).statusCode).toBe(200)
    const rows = await sharesOf(ticket.id)
    expect(rows.find((r) => r.id === made.json().id)?.revoked_at).not.toBeNull()
    expect(rows.find((r) => r.id === kept.json().id)?.revoked_at).toBeNull()
    const events = await db
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('target_id', '=', made.json().id)
      .execute()
    expect(events.map((e) => e.action)).toEqual(['share.created', 'share.revoked'])
    expect(events[1]?.after).toMatchObject({ state: 'revoked', endedBy: 'offboarding' })
  })
})
