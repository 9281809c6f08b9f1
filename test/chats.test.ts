/**
 * Issue 10 (protected workspace): the chat log (R1 [004]), through HTTP. A chat is its agent's,
 * of their team, like a call: a novice opens, replies in and closes their own chats; a team lead
 * reads the team's and does not reply; another team's and another company's chats are 404; the
 * transcript is a confidential field a role may hide or mask, and a search never finds a chat
 * through a field the searcher does not read in clear; export and delete are the Admin's.
 * Bad input (NUL bytes, an unknown channel, an empty message) is 400 and writes nothing.
 */
import { describe, expect, it } from 'vitest'
import { addRole, caller, giveRole, newPerson, newTeam } from './fixtures.js'
import { auditActions, createTestApp, exported, logIn, problem, signUp } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Chat A' })
const b = await signUp(app, { companyName: 'Chat B' })
const asA = call(a.token)
const asB = call(b.token)

type Res = { statusCode: number; body: string; json(): any } // eslint-disable-line @typescript-eslint/no-explicit-any
function must(res: Res, status = 201) {
  if (res.statusCode !== status)
    throw new Error(`expected ${status}: ${res.statusCode} ${res.body}`)
  return (res.body === '' ? {} : res.json()) as Record<string, any> & { id: string } // eslint-disable-line @typescript-eslint/no-explicit-any
}

const t1 = await newTeam(asA, 'Hotline')
const t2 = await newTeam(asA, 'Billing')
const nia = await newPerson(app, db, a, {
  email: 'nia@a.test',
  role: 'Novice agent',
  orgUnitId: t1,
})
const ned = await newPerson(app, db, a, {
  email: 'ned@a.test',
  role: 'Novice agent',
  orgUnitId: t2,
})
const lee = await newPerson(app, db, a, { email: 'lee@a.test', role: 'Team lead', orgUnitId: t1 })
// a reviewer of every chat whose role masks the transcript and the number
const rex = await newPerson(app, db, a, {
  email: 'rex@a.test',
  role: 'Novice agent',
  orgUnitId: t2,
})
await giveRole(
  db,
  a.companyId,
  rex.id,
  await addRole(db, a.companyId, 'Chat reviewer', {
    grants: [
      {
        actions: ['chat.view'],
        scope: 'company',
        fields: { transcript: 'masked', phone: 'masked' },
      },
    ],
  }),
)
// a reader of every chat who may not see transcripts at all
const hal = await newPerson(app, db, a, {
  email: 'hal@a.test',
  role: 'Novice agent',
  orgUnitId: t2,
})
await giveRole(
  db,
  a.companyId,
  hal.id,
  await addRole(db, a.companyId, 'Chat counter', {
    grants: [{ actions: ['chat.view'], scope: 'company', fields: { transcript: 'hidden' } }],
  }),
)

const customer = must(
  await asA('POST', '/api/v1/customers', { name: 'Wang Fang', ownerId: nia.id, orgUnitId: t1 }),
).id
const bCustomer = must(await asB('POST', '/api/v1/customers', { name: 'B' })).id

async function chatRows() {
  const row = await db
    .selectFrom('chat_messages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', a.companyId)
    .executeTakeFirstOrThrow()
  const chats = await db
    .selectFrom('chats')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', a.companyId)
    .executeTakeFirstOrThrow()
  return { chats: Number(chats.n), messages: Number(row.n) }
}

describe('opening a chat', () => {
  it('bad input is 400 and writes nothing', async () => {
    for (const body of [
      { channel: 'wechat', message: 'hello\u0000' },
      { channel: 'pigeon' },
      { channel: 'web', message: '   ' },
      { channel: 'web', phone: 'not a number' },
      { channel: 'web', extra: true },
      { channel: 'web', customerId: 'x\u0000' },
      {},
    ]) {
      const res = await nia.as('POST', '/api/v1/chats', body)
      problem(res, 400, 'validation_failed')
    }
    expect(await chatRows()).toEqual({ chats: 0, messages: 0 })
  })

  it("another company's customer, or an invisible project, is 404 on its path; nothing written", async () => {
    const res = await nia.as('POST', '/api/v1/chats', { channel: 'web', customerId: bCustomer })
    expect(problem(res, 404, 'not_found').errors).toEqual([
      expect.objectContaining({ path: 'body/customerId' }),
    ])
    const bProject = must(await asB('POST', '/api/v1/projects', { name: 'B' })).id
    const other = await nia.as('POST', '/api/v1/chats', { channel: 'web', projectId: bProject })
    problem(other, 404, 'not_found')
    expect(await chatRows()).toEqual({ chats: 0, messages: 0 })
  })
})

