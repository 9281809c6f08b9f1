/**
 * Issue 10 (protected workspace), item 3: an inbound call reaches a queue through the telephony
 * simulator (POST /queues/{id}/inbound) and rings at a member of the queue who is a member of its
 * project (P10) and has a free line; with nobody free it waits in the queue (listed). The agent
 * finds the call in their call log. Another company's queue 404, bad input 400 writing nothing.
 */
import { describe, expect, it } from 'vitest'
import { builtinRoleId, caller } from './fixtures.js'
import { auditActions, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Inbound A' })
const b = await signUp(app, { companyName: 'Inbound B' })
const asA = call(a.token)
const asB = call(b.token)

type Res = { statusCode: number; body: string; json(): any } // eslint-disable-line @typescript-eslint/no-explicit-any
function must(res: Res, status = 201) {
  if (res.statusCode !== status)
    throw new Error(`expected ${status}: ${res.statusCode} ${res.body}`)
  return (res.body === '' ? {} : res.json()) as Record<string, any> & { id: string } // eslint-disable-line @typescript-eslint/no-explicit-any
}

const team = must(await asA('POST', '/api/v1/org-units', { kind: 'team', name: 'Support' })).id
const apollo = must(await asA('POST', '/api/v1/projects', { name: 'Apollo' })).id
async function person(email: string, role: string) {
  const roleId = await builtinRoleId(db, a.companyId, role)
  const id = must(
    await asA('POST', '/api/v1/users', {
      email,
      name: email.split('@')[0],
      password: strongPassword,
      orgUnitId: team,
      roleIds: [roleId],
    }),
  ).id
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id, as: call(token) }
}
const nina = await person('nina@a.test', 'Novice agent')
const otto = await person('otto@a.test', 'Novice agent')
must(await asA('PUT', `/api/v1/projects/${apollo}/members/${nina.id}`), 204)
// Otto is listed in the queue but is not a member of its project: never handed its calls
const queue = must(
  await asA('POST', '/api/v1/queues', {
    projectId: apollo,
    name: 'Hotline',
    memberIds: [otto.id, nina.id],
  }),
).id
const bProject = must(await asB('POST', '/api/v1/projects', { name: 'B' })).id
const bQueue = must(await asB('POST', '/api/v1/queues', { projectId: bProject, name: 'B' })).id

async function rows(table: 'calls' | 'queued_calls') {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', a.companyId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
const inbound = (phone: string, as = asA, id = queue) =>
  as('POST', `/api/v1/queues/${id}/inbound`, { phone })

describe('inbound calls through a queue', () => {
  it('bad input is 400 and writes nothing', async () => {
    for (const body of [{ phone: 'not a number' }, { phone: '+86139\u000000001' }, {}]) {
      problem(await asA('POST', `/api/v1/queues/${queue}/inbound`, body), 400, 'validation_failed')
    }
    expect((await rows('calls')) + (await rows('queued_calls'))).toBe(0)
  })

  it('rings at a project member with a free line; the call is in their log', async () => {
    const res = must(await inbound('+8613900000001'))
    expect(res.routed).toBe(true)
    expect(res.call).toMatchObject({ direction: 'inbound', status: 'ringing', agentId: nina.id })
    const log = must(await nina.as('GET', '/api/v1/calls'), 200).items as { id: string }[]
    expect(log.map((c) => c.id)).toEqual([res.call.id])
    expect(must(await otto.as('GET', '/api/v1/calls'), 200).items).toEqual([])
    const events = await auditActions(db, a.companyId)
    expect(events.some((e) => e.action === 'call.routed' && e.target_id === res.call.id)).toBe(true)
  })

  it('waits in the queue when every member’s lines are busy, and is listed there', async () => {
    must(await inbound('+8613900000002')) // Nina's second (and last) line
    const waiting = await inbound('+8613900000003')
    expect(waiting.statusCode).toBe(202)
    const queued = waiting.json().queued
    expect(waiting.json().routed).toBe(false)
    const list = must(await asA('GET', `/api/v1/queues/${queue}/waiting`), 200)
    expect(list.items).toEqual([
      expect.objectContaining({ id: queued.id, queueId: queue, phone: '+8613900000003' }),
    ])
    expect(await rows('calls')).toBe(2)
    expect(await rows('queued_calls')).toBe(1)
  })

  it('only a caller who may edit the queue hands it calls; others get 404', async () => {
    problem(await inbound('+8613900000004', nina.as), 404, 'not_found')
    problem(await nina.as('GET', `/api/v1/queues/${queue}/waiting`), 404, 'not_found')
  })

  it("another company's queue is 404 on both routes", async () => {
    problem(await inbound('+8613900000005', asA, bQueue), 404, 'not_found')
    problem(await asA('GET', `/api/v1/queues/${bQueue}/waiting`), 404, 'not_found')
    problem(await asB('GET', `/api/v1/queues/${queue}/waiting`), 404, 'not_found')
    expect(await rows('queued_calls')).toBe(1)
  })
})
