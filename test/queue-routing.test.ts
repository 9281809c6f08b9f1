/**
 * Issue 10 (protected workspace), item 3: what a queue does with its calls beyond the first ring
 * (test/inbound-calls.test.ts). A waiting call is handed on when a member's hang-up frees a
 * line, in the hang-up's transaction, with the inbound ring's checks (a member of the queue and
 * of its project, may view the call, a free line) and audited `call.routed`; a freed agent who
 * may not take it leaves it waiting. Two hang-ups at once (on PostgreSQL: separate connections)
 * never hand one waiting call to two agents. Each queue strategy picks the member it says. Any
 * gain of call rights hands waiting calls on before its transaction commits, whatever the path (a
 * role edited, a transfer, a policy import, as well as a join, a role, a group, a grant); a grant
 * that starts later is handed its call by the queue sweep once it has started.
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { loadTestDatabaseUrl } from '../src/config.js'
import { PolicyCache } from '../src/domain/access/index.js'
import { sweepWaitingCalls } from '../src/domain/calls/index.js'
import { addRole, builtinRoleId, caller, giveRole, newPerson } from './fixtures.js'
import { auditActions, createTestApp, policyYaml, postYaml, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Routing A' })
const b = await signUp(app, { companyName: 'Routing B' })
const asA = call(a.token)
const asB = call(b.token)

type Res = { statusCode: number; body: string; json(): any } // eslint-disable-line @typescript-eslint/no-explicit-any
function must(res: Res, status = 201) {
  if (res.statusCode !== status)
    throw new Error(`expected ${status}: ${res.statusCode} ${res.body}`)
  return (res.body === '' ? {} : res.json()) as Record<string, any> & { id: string } // eslint-disable-line @typescript-eslint/no-explicit-any
}

const team = must(await asA('POST', '/api/v1/org-units', { kind: 'team', name: 'Support' })).id
const project = async (name: string) =>
  must(await asA('POST', '/api/v1/projects', { name })).id as string
const apollo = await project('Apollo')
const zeus = await project('Zeus')
let n = 0
async function agent(name: string, projects: string[]) {
  clock.advance(3_000) // each person logs in: at most 20 logins a minute from one address
  const p = await newPerson(app, db, a, {
    email: `${name}-${++n}@a.test`,
    role: 'Novice agent', // two lines
    orgUnitId: team,
  })
  for (const pr of projects) must(await asA('PUT', `/api/v1/projects/${pr}/members/${p.id}`), 204)
  return p
}
async function newQueue(projectId: string, memberIds: string[], strategy = 'longest-idle') {
  return must(
    await asA('POST', '/api/v1/queues', { projectId, name: `Q${++n}`, memberIds, strategy }),
  ).id as string
}
let phones = 0
const nextPhone = () => `+86139${String(++phones).padStart(8, '0')}`
/** A call arriving at the queue: the agent it rang (undefined when it waits) and its id. */
async function arrive(queueId: string): Promise<{ agentId?: string; id: string }> {
  clock.advance(1000)
  const res = await asA('POST', `/api/v1/queues/${queueId}/inbound`, { phone: nextPhone() })
  if (res.statusCode === 202) return { id: res.json().queued.id as string }
  const body = must(res)
  return { agentId: body.call.agentId as string, id: body.call.id as string }
}
function hangUp(id: string) {
  clock.advance(1000)
  return asA('POST', `/api/v1/calls/${id}/hangup`)
}
async function waiting(queueId: string): Promise<string[]> {
  const list = must(await asA('GET', `/api/v1/queues/${queueId}/waiting`), 200)
  return (list.items as { id: string }[]).map((c) => c.id)
}
async function callRow(id: string) {
  return db
    .selectFrom('calls')
    .select(['agent_id', 'status', 'queue_id', 'direction'])
    .where('id', '=', id)
    .executeTakeFirst()
}

