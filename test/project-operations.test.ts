/**
 * Queues, auto-dialers and campaigns (issue 10, P10 [004] «очереди, автообзвоны … по проектам»,
 * [000] 批量外呼) through HTTP: each belongs to one project, and a person who is not a member of
 * it (under a project scope) gets 404 on every path — get, list, count, search, create in it,
 * start, launch, edit, delete — exactly as for another company's ids. A telesales agent starts
 * and stops the dialers of their project but does not edit or delete them; marketing runs the
 * campaigns of its projects; bad input is 400 writing nothing; two starts of one dialer at once
 * give one 200 and one 409 (PostgreSQL). PGlite by default, PostgreSQL when
 * TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { loadTestDatabaseUrl } from '../src/config.js'
import { addRole, caller, giveRole, newPerson, newTeam } from './fixtures.js'
import { auditActions, createTestApp, problem, signUp } from './test-app.js'

const onPostgres = loadTestDatabaseUrl() !== undefined
const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Operations A' })
const b = await signUp(app, { companyName: 'Operations B' })
const asA = call(a.token)
const asB = call(b.token)
type As = typeof asA

const t1 = await newTeam(asA, 'Outbound')
const person = (email: string, role: string) =>
  newPerson(app, db, a, { email, role, orgUnitId: t1 })

async function project(as: As, name: string): Promise<string> {
  const res = await as('POST', '/api/v1/projects', { name })
  if (res.statusCode !== 201) throw new Error(`project: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
async function join(projectId: string, userId: string) {
  const res = await asA('PUT', `/api/v1/projects/${projectId}/members/${userId}`)
  if (res.statusCode !== 204) throw new Error(`member: ${res.statusCode} ${res.body}`)
}

const apollo = await project(asA, 'Apollo')
const borealis = await project(asA, 'Borealis')
const theirs = await project(asB, 'Theirs')

// A custom "operations lead": everything on queues, dialers and campaigns of their projects.
const opsLead = await addRole(db, a.companyId, 'Operations lead', {
  grants: [
    {
      actions: ['queue.*', 'dialer.*', 'campaign.*', 'project.view'],
      scope: 'project',
    },
    { actions: ['user.view'], scope: 'company' },
  ],
})
const tess = await person('tess@ops.test', 'Telesales agent') // Apollo
const tom = await person('tom@ops.test', 'Telesales agent') // Borealis
const mia = await person('mia@ops.test', 'Marketing') // Apollo
const max = await person('max@ops.test', 'Marketing') // Borealis
const olga = await person('olga@ops.test', 'Operator') // Apollo, operations lead
const pete = await person('pete@ops.test', 'Operator') // Borealis, operations lead
for (const p of [olga, pete]) await giveRole(db, a.companyId, p.id, opsLead)
for (const p of [tess, mia, olga]) await join(apollo, p.id)
for (const p of [tom, max, pete]) await join(borealis, p.id)

type Json = Record<string, unknown> & { id: string }
async function made(as: As, url: string, body: Record<string, unknown>): Promise<Json> {
  const res = await as('POST', url, body)
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
  return res.json() as Json
}

const apolloQueue = await made(asA, '/api/v1/queues', {
  projectId: apollo,
  name: 'Apollo inbound',
  strategy: 'round-robin',
  memberIds: [tess.id],
})
const apolloDialer = await made(asA, '/api/v1/dialers', {
  projectId: apollo,
  name: 'Apollo renewals dialer',
  mode: 'predictive',
})
const apolloCampaign = await made(asA, '/api/v1/campaigns', {
  projectId: apollo,
  name: 'Apollo renewals',
  queueId: apolloQueue.id,
  dialerId: apolloDialer.id,
})
const borealisQueue = await made(asA, '/api/v1/queues', { projectId: borealis, name: 'Borealis' })
const borealisDialer = await made(asA, '/api/v1/dialers', {
  projectId: borealis,
  name: 'Borealis dialer',
})
const borealisCampaign = await made(asA, '/api/v1/campaigns', {
  projectId: borealis,
  name: 'Borealis winter',
})
const theirQueue = await made(asB, '/api/v1/queues', { projectId: theirs, name: 'Apollo inbound' })
const theirDialer = await made(asB, '/api/v1/dialers', { projectId: theirs, name: 'Apollo dialer' })
const theirCampaign = await made(asB, '/api/v1/campaigns', {
  projectId: theirs,
  name: 'Apollo renewals',
})

const ids = (res: { json: () => { items: Json[] } }) =>
  res
    .json()
    .items.map((x) => x.id)
    .sort()
const sorted = (...xs: string[]) => [...xs].sort()

/** Rows of the three tables of company A, as the superuser (what a refused write left). */
async function snapshot() {
  const of = (table: 'queues' | 'dialers' | 'campaigns') =>
    db.selectFrom(table).selectAll().where('company_id', '=', a.companyId).orderBy('id').execute()
  return {
    queues: await of('queues'),
    dialers: await of('dialers'),
    campaigns: await of('campaigns'),
  }
}

