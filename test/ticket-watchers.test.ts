/**
 * W6, notification instead of access (issue 10 part 2): a ticket's watchers — people, or whole
 * teams — are told of its status changes and new replies, whether or not they may open it, and
 * are told nothing of its content. Who may add whom, another company's ids, bad input writing
 * nothing, a refused change telling nobody, read marks per person.
 */
import { describe, expect, it } from 'vitest'
import { caller, newPerson, newTeam } from './fixtures.js'
import { auditActions, createTestApp, problem, signUp, strongPassword } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Watchers A' })
const b = await signUp(app, { companyName: 'Watchers B' })
const asA = call(a.token)
const asB = call(b.token)

const unit = newTeam
const t1 = await unit(asA, 'Team one')
const t2 = await unit(asA, 'Team two')
const bTeam = await unit(asB, 'B team')

const person = (email: string, role: string, orgUnitId: string | null) =>
  newPerson(app, db, a, { email, role, orgUnitId })
const nina = await person('nina@w.test', 'Novice agent', t1)
const lee = await person('lee@w.test', 'Team lead', t1)
const oscar = await person('oscar@w.test', 'Team lead', t2)
const olga = await person('olga@w.test', 'Novice agent', t2)
const bUser = (
  await asB('POST', '/api/v1/users', {
    email: 'bob@b.test',
    name: 'Bob',
    password: strongPassword,
    orgUnitId: bTeam,
    roleIds: [],
  })
).json().id as string

const secretTitle = 'Refund for order 8841 to card 6222'
const ticket = (
  await nina.as('POST', '/api/v1/tickets', {
    title: secretTitle,
    description: 'The customer disputes the charge',
  })
).json() as { id: string }
const theirs = (await asB('POST', '/api/v1/tickets', { title: 'B ticket' })).json() as {
  id: string
}

const watchers = (ticketId: string) =>
  db.selectFrom('ticket_watchers').selectAll().where('ticket_id', '=', ticketId).execute()
const inbox = async (who: typeof asA) => {
  const res = await who('GET', '/api/v1/notifications')
  expect(res.statusCode).toBe(200)
  return res.json() as {
    items: {
      id: string
      kind: string
      ticketId: string
      fromStatus: string | null
      toStatus: string | null
    }[]
    unread: number
    nextCursor: string | null
  }
}