describe('a waiting call is handed on when a line frees', () => {
  it('the freed member of the queue is rung by the oldest waiting call, audited', async () => {
    const nina = await agent('nina', [apollo])
    const q = await newQueue(apollo, [nina.id])
    const first = await arrive(q)
    const second = await arrive(q)
    expect([first.agentId, second.agentId]).toEqual([nina.id, nina.id])
    const older = await arrive(q)
    const newer = await arrive(q)
    expect(older.agentId).toBeUndefined()
    expect(await waiting(q)).toEqual([older.id, newer.id])

    must(await hangUp(first.id), 200)
    // the oldest waiting call is now Nina's, ringing, under the id it waited with
    expect(await callRow(older.id)).toEqual({
      agent_id: nina.id,
      status: 'ringing',
      queue_id: q,
      direction: 'inbound',
    })
    expect(await waiting(q)).toEqual([newer.id])
    const log = must(await nina.as('GET', '/api/v1/calls'), 200).items as { id: string }[]
    expect(log.map((c) => c.id)).toContain(older.id)
    const events = await auditActions(db, a.companyId)
    const routed = events.filter((e) => e.action === 'call.routed' && e.target_id === older.id)
    expect(routed).toHaveLength(1)

    // her own hang-up (not the Admin's) hands on the next one the same way
    must(await nina.as('POST', `/api/v1/calls/${second.id}/hangup`), 200)
    expect((await callRow(newer.id))?.agent_id).toBe(nina.id)
    expect(await waiting(q)).toEqual([])
    // a hang-up with nothing waiting changes nothing else
    must(await hangUp(older.id), 200)
    expect((await callRow(newer.id))?.status).toBe('ringing')
  })

  it('a freed agent not in the waiting call’s queue leaves it waiting', async () => {
    const olga = await agent('olga', [apollo])
    const pete = await agent('pete', [apollo])
    const mine = await newQueue(apollo, [olga.id])
    const theirs = await newQueue(apollo, [pete.id])
    const calls = [
      await arrive(mine),
      await arrive(mine),
      await arrive(theirs),
      await arrive(theirs),
    ]
    const left = await arrive(theirs)
    expect(left.agentId).toBeUndefined()
    must(await hangUp(calls[0]!.id), 200) // Olga's line frees; the call waits for Pete's queue
    expect(await waiting(theirs)).toEqual([left.id])
    expect(await callRow(left.id)).toBeUndefined()
  })

  it('a freed member who may not take the call (not of its project) leaves it waiting', async () => {
    // Quinn is listed in the Apollo queue but is a member of Zeus only
    const quinn = await agent('quinn', [zeus])
    const rita = await agent('rita', [apollo])
    const zeusLine = await newQueue(zeus, [quinn.id])
    const apolloLine = await newQueue(apollo, [quinn.id, rita.id])
    const quinnCall = await arrive(zeusLine)
    expect(quinnCall.agentId).toBe(quinn.id)
    const ritas = [await arrive(apolloLine), await arrive(apolloLine)]
    expect(ritas.map((c) => c.agentId)).toEqual([rita.id, rita.id])
    const left = await arrive(apolloLine)
    expect(left.agentId).toBeUndefined()
    must(await hangUp(quinnCall.id), 200)
    expect(await waiting(apolloLine)).toEqual([left.id])
    // Rita's hang-up hands it to her
    must(await hangUp(ritas[0]!.id), 200)
    expect((await callRow(left.id))?.agent_id).toBe(rita.id)
  })

  it('a suspended member whose call is ended leaves the call waiting', async () => {
    const sam = await agent('sam', [apollo])
    const q = await newQueue(apollo, [sam.id])
    const sams = [await arrive(q), await arrive(q)]
    const left = await arrive(q)
    expect(left.agentId).toBeUndefined()
    must(await asA('PATCH', `/api/v1/users/${sam.id}`, { status: 'suspended' }), 200)
    must(await hangUp(sams[0]!.id), 200)
    expect(await waiting(q)).toEqual([left.id])
  })

  it("another company's hang-up of these calls is 404 and hands nothing on", async () => {
    const tom = await agent('tom', [apollo])
    const q = await newQueue(apollo, [tom.id])
    const toms = [await arrive(q), await arrive(q)]
    const left = await arrive(q)
    problem(await asB('POST', `/api/v1/calls/${toms[0]!.id}/hangup`), 404, 'not_found')
    expect(await waiting(q)).toEqual([left.id])
    problem(await asB('GET', `/api/v1/queues/${q}/waiting`), 404, 'not_found')
  })
})