describe('P10: a non-member of the project does not learn its queues, dialers and campaigns exist', () => {
  const apolloThings = [
    ['queues', apolloQueue.id],
    ['dialers', apolloDialer.id],
    ['campaigns', apolloCampaign.id],
  ] as const

  it('a member sees the records of their project; a non-member gets 404 on each of them', async () => {
    for (const [path, id] of apolloThings) {
      expect((await olga.as('GET', `/api/v1/${path}/${id}`)).statusCode, path).toBe(200)
      problem(await pete.as('GET', `/api/v1/${path}/${id}`), 404, 'not_found')
    }
    expect((await tess.as('GET', `/api/v1/dialers/${apolloDialer.id}`)).json()).toMatchObject({
      projectId: apollo,
      name: 'Apollo renewals dialer',
      mode: 'predictive',
      state: 'idle',
    })
    problem(await tom.as('GET', `/api/v1/dialers/${apolloDialer.id}`), 404, 'not_found')
    problem(await tom.as('GET', `/api/v1/campaigns/${apolloCampaign.id}`), 404, 'not_found')
    problem(await max.as('GET', `/api/v1/campaigns/${apolloCampaign.id}`), 404, 'not_found')
    expect((await mia.as('GET', `/api/v1/campaigns/${apolloCampaign.id}`)).json()).toMatchObject({
      status: 'draft',
      queueId: apolloQueue.id,
      dialerId: apolloDialer.id,
    })
  })

  it('lists, counts and searches show only the caller’s projects', async () => {
    const mine = {
      queues: [apolloQueue.id],
      dialers: [apolloDialer.id],
      campaigns: [apolloCampaign.id],
    }
    const theirs = {
      queues: [borealisQueue.id],
      dialers: [borealisDialer.id],
      campaigns: [borealisCampaign.id],
    }
    for (const path of ['queues', 'dialers', 'campaigns'] as const) {
      expect(ids(await olga.as('GET', `/api/v1/${path}`)), path).toEqual(mine[path])
      expect(ids(await pete.as('GET', `/api/v1/${path}`)), path).toEqual(theirs[path])
      expect((await pete.as('GET', `/api/v1/${path}/count`)).json(), path).toEqual({ count: 1 })
      // the other project named in a filter, or searched by its name: nothing
      expect(ids(await pete.as('GET', `/api/v1/${path}?projectId=${apollo}`)), path).toEqual([])
      expect(
        (await pete.as('GET', `/api/v1/${path}/count?projectId=${apollo}`)).json(),
        path,
      ).toEqual({ count: 0 })
      expect(ids(await pete.as('GET', `/api/v1/${path}?q=apollo`)), path).toEqual([])
      expect((await pete.as('GET', `/api/v1/${path}/count?q=apollo`)).json(), path).toEqual({
        count: 0,
      })
      expect(ids(await olga.as('GET', `/api/v1/${path}?q=APOLLO`)), path).toEqual(mine[path])
      // the admin sees both projects, never company B's
      expect(ids(await asA('GET', `/api/v1/${path}?limit=1`)).length, path).toBe(1)
      expect((await asA('GET', `/api/v1/${path}/count`)).json(), path).toEqual({ count: 2 })
    }
    expect(ids(await tom.as('GET', '/api/v1/dialers'))).toEqual([borealisDialer.id])
    expect(ids(await tom.as('GET', '/api/v1/campaigns'))).toEqual([borealisCampaign.id])
    expect((await tom.as('GET', '/api/v1/campaigns/count?q=renewals')).json()).toEqual({
      count: 0,
    })
    expect(ids(await max.as('GET', '/api/v1/campaigns'))).toEqual([borealisCampaign.id])
    expect(ids(await mia.as('GET', '/api/v1/campaigns?q=renewals'))).toEqual([apolloCampaign.id])
  })

  it('a list pages by cursor over what the caller may see', async () => {
    const first = await asA('GET', '/api/v1/dialers?limit=1')
    const next = first.json().nextCursor as string
    expect(next).toEqual(expect.any(String))
    const second = await asA('GET', `/api/v1/dialers?limit=1&cursor=${encodeURIComponent(next)}`)
    expect(second.json().nextCursor).toBeNull()
    expect(sorted(...ids(first), ...ids(second))).toEqual(
      sorted(apolloDialer.id, borealisDialer.id),
    )
  })

  it('a non-member cannot create in the project (404 for the project) nor act on its records', async () => {
    const before = await snapshot()
    for (const [path, body] of [
      ['queues', { projectId: apollo, name: 'Sneaky queue' }],
      ['dialers', { projectId: apollo, name: 'Sneaky dialer' }],
      ['campaigns', { projectId: apollo, name: 'Sneaky campaign' }],
    ] as const) {
      const res = problem(await pete.as('POST', `/api/v1/${path}`, body), 404, 'not_found')
      expect(res.errors, path).toEqual([{ path: 'body/projectId', message: 'no such project' }])
    }
    problem(
      await max.as('POST', '/api/v1/campaigns', { projectId: apollo, name: 'Sneaky' }),
      404,
      'not_found',
    )
    for (const [path, id] of apolloThings) {
      problem(await pete.as('PATCH', `/api/v1/${path}/${id}`, { name: 'Mine' }), 404, 'not_found')
      problem(await pete.as('DELETE', `/api/v1/${path}/${id}`), 404, 'not_found')
    }
    for (const verb of ['start', 'stop']) {
      problem(await tom.as('POST', `/api/v1/dialers/${apolloDialer.id}/${verb}`), 404, 'not_found')
      problem(await pete.as('POST', `/api/v1/dialers/${apolloDialer.id}/${verb}`), 404, 'not_found')
    }
    for (const verb of ['launch', 'pause', 'end']) {
      problem(
        await max.as('POST', `/api/v1/campaigns/${apolloCampaign.id}/${verb}`),
        404,
        'not_found',
      )
    }
    // a campaign of their own project naming the other project's queue or dialer
    for (const key of ['queueId', 'dialerId'] as const) {
      const ref = key === 'queueId' ? apolloQueue.id : apolloDialer.id
      const res = await pete.as('POST', '/api/v1/campaigns', {
        projectId: borealis,
        name: 'Borrowing',
        [key]: ref,
      })
      expect(problem(res, 404, 'not_found').errors).toEqual([
        { path: `body/${key}`, message: expect.stringMatching(/^no such/) },
      ])
    }
    expect(await snapshot()).toEqual(before)
  })

  it('another company’s ids are 404 on every path, even to its Admin', async () => {
    const before = await snapshot()
    for (const [path, id] of [
      ['queues', theirQueue.id],
      ['dialers', theirDialer.id],
      ['campaigns', theirCampaign.id],
    ] as const) {
      problem(await asA('GET', `/api/v1/${path}/${id}`), 404, 'not_found')
      problem(await asA('PATCH', `/api/v1/${path}/${id}`, { name: 'Ours' }), 404, 'not_found')
      problem(await asA('DELETE', `/api/v1/${path}/${id}`), 404, 'not_found')
      expect(ids(await asA('GET', `/api/v1/${path}?projectId=${theirs}`)), path).toEqual([])
    }
    problem(await asA('POST', `/api/v1/dialers/${theirDialer.id}/start`), 404, 'not_found')
    problem(await asA('POST', `/api/v1/campaigns/${theirCampaign.id}/launch`), 404, 'not_found')
    for (const path of ['queues', 'dialers', 'campaigns']) {
      const res = await asA('POST', `/api/v1/${path}`, { projectId: theirs, name: 'Into B' })
      expect(problem(res, 404, 'not_found').errors, path).toEqual([
        { path: 'body/projectId', message: 'no such project' },
      ])
    }
    for (const [key, ref] of [
      ['queueId', theirQueue.id],
      ['dialerId', theirDialer.id],
    ] as const) {
      const res = await asA('POST', '/api/v1/campaigns', {
        projectId: apollo,
        name: 'Cross',
        [key]: ref,
      })
      expect(problem(res, 404, 'not_found').errors?.[0]).toMatchObject({ path: `body/${key}` })
    }
    problem(
      await asA('POST', '/api/v1/queues', {
        projectId: apollo,
        name: 'B people',
        memberIds: [b.userId],
      }),
      404,
      'not_found',
    )
    expect(await snapshot()).toEqual(before)
    expect((await asB('GET', `/api/v1/dialers/${theirDialer.id}`)).json().state).toBe('idle')
  })
})

