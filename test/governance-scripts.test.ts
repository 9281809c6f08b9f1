/**
 * Issue 11, script change requests: a request that expires undecided takes its version back to
 * a draft (when scripts are next touched, by the clock, no job), an edit of a pending version
 * closes its request in the same transaction, and a request whose version changed since is
 * never approved (409, nothing published). Another company's and bad input: 404 / 400, nothing
 * written. PGlite by default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { caller, newPerson, newTeam } from './fixtures.js'
import { auditActions, bearer, createTestApp, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Script requests A' })
const b = await signUp(app, { companyName: 'Script requests B' })
const asA = call(a.token)
const asB = call(b.token)
const t1 = await newTeam(asA, 'Team one')
const tara = await newPerson(app, db, a, {
  email: 'tara@sr.test',
  role: 'Trainer',
  orgUnitId: t1,
})

type Json = Record<string, unknown> & { id: string }

/** A draft by Tara, submitted: the version and its request. */
async function submitted(title: string, expiresIn?: number) {
  const res = await tara.as('POST', '/api/v1/scripts', { title, body: `${title}: hello.` })
  expect(res.statusCode, res.body).toBe(201)
  const s = res.json() as Json
  const sub = await tara.as('POST', `/api/v1/scripts/${s.id}/submit`)
  expect(sub.statusCode, sub.body).toBe(202)
  let request = sub.json().approvalRequest as Json
  if (expiresIn !== undefined) {
    // the request's own deadline is set by the submission; move it as a shorter TTL would
    await db
      .updateTable('approval_requests')
      .set({ expires_at: new Date(clock.now().getTime() + expiresIn) })
      .where('id', '=', request.id)
      .execute()
    request = (await tara.as('GET', `/api/v1/approvals/${request.id}`)).json() as Json
  }
  return { script: s, request }
}

const statusOf = async (id: string) =>
  (await db.selectFrom('scripts').select('status').where('id', '=', id).executeTakeFirstOrThrow())
    .status
