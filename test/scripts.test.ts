/**
 * Call scripts (issue 10, [000] 话术, W3) through HTTP: a trainer writes and submits, an admin
 * publishes (never the script's own writer: the four-eyes rule), agents use the published
 * scripts of their projects and never see a draft; an edit of a published script is a new draft
 * version beside it; another company's and another project's scripts are 404; bad input is 400
 * writing nothing. PGlite by default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { addRole, caller, giveRole, newPerson, newTeam } from './fixtures.js'
import { auditActions, createTestApp, problem, signUp } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Scripts A' })
const b = await signUp(app, { companyName: 'Scripts B' })
const asA = call(a.token)
const asB = call(b.token)

const t1 = await newTeam(asA, 'Team one')
const person = (email: string, role: string, orgUnitId: string | null = t1) =>
  newPerson(app, db, a, { email, role, orgUnitId })
const tara = await person('tara@scripts.test', 'Trainer')
const sam = await person('sam@scripts.test', 'Supervisor')
const lee = await person('lee@scripts.test', 'Team lead')
const nina = await person('nina@scripts.test', 'Novice agent')
const olga = await person('olga@scripts.test', 'Novice agent')

const project = async (as: typeof asA, name: string) => {
  const res = await as('POST', '/api/v1/projects', { name })
  if (res.statusCode !== 201) throw new Error(`project: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const apollo = await project(asA, 'Apollo')
const borealis = await project(asA, 'Borealis')
const theirProject = await project(asB, 'Theirs')
for (const [p, who] of [
  [apollo, nina.id],
  [borealis, olga.id],
] as const) {
  const res = await asA('PUT', `/api/v1/projects/${p}/members/${who}`)
  if (res.statusCode !== 204) throw new Error(`member: ${res.statusCode} ${res.body}`)
}

type Json = Record<string, unknown> & { id: string }
const rows = async (companyId = a.companyId) =>
  db.selectFrom('scripts').selectAll().where('company_id', '=', companyId).orderBy('id').execute()
const ids = (res: { json: () => { items: Json[] } }) =>
  res
    .json()
    .items.map((s) => s.id)
    .sort()

/** A script written by `as` (201), optionally submitted and published by `approver`. */
async function script(
  as: typeof asA,
  body: Record<string, unknown>,
  then: { submit?: boolean; approver?: typeof asA } = {},
): Promise<Json> {
  const res = await as('POST', '/api/v1/scripts', body)
  if (res.statusCode !== 201) throw new Error(`script: ${res.statusCode} ${res.body}`)
  let s = res.json() as Json
  if (then.submit || then.approver) {
    // W3: a submission opens a scriptChange approval request (202); the version is pending
    const sub = await as('POST', `/api/v1/scripts/${s.id}/submit`)
    if (sub.statusCode !== 202) throw new Error(`submit: ${sub.statusCode} ${sub.body}`)
    s = (await as('GET', `/api/v1/scripts/${s.id}`)).json() as Json
  }
  if (then.approver) {
    const pub = await then.approver('POST', `/api/v1/scripts/${s.id}/publish`)
    if (pub.statusCode !== 200) throw new Error(`publish: ${pub.statusCode} ${pub.body}`)
    s = pub.json() as Json
  }
  return s
}