describe('bad input is 400 and writes nothing', () => {
  it('refuses NUL bytes, blanks, over-long names, wrong types and unknown fields', async () => {
    const before = await snapshot()
    const cases: [string, string, Record<string, unknown>][] = [
      ['POST', '/api/v1/queues', { projectId: apollo, name: 'Night\u0000queue' }],
      ['POST', '/api/v1/dialers', { projectId: apollo, name: '\u0000' }],
      ['POST', '/api/v1/campaigns', { projectId: apollo, name: 'Spring\u0000' }],
      ['POST', '/api/v1/campaigns', { projectId: 'p\u0000', name: 'Spring' }],
      ['POST', '/api/v1/queues', { projectId: apollo, name: '   ' }],
      ['POST', '/api/v1/dialers', { projectId: apollo, name: 'x'.repeat(201) }],
      ['POST', '/api/v1/campaigns', { projectId: apollo, name: 42 }],
      ['POST', '/api/v1/campaigns', { name: 'No project' }],
      ['POST', '/api/v1/queues', { projectId: apollo, name: 'Q', strategy: 'random' }],
      ['POST', '/api/v1/queues', { projectId: apollo, name: 'Q', memberIds: [tess.id, tess.id] }],
      ['POST', '/api/v1/dialers', { projectId: apollo, name: 'D', mode: 'manual' }],
      ['POST', '/api/v1/dialers', { projectId: apollo, name: 'D', state: 'running' }],
      ['POST', '/api/v1/campaigns', { projectId: apollo, name: 'C', status: 'running' }],
      ['PATCH', `/api/v1/queues/${apolloQueue.id}`, { name: 'Renamed\u0000' }],
      ['PATCH', `/api/v1/dialers/${apolloDialer.id}`, { name: '' }],
      ['PATCH', `/api/v1/dialers/${apolloDialer.id}`, { projectId: borealis }],
      ['PATCH', `/api/v1/campaigns/${apolloCampaign.id}`, { name: 'Ok', projectId: borealis }],
      ['PATCH', `/api/v1/campaigns/${apolloCampaign.id}`, {}],
    ]
    for (const [method, url, body] of cases) {
      const res = await asA(method as 'POST', url, body)
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(400)
      expect(res.json().code).toBe('validation_failed')
      expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/)
    }
    // a queue or dialer of another project of the company is not the campaign's
    const res = await asA('POST', '/api/v1/campaigns', {
      projectId: apollo,
      name: 'Mixed',
      queueId: borealisQueue.id,
    })
    expect(problem(res, 400, 'validation_failed').errors).toEqual([
      { path: 'body/queueId', message: "must be a queue of the campaign's project" },
    ])
    problem(
      await asA('PATCH', `/api/v1/campaigns/${apolloCampaign.id}`, { dialerId: borealisDialer.id }),
      400,
      'validation_failed',
    )
    problem(await asA('GET', '/api/v1/dialers?state=paused'), 400, 'validation_failed')
    problem(await asA('GET', '/api/v1/campaigns?limit=500'), 400, 'validation_failed')
    expect(await snapshot()).toEqual(before)
  })
})