describe('W6: watchers are told of changes, never shown content', () => {
  it('tells a watching team that may not open the ticket only what changed', async () => {
    // team two may not open team one's ticket
    problem(await oscar.as('GET', `/api/v1/tickets/${ticket.id}`), 404, 'not_found')
    const added = await asA('POST', `/api/v1/tickets/${ticket.id}/watchers`, { orgUnitId: t2 })
    expect(added.statusCode).toBe(201)
    expect(added.json()).toMatchObject({ ticketId: ticket.id, orgUnitId: t2, userId: null })

    const moved = await lee.as('POST', `/api/v1/tickets/${ticket.id}/status`, {
      status: 'processing',
    })
    expect(moved.statusCode).toBe(200)

    for (const member of [oscar, olga]) {
      const box = await inbox(member.as)
      expect(box.unread).toBe(1)
      expect(box.items).toHaveLength(1)
      expect(box.items[0]).toMatchObject({
        kind: 'ticket.status_changed',
        ticketId: ticket.id,
        fromStatus: 'new',
        toStatus: 'processing',
        readAt: null,
      })
      expect(JSON.stringify(box)).not.toContain('8841')
      expect(Object.keys(box.items[0] ?? {}).sort()).toEqual(
        ['createdAt', 'fromStatus', 'id', 'kind', 'readAt', 'ticketId', 'toStatus'].sort(),
      )
      // still no way in
      problem(await member.as('GET', `/api/v1/tickets/${ticket.id}`), 404, 'not_found')
      problem(await member.as('GET', `/api/v1/tickets/${ticket.id}/replies`), 404, 'not_found')
    }
    // nobody else was told; the ticket's own people were not watching
    expect((await inbox(nina.as)).items).toHaveLength(0)
    expect((await inbox(lee.as)).items).toHaveLength(0)
  })

  it('a person watches a ticket they may view; the one who made a change is not told of it', async () => {
    const self = await lee.as('POST', `/api/v1/tickets/${ticket.id}/watchers`, { userId: lee.id })
    expect(self.statusCode).toBe(201)
    problem(
      await lee.as('POST', `/api/v1/tickets/${ticket.id}/watchers`, { userId: lee.id }),
      409,
      'conflict',
    )
    const reply = await nina.as('POST', `/api/v1/tickets/${ticket.id}/replies`, { body: 'Called' })
    expect(reply.statusCode).toBe(201)
    const leeBox = await inbox(lee.as)
    expect(leeBox.items.map((n) => n.kind)).toEqual(['ticket.replied'])
    expect(JSON.stringify(leeBox)).not.toContain('Called')
    // lee's own reply tells team two but not lee
    await lee.as('POST', `/api/v1/tickets/${ticket.id}/replies`, { body: 'Noted' })
    expect((await inbox(lee.as)).items).toHaveLength(1)
    expect((await inbox(oscar.as)).items.map((n) => n.kind)).toEqual([
      'ticket.replied',
      'ticket.replied',
      'ticket.status_changed',
    ])
  })

  it('adding someone else needs ticket.edit and a person or unit the caller may view', async () => {
    // a person who may not view the ticket cannot learn it exists by watching it
    problem(
      await oscar.as('POST', `/api/v1/tickets/${ticket.id}/watchers`, { userId: oscar.id }),
      404,
      'not_found',
    )
    // the lead may edit the ticket but not view team two's people or unit
    const before = (await watchers(ticket.id)).length
    const notHis = await lee.as('POST', `/api/v1/tickets/${ticket.id}/watchers`, {
      userId: olga.id,
    })
    problem(notHis, 404, 'not_found')
    expect(notHis.json().errors).toEqual([{ path: 'body/userId', message: expect.any(String) }])
    // his own unit needs no orgUnit.view
    const own = await lee.as('POST', `/api/v1/tickets/${ticket.id}/watchers`, { orgUnitId: t1 })
    expect(own.statusCode).toBe(201)
    // nina may view her ticket: she watches it herself
    expect(
      (await nina.as('POST', `/api/v1/tickets/${ticket.id}/watchers`, { userId: nina.id }))
        .statusCode,
    ).toBe(201)
    expect((await watchers(ticket.id)).length).toBe(before + 2)
  })

  it('the list shows only the people and units the caller may view, and themselves', async () => {
    const asAdmin = (await asA('GET', `/api/v1/tickets/${ticket.id}/watchers`)).json().items
    expect(
      asAdmin
        .map((w: { orgUnitId: string | null; userId: string | null }) => w.orgUnitId ?? w.userId)
        .sort(),
    ).toEqual([t2, lee.id, t1, nina.id].sort())
    const asNina = (await nina.as('GET', `/api/v1/tickets/${ticket.id}/watchers`)).json().items
    const seen = asNina.map(
      (w: { orgUnitId: string | null; userId: string | null }) => w.orgUnitId ?? w.userId,
    )
    expect(seen).toContain(nina.id)
    expect(seen).not.toContain(t2)
  })

  it('a refused change tells nobody', async () => {
    const before = (await inbox(oscar.as)).items.length
    // new → resolved is not a move the workflow has (409), and nina may not close (403)
    problem(
      await lee.as('POST', `/api/v1/tickets/${ticket.id}/status`, { status: 'reopened' }),
      409,
      'conflict',
    )
    expect((await inbox(oscar.as)).items.length).toBe(before)
  })

  it('marks read per person: another person’s notification is 404', async () => {
    const box = await inbox(olga.as)
    const first = box.items[0]
    if (first === undefined) throw new Error('olga has no notification')
    problem(await oscar.as('POST', `/api/v1/notifications/${first.id}/read`), 404, 'not_found')
    problem(await asB('POST', `/api/v1/notifications/${first.id}/read`), 404, 'not_found')
    const read = await olga.as('POST', `/api/v1/notifications/${first.id}/read`)
    expect(read.statusCode).toBe(200)
    expect(read.json().readAt).toEqual(expect.any(String))
    const after = await inbox(olga.as)
    expect(after.unread).toBe(box.unread - 1)
    const unread = (await olga.as('GET', '/api/v1/notifications?unread=true')).json()
    expect(unread.items.map((n: { id: string }) => n.id)).not.toContain(first.id)
    // pages: one at a time, newest first, the cursor continues
    const p1 = (await olga.as('GET', '/api/v1/notifications?limit=1')).json()
    expect(p1.items).toHaveLength(1)
    const p2 = (
      await olga.as('GET', `/api/v1/notifications?limit=1&cursor=${p1.nextCursor as string}`)
    ).json()
    expect(p2.items[0].id).not.toBe(p1.items[0].id)
    expect(p2.items[0].createdAt <= p1.items[0].createdAt).toBe(true)
  })

  it('removing: oneself with view, anyone else with edit; afterwards they are not told', async () => {
    const list = (await asA('GET', `/api/v1/tickets/${ticket.id}/watchers`)).json().items as {
      id: string
      userId: string | null
      orgUnitId: string | null
    }[]
    const team2 = list.find((w) => w.orgUnitId === t2)
    const ninaW = list.find((w) => w.userId === nina.id)
    if (team2 === undefined || ninaW === undefined) throw new Error('watchers missing')
    problem(
      await oscar.as('DELETE', `/api/v1/tickets/${ticket.id}/watchers/${team2.id}`),
      404,
      'not_found',
    )
    expect(
      (await nina.as('DELETE', `/api/v1/tickets/${ticket.id}/watchers/${ninaW.id}`)).statusCode,
    ).toBe(204)
    expect(
      (await lee.as('DELETE', `/api/v1/tickets/${ticket.id}/watchers/${team2.id}`)).statusCode,
    ).toBe(204)
    const before = (await inbox(oscar.as)).items.length
    await lee.as('POST', `/api/v1/tickets/${ticket.id}/status`, { status: 'resolved' })
    expect((await inbox(oscar.as)).items.length).toBe(before)
    const events = await auditActions(db, a.companyId)
    expect(events.filter((e) => e.action === 'ticket.watcher_added').length).toBe(4)
    expect(events.filter((e) => e.action === 'ticket.watcher_removed').length).toBe(2)
  })

  it('a closed ticket takes no new watchers from anyone but its viewers themselves (P5)', async () => {
    expect(
      (await lee.as('POST', `/api/v1/tickets/${ticket.id}/status`, { status: 'closed' }))
        .statusCode,
    ).toBe(200)
    // not even a conflict is revealed before the right to add
    problem(
      await lee.as('POST', `/api/v1/tickets/${ticket.id}/watchers`, { orgUnitId: t1 }),
      403,
      'forbidden',
    )
    const res = await lee.as('POST', `/api/v1/tickets/${ticket.id}/watchers`, { userId: nina.id })
    problem(res, 403, 'forbidden')
    // watching oneself is not a change of the ticket: a viewer may still
    const self = await nina.as('POST', `/api/v1/tickets/${ticket.id}/watchers`, { userId: nina.id })
    expect(self.statusCode).toBe(201)
  })
})