describe('the publication workflow', () => {
  it('trainer writes and submits, admin publishes; the novice of the project then uses it', async () => {
    const draft = await script(tara.as, {
      title: 'Greeting, inbound',
      body: 'Good morning, this is {company}. How may I help?',
      projectId: apollo,
    })
    expect(draft).toMatchObject({
      status: 'draft',
      version: 1,
      seriesId: draft.id,
      authorId: tara.id,
      projectId: apollo,
    })
    // a draft is not the novice's to see: not in the list, not by id, not counted
    expect(ids(await nina.as('GET', '/api/v1/scripts'))).toEqual([])
    problem(await nina.as('GET', `/api/v1/scripts/${draft.id}`), 404, 'not_found')
    expect((await nina.as('GET', '/api/v1/scripts/count')).json().count).toBe(0)

    const pending = await tara.as('POST', `/api/v1/scripts/${draft.id}/submit`)
    expect(pending.statusCode).toBe(202)
    expect(pending.json().approvalRequest).toMatchObject({
      type: 'scriptChange',
      route: 'publisher',
      status: 'pending',
      payload: { scriptId: draft.id, version: 1 },
    })
    expect((await tara.as('GET', `/api/v1/scripts/${draft.id}`)).json()).toMatchObject({
      status: 'pending',
      submittedAt: expect.any(String),
    })
    // still not in use
    expect(ids(await nina.as('GET', '/api/v1/scripts'))).toEqual([])
    // the trainer maintains scripts but does not approve them (the engine: no script.approve)
    problem(await tara.as('POST', `/api/v1/scripts/${draft.id}/publish`), 403, 'forbidden')

    const published = await asA('POST', `/api/v1/scripts/${draft.id}/publish`)
    expect(published.statusCode).toBe(200)
    expect(published.json()).toMatchObject({ status: 'published', publishedBy: a.userId })

    const listed = await nina.as('GET', '/api/v1/scripts')
    expect(ids(listed)).toEqual([draft.id])
    expect(listed.json().items[0]).toMatchObject({
      title: 'Greeting, inbound',
      status: 'published',
    })
    expect((await nina.as('GET', `/api/v1/scripts/${draft.id}`)).json().body).toContain('{company}')
    // the novice of another project does not learn it exists
    expect(ids(await olga.as('GET', '/api/v1/scripts'))).toEqual([])
    problem(await olga.as('GET', `/api/v1/scripts/${draft.id}`), 404, 'not_found')

    const audit = (await auditActions(db, a.companyId)).filter((e) => e.target_id === draft.id)
    expect(audit.map((e) => e.action)).toEqual([
      'script.created',
      'script.updated',
      'script.updated',
    ])
    expect(audit[2]?.after).toMatchObject({ status: 'published' })
    const before = await db
      .selectFrom('audit_events')
      .select('before')
      .where('company_id', '=', a.companyId)
      .where('target_id', '=', draft.id)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow()
    expect(before.before).toMatchObject({ status: 'pending' })
  })

  it('a script of no project is the company’s: every agent uses it once published', async () => {
    const s = await script(
      tara.as,
      { title: 'Hold music apology', body: 'Sorry to keep you.' },
      {
        approver: asA,
      },
    )
    expect(s.projectId).toBeNull()
    expect(ids(await olga.as('GET', '/api/v1/scripts'))).toEqual([s.id])
    expect(ids(await nina.as('GET', '/api/v1/scripts'))).toContain(s.id)
  })

  it('nobody publishes a script they wrote, even with script.approve (403 own_request)', async () => {
    const own = await script(asA, { title: 'Admin’s own', body: 'Text.' }, { submit: true })
    problem(await asA('POST', `/api/v1/scripts/${own.id}/publish`), 403, 'own_request')
    expect((await asA('GET', `/api/v1/scripts/${own.id}`)).json().status).toBe('pending')

    // an edit makes the editor a writer too: the admin who changed the trainer's text may not
    // publish it; the supervisor, who wrote none of it, may
    const shared = await script(tara.as, { title: 'Refund policy', body: 'Refunds take 7 days.' })
    const edited = await asA('PATCH', `/api/v1/scripts/${shared.id}`, {
      body: 'Refunds take 5 working days.',
    })
    expect(edited.statusCode).toBe(200)
    expect(edited.json().editorIds).toEqual([tara.id, a.userId])
    await tara.as('POST', `/api/v1/scripts/${shared.id}/submit`)
    problem(await asA('POST', `/api/v1/scripts/${shared.id}/publish`), 403, 'own_request')
    problem(await tara.as('POST', `/api/v1/scripts/${shared.id}/publish`), 403, 'forbidden')
    const res = await sam.as('POST', `/api/v1/scripts/${shared.id}/publish`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'published', publishedBy: sam.id })
    // and a draft is never published straight away (409), nor a published one again
    const fresh = await script(tara.as, { title: 'Not submitted', body: 'x' })
    problem(await asA('POST', `/api/v1/scripts/${fresh.id}/publish`), 409, 'conflict')
    problem(await sam.as('POST', `/api/v1/scripts/${shared.id}/publish`), 409, 'conflict')
  })
})