const requestRow = async (id: string) =>
  db.selectFrom('approval_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

describe('a script change request that expires undecided', () => {
  it('takes the version back to a draft when scripts are next touched, audited once', async () => {
    const { script, request } = await submitted('Expiring', 60_000)
    expect(await statusOf(script.id)).toBe('pending')
    const updates = async () =>
      (await auditActions(db, a.companyId)).filter(
        (e) => e.target_id === script.id && e.action === 'script.updated',
      ).length
    const updatedBefore = await updates()
    clock.advance(60_000)
    // the next read of scripts, by anyone, settles it
    const read = await tara.as('GET', `/api/v1/scripts/${script.id}`)
    expect(read.statusCode, read.body).toBe(200)
    expect(read.json()).toMatchObject({ status: 'draft', submittedAt: null })
    const req = await tara.as('GET', `/api/v1/approvals/${request.id}`)
    expect(req.json().status).toBe('expired')
    // publishing it is a conflict now: nothing to publish, nothing published
    problem(await asA('POST', `/api/v1/scripts/${script.id}/publish`), 409, 'conflict')
    expect(await statusOf(script.id)).toBe('draft')
    // listing again settles nothing more: one approval.expired, one script.updated
    expect((await tara.as('GET', '/api/v1/scripts')).statusCode).toBe(200)
    const audit = (await auditActions(db, a.companyId)).filter(
      (e) => e.target_id === request.id || e.target_id === script.id,
    )
    expect(audit.filter((e) => e.action === 'approval.expired')).toHaveLength(1)
    expect(await updates()).toBe(updatedBefore + 1)
    // it may be submitted again: a new request; the old one stays expired
    const again = await tara.as('POST', `/api/v1/scripts/${script.id}/submit`)
    expect(again.statusCode, again.body).toBe(202)
    expect((await tara.as('GET', `/api/v1/approvals/${request.id}`)).json().status).toBe('expired')
    expect(await statusOf(script.id)).toBe('pending')
  })

  it("the withdrawal is the system's, not whoever touched scripts next: no actor, that request's id", async () => {
    const { script, request } = await submitted('Noticed by the admin', 60_000)
    clock.advance(60_000)
    // the company admin, who had nothing to do with it, is the next to list scripts (their
    // client names its request with an X-Request-Id of its own)
    const list = await app.inject({
      method: 'GET',
      url: '/api/v1/scripts',
      headers: { ...bearer(a.token), 'x-request-id': 'client-noticed-7' },
    })
    expect(list.statusCode, list.body).toBe(200)
    const requestId = list.headers['x-request-id']
    expect(typeof requestId).toBe('string')
    expect(requestId).not.toBe('client-noticed-7')
    const rows = await db
      .selectFrom('audit_events')
      .select([
        'action',
        'actor_user_id',
        'session_id',
        'ip',
        'request_id',
        'client_request_id',
        'after',
      ])
      .where('company_id', '=', a.companyId)
      .where((eb) =>
        eb.or([
          eb.and([eb('action', '=', 'approval.expired'), eb('target_id', '=', request.id)]),
          eb.and([
            eb('action', '=', 'script.updated'),
            eb('target_id', '=', script.id),
            eb('request_id', '=', requestId as string),
          ]),
        ]),
      )
      .orderBy('seq')
      .execute()
    expect(rows.map((r) => r.action)).toEqual(['script.updated', 'approval.expired'])
    for (const row of rows) {
      expect(row).toMatchObject({ actor_user_id: null, session_id: null, ip: null })
      expect(row.request_id).toBe(requestId)
      // the client's own id of the request that noticed it, as a person's event keeps it
      expect(row.client_request_id).toBe('client-noticed-7')
    }
    expect(rows[0]?.after).toMatchObject({
      status: 'draft',
      how: 'expired',
      approvalId: request.id,
    })
    expect(rows[1]?.after).toMatchObject({ id: request.id, status: 'expired' })
    // the audit API shows them without an actor; the admin is named by none of them
    const audit = await asA('GET', `/api/v1/audit?targetId=${request.id}`)
    expect(audit.statusCode, audit.body).toBe(200)
    const expired = (audit.json().items as { action: string; actorUserId: unknown }[]).filter(
      (e) => e.action === 'approval.expired',
    )
    expect(expired).toEqual([expect.objectContaining({ actorUserId: null })])
    // the chain still verifies
    const verify = await asA('GET', '/api/v1/audit/verify')
    expect(verify.statusCode, verify.body).toBe(200)
    expect(verify.json()).toMatchObject({ ok: true })
  })

  it('a version submitted again after its request expired is not withdrawn by the old one', async () => {
    const { script, request } = await submitted('Resubmitted', 60_000)
    clock.advance(60_000)
    // the submission settles first (the version a draft again), then submits it again
    const again = await tara.as('POST', `/api/v1/scripts/${script.id}/submit`)
    expect(again.statusCode, again.body).toBe(202)
    const fresh = again.json().approvalRequest as Json
    expect(fresh.id).not.toBe(request.id)
    // the old request, still expired, never withdraws the new submission
    clock.advance(1_000)
    expect((await tara.as('GET', `/api/v1/scripts/${script.id}`)).json().status).toBe('pending')
    expect((await tara.as('GET', `/api/v1/approvals/${request.id}`)).json().status).toBe('expired')
    expect((await tara.as('GET', `/api/v1/approvals/${fresh.id}`)).json().status).toBe('pending')
  })

  it('an undecided request before its end leaves the version pending', async () => {
    const { script } = await submitted('Not yet', 60_000)
    clock.advance(59_000)
    expect((await tara.as('GET', `/api/v1/scripts/${script.id}`)).json().status).toBe('pending')
  })
})

describe('an edit of a pending version', () => {
  it('closes its request in the same transaction; approving it then is 409 and publishes nothing', async () => {
    const { script, request } = await submitted('Edited')
    const edit = await tara.as('PATCH', `/api/v1/scripts/${script.id}`, { body: 'New text.' })
    expect(edit.statusCode, edit.body).toBe(200)
    expect(edit.json()).toMatchObject({ status: 'draft' })
    const row = await requestRow(request.id)
    expect(row).toMatchObject({
      status: 'cancelled',
      decision_reason: 'the script version was edited',
    })
    const approve = await asA('POST', `/api/v1/approvals/${request.id}/approve`)
    problem(approve, 409, 'conflict')
    expect(await statusOf(script.id)).toBe('draft')
    const audit = await auditActions(db, a.companyId)
    expect(audit.filter((e) => e.target_id === request.id).map((e) => e.action)).toContain(
      'approval.cancelled',
    )
    expect(audit.some((e) => e.target_id === script.id && e.action === 'script.published')).toBe(
      false,
    )
  })

  it('a request whose version was submitted again since (another text) is never approved', async () => {
    const { script, request } = await submitted('Changed under review')
    // the version changed and was submitted again behind the request's back (a stored row as
    // an older server would have left it: the old request still open)
    await db
      .updateTable('scripts')
      .set({ body: 'Other text.', submitted_at: new Date(clock.now().getTime() + 1) })
      .where('id', '=', script.id)
      .execute()
    const approve = await asA('POST', `/api/v1/approvals/${request.id}/approve`)
    problem(approve, 409, 'conflict')
    expect(approve.json().detail ?? approve.body).toMatch(/changed since/)
    expect(await statusOf(script.id)).toBe('pending')
    expect((await requestRow(request.id)).status).toBe('pending')
  })

  it('an edit refused (bad input, denied, another company) leaves the request open', async () => {
    const { script, request } = await submitted('Kept')
    problem(
      await tara.as('PATCH', `/api/v1/scripts/${script.id}`, { body: 'x\u0000y' }),
      400,
      'validation_failed',
    )
    problem(
      await asB('PATCH', `/api/v1/scripts/${script.id}`, { body: 'Theirs.' }),
      404,
      'not_found',
    )
    expect((await requestRow(request.id)).status).toBe('pending')
    expect(await statusOf(script.id)).toBe('pending')
  })
})