describe('waiting calls are offered to a member a queue gains, and to a member back at work', () => {
  /** A queue whose only member is busy on both lines, with `n` calls waiting, oldest first. */
  async function busyQueue(n: number) {
    const busy = await agent('busy', [apollo])
    const q = await newQueue(apollo, [busy.id])
    const rang = [await arrive(q), await arrive(q)]
    expect(rang.map((c) => c.agentId)).toEqual([busy.id, busy.id])
    const left: string[] = []
    for (let i = 0; i < n; i++) left.push((await arrive(q)).id)
    expect(await waiting(q)).toEqual(left)
    return { busy, q, left }
  }
  const routedTo = async (ids: string[]) =>
    (await auditActions(db, a.companyId))
      .filter((e) => e.action === 'call.routed' && ids.includes(e.target_id as string))
      .map((e) => (e.after as { agentId: string }).agentId)

  it('a member added to the queue is rung by its oldest waiting calls, as many as their lines, audited', async () => {
    const { busy, q, left } = await busyQueue(3)
    const nova = await agent('nova', [apollo])
    must(await asA('PATCH', `/api/v1/queues/${q}`, { memberIds: [busy.id, nova.id] }), 200)
    // Nova's two lines take the two oldest; the third keeps waiting
    for (const id of left.slice(0, 2)) {
      expect(await callRow(id)).toMatchObject({ agent_id: nova.id, status: 'ringing', queue_id: q })
    }
    expect(await waiting(q)).toEqual([left[2]])
    expect(await routedTo(left)).toEqual([nova.id, nova.id])
    // an edit that adds nobody hands nothing on
    must(await asA('PATCH', `/api/v1/queues/${q}`, { name: 'Renamed' }), 200)
    expect(await waiting(q)).toEqual([left[2]])
  })

  it('several members added take turns; one who may not take the calls (not of the project) leaves them', async () => {
    const { busy, q, left } = await busyQueue(3)
    const outsider = await agent('outsider', [zeus])
    must(await asA('PATCH', `/api/v1/queues/${q}`, { memberIds: [busy.id, outsider.id] }), 200)
    expect(await waiting(q)).toEqual(left)
    const p1 = await agent('p1', [apollo])
    const p2 = await agent('p2', [apollo])
    must(
      await asA('PATCH', `/api/v1/queues/${q}`, {
        memberIds: [busy.id, outsider.id, p1.id, p2.id],
      }),
      200,
    )
    // oldest first, one new member after the other in the queue's order
    expect(await routedTo(left)).toEqual([p1.id, p2.id, p1.id])
    expect(await waiting(q)).toEqual([])
  })

  it('a refused or invalid member change hands nothing on; another company’s is 404', async () => {
    const { busy, q, left } = await busyQueue(1)
    const free = await agent('free', [apollo])
    problem(
      await asA('PATCH', `/api/v1/queues/${q}`, { memberIds: [busy.id, free.id, free.id] }),
      400,
      'validation_failed',
    )
    problem(await asB('PATCH', `/api/v1/queues/${q}`, { memberIds: [free.id] }), 404, 'not_found')
    problem(
      await free.as('PATCH', `/api/v1/queues/${q}`, { memberIds: [busy.id, free.id] }),
      404,
      'not_found',
    )
    expect(await waiting(q)).toEqual(left)
    expect(await callRow(left[0]!)).toBeUndefined()
  })

  it('a suspended member reactivated is rung by the calls waiting in their queues', async () => {
    const sue = await agent('sue', [apollo])
    const { busy, q, left } = await busyQueue(3)
    must(await asA('PATCH', `/api/v1/users/${sue.id}`, { status: 'suspended' }), 200)
    must(await asA('PATCH', `/api/v1/queues/${q}`, { memberIds: [busy.id, sue.id] }), 200)
    expect(await waiting(q)).toEqual(left) // suspended: nothing for her
    must(await asA('PATCH', `/api/v1/users/${sue.id}`, { status: 'active' }), 200)
    expect(await routedTo(left)).toEqual([sue.id, sue.id])
    expect(await waiting(q)).toEqual([left[2]])
    // suspending again hands nothing on
    must(await asA('PATCH', `/api/v1/users/${sue.id}`, { status: 'suspended' }), 200)
    expect(await waiting(q)).toEqual([left[2]])
  })

  it('a freed agent is rung by a call waiting behind more than 100 calls they may not take', async () => {
    // Ula is a member of both projects, but a restriction of hers denies her Zeus's calls
    const ula = await agent('ula', [apollo, zeus])
    const noZeus = await addRole(db, a.companyId, 'No Zeus calls', {
      grants: [],
      restrictions: [
        {
          id: 'no-zeus',
          actions: ['call.view'],
          when: { eq: [{ ref: 'resource.projectId' }, zeus] },
        },
      ],
    })
    await giveRole(db, a.companyId, ula.id, noZeus)
    const zq = await newQueue(zeus, [ula.id])
    const aq = await newQueue(apollo, [ula.id])
    const mine = [await arrive(aq), await arrive(aq)]
    expect(mine.map((c) => c.agentId)).toEqual([ula.id, ula.id])
    for (let i = 0; i < 105; i++) expect((await arrive(zq)).agentId).toBeUndefined()
    const last = await arrive(aq)
    expect(last.agentId).toBeUndefined()
    must(await hangUp(mine[0]!.id), 200)
    expect(await callRow(last.id)).toMatchObject({ agent_id: ula.id, status: 'ringing' })
    expect((await waiting(zq)).length).toBe(50) // one page; all 105 still wait
    const zeusWaiting = await db
      .selectFrom('queued_calls')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('queue_id', '=', zq)
      .executeTakeFirstOrThrow()
    expect(Number(zeusWaiting.n)).toBe(105)
  })
})