describe('editing a published script', () => {
  it('opens a new draft version; the published one stays in use until the new one is published', async () => {
    const v1 = await script(
      tara.as,
      { title: 'Closing', body: 'Thank you for calling.', projectId: apollo },
      { approver: asA },
    )
    // an edit that changes nothing opens nothing
    const count = (await rows()).length
    const same = await tara.as('PATCH', `/api/v1/scripts/${v1.id}`, { title: 'Closing' })
    expect(same.statusCode).toBe(200)
    expect(same.json()).toMatchObject({ id: v1.id, status: 'published' })
    expect((await rows()).length).toBe(count)

    const res = await tara.as('PATCH', `/api/v1/scripts/${v1.id}`, {
      body: 'Thank you for calling. Is there anything else?',
    })
    expect(res.statusCode).toBe(201)
    const v2 = res.json() as Json
    expect(v2).toMatchObject({ seriesId: v1.id, version: 2, status: 'draft', projectId: apollo })
    expect(v2.id).not.toBe(v1.id)
    // the agent still reads version 1
    expect((await nina.as('GET', `/api/v1/scripts/${v1.id}`)).json().body).toBe(
      'Thank you for calling.',
    )
    problem(await nina.as('GET', `/api/v1/scripts/${v2.id}`), 404, 'not_found')
    // one open version per script
    problem(
      await tara.as('PATCH', `/api/v1/scripts/${v1.id}`, { title: 'Closing (again)' }),
      409,
      'conflict',
    )

    await tara.as('POST', `/api/v1/scripts/${v2.id}/submit`)
    expect((await asA('POST', `/api/v1/scripts/${v2.id}/publish`)).statusCode).toBe(200)
    const mine = await nina.as('GET', `/api/v1/scripts?seriesId=${v1.id}`)
    expect(ids(mine)).toEqual([v2.id])
    problem(await nina.as('GET', `/api/v1/scripts/${v1.id}`), 404, 'not_found')
    expect((await tara.as('GET', `/api/v1/scripts/${v1.id}`)).json().status).toBe('archived')
    // an archived version never changes
    problem(await tara.as('PATCH', `/api/v1/scripts/${v1.id}`, { title: 'Old' }), 409, 'conflict')

    const audit = (await auditActions(db, a.companyId)).map((e) => [e.action, e.target_id])
    expect(audit).toContainEqual(['script.revised', v2.id])
    expect(audit).toContainEqual(['script.archived', v1.id])
  })

  it('an edit of a pending version takes it back to a draft (the submission was of the old text)', async () => {
    const s = await script(
      tara.as,
      { title: 'Verification', body: 'Ask for the date of birth.' },
      {
        submit: true,
      },
    )
    const res = await tara.as('PATCH', `/api/v1/scripts/${s.id}`, {
      body: 'Ask for the last four digits of the card.',
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'draft', submittedAt: null })
  })
})

describe('who may do what', () => {
  it('an agent may not write, submit, publish or delete scripts', async () => {
    const before = (await rows()).length
    problem(
      await nina.as('POST', '/api/v1/scripts', { title: 'Mine', body: 'x' }),
      403,
      'forbidden',
    )
    const used = await script(
      tara.as,
      { title: 'Billing', body: 'Your bill…', projectId: apollo },
      {
        approver: asA,
      },
    )
    const count = (await rows()).length
    // she may know it (she uses it): 403, not 404
    problem(await nina.as('PATCH', `/api/v1/scripts/${used.id}`, { body: 'y' }), 403, 'forbidden')
    problem(await nina.as('POST', `/api/v1/scripts/${used.id}/submit`), 403, 'forbidden')
    problem(await nina.as('POST', `/api/v1/scripts/${used.id}/publish`), 403, 'forbidden')
    problem(await nina.as('DELETE', `/api/v1/scripts/${used.id}`), 403, 'forbidden')
    // a draft she may not know about: 404
    const draft = await script(tara.as, { title: 'Secret draft', body: 'x', projectId: apollo })
    problem(await nina.as('PATCH', `/api/v1/scripts/${draft.id}`, { body: 'y' }), 404, 'not_found')
    problem(await nina.as('DELETE', `/api/v1/scripts/${draft.id}`), 404, 'not_found')
    // the maintainers' list is not hers
    problem(await nina.as('GET', '/api/v1/scripts?purpose=view'), 403, 'forbidden')
    expect((await rows()).length).toBe(count + 1)
    expect(count).toBe(before + 1)
    expect((await asA('GET', `/api/v1/scripts/${used.id}`)).json().body).toBe('Your bill…')
  })

  it('a team lead drafts their own script template and asks for it; an admin publishes it', async () => {
    const mine = await script(
      lee.as,
      { title: 'Lead template', body: 'Escalation wording.' },
      {
        submit: true,
      },
    )
    expect(mine).toMatchObject({ status: 'pending', authorId: lee.id })
    // the lead sees their own drafts, not the trainer's
    const seen = ids(await lee.as('GET', '/api/v1/scripts?purpose=view'))
    expect(seen).toEqual([mine.id])
    problem(await lee.as('POST', `/api/v1/scripts/${mine.id}/publish`), 403, 'forbidden')
    expect((await asA('POST', `/api/v1/scripts/${mine.id}/publish`)).statusCode).toBe(200)
  })

  it('a change that takes a script out of the writer’s project scope is refused (a delegation)', async () => {
    const role = await addRole(db, a.companyId, 'Apollo script editor', {
      grants: [
        {
          actions: ['script.view', 'script.create', 'script.edit', 'project.view'],
          scope: 'project',
        },
      ],
    })
    const pat = await person('pat@scripts.test', 'Novice agent')
    await giveRole(db, a.companyId, pat.id, role)
    await asA('PUT', `/api/v1/projects/${apollo}/members/${pat.id}`)
    const s = await script(pat.as, { title: 'Apollo only', body: 'x', projectId: apollo })
    // Borealis is not hers to see: 404 on the path, nothing written
    const res = await pat.as('POST', '/api/v1/scripts', {
      title: 'Elsewhere',
      body: 'x',
      projectId: borealis,
    })
    problem(res, 404, 'not_found')
    // taking hers out of her projects: the engine refuses the script as it would be (403)
    const moved = await pat.as('PATCH', `/api/v1/scripts/${s.id}`, { projectId: null })
    problem(moved, 403, 'forbidden')
    expect((await pat.as('GET', `/api/v1/scripts/${s.id}`)).json().projectId).toBe(apollo)
  })
})