describe('a project-scoped opener', () => {
  it('opens chats of their own projects only: another project 403 on body/projectId', async () => {
    const mine = must(await asA('POST', '/api/v1/projects', { name: 'Apollo' })).id
    const theirs = must(await asA('POST', '/api/v1/projects', { name: 'Borealis' })).id
    const pia = await newPerson(app, db, a, {
      email: 'pia@a.test',
      role: 'Novice agent',
      orgUnitId: t2,
    })
    const role = await addRole(db, a.companyId, 'Project chats', {
      grants: [
        { actions: ['project.view'], scope: 'company' },
        { actions: ['chat.create'], scope: 'project' },
        { actions: ['chat.view'], scope: 'project' },
      ],
    })
    must(await asA('PUT', `/api/v1/users/${pia.id}/roles`, { roleIds: [role] }), 200)
    must(await asA('PUT', `/api/v1/projects/${mine}/members/${pia.id}`), 204)
    const refused = problem(
      await pia.as('POST', '/api/v1/chats', { channel: 'web', projectId: theirs }),
      403,
      'forbidden',
    )
    expect(refused.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'body/projectId' })]),
    )
    problem(await pia.as('POST', '/api/v1/chats', { channel: 'web' }), 403, 'forbidden')
    const opened = must(await pia.as('POST', '/api/v1/chats', { channel: 'web', projectId: mine }))
    expect(opened).toMatchObject({ projectId: mine, agentId: pia.id })
    must(await asA('DELETE', `/api/v1/chats/${opened.id}`), 204)
  })
})