describe('waiting calls are offered to a person who gains the right to take them', () => {
  /** A queue of Apollo whose only member is busy on both lines, with three calls waiting. */
  async function busyQueue() {
    const busy = await agent('busy', [apollo])
    const q = await newQueue(apollo, [busy.id])
    expect([(await arrive(q)).agentId, (await arrive(q)).agentId]).toEqual([busy.id, busy.id])
    const left = [(await arrive(q)).id, (await arrive(q)).id, (await arrive(q)).id]
    expect(await waiting(q)).toEqual(left)
    return { busy, q, left }
  }
  const routedTo = async (ids: string[]) =>
    (await auditActions(db, a.companyId))
      .filter((e) => e.action === 'call.routed' && ids.includes(e.target_id as string))
      .map((e) => (e.after as { agentId: string }).agentId)
  /** A person of company A holding the Marketing role (no call.view; or `role`), listed in queue `q`. */
  async function marketer(
    name: string,
    q: string,
    busyId: string,
    projects: string[],
    role = 'Marketing',
  ) {
    clock.advance(3_000) // as agent(): logins a minute
    const email = `${name}-${++n}@a.test`
    const p = await newPerson(app, db, a, { email, role, orgUnitId: team })
    for (const pr of projects) must(await asA('PUT', `/api/v1/projects/${pr}/members/${p.id}`), 204)
    must(await asA('PATCH', `/api/v1/queues/${q}`, { memberIds: [busyId, p.id] }), 200)
    return { ...p, email }
  }

  it('joining the queue’s project: its waiting calls ring the new member, audited', async () => {
    const { busy, q, left } = await busyQueue()
    const joiner = await agent('joiner', [zeus]) // a novice agent (two lines), not of Apollo
    must(await asA('PATCH', `/api/v1/queues/${q}`, { memberIds: [busy.id, joiner.id] }), 200)
    expect(await waiting(q)).toEqual(left)
    // another company cannot make them a member (404), and nothing is handed on
    problem(await asB('PUT', `/api/v1/projects/${apollo}/members/${joiner.id}`), 404, 'not_found')
    expect(await waiting(q)).toEqual(left)
    must(await asA('PUT', `/api/v1/projects/${apollo}/members/${joiner.id}`), 204)
    expect(await routedTo(left)).toEqual([joiner.id, joiner.id])
    for (const id of left.slice(0, 2))
      expect(await callRow(id)).toMatchObject({ agent_id: joiner.id, status: 'ringing' })
    expect(await waiting(q)).toEqual([left[2]])
    // joining again (already a member) hands nothing more on
    must(await asA('PUT', `/api/v1/projects/${apollo}/members/${joiner.id}`), 204)
    expect(await waiting(q)).toEqual([left[2]])
  })

  it('joining the project without the right to take calls leaves them waiting', async () => {
    const { busy, q, left } = await busyQueue()
    const mark = await marketer('mark', q, busy.id, [])
    must(await asA('PUT', `/api/v1/projects/${apollo}/members/${mark.id}`), 204)
    expect(await waiting(q)).toEqual(left)
    expect(await routedTo(left)).toEqual([])
  })

  it('gaining a role that answers calls (set, or assigned to many): waiting calls ring them', async () => {
    const { busy, q, left } = await busyQueue()
    const mia = await marketer('mia', q, busy.id, [apollo])
    expect(await waiting(q)).toEqual(left) // Marketing: no call.view
    const novice = await builtinRoleId(db, a.companyId, 'Novice agent')
    const marketing = await builtinRoleId(db, a.companyId, 'Marketing')
    problem(
      await asB('PUT', `/api/v1/users/${mia.id}/roles`, { roleIds: [novice] }),
      404,
      'not_found',
    )
    must(await asA('PUT', `/api/v1/users/${mia.id}/roles`, { roleIds: [marketing, novice] }), 200)
    expect(await routedTo(left)).toEqual([mia.id, mia.id])
    for (const id of left.slice(0, 2))
      expect(await callRow(id)).toMatchObject({ agent_id: mia.id, status: 'ringing' })
    expect(await waiting(q)).toEqual([left[2]])
    // the same through POST /roles/{id}/assignments, for one who had no call right either
    const { busy: busy2, q: q2, left: left2 } = await busyQueue()
    const max = await marketer('max', q2, busy2.id, [apollo])
    must(await asA('POST', `/api/v1/roles/${novice}/assignments`, { userIds: [max.id] }), 200)
    expect(await routedTo(left2)).toEqual([max.id, max.id])
    expect(await waiting(q2)).toEqual([left2[2]])
  })

  it('gaining a permission group that answers calls: waiting calls ring them', async () => {
    const { busy, q, left } = await busyQueue()
    const gus = await marketer('gus', q, busy.id, [apollo])
    const group = async (name: string, actions: string[]) =>
      must(
        await asA('POST', '/api/v1/permission-groups', {
          name: `${name} ${++n}`,
          grants: [{ actions, scope: 'own' }],
        }),
      )
    const tickets = await group('Tickets', ['ticket.view'])
    const phones = await group('Phones', ['call.view'])
    problem(
      await asB('PUT', `/api/v1/users/${gus.id}/groups`, { groupIds: [phones.id] }),
      404,
      'not_found',
    )
    must(await asA('PUT', `/api/v1/users/${gus.id}/groups`, { groupIds: [tickets.id] }), 200)
    expect(await waiting(q)).toEqual(left)
    must(
      await asA('PUT', `/api/v1/users/${gus.id}/groups`, { groupIds: [tickets.id, phones.id] }),
      200,
    )
    expect(await routedTo(left)).toEqual([gus.id]) // one line: no call.dial limit
    expect(await waiting(q)).toEqual(left.slice(1))
  })

  it('a temporary grant of call.view: a waiting call rings them (one line without a limit)', async () => {
    const { busy, q, left } = await busyQueue()
    const gil = await marketer('gil', q, busy.id, [apollo])
    const grant = (userId: string, actions: string[]) => ({
      userId,
      actions,
      scope: 'own',
      endsAt: new Date(clock.now().getTime() + 60 * 60_000).toISOString(),
      reason: 'covering the phones',
    })
    // another company's grant names no one it may see; a grant without call.view gives no calls
    problem(await asB('POST', '/api/v1/grants', grant(gil.id, ['call.view'])), 404, 'not_found')
    must(await asA('POST', '/api/v1/grants', grant(gil.id, ['ticket.view'])))
    expect(await waiting(q)).toEqual(left)
    must(await asA('POST', '/api/v1/grants', grant(gil.id, ['call.view'])))
    expect(await routedTo(left)).toEqual([gil.id])
    expect(await waiting(q)).toEqual(left.slice(1))
  })

  const role = async (name: string, actions: string[]) =>
    must(
      await asA('POST', '/api/v1/roles', {
        name: `${name} ${++n}`,
        grants: [{ actions, scope: 'own' }],
      }),
    )

  it('a role edited to give its holders call rights: they are rung; an edit giving none, or another company’s (404), hands nothing on', async () => {
    const { busy, q, left } = await busyQueue()
    const rae = await marketer('rae', q, busy.id, [apollo])
    const desk = await role('Desk', ['ticket.view'])
    must(await asA('POST', `/api/v1/roles/${desk.id}/assignments`, { userIds: [rae.id] }), 200)
    expect(await waiting(q)).toEqual(left)
    const grants = (actions: string[]) => ({ grants: [{ actions, scope: 'own' }] })
    must(
      await asA('PATCH', `/api/v1/roles/${desk.id}`, grants(['ticket.view', 'ticket.edit'])),
      200,
    )
    expect(await waiting(q)).toEqual(left)
    problem(
      await asB('PATCH', `/api/v1/roles/${desk.id}`, grants(['ticket.view', 'call.view'])),
      404,
      'not_found',
    )
    expect(await waiting(q)).toEqual(left)
    must(await asA('PATCH', `/api/v1/roles/${desk.id}`, grants(['ticket.view', 'call.view'])), 200)
    expect(await routedTo(left)).toEqual([rae.id]) // one line: no call.dial limit
    expect(await callRow(left[0]!)).toMatchObject({ agent_id: rae.id, status: 'ringing' })
    expect(await waiting(q)).toEqual(left.slice(1))
  })

  it('a transfer to a position whose defaults answer calls: they are rung; one that gives none, or another company’s (404), hands nothing on', async () => {
    const { busy, q, left } = await busyQueue()
    const tia = await marketer('tia', q, busy.id, [apollo])
    const position = async (name: string, roleName: string) =>
      must(
        await asA('POST', '/api/v1/positions', {
          name: `${name} ${++n}`,
          roleIds: [await builtinRoleId(db, a.companyId, roleName)],
        }),
      )
    const ads = await position('Ads', 'Marketing')
    const phones = await position('Phones', 'Novice agent')
    must(await asA('PATCH', `/api/v1/users/${tia.id}`, { positionId: ads.id }), 200)
    expect(await waiting(q)).toEqual(left)
    problem(
      await asB('PATCH', `/api/v1/users/${tia.id}`, { positionId: phones.id }),
      404,
      'not_found',
    )
    expect(await waiting(q)).toEqual(left)
    must(await asA('PATCH', `/api/v1/users/${tia.id}`, { positionId: phones.id }), 200)
    expect(await routedTo(left)).toEqual([tia.id, tia.id]) // a novice agent: two lines
    expect(await waiting(q)).toEqual([left[2]])
  })

  it('a policy import that makes them a member of the project, or gives a role they hold call rights: they are rung; a dry run hands nothing on', async () => {
    const { busy, q, left } = await busyQueue()
    const ivy = await marketer('ivy', q, busy.id, [zeus], 'Novice agent') // not of Apollo
    expect(await waiting(q)).toEqual(left)
    type Doc = {
      projects: { name: string; members: string[] }[]
      roles: { name: string; grants: { actions: string[] }[] }[]
    }
    const doc = parse(await policyYaml(app, a.token)) as Doc
    const apolloDoc = doc.projects.find((p) => p.name === 'Apollo')!
    apolloDoc.members = [...apolloDoc.members, ivy.email].sort()
    const url = '/api/v1/policy/import'
    must(await postYaml(app, a.token, `${url}?dryRun=true`, stringify(doc)), 200)
    expect(await waiting(q)).toEqual(left)
    must(await postYaml(app, a.token, url, stringify(doc)), 200)
    expect(await routedTo(left)).toEqual([ivy.id, ivy.id])
    expect(await waiting(q)).toEqual([left[2]])

    // a role they hold, given call.view by the document
    const next = await busyQueue()
    const kit = await marketer('kit', next.q, next.busy.id, [apollo])
    const desk = await role('Import desk', ['ticket.view'])
    must(await asA('POST', `/api/v1/roles/${desk.id}/assignments`, { userIds: [kit.id] }), 200)
    const again = parse(await policyYaml(app, a.token)) as Doc
    again.roles.find((r) => r.name === desk.name)!.grants[0]!.actions = ['call.view', 'ticket.view']
    must(await postYaml(app, a.token, url, stringify(again)), 200)
    expect(await routedTo(next.left)).toEqual([kit.id])
    expect(await waiting(next.q)).toEqual(next.left.slice(1))
  })

  it('an approved request for a temporary grant of call.view: the approval hands them a waiting call; a rejected one nothing', async () => {
    const { busy, q, left } = await busyQueue()
    const ana = await marketer('ana', q, busy.id, [apollo])
    // Marketing asks for nothing: a group lets her (and gives no call right: nothing handed on)
    const askers = must(
      await asA('POST', '/api/v1/permission-groups', {
        name: `Askers ${++n}`,
        grants: [{ actions: ['approval.create'], scope: 'own' }],
      }),
    )
    must(await asA('PUT', `/api/v1/users/${ana.id}/groups`, { groupIds: [askers.id] }), 200)
    expect(await waiting(q)).toEqual(left)
    const ask = async () => {
      const res = await ana.as('POST', '/api/v1/approvals', {
        type: 'temporaryGrant',
        payload: { actions: ['call.view'], scope: 'own', durationMinutes: 60 },
        reason: 'covering the phones',
      })
      return must(res).id
    }
    const refused = await ask()
    must(await asA('POST', `/api/v1/approvals/${refused}/reject`, { reason: 'not today' }), 200)
    problem(await asB('POST', `/api/v1/approvals/${await ask()}/approve`), 404, 'not_found')
    expect(await waiting(q)).toEqual(left)
    must(await asA('POST', `/api/v1/approvals/${await ask()}/approve`), 200)
    expect(await routedTo(left)).toEqual([ana.id])
    expect(await waiting(q)).toEqual(left.slice(1))
  })

  it('a grant that starts later: the queue sweep hands the call on once it has started, not before, audited as the system’s', async () => {
    const { busy, q, left } = await busyQueue()
    const gia = await marketer('gia', q, busy.id, [apollo])
    const startsAt = new Date(clock.now().getTime() + 10 * 60_000)
    must(
      await asA('POST', '/api/v1/grants', {
        userId: gia.id,
        actions: ['call.view'],
        scope: 'own',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 60 * 60_000).toISOString(),
        reason: 'evening cover',
      }),
    )
    expect(await waiting(q)).toEqual(left)
    const policies = new PolicyCache()
    const meta = { ip: null, userAgent: null, requestId: null }
    const sweep = () => sweepWaitingCalls({ db, policies, now: clock.now(), meta })
    await sweep()
    expect(await waiting(q)).toEqual(left) // not started yet
    clock.set(startsAt)
    await sweep()
    expect(await routedTo(left)).toEqual([gia.id])
    const routed = (await auditActions(db, a.companyId)).find(
      (e) => e.action === 'call.routed' && e.target_id === left[0],
    )
    expect(routed?.actor_user_id).toBeNull()
    expect(await waiting(q)).toEqual(left.slice(1))
    await sweep() // her one line is taken: the rest keep waiting
    expect(await waiting(q)).toEqual(left.slice(1))
  })
})