describe('[000] 批量外呼: the telesales agent runs the dialers of their project', () => {
  it('starts and stops them (audited, start twice → 409) but does not edit, create or delete them', async () => {
    const url = `/api/v1/dialers/${apolloDialer.id}`
    const started = await tess.as('POST', `${url}/start`)
    expect(started.statusCode, started.body).toBe(200)
    expect(started.json()).toMatchObject({ state: 'running', startedBy: tess.id })
    expect(problem(await tess.as('POST', `${url}/start`), 409, 'conflict').errors).toEqual([
      { path: 'state', message: 'is running' },
    ])
    // a running dialer is not deleted, even by the Admin
    problem(await asA('DELETE', url), 409, 'conflict')
    const stopped = await tess.as('POST', `${url}/stop`)
    expect(stopped.json()).toMatchObject({ state: 'idle', startedBy: tess.id })
    problem(await tess.as('POST', `${url}/stop`), 409, 'conflict')

    const before = await snapshot()
    problem(await tess.as('PATCH', url, { mode: 'preview' }), 403, 'forbidden')
    problem(await tess.as('DELETE', url), 403, 'forbidden')
    problem(
      await tess.as('POST', '/api/v1/dialers', { projectId: apollo, name: 'Mine' }),
      403,
      'forbidden',
    )
    // an agent sees the campaigns of their project, and neither runs nor deletes one
    expect((await tess.as('GET', `/api/v1/campaigns/${apolloCampaign.id}`)).statusCode).toBe(200)
    problem(
      await tess.as('POST', `/api/v1/campaigns/${apolloCampaign.id}/launch`),
      403,
      'forbidden',
    )
    problem(await tess.as('DELETE', `/api/v1/campaigns/${apolloCampaign.id}`), 403, 'forbidden')
    // queues are not theirs at all
    problem(await tess.as('GET', '/api/v1/queues'), 403, 'forbidden')
    expect(await snapshot()).toEqual(before)

    const events = (await auditActions(db, a.companyId)).filter(
      (e) => e.target_id === apolloDialer.id && e.action === 'dialer.updated',
    )
    expect(events.map((e) => [e.actor_user_id, (e.after as { state: string }).state])).toEqual([
      [tess.id, 'running'],
      [tess.id, 'idle'],
    ])
  })
})