describe('tenancy and input', () => {
  it('another company’s script is 404 for every route', async () => {
    const theirs = await script(asB, { title: 'B greeting', body: 'Hello from B.' })
    for (const [method, url] of [
      ['GET', `/api/v1/scripts/${theirs.id}`],
      ['PATCH', `/api/v1/scripts/${theirs.id}`],
      ['DELETE', `/api/v1/scripts/${theirs.id}`],
      ['POST', `/api/v1/scripts/${theirs.id}/submit`],
      ['POST', `/api/v1/scripts/${theirs.id}/publish`],
    ] as const) {
      problem(
        await asA(method, url, method === 'PATCH' ? { title: 'x' } : undefined),
        404,
        'not_found',
      )
    }
    expect(ids(await asA('GET', '/api/v1/scripts'))).not.toContain(theirs.id)
    expect((await rows(b.companyId)).map((r) => r.title)).toEqual(['B greeting'])
  })

  it('refuses bad input with 400 (or 404 for a project it may not know), writing nothing', async () => {
    const before = await rows()
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ title: '', body: 'x' }, 400, 'validation_failed', 'body/title'],
      [{ title: '   ', body: 'x' }, 400, 'validation_failed', 'body/title'],
      [{ title: 'x', body: '  \n ' }, 400, 'validation_failed', 'body/body'],
      [{ title: 'nul\u0000title', body: 'x' }, 400, 'validation_failed', ''],
      [{ title: 'x', body: 'nul \u0000 body' }, 400, 'validation_failed', ''],
      [{ title: 'x', body: 'y'.repeat(20_001) }, 400, 'validation_failed', 'body/body'],
      [{ title: 'x'.repeat(201), body: 'y' }, 400, 'validation_failed', 'body/title'],
      [{ title: 'x', body: 'y', extra: 1 }, 400, 'validation_failed', ''],
      [{ title: 'x', body: 'y', projectId: 'no-such-project' }, 404, 'not_found', 'body/projectId'],
      [{ title: 'x', body: 'y', projectId: theirProject }, 404, 'not_found', 'body/projectId'],
    ]
    for (const [body, status, code, path] of cases) {
      const res = await tara.as('POST', '/api/v1/scripts', body)
      const p = problem(res, status, code)
      if (path !== '') {
        expect((p.errors as { path: string }[]).map((e) => e.path).join(' ')).toContain(path)
      }
    }
    const s = before[0]
    if (s === undefined) throw new Error('no script yet')
    problem(await asA('PATCH', `/api/v1/scripts/${s.id}`, {}), 400, 'validation_failed')
    problem(
      await asA('PATCH', `/api/v1/scripts/${s.id}`, { body: 'a\u0000b' }),
      400,
      'validation_failed',
    )
    expect(await rows()).toEqual(before)
  })

  it('search finds scripts by title and body, within what the caller may see', async () => {
    const res = await tara.as('GET', '/api/v1/scripts?q=REFUND')
    const titles = (res.json().items as Json[]).map((s) => s.title)
    expect(titles).toContain('Refund policy')
    expect(titles.every((t) => String(t).toLowerCase().includes('refund'))).toBe(true)
    const byBody = await tara.as('GET', '/api/v1/scripts?q=date%20of%20birth')
    expect(byBody.json().items).toEqual([])
    const card = await tara.as('GET', '/api/v1/scripts?q=last%20four')
    expect((card.json().items as Json[]).map((s) => s.title)).toEqual(['Verification'])
    expect((await tara.as('GET', '/api/v1/scripts/count?q=refund')).json().count).toBe(
      titles.length,
    )
    // the agent's search reaches only what she uses
    const hers = await nina.as('GET', '/api/v1/scripts?q=secret')
    expect(hers.json().items).toEqual([])
    expect((await nina.as('GET', '/api/v1/scripts?q=bill')).json().items).toHaveLength(1)
  })
})