describe.skipIf(loadTestDatabaseUrl() === undefined)(
  'an arrival locks only the member it tries (PostgreSQL)',
  () => {
    it('rings the first free member while a member after them is held by another transaction', async () => {
      const zoe = await agent('zoe', [apollo])
      const wim = await agent('wim', [apollo])
      const q = await newQueue(apollo, [zoe.id, wim.id], 'ring-all')
      // another connection holds Wim's row to its end: an arrival that locked every member
      // would wait for it, and this transaction for the arrival, for ever
      const rung = await db.transaction().execute(async (trx) => {
        await sql`select id from users where id = ${wim.id} for update`.execute(trx)
        return arrive(q)
      })
      expect(rung.agentId).toBe(zoe.id)
    })
  },
)

describe.skipIf(loadTestDatabaseUrl() === undefined)('two hang-ups at once (PostgreSQL)', () => {
  it('never hand one waiting call to two agents, nor break a line limit', async () => {
    for (let round = 0; round < 5; round++) {
      const u = await agent(`u${round}`, [apollo])
      const v = await agent(`v${round}`, [apollo])
      const q = await newQueue(apollo, [u.id, v.id])
      const busy = [await arrive(q), await arrive(q), await arrive(q), await arrive(q)]
      const left = await arrive(q)
      expect(left.agentId).toBeUndefined()
      const ofU = busy.find((c) => c.agentId === u.id)!
      const ofV = busy.find((c) => c.agentId === v.id)!
      const [hu, hv] = await Promise.all([
        u.as('POST', `/api/v1/calls/${ofU.id}/hangup`),
        v.as('POST', `/api/v1/calls/${ofV.id}/hangup`),
      ])
      expect([hu.statusCode, hv.statusCode]).toEqual([200, 200])
      const row = await callRow(left.id)
      expect([u.id, v.id]).toContain(row?.agent_id)
      expect(await waiting(q)).toEqual([])
      const routed = (await auditActions(db, a.companyId)).filter(
        (e) => e.action === 'call.routed' && e.target_id === left.id,
      )
      expect(routed).toHaveLength(1)
      for (const p of [u, v]) {
        const lines = must(await p.as('GET', '/api/v1/calls/lines'), 200)
        expect(lines.inUse).toBeLessThanOrEqual(2)
      }
    }
  })
})