describe('[002] marketing runs the campaigns of its projects', () => {
  it('creates, edits, launches, pauses, ends and deletes a campaign of its project', async () => {
    const created = await mia.as('POST', '/api/v1/campaigns', {
      projectId: apollo,
      name: '  Spring upsell  ',
    })
    expect(created.statusCode, created.body).toBe(201)
    const c = created.json() as Json
    expect(c).toMatchObject({ name: 'Spring upsell', status: 'draft', ownerId: mia.id })
    const url = `/api/v1/campaigns/${c.id}`
    expect((await mia.as('PATCH', url, { name: 'Spring upsell 2' })).json().name).toBe(
      'Spring upsell 2',
    )
    // no queue.view: a queue, even of its own project, is one it may not name
    expect(
      problem(await mia.as('PATCH', url, { queueId: apolloQueue.id }), 404, 'not_found').errors,
    ).toEqual([{ path: 'body/queueId', message: 'no such queue' }])
    // another company's person is no owner
    const foreign = await mia.as('PATCH', url, { ownerId: b.userId })
    expect(problem(foreign, 404, 'not_found').errors).toEqual([
      { path: 'body/ownerId', message: expect.any(String) },
    ])
    const launched = await mia.as('POST', `${url}/launch`)
    expect(launched.json()).toMatchObject({ status: 'running', launchedAt: expect.any(String) })
    problem(await mia.as('POST', `${url}/launch`), 409, 'conflict')
    expect((await mia.as('POST', `${url}/pause`)).json().status).toBe('paused')
    expect((await mia.as('POST', `${url}/launch`)).json().status).toBe('running')
    expect((await mia.as('POST', `${url}/end`)).json()).toMatchObject({
      status: 'ended',
      endedAt: expect.any(String),
    })
    problem(await mia.as('POST', `${url}/launch`), 409, 'conflict')
    problem(await mia.as('PATCH', url, { name: 'Too late' }), 409, 'conflict')
    // an ended campaign does not change, even by an edit that would change nothing; and to a
    // marketer of the other project it is still unknown (404, not 409)
    problem(await mia.as('PATCH', url, { name: 'Spring upsell 2' }), 409, 'conflict')
    problem(await max.as('PATCH', url, { name: 'Spring upsell 2' }), 404, 'not_found')
    // the project's telesales agent sees it; the other project's marketing does not
    expect((await tess.as('GET', url)).json().status).toBe('ended')
    problem(await max.as('GET', url), 404, 'not_found')
    expect((await mia.as('DELETE', url)).statusCode).toBe(204)
    problem(await mia.as('GET', url), 404, 'not_found')
    const actions = (await auditActions(db, a.companyId))
      .filter((e) => e.target_id === c.id)
      .map((e) => e.action)
    expect(actions).toEqual([
      'campaign.created',
      'campaign.updated',
      'campaign.updated',
      'campaign.updated',
      'campaign.updated',
      'campaign.updated',
      'campaign.deleted',
    ])
  })

  it('an operations lead names the queue and dialer of the project; deleting the queue leaves the campaign without one', async () => {
    const q = await made(olga.as, '/api/v1/queues', { projectId: apollo, name: 'Spare' })
    const c = await made(olga.as, '/api/v1/campaigns', {
      projectId: apollo,
      name: 'Spare run',
      queueId: q.id,
      dialerId: apolloDialer.id,
    })
    expect(c).toMatchObject({ queueId: q.id, dialerId: apolloDialer.id, ownerId: olga.id })
    const patched = await olga.as('PATCH', `/api/v1/queues/${q.id}`, {
      memberIds: [tess.id, olga.id],
      strategy: 'fewest-calls',
    })
    expect(patched.json()).toMatchObject({
      memberIds: [tess.id, olga.id],
      strategy: 'fewest-calls',
    })
    expect((await olga.as('DELETE', `/api/v1/queues/${q.id}`)).statusCode).toBe(204)
    expect((await olga.as('GET', `/api/v1/campaigns/${c.id}`)).json()).toMatchObject({
      queueId: null,
      dialerId: apolloDialer.id,
    })
    expect((await olga.as('DELETE', `/api/v1/campaigns/${c.id}`)).statusCode).toBe(204)
  })
})