describe('W6: other companies and bad input', () => {
  it("another company's ticket, person or unit is 404, as an id never issued", async () => {
    problem(await asB('GET', `/api/v1/tickets/${ticket.id}/watchers`), 404, 'not_found')
    problem(
      await asB('POST', `/api/v1/tickets/${ticket.id}/watchers`, { userId: bUser }),
      404,
      'not_found',
    )
    const before = (await watchers(theirs.id)).length
    problem(
      await asB('POST', `/api/v1/tickets/${theirs.id}/watchers`, { userId: nina.id }),
      404,
      'not_found',
    )
    problem(
      await asB('POST', `/api/v1/tickets/${theirs.id}/watchers`, { orgUnitId: t1 }),
      404,
      'not_found',
    )
    expect((await watchers(theirs.id)).length).toBe(before)
  })

  it('answers 400 problem+json for bad bodies and writes nothing', async () => {
    const before = (await watchers(theirs.id)).length
    for (const body of [
      {},
      { userId: bUser, orgUnitId: bTeam },
      { userId: 'x\u0000y' },
      { orgUnitId: '\ud800' },
      { userId: bUser, extra: 1 },
    ]) {
      problem(
        await asB('POST', `/api/v1/tickets/${theirs.id}/watchers`, body),
        400,
        'validation_failed',
      )
    }
    problem(await asB('GET', '/api/v1/notifications?cursor=bad'), 400, 'validation_failed')
    problem(await asB('GET', '/api/v1/notifications?limit=0'), 400, 'validation_failed')
    expect((await watchers(theirs.id)).length).toBe(before)
  })
})