describe.skipIf(loadTestDatabaseUrl() === undefined)(
  'two queues sharing members in opposite orders, under concurrent hang-ups, arrivals and member changes (PostgreSQL)',
  () => {
    it('no deadlock reaches a client; no call goes to two agents; no agent passes their lines', async () => {
      const x = await agent('x', [apollo])
      const y = await agent('y', [apollo])
      const q1 = await newQueue(apollo, [x.id, y.id], 'ring-all')
      const q2 = await newQueue(apollo, [y.id, x.id], 'ring-all')
      const arrived: string[] = []
      const ok = (res: Res, ...statuses: number[]) => {
        if (!statuses.includes(res.statusCode)) {
          throw new Error(`unexpected ${res.statusCode}: ${res.body}`) // a 40P01 would be a 500
        }
        return res
      }
      const live = async () =>
        db
          .selectFrom('calls')
          .select(['id', 'agent_id'])
          .where('agent_id', 'in', [x.id, y.id])
          .where('status', '<>', 'ended')
          .execute()
      for (let round = 0; round < 12; round++) {
        clock.advance(1000)
        // every live line of both hangs up (each hang-up hands on a waiting call of either
        // queue) while calls arrive at both queues, each request on its own connection
        const hangUps = (await live()).map(async (c) => {
          ok(await asA('POST', `/api/v1/calls/${c.id}/hangup`), 200)
        })
        const arrivals = [q1, q2, q1, q2, q2, q1].map(async (q) => {
          const res = ok(
            await asA('POST', `/api/v1/queues/${q}/inbound`, { phone: nextPhone() }),
            201,
            202,
          )
          const body = res.json()
          arrived.push((body.routed ? body.call.id : body.queued.id) as string)
        })
        // and the second queue loses its first member, or gains it back (offered its calls)
        const members = round % 2 === 0 ? [x.id] : [y.id, x.id]
        const edit = (async () => {
          ok(await asA('PATCH', `/api/v1/queues/${q2}`, { memberIds: members }), 200)
        })()
        await Promise.all([...hangUps, ...arrivals, edit])
        const lines = await live()
        for (const p of [x, y]) {
          expect(lines.filter((c) => c.agent_id === p.id).length).toBeLessThanOrEqual(2)
        }
      }
      // every call that arrived is either ringing at (or taken by) one agent, or waiting: never both
      const rung = await db
        .selectFrom('calls')
        .select(['id', 'agent_id'])
        .where('id', 'in', arrived)
        .execute()
      const queued = await db
        .selectFrom('queued_calls')
        .select('id')
        .where('id', 'in', arrived)
        .execute()
      expect(rung.length + queued.length).toBe(arrived.length)
      expect(new Set([...rung.map((r) => r.id), ...queued.map((r) => r.id)]).size).toBe(
        arrived.length,
      )
      const routed = (await auditActions(db, a.companyId)).filter(
        (e) => e.action === 'call.routed' && arrived.includes(e.target_id as string),
      )
      expect(routed).toHaveLength(rung.length)
      expect(new Set(routed.map((e) => e.target_id)).size).toBe(rung.length)
      for (const r of rung) expect([x.id, y.id]).toContain(r.agent_id)
    })
  },
)