describe('field rules (P4) apply to the new types', () => {
  it('a masked member list is shown as its masked string and named; a hidden name is absent', async () => {
    const reader = await addRole(db, a.companyId, 'Queue reader', {
      grants: [
        { actions: ['queue.view'], scope: 'project', fields: { memberIds: 'masked' } },
        { actions: ['dialer.view'], scope: 'project', fields: { name: 'hidden' } },
      ],
    })
    const rita = await person('rita@ops.test', 'Operator')
    await giveRole(db, a.companyId, rita.id, reader)
    await join(apollo, rita.id)
    const queue = await rita.as('GET', `/api/v1/queues/${apolloQueue.id}`)
    expect(queue.statusCode, queue.body).toBe(200)
    expect(queue.json()).toMatchObject({
      name: 'Apollo inbound',
      memberIds: expect.any(String),
      maskedFields: ['memberIds'],
    })
    const dialers = (await rita.as('GET', '/api/v1/dialers')).json().items as Json[]
    expect(dialers.map((d) => d.id)).toEqual([apolloDialer.id])
    expect(dialers[0]).not.toHaveProperty('name')
    // a search never finds a record by a name the caller may not read (S11)
    expect(ids(await rita.as('GET', '/api/v1/dialers?q=renewals'))).toEqual([])
  })
})