describe('the chat log', () => {
  let chat = ''

  it('a novice opens a chat: theirs, in their team, the customer’s first message in it', async () => {
    const opened = must(
      await nia.as('POST', '/api/v1/chats', {
        channel: 'wechat',
        phone: '138 0013 8000',
        country: 'CN',
        customerId: customer,
        message: '我的退款还没到账',
      }),
    )
    chat = opened.id
    expect(opened).toMatchObject({
      agentId: nia.id,
      orgUnitId: t1,
      customerId: customer,
      phone: '+8613800138000',
      status: 'open',
      messageCount: 1,
      transcript: [
        expect.objectContaining({ author: 'customer', authorId: null, body: '我的退款还没到账' }),
      ],
    })
    const reply = must(
      await nia.as('POST', `/api/v1/chats/${chat}/messages`, {
        body: 'Let me check that for you.',
      }),
    )
    expect(reply).toMatchObject({ author: 'agent', authorId: nia.id })
    const read = must(await nia.as('GET', `/api/v1/chats/${chat}`), 200)
    expect(read.transcript.map((m: { body: string }) => m.body)).toEqual([
      '我的退款还没到账',
      'Let me check that for you.',
    ])
    expect(read.messageCount).toBe(2)
    const events = await auditActions(db, a.companyId)
    const replied = events.find((e) => e.action === 'chat.replied')
    expect(replied?.after).toEqual({ messageId: reply.id, length: 26 })
    // the audit log is not a second copy of the conversation
    expect(JSON.stringify(events)).not.toContain('Let me check')
    expect(events.some((e) => e.action === 'chat.created' && e.target_id === chat)).toBe(true)
  })

  it('another team’s agent and another company get 404 on every path; nothing changes', async () => {
    for (const as of [ned.as, asB]) {
      problem(await as('GET', `/api/v1/chats/${chat}`), 404, 'not_found')
      problem(await as('POST', `/api/v1/chats/${chat}/messages`, { body: 'hi' }), 404, 'not_found')
      problem(await as('POST', `/api/v1/chats/${chat}/close`), 404, 'not_found')
      problem(await as('PUT', `/api/v1/chats/${chat}/notes`, { notes: 'x' }), 404, 'not_found')
      problem(await as('DELETE', `/api/v1/chats/${chat}`), 404, 'not_found')
    }
    expect(must(await ned.as('GET', '/api/v1/chats'), 200).items).toEqual([])
    expect(must(await ned.as('GET', '/api/v1/chats/count'), 200).count).toBe(0)
    expect(must(await asB('GET', '/api/v1/chats'), 200).items).toEqual([])
    expect(await chatRows()).toEqual({ chats: 1, messages: 2 })
  })

  it('the team lead reads the team’s chats but does not reply in them (403)', async () => {
    const listed = must(await lee.as('GET', '/api/v1/chats'), 200).items
    expect(listed.map((c: { id: string }) => c.id)).toEqual([chat])
    expect(listed[0].transcript).toBeUndefined()
    expect(must(await lee.as('GET', `/api/v1/chats/${chat}`), 200).transcript).toHaveLength(2)
    problem(
      await lee.as('POST', `/api/v1/chats/${chat}/messages`, { body: 'hi' }),
      403,
      'forbidden',
    )
    expect(await chatRows()).toEqual({ chats: 1, messages: 2 })
  })

  it('a reader without chat.reply cannot close it either (403); it stays open', async () => {
    for (const as of [lee.as, rex.as]) {
      problem(await as('POST', `/api/v1/chats/${chat}/close`), 403, 'forbidden')
    }
    expect(must(await nia.as('GET', `/api/v1/chats/${chat}`), 200)).toMatchObject({
      status: 'open',
      closedAt: null,
    })
  })

  it('a masked transcript shows each message masked; a hidden one is absent', async () => {
    const masked = must(await rex.as('GET', `/api/v1/chats/${chat}`), 200)
    expect(masked.maskedFields).toEqual(expect.arrayContaining(['phone', 'transcript']))
    expect(masked.phone).not.toBe('+8613800138000')
    expect(masked.transcript).toHaveLength(2)
    for (const m of masked.transcript) expect(m.body).toMatch(/^\*+$/)
    const hidden = must(await hal.as('GET', `/api/v1/chats/${chat}`), 200)
    expect(hidden.transcript).toBeUndefined()
    expect(hidden.id).toBe(chat)
  })

  it('a number is found in any format, but never through a field read masked (S11)', async () => {
    const q = encodeURIComponent('+86 138-0013-8000')
    expect(must(await nia.as('GET', `/api/v1/chats?q=${q}`), 200).items).toHaveLength(1)
    expect(
      must(await nia.as('GET', `/api/v1/chats?phone=13800138000&country=CN`), 200).items,
    ).toHaveLength(1)
    expect(must(await rex.as('GET', `/api/v1/chats?q=${q}`), 200).items).toEqual([])
    expect(must(await rex.as('GET', '/api/v1/chats/count?phone=%2B8613800138000'), 200).count).toBe(
      0,
    )
    expect(must(await rex.as('GET', '/api/v1/chats/count'), 200).count).toBe(1)
    problem(await nia.as('GET', '/api/v1/chats?phone=abc'), 400, 'validation_failed')
    problem(await nia.as('GET', '/api/v1/chats?channel=pigeon'), 400, 'validation_failed')
  })

  it('notes are the agent’s to write; a reader without chat.note gets 403', async () => {
    const noted = must(
      await nia.as('PUT', `/api/v1/chats/${chat}/notes`, { notes: ' refund in 3 days ' }),
      200,
    )
    expect(noted.notes).toBe('refund in 3 days')
    problem(await rex.as('PUT', `/api/v1/chats/${chat}/notes`, { notes: 'x' }), 403, 'forbidden')
    problem(
      await nia.as('PUT', `/api/v1/chats/${chat}/notes`, { notes: 'a\u0000' }),
      400,
      'validation_failed',
    )
    expect(must(await nia.as('GET', `/api/v1/chats/${chat}`), 200).notes).toBe('refund in 3 days')
  })

  it('export is the Admin’s: the same rows as the list, masks kept; a novice gets 403', async () => {
    problem(await nia.as('GET', '/api/v1/chats/export'), 403, 'forbidden')
    const res = await asA('GET', '/api/v1/chats/export')
    expect(res.statusCode).toBe(200)
    const rows = exported(res)
    expect(rows.map((r) => r['id'])).toEqual([chat])
    expect(rows[0]).toMatchObject({
      channel: 'wechat',
      messageCount: '2',
      phone: '+8613800138000',
    })
    expect(res.body).not.toContain('退款')
    const events = await auditActions(db, a.companyId)
    expect(events.find((e) => e.action === 'chat.exported')?.after).toMatchObject({ rows: 1 })
  })

  it('replies sent at once are all kept, numbered one after the other', async () => {
    const bodies = ['one', 'two', 'three', 'four', 'five']
    const sent = await Promise.all(
      bodies.map((body) => nia.as('POST', `/api/v1/chats/${chat}/messages`, { body })),
    )
    expect(sent.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201])
    const read = must(await nia.as('GET', `/api/v1/chats/${chat}`), 200)
    expect(read.messageCount).toBe(7)
    expect(read.transcript).toHaveLength(7)
    expect(
      read.transcript
        .slice(2)
        .map((m: { body: string }) => m.body)
        .sort(),
    ).toEqual([...bodies].sort())
    const seqs = await db
      .selectFrom('chat_messages')
      .select('seq')
      .where('chat_id', '=', chat)
      .orderBy('seq')
      .execute()
    expect(seqs.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
  })

  it('closing ends it: no more replies (409), closing twice 409', async () => {
    const closed = must(await nia.as('POST', `/api/v1/chats/${chat}/close`), 200)
    expect(closed).toMatchObject({ status: 'closed' })
    expect(closed.closedAt).toEqual(expect.any(String))
    problem(
      await nia.as('POST', `/api/v1/chats/${chat}/messages`, { body: 'one more' }),
      409,
      'conflict',
    )
    problem(await nia.as('POST', `/api/v1/chats/${chat}/close`), 409, 'conflict')
    expect(await chatRows()).toEqual({ chats: 1, messages: 7 })
  })

  it('deleting is the Admin’s (high-risk): a novice gets 403, then the chat and its messages go', async () => {
    problem(await nia.as('DELETE', `/api/v1/chats/${chat}`), 403, 'forbidden')
    must(await asA('DELETE', `/api/v1/chats/${chat}`), 204)
    problem(await asA('GET', `/api/v1/chats/${chat}`), 404, 'not_found')
    expect(await chatRows()).toEqual({ chats: 0, messages: 0 })
    expect((await auditActions(db, a.companyId)).some((e) => e.action === 'chat.deleted')).toBe(
      true,
    )
  })
})