describe('queue strategies pick the member they say', () => {
  async function three(strategy: string) {
    const ps = [await agent('x', [apollo]), await agent('y', [apollo]), await agent('z', [apollo])]
    const ids = ps.map((p) => p.id)
    return { ids, q: await newQueue(apollo, ids, strategy) }
  }

  it('ring-all: the first free member in the queue’s order', async () => {
    const { ids, q } = await three('ring-all')
    const c1 = await arrive(q)
    must(await hangUp(c1.id), 200)
    const c2 = await arrive(q)
    const c3 = await arrive(q)
    expect([c1.agentId, c2.agentId, c3.agentId]).toEqual([ids[0], ids[0], ids[0]])
    expect((await arrive(q)).agentId).toBe(ids[1]) // the first one's two lines are busy
  })

  it('round-robin: in turn, after the member it last rang', async () => {
    const { ids, q } = await three('round-robin')
    const got: (string | undefined)[] = []
    for (let i = 0; i < 4; i++) {
      const c = await arrive(q)
      got.push(c.agentId)
      must(await hangUp(c.id), 200)
    }
    expect(got).toEqual([ids[0], ids[1], ids[2], ids[0]])
  })

  it('longest-idle: nobody on a call first, then the oldest last hang-up', async () => {
    const { ids, q } = await three('longest-idle')
    const c1 = await arrive(q) // nobody has had a call: the queue's order
    const c2 = await arrive(q) // the first is on a call
    expect([c1.agentId, c2.agentId]).toEqual([ids[0], ids[1]])
    must(await hangUp(c2.id), 200) // the second hangs up before the first
    must(await hangUp(c1.id), 200)
    const c3 = await arrive(q) // the third never had one: idle longest
    expect(c3.agentId).toBe(ids[2])
    must(await hangUp(c3.id), 200)
    const c4 = await arrive(q) // the second hung up first
    expect(c4.agentId).toBe(ids[1])
    const c5 = await arrive(q) // the second is on a call again; the first hung up before the third
    expect(c5.agentId).toBe(ids[0])
  })

  it('fewest-calls: fewest calls from this queue today, other queues not counted', async () => {
    const { ids, q } = await three('fewest-calls')
    // the first member takes two calls of another queue: not counted here
    const other = await newQueue(apollo, [ids[0]!])
    for (let i = 0; i < 2; i++) must(await hangUp((await arrive(other)).id), 200)
    const c1 = await arrive(q)
    expect(c1.agentId).toBe(ids[0])
    must(await hangUp(c1.id), 200)
    const c2 = await arrive(q)
    must(await hangUp(c2.id), 200)
    const c3 = await arrive(q)
    expect([c2.agentId, c3.agentId]).toEqual([ids[1], ids[2]])
    // the second takes one more while the others hang up: it has most, the third of the rest
    must(await hangUp(c3.id), 200)
    must(await asA('PATCH', `/api/v1/queues/${q}`, { memberIds: [ids[1], ids[2], ids[0]] }), 200)
    const c4 = await arrive(q) // all at one: the queue's (new) order
    expect(c4.agentId).toBe(ids[1])
    const c5 = await arrive(q) // the second has two now; the third comes before the first
    expect(c5.agentId).toBe(ids[2])
  })

  it('deleting a queue keeps the calls it rang (without their queue) and drops its waiting ones', async () => {
    const wes = await agent('wes', [apollo])
    const q = await newQueue(apollo, [wes.id])
    const rang = [await arrive(q), await arrive(q)]
    const left = await arrive(q)
    expect(left.agentId).toBeUndefined()
    must(await asA('DELETE', `/api/v1/queues/${q}`), 204)
    for (const c of rang) expect(await callRow(c.id)).toMatchObject({ queue_id: null })
    must(await hangUp(rang[0]!.id), 200)
    expect(await callRow(left.id)).toBeUndefined()
  })

  it('an unknown strategy is 400 and writes nothing', async () => {
    const before = must(await asA('GET', '/api/v1/queues/count'), 200).count
    problem(
      await asA('POST', '/api/v1/queues', { projectId: apollo, name: 'Bad', strategy: 'random' }),
      400,
      'validation_failed',
    )
    expect(must(await asA('GET', '/api/v1/queues/count'), 200).count).toBe(before)
  })
})
