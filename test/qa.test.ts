/**
 * QA (issue 10, point 4): scorecards and evaluations of calls. A QA inspector scores any call of
 * the company (hears every recording, never dials); a team lead scores the team's calls ([000]
 * 组员话术考核) and sees only the team's evaluations; an agent has no QA at all. Weighted scores,
 * another company's ids 404, bad input 400 writing nothing.
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { caller, newPerson, newTeam } from './fixtures.js'
import { auditActions, createTestApp, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'QA A' })
const b = await signUp(app, { companyName: 'QA B' })
const asA = call(a.token)
const asB = call(b.token)

const unit = newTeam
const t1 = await unit(asA, 'Team one')
const t2 = await unit(asA, 'Team two')

const person = (email: string, role: string, orgUnitId: string | null) =>
  newPerson(app, db, a, { email, role, orgUnitId })
const quinn = await person('quinn@qa.test', 'QA inspector', null)
const lee = await person('lee@qa.test', 'Team lead', t1)
const oscar = await person('oscar@qa.test', 'Team lead', t2)
const nina = await person('nina@qa.test', 'Novice agent', t1)
const olga = await person('olga@qa.test', 'Novice agent', t2)
const bAdmin = (await asB('GET', '/api/v1/me')).json().user.id as string

/** An ended, answered call (written as the tables' owner: the telephony simulator is tested elsewhere). */
async function callRow(id: string, companyId: string, agentId: string, orgUnitId: string | null) {
  const started = new Date(clock.now().getTime() - 3_600_000)
  await sql`insert into calls (id, company_id, agent_id, org_unit_id, phone, status, started_at,
      answered_at, ended_at, duration_sec)
    values (${id}, ${companyId}, ${agentId}, ${orgUnitId}, '+8613800138000', 'ended',
      ${started}, ${new Date(started.getTime() + 5_000)}, ${new Date(started.getTime() + 125_000)},
      120)`.execute(db)
  return id
}
const ninasCall = await callRow('qa-call-nina', a.companyId, nina.id, t1)
const olgasCall = await callRow('qa-call-olga', a.companyId, olga.id, t2)
const theirCall = await callRow('qa-call-b', b.companyId, bAdmin, null)

const card = (
  await asA('POST', '/api/v1/qa/scorecards', {
    name: 'Inbound service call',
    criteria: [
      { key: 'greeting', label: 'Greets and names the company', weight: 1, max: 5 },
      { key: 'verification', label: 'Verifies the caller', weight: 3, max: 5 },
      { key: 'resolution', label: 'Resolves or escalates', weight: 4, max: 10 },
    ],
  })
).json() as { id: string }
const theirCard = (
  await asB('POST', '/api/v1/qa/scorecards', {
    name: 'B card',
    criteria: [{ key: 'x', label: 'X', weight: 1, max: 1 }],
  })
).json() as { id: string }