const exporter = await newPerson(app, db, a, {
  email: 'exp@a.test',
  role: 'Novice agent',
  orgUnitId: t2,
})
await giveRole(
  db,
  a.companyId,
  exporter.id,
  await addRole(db, a.companyId, 'Chat exporter', {
    grants: [
      { actions: ['chat.export'], scope: 'company', reasonRequired: true, limits: { perDay: 1 } },
    ],
  }),
)
const exporterToken = (await logIn(app, { company: a.slug, email: 'exp@a.test' })).json()
  .token as string

describe('an export granted with a reason and a per-day limit', () => {
  const exportAs = async (reason?: string) =>
    app.inject({
      method: 'GET',
      url: '/api/v1/chats/export',
      headers: {
        authorization: `Bearer ${exporterToken}`,
        ...(reason !== undefined && { 'x-tessera-reason': reason }),
      },
    })
  const started = async () =>
    (await auditActions(db, a.companyId)).filter((e) => e.action === 'chat.export.started')

  it('without a reason: 400 reason_required, no export begun, the day’s one export not spent', async () => {
    const before = (await started()).length
    problem(await exportAs(), 400, 'reason_required')
    expect((await started()).length).toBe(before)
  })

  it('with a reason: exported and the reason recorded; a second export that day is 429', async () => {
    const res = await exportAs('dispute #88')
    expect(res.statusCode).toBe(200)
    expect((await started()).at(-1)?.after).toMatchObject({ reason: 'dispute #88' })
    const count = (await started()).length
    problem(await exportAs('again'), 429, 'quota_exceeded')
    expect((await started()).length).toBe(count)
  })
})