describe('the owner of a campaign is a scope: handing it on is a delegation', () => {
  it('a holder of own-scoped campaign rights neither creates for nor hands a campaign to someone else', async () => {
    const ownOnly = await addRole(db, a.companyId, 'Campaign owner', {
      grants: [
        { actions: ['campaign.view', 'campaign.create', 'campaign.edit'], scope: 'own' },
        { actions: ['project.view'], scope: 'project' },
        { actions: ['user.view'], scope: 'company' },
      ],
    })
    const cora = await person('cora@ops.test', 'Operator')
    await giveRole(db, a.companyId, cora.id, ownOnly)
    await join(apollo, cora.id)
    const c = await made(cora.as, '/api/v1/campaigns', { projectId: apollo, name: 'Cora’s' })
    expect(c.ownerId).toBe(cora.id)
    const before = await snapshot()
    const handOver = await cora.as('PATCH', `/api/v1/campaigns/${c.id}`, { ownerId: tess.id })
    expect(problem(handOver, 403, 'forbidden').errors).toEqual([
      { path: 'body/ownerId', message: expect.any(String) },
    ])
    const forOther = await cora.as('POST', '/api/v1/campaigns', {
      projectId: apollo,
      name: 'For Tess',
      ownerId: tess.id,
    })
    // (the helper names every scope attribute the request sets)
    expect(problem(forOther, 403, 'forbidden').errors).toContainEqual({
      path: 'body/ownerId',
      message: expect.any(String),
    })
    // the other project is not hers to name
    problem(
      await cora.as('POST', '/api/v1/campaigns', { projectId: borealis, name: 'Elsewhere' }),
      404,
      'not_found',
    )
    expect(await snapshot()).toEqual(before)
    // and the company's campaigns of others stay unknown to her
    expect(ids(await cora.as('GET', '/api/v1/campaigns'))).toEqual([c.id])
    problem(await cora.as('GET', `/api/v1/campaigns/${apolloCampaign.id}`), 404, 'not_found')
  })
})

describe.skipIf(!onPostgres)('one dialer started twice at once (PostgreSQL)', () => {
  it('answers one 200 and one 409, every time, and the audit holds one start per round', async () => {
    const url = `/api/v1/dialers/${borealisDialer.id}`
    for (let round = 0; round < 5; round++) {
      const both = await Promise.all([
        tom.as('POST', `${url}/start`),
        pete.as('POST', `${url}/start`),
      ])
      expect(both.map((r) => r.statusCode).sort(), both.map((r) => r.body).join('\n')).toEqual([
        200, 409,
      ])
      const stops = await Promise.all([
        tom.as('POST', `${url}/stop`),
        pete.as('POST', `${url}/stop`),
      ])
      expect(stops.map((r) => r.statusCode).sort()).toEqual([200, 409])
    }
    const events = (await auditActions(db, a.companyId)).filter(
      (e) => e.target_id === borealisDialer.id && e.action === 'dialer.updated',
    )
    expect(events.map((e) => (e.after as { state: string }).state)).toEqual(
      Array.from({ length: 5 }, () => ['running', 'idle']).flat(),
    )
  })
})