const evaluations = async () =>
  Number(
    (
      await db
        .selectFrom('qa_evaluations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )

describe('QA scorecards', () => {
  it('are made by whoever holds qaScorecard.create (the Admin), read by QA and leads', async () => {
    expect(card.id).toEqual(expect.any(String))
    problem(
      await quinn.as('POST', '/api/v1/qa/scorecards', {
        name: 'Mine',
        criteria: [{ key: 'a', label: 'A', weight: 1, max: 1 }],
      }),
      403,
      'forbidden',
    )
    const seen = (await lee.as('GET', '/api/v1/qa/scorecards')).json().items as { id: string }[]
    expect(seen.map((c) => c.id)).toEqual([card.id])
    problem(await nina.as('GET', '/api/v1/qa/scorecards'), 403, 'forbidden')
  })

  it('refuses bad criteria with the path, writing nothing', async () => {
    const res = await asA('POST', '/api/v1/qa/scorecards', {
      name: 'Broken',
      criteria: [
        { key: 'Greeting!', label: 'x', weight: 1, max: 5 },
        { key: 'a', label: ' ', weight: 1, max: 5 },
      ],
    })
    problem(res, 400, 'validation_failed')
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual([
      'body/criteria/0/key',
      'body/criteria/1/label',
    ])
    problem(
      await asA('POST', '/api/v1/qa/scorecards', {
        name: 'Inbound service call',
        criteria: [{ key: 'a', label: 'A', weight: 1, max: 1 }],
      }),
      409,
      'conflict',
    )
    expect((await asA('GET', '/api/v1/qa/scorecards')).json().items).toHaveLength(1)
  })
})

describe('QA evaluations', () => {
  let quinnsId = ''

  it('QA scores any call of the company, weighted 0-100; the agent of the call is carried', async () => {
    const res = await quinn.as('POST', '/api/v1/qa/evaluations', {
      callId: ninasCall,
      scorecardId: card.id,
      scores: { greeting: 5, verification: 4, resolution: 5 },
      comments: 'Good verification, slow resolution',
    })
    expect(res.statusCode, res.body).toBe(201)
    // (1·5/5 + 3·4/5 + 4·5/10) / 8 = 5.4 / 8 = 67.5
    expect(res.json()).toMatchObject({
      callId: ninasCall,
      agentId: nina.id,
      orgUnitId: t1,
      score: 67.5,
    })
    quinnsId = res.json().id
    expect(
      (
        await quinn.as('POST', '/api/v1/qa/evaluations', {
          callId: olgasCall,
          scorecardId: card.id,
          scores: { greeting: 5, verification: 5, resolution: 10 },
        })
      ).json().score,
    ).toBe(100)
  })

  it("a lead scores and sees the team's calls only; another team's call is 404", async () => {
    const mine = await lee.as('POST', '/api/v1/qa/evaluations', {
      callId: ninasCall,
      scorecardId: card.id,
      scores: { greeting: 4, verification: 5, resolution: 8 },
    })
    expect(mine.statusCode, mine.body).toBe(201)
    const before = await evaluations()
    const theirs = await lee.as('POST', '/api/v1/qa/evaluations', {
      callId: olgasCall,
      scorecardId: card.id,
      scores: { greeting: 4, verification: 5, resolution: 8 },
    })
    problem(theirs, 404, 'not_found')
    expect(theirs.json().errors).toEqual([{ path: 'body/callId', message: 'no such call' }])
    expect(await evaluations()).toBe(before)
    const listed = (await lee.as('GET', '/api/v1/qa/evaluations')).json().items as {
      orgUnitId: string
    }[]
    expect(listed.length).toBe(2)
    expect(listed.every((e) => e.orgUnitId === t1)).toBe(true)
    const oscars = (await oscar.as('GET', '/api/v1/qa/evaluations')).json().items as {
      callId: string
    }[]
    expect(oscars.map((e) => e.callId)).toEqual([olgasCall])
    problem(await oscar.as('GET', `/api/v1/qa/evaluations/${quinnsId}`), 404, 'not_found')
    expect((await quinn.as('GET', '/api/v1/qa/evaluations')).json().items).toHaveLength(3)
  })

  it('an agent has no QA at all', async () => {
    problem(await nina.as('GET', '/api/v1/qa/evaluations'), 403, 'forbidden')
    problem(
      await nina.as('POST', '/api/v1/qa/evaluations', {
        callId: ninasCall,
        scorecardId: card.id,
        scores: { greeting: 5, verification: 5, resolution: 10 },
      }),
      403,
      'forbidden',
    )
  })

  it('edits recompute the score; the lead edits the team’s, not another’s', async () => {
    const res = await quinn.as('PATCH', `/api/v1/qa/evaluations/${quinnsId}`, {
      scores: { greeting: 5, verification: 5, resolution: 10 },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().score).toBe(100)
    expect(
      (await lee.as('PATCH', `/api/v1/qa/evaluations/${quinnsId}`, { comments: 'Talked it over' }))
        .statusCode,
    ).toBe(200)
    problem(
      await oscar.as('PATCH', `/api/v1/qa/evaluations/${quinnsId}`, { comments: 'mine now' }),
      404,
      'not_found',
    )
    // bad scores on an evaluation they may not see: still 404, never a 400 naming its criteria
    problem(
      await oscar.as('PATCH', `/api/v1/qa/evaluations/${quinnsId}`, { scores: { smile: 1 } }),
      404,
      'not_found',
    )
    problem(
      await asB('PATCH', `/api/v1/qa/evaluations/${quinnsId}`, { scores: { smile: 1 } }),
      404,
      'not_found',
    )
    const events = await auditActions(db, a.companyId)
    expect(events.filter((e) => e.action === 'qaEvaluation.created')).toHaveLength(3)
    expect(events.filter((e) => e.action === 'qaEvaluation.updated').length).toBeGreaterThan(0)
  })

  it("another company's call or scorecard is 404, as an id never issued", async () => {
    for (const body of [
      { callId: theirCall, scorecardId: card.id },
      { callId: ninasCall, scorecardId: theirCard.id },
    ]) {
      const res = await quinn.as('POST', '/api/v1/qa/evaluations', {
        ...body,
        scores: { greeting: 5, verification: 5, resolution: 10 },
      })
      problem(res, 404, 'not_found')
    }
    problem(await asB('GET', `/api/v1/qa/evaluations/${quinnsId}`), 404, 'not_found')
  })

  it('answers 400 for scores off the scorecard and bad strings, writing nothing', async () => {
    const before = await evaluations()
    for (const [scores, path] of [
      [{ greeting: 5, verification: 5 }, 'body/scores/resolution'],
      [{ greeting: 6, verification: 5, resolution: 10 }, 'body/scores/greeting'],
      [{ greeting: 5, verification: 5, resolution: 10, smile: 1 }, 'body/scores/smile'],
    ] as const) {
      const res = await quinn.as('POST', '/api/v1/qa/evaluations', {
        callId: ninasCall,
        scorecardId: card.id,
        scores,
      })
      problem(res, 400, 'validation_failed')
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path)
    }
    problem(
      await quinn.as('POST', '/api/v1/qa/evaluations', {
        callId: ninasCall,
        scorecardId: card.id,
        scores: { greeting: 5, verification: 5, resolution: 10 },
        comments: 'x\u0000y',
      }),
      400,
      'validation_failed',
    )
    expect(await evaluations()).toBe(before)
  })
})

describe('editing a QA scorecard', () => {
  const criteria = [
    { key: 'greeting', label: 'Greets', weight: 1, max: 5 },
    { key: 'offer', label: 'Explains the offer', weight: 2, max: 10 },
  ]
  const stored = async (id: string) =>
    db
      .selectFrom('qa_scorecards')
      .select(['name', 'criteria'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()

  it('renames it and replaces its items and weights (qaScorecard.edit), audited before → after', async () => {
    const made = (
      await asA('POST', '/api/v1/qa/scorecards', { name: 'Outbound call', criteria })
    ).json() as { id: string }
    const res = await asA('PATCH', `/api/v1/qa/scorecards/${made.id}`, {
      name: ' Outbound sales call ',
      criteria: [
        { key: 'greeting', label: 'Greets', weight: 3, max: 5 },
        { key: 'close', label: 'Asks for the order', weight: 1, max: 4 },
      ],
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({
      id: made.id,
      name: 'Outbound sales call',
      criteria: [
        { key: 'greeting', weight: 3 },
        { key: 'close', label: 'Asks for the order', weight: 1, max: 4 },
      ],
    })
    // a name alone leaves the criteria as they are
    const renamed = await asA('PATCH', `/api/v1/qa/scorecards/${made.id}`, { name: 'Sales call' })
    expect(renamed.statusCode, renamed.body).toBe(200)
    expect(renamed.json().criteria).toHaveLength(2)
    const events = (await auditActions(db, a.companyId)).filter(
      (e) => e.action === 'qaScorecard.updated' && e.target_id === made.id,
    )
    expect(events).toHaveLength(2)
    expect((await stored(made.id)).name).toBe('Sales call')
  })

  it('is refused without qaScorecard.edit (403) and for another company’s scorecard (404); nothing written', async () => {
    const before = await stored(card.id)
    problem(
      await quinn.as('PATCH', `/api/v1/qa/scorecards/${card.id}`, { name: 'Mine now' }),
      403,
      'forbidden',
    )
    problem(
      await lee.as('PATCH', `/api/v1/qa/scorecards/${card.id}`, { name: 'Mine now' }),
      403,
      'forbidden',
    )
    problem(
      await asA('PATCH', `/api/v1/qa/scorecards/${theirCard.id}`, { name: 'Mine now' }),
      404,
      'not_found',
    )
    expect(await stored(card.id)).toEqual(before)
    expect((await asB('GET', '/api/v1/qa/scorecards')).json().items[0].name).toBe('B card')
  })

  it('answers 400 with each bad field’s path, and 409 for a name taken; nothing written', async () => {
    const before = await stored(card.id)
    const bad = await asA('PATCH', `/api/v1/qa/scorecards/${card.id}`, {
      criteria: [
        { key: 'greeting', label: 'A', weight: 1, max: 5 },
        { key: 'greeting', label: ' ', weight: 1, max: 5 },
      ],
    })
    problem(bad, 400, 'validation_failed')
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toEqual([
      'body/criteria/1/key',
      'body/criteria/1/label',
    ])
    for (const body of [
      {},
      { name: '   ' },
      { name: 'x\u0000' },
      { name: 'x\ud800' },
      { criteria: [] },
      { criteria: [{ key: 'a', label: 'A', weight: 0, max: 5 }] },
      { criteria: [{ key: 'a', label: 'A', weight: 1, max: 101 }] },
      { name: 'ok', extra: true },
    ]) {
      problem(
        await asA('PATCH', `/api/v1/qa/scorecards/${card.id}`, body),
        400,
        'validation_failed',
      )
    }
    problem(
      await asA('PATCH', '/api/v1/qa/scorecards/x%00', { name: 'x' }),
      400,
      'validation_failed',
    )
    const taken = await asA('PATCH', `/api/v1/qa/scorecards/${card.id}`, { name: 'Sales call' })
    problem(taken, 409, 'conflict')
    expect(taken.json().errors).toEqual([expect.objectContaining({ path: 'body/name' })])
    expect(await stored(card.id)).toEqual(before)
  })
})
