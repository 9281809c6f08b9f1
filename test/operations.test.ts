/**
 * Operations (issue 10, item 4) through HTTP: IVR menus (admin-managed, project-scoped: P10),
 * shifts (an agent sees their own, a lead the team's; one person's shifts never overlap, held by
 * the database even for two concurrent requests), and the settings sections R1 keeps from the
 * Supervisor (finance, KPI, security: Admin reads and changes them, Supervisor and Operator are
 * refused). Another company's records are 404; bad input is 400 and writes nothing. PGlite by
 * default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { addRole, caller, giveRole, newPerson, newTeam } from './fixtures.js'
import { databaseUrlOf } from './helpers.js'
import { auditActions, createTestApp, logIn, problem, signUp } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Ops A' })
const b = await signUp(app, { companyName: 'Ops B' })
const asA = call(a.token)
const asB = call(b.token)

const t1 = await newTeam(asA, 'Team one')
const t2 = await newTeam(asA, 'Team two')
const person = (email: string, role: string, orgUnitId: string | null = t1) =>
  newPerson(app, db, a, { email, role, orgUnitId })
const sam = await person('sam@ops.test', 'Supervisor')
const opal = await person('opal@ops.test', 'Operator')
const lee = await person('lee@ops.test', 'Team lead')
const tara = await person('tara@ops.test', 'Trainer')
const nina = await person('nina@ops.test', 'Novice agent')
const ned = await person('ned@ops.test', 'Novice agent', t2)
const theirs = await newPerson(app, db, b, {
  email: 'x@ops-b.test',
  role: 'Novice agent',
  orgUnitId: null,
})

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
  [borealis, ned.id],
] as const) {
  const res = await asA('PUT', `/api/v1/projects/${p}/members/${who}`)
  if (res.statusCode !== 204) throw new Error(`member: ${res.statusCode} ${res.body}`)
}
// P10: a company may let agents read their projects' menus (no preset does): both novices hold it
const ivrReader = await addRole(db, a.companyId, 'Project IVR reader', {
  grants: [{ actions: ['ivrMenu.view'], scope: 'project' }],
})
await giveRole(db, a.companyId, nina.id, ivrReader)
await giveRole(db, a.companyId, ned.id, ivrReader)

const count = async (table: 'ivr_menus' | 'shifts', companyId = a.companyId) =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('company_id', '=', companyId)
        .executeTakeFirstOrThrow()
    ).n,
  )
const settingsOf = async (companyId = a.companyId) =>
  (
    await db
      .selectFrom('companies')
      .select('settings')
      .where('id', '=', companyId)
      .executeTakeFirstOrThrow()
  ).settings

// --- settings sections -------------------------------------------------------------------------

const documents = {
  finance: { currency: 'EUR', refundApprovalThreshold: 50_000 },
  kpi: { satisfactionTarget: 92.5, handleTimeTargetSec: 300, connectRateTarget: 40 },
  security: { loginRestrictions: { ipRanges: ['127.0.0.1', '10.0.0.0/8'] } },
} as const
const sections = Object.keys(documents) as (keyof typeof documents)[]

describe('settings sections (R1: Supervisor = Admin minus finance, KPI, security)', () => {
  it('Admin reads the defaults, replaces each section, and each change is audited before → after', async () => {
    expect((await asA('GET', '/api/v1/settings/finance')).json()).toEqual({
      currency: 'USD',
      refundApprovalThreshold: null,
    })
    expect((await asA('GET', '/api/v1/settings/security')).json()).toEqual({
      loginRestrictions: {},
    })
    for (const section of sections) {
      const put = await asA('PUT', `/api/v1/settings/${section}`, documents[section])
      expect(put.statusCode, put.body).toBe(200)
      expect(put.json()).toEqual(documents[section])
      expect((await asA('GET', `/api/v1/settings/${section}`)).json()).toEqual(documents[section])
    }
    const events = (await auditActions(db, a.companyId)).filter((e) =>
      e.action.endsWith('Settings.updated'),
    )
    expect(events.map((e) => [e.action, e.target_id])).toEqual([
      ['financeSettings.updated', 'finance'],
      ['kpiSettings.updated', 'kpi'],
      ['securitySettings.updated', 'security'],
    ])
    expect(events[0]?.after).toEqual(documents.finance)
    // the security section IS the document login reads, not a copy of it
    expect(await settingsOf()).toMatchObject({
      finance: documents.finance,
      kpi: documents.kpi,
      loginRestrictions: documents.security.loginRestrictions,
    })
  })

  it('the security section governs login (P7): a login from outside the ranges is refused', async () => {
    const outside = await logIn(app, { company: a.slug, email: 'nina@ops.test' }, '192.0.2.7')
    problem(outside, 403, 'login_restricted')
    const inside = await logIn(app, { company: a.slug, email: 'nina@ops.test' }, '10.1.2.3')
    expect(inside.statusCode).toBe(200)
  })

  it('refuses the Supervisor every read and write of all three sections (403), writing nothing', async () => {
    const before = await settingsOf()
    for (const section of sections) {
      problem(await sam.as('GET', `/api/v1/settings/${section}`), 403, 'forbidden')
      problem(
        await sam.as('PUT', `/api/v1/settings/${section}`, documents[section]),
        403,
        'forbidden',
      )
    }
    expect(await settingsOf()).toEqual(before)
  })

  it('refuses the Operator and agents too, and leaves them nothing to learn', async () => {
    for (const as of [opal.as, nina.as, lee.as]) {
      for (const section of sections) {
        problem(await as('GET', `/api/v1/settings/${section}`), 403, 'forbidden')
        problem(
          await as('PUT', `/api/v1/settings/${section}`, documents[section]),
          403,
          'forbidden',
        )
      }
    }
  })

  it('keeps each company its own sections', async () => {
    expect((await asB('GET', '/api/v1/settings/finance')).json()).toEqual({
      currency: 'USD',
      refundApprovalThreshold: null,
    })
    expect((await asB('PUT', '/api/v1/settings/kpi', documents.kpi)).statusCode).toBe(200)
    expect(await settingsOf(b.companyId)).not.toHaveProperty('finance')
  })

  it('refuses bad documents with 400 and writes nothing', async () => {
    const before = await settingsOf()
    const events = (await auditActions(db, a.companyId)).length
    const bad: [string, unknown][] = [
      ['finance', { currency: 'eur', refundApprovalThreshold: null }],
      ['finance', { currency: 'ZZZ', refundApprovalThreshold: null }],
      ['finance', { currency: 'EUR', refundApprovalThreshold: -1 }],
      ['finance', { currency: 'EUR', refundApprovalThreshold: 1.5 }],
      ['finance', { currency: 'EUR' }],
      ['finance', { currency: 'EUR', refundApprovalThreshold: null, extra: 1 }],
      ['kpi', { satisfactionTarget: 101, handleTimeTargetSec: null, connectRateTarget: null }],
      ['kpi', { satisfactionTarget: null, handleTimeTargetSec: '300', connectRateTarget: null }],
      ['security', { loginRestrictions: { ipRanges: ['10/8'] } }],
      ['security', { loginRestrictions: { ipRanges: ['10.0.0.1\u0000'] } }],
      ['security', { loginRestrictions: { hours: { start: '25:00', end: '18:00' } } }],
      ['security', { loginRestrictions: { hours: { start: '08:00', end: '18:00', days: [7] } } }],
      ['security', {}],
    ]
    for (const [section, body] of bad) {
      problem(await asA('PUT', `/api/v1/settings/${section}`, body), 400, 'validation_failed')
    }
    expect(await settingsOf()).toEqual(before)
    expect((await auditActions(db, a.companyId)).length).toBe(events)
  })
})

// --- IVR menus ---------------------------------------------------------------------------------

const tree = [
  { digit: '1', label: 'Sales', action: 'queue', queue: 'sales' },
  {
    digit: '2',
    label: 'Support',
    action: 'submenu',
    options: [
      { digit: '1', label: 'Internet', action: 'queue', queue: 'support-net' },
      { digit: '#', label: 'Back', action: 'hangup' },
    ],
  },
  { digit: '0', label: 'Opening hours', action: 'message', message: 'We are open 8 to 8.' },
]
/** `levels` levels of submenus under one option each (the last one a queue). */
const deep = (levels: number): unknown[] =>
  levels === 1
    ? [{ digit: '1', label: 'Leaf', action: 'queue', queue: 'q' }]
    : [{ digit: '1', label: `Level ${levels}`, action: 'submenu', options: deep(levels - 1) }]

async function menu(as: typeof asA, body: Record<string, unknown>) {
  const res = await as('POST', '/api/v1/ivr-menus', body)
  if (res.statusCode !== 201) throw new Error(`menu: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string } & Record<string, unknown>
}

describe('IVR menus (P1, P10)', () => {
  it('Admin creates a project menu with a tree of options; the project member with a read grant sees it', async () => {
    const m = await menu(asA, { name: 'Main line', projectId: apollo, options: tree })
    expect(m).toMatchObject({ name: 'Main line', projectId: apollo, options: tree })
    expect((await nina.as('GET', `/api/v1/ivr-menus/${m.id}`)).json()).toMatchObject({
      options: tree,
    })
    const list = await nina.as('GET', '/api/v1/ivr-menus')
    expect(list.json().items.map((i: { id: string }) => i.id)).toEqual([m.id])
    expect((await auditActions(db, a.companyId)).at(-1)).toMatchObject({
      action: 'ivrMenu.created',
      target_id: m.id,
    })
  })

  it("hides a project's menus from non-members (404) and from agents without a grant", async () => {
    const m = await menu(asA, { name: 'Apollo after hours', projectId: apollo, options: tree })
    problem(await ned.as('GET', `/api/v1/ivr-menus/${m.id}`), 404, 'not_found')
    problem(await ned.as('PATCH', `/api/v1/ivr-menus/${m.id}`, { name: 'x' }), 404, 'not_found')
    expect((await ned.as('GET', '/api/v1/ivr-menus')).json().items).toEqual([])
    problem(await opal.as('GET', `/api/v1/ivr-menus/${m.id}`), 404, 'not_found')
    problem(await lee.as('DELETE', `/api/v1/ivr-menus/${m.id}`), 404, 'not_found')
  })

  it('lets no agent create, edit or delete a menu, even one they may view', async () => {
    const m = await menu(asA, { name: 'Agent test', projectId: apollo, options: tree })
    problem(await nina.as('PATCH', `/api/v1/ivr-menus/${m.id}`, { name: 'Mine' }), 403, 'forbidden')
    problem(await nina.as('DELETE', `/api/v1/ivr-menus/${m.id}`), 403, 'forbidden')
    const body = { name: 'Agent menu', projectId: apollo, options: tree }
    problem(await nina.as('POST', '/api/v1/ivr-menus', body), 403, 'forbidden')
    problem(await lee.as('POST', '/api/v1/ivr-menus', body), 403, 'forbidden')
    expect((await asA('GET', `/api/v1/ivr-menus/${m.id}`)).json().name).toBe('Agent test')
  })

  it('the trainer edits menus but neither creates nor deletes them; the Supervisor manages them', async () => {
    const m = await menu(sam.as, { name: 'Supervised', projectId: borealis, options: tree })
    const patched = await tara.as('PATCH', `/api/v1/ivr-menus/${m.id}`, {
      options: [{ digit: '9', label: 'Operator', action: 'queue', queue: 'front' }],
    })
    expect(patched.statusCode, patched.body).toBe(200)
    expect(patched.json().options).toEqual([
      { digit: '9', label: 'Operator', action: 'queue', queue: 'front' },
    ])
    const body = { name: 'Trainer menu', projectId: apollo, options: tree }
    problem(await tara.as('POST', '/api/v1/ivr-menus', body), 403, 'forbidden')
    problem(await tara.as('DELETE', `/api/v1/ivr-menus/${m.id}`), 403, 'forbidden')
    expect((await sam.as('DELETE', `/api/v1/ivr-menus/${m.id}`)).statusCode).toBe(204)
  })

  it("answers 404 for another company's menu and project", async () => {
    const m = await menu(asA, { name: 'Private', projectId: apollo, options: tree })
    problem(await asB('GET', `/api/v1/ivr-menus/${m.id}`), 404, 'not_found')
    problem(await asB('PATCH', `/api/v1/ivr-menus/${m.id}`, { name: 'x' }), 404, 'not_found')
    problem(await asB('DELETE', `/api/v1/ivr-menus/${m.id}`), 404, 'not_found')
    const res = await asA('POST', '/api/v1/ivr-menus', {
      name: 'Elsewhere',
      projectId: theirProject,
      options: tree,
    })
    expect(problem(res, 404, 'not_found').errors).toEqual([
      { path: 'body/projectId', message: 'no such project' },
    ])
  })

  it('refuses bad trees with 400 and writes nothing', async () => {
    const rows = await count('ivr_menus')
    const events = (await auditActions(db, a.companyId)).length
    const twice = [
      { digit: '1', label: 'A', action: 'hangup' },
      { digit: '1', label: 'B', action: 'hangup' },
    ]
    const bad: unknown[] = [
      twice,
      [{ digit: '2', label: 'S', action: 'submenu', options: twice }],
      deep(6),
      [{ digit: '1', label: 'S', action: 'submenu' }],
      [{ digit: '1', label: 'Q', action: 'queue' }],
      [{ digit: '1', label: 'H', action: 'hangup', queue: 'q' }],
      [{ digit: '1', label: 'M', action: 'message' }],
      [{ digit: 'A', label: 'X', action: 'hangup' }],
      [{ digit: '1', label: '   ', action: 'hangup' }],
      [{ digit: '1', label: 'x'.repeat(101), action: 'hangup' }],
      [{ digit: '1', label: 'nul\u0000', action: 'hangup' }],
      [{ digit: '1', label: 'X', action: 'transfer' }],
      [],
      'not a tree',
    ]
    for (const options of bad) {
      const res = await asA('POST', '/api/v1/ivr-menus', {
        name: 'Bad',
        projectId: apollo,
        options,
      })
      problem(res, 400, 'validation_failed')
    }
    problem(
      await asA('POST', '/api/v1/ivr-menus', {
        name: 'Nul\u0000',
        projectId: apollo,
        options: tree,
      }),
      400,
      'validation_failed',
    )
    const good = await menu(asA, { name: 'Five levels', projectId: apollo, options: deep(5) })
    problem(
      await asA('PATCH', `/api/v1/ivr-menus/${good.id}`, { options: twice }),
      400,
      'validation_failed',
    )
    expect(await count('ivr_menus')).toBe(rows + 1)
    expect((await asA('GET', `/api/v1/ivr-menus/${good.id}`)).json().options).toEqual(deep(5))
    expect((await auditActions(db, a.companyId)).length).toBe(events + 1)
  })

  it('refuses moving a menu to a project outside the editor’s reach (a delegation)', async () => {
    const editor = await person('ivy@ops.test', 'Novice agent')
    await asA('PUT', `/api/v1/projects/${apollo}/members/${editor.id}`)
    const role = await addRole(db, a.companyId, 'Project IVR editor', {
      grants: [{ actions: ['ivrMenu.view', 'ivrMenu.edit', 'project.view'], scope: 'project' }],
    })
    await giveRole(db, a.companyId, editor.id, role)
    const m = await menu(asA, { name: 'Apollo queue line', projectId: apollo, options: tree })
    const ok = await editor.as('PATCH', `/api/v1/ivr-menus/${m.id}`, { name: 'Apollo line 2' })
    expect(ok.statusCode, ok.body).toBe(200)
    const res = await editor.as('PATCH', `/api/v1/ivr-menus/${m.id}`, { projectId: borealis })
    expect(problem(res, 403, 'forbidden').errors).toEqual([
      { path: 'body/projectId', message: 'you may not ivrMenu.edit a ivrMenu with this value' },
    ])
    expect((await asA('GET', `/api/v1/ivr-menus/${m.id}`)).json().projectId).toBe(apollo)
  })

  it('a menu name is unique within its project (409)', async () => {
    await menu(asA, { name: 'Twin', projectId: apollo, options: tree })
    const res = await asA('POST', '/api/v1/ivr-menus', {
      name: 'Twin',
      projectId: apollo,
      options: tree,
    })
    problem(res, 409, 'conflict')
    await menu(asA, { name: 'Twin', projectId: borealis, options: tree })
  })
})

// --- shifts ------------------------------------------------------------------------------------

const at = (hhmm: string, day = '2026-12-01') => `${day}T${hhmm}:00.000Z`
async function shift(as: typeof asA, body: Record<string, unknown>) {
  const res = await as('POST', '/api/v1/shifts', body)
  if (res.statusCode !== 201) throw new Error(`shift: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string } & Record<string, unknown>
}
const idsOf = (res: { json: () => { items: { id: string }[] } }) =>
  res
    .json()
    .items.map((s) => s.id)
    .sort()

describe('shifts (schedules)', () => {
  it('Admin plans shifts; a shift takes the person’s unit; an overlap is 409, a shift ending as the next begins is not', async () => {
    const morning = await shift(asA, {
      userId: nina.id,
      startsAt: at('08:00'),
      endsAt: at('12:00'),
    })
    expect(morning).toMatchObject({ userId: nina.id, orgUnitId: t1, kind: 'work', note: '' })
    const res = await asA('POST', '/api/v1/shifts', {
      userId: nina.id,
      kind: 'training',
      startsAt: at('11:00'),
      endsAt: at('13:00'),
    })
    expect(problem(res, 409, 'conflict').errors).toEqual([
      { path: 'body/startsAt', message: 'overlaps another shift of this person' },
    ])
    await shift(asA, { userId: nina.id, kind: 'break', startsAt: at('12:00'), endsAt: at('12:30') })
    // another person at the same time is no overlap
    await shift(asA, { userId: ned.id, startsAt: at('08:00'), endsAt: at('12:00') })
    const moved = await asA('PATCH', `/api/v1/shifts/${morning.id}`, { endsAt: at('12:15') })
    problem(moved, 409, 'conflict')
  })

  it('an agent sees their own shifts, a lead the team’s, nobody else’s (404)', async () => {
    const day = '2026-12-02'
    const mine = await shift(asA, {
      userId: nina.id,
      startsAt: at('08:00', day),
      endsAt: at('16:00', day),
    })
    const other = await shift(asA, {
      userId: ned.id,
      startsAt: at('08:00', day),
      endsAt: at('16:00', day),
    })
    const window = `from=${at('00:00', day)}&to=${at('23:59', day)}`
    expect(idsOf(await nina.as('GET', `/api/v1/shifts?${window}`))).toEqual([mine.id])
    expect(idsOf(await ned.as('GET', `/api/v1/shifts?${window}`))).toEqual([other.id])
    expect(idsOf(await lee.as('GET', `/api/v1/shifts?${window}`))).toEqual([mine.id])
    expect(idsOf(await asA('GET', `/api/v1/shifts?${window}`))).toEqual([mine.id, other.id].sort())
    problem(await nina.as('GET', `/api/v1/shifts/${other.id}`), 404, 'not_found')
    problem(await lee.as('GET', `/api/v1/shifts/${other.id}`), 404, 'not_found')
    problem(await opal.as('GET', `/api/v1/shifts/${mine.id}`), 404, 'not_found')
    // agents and leads read; they do not plan
    problem(await lee.as('PATCH', `/api/v1/shifts/${mine.id}`, { note: 'x' }), 403, 'forbidden')
    const body = { userId: nina.id, startsAt: at('18:00', day), endsAt: at('19:00', day) }
    problem(await nina.as('POST', '/api/v1/shifts', body), 403, 'forbidden')
    problem(await lee.as('POST', '/api/v1/shifts', body), 403, 'forbidden')
  })

  it('a team planner plans only their team: another team’s person or unit is refused', async () => {
    const planner = await person('pia@ops.test', 'Novice agent')
    const role = await addRole(db, a.companyId, 'Team planner', {
      grants: [
        { actions: ['schedule.view', 'schedule.create', 'schedule.edit'], scope: 'team' },
        { actions: ['user.view', 'orgUnit.view'], scope: 'company' },
      ],
    })
    await giveRole(db, a.companyId, planner.id, role)
    const day = '2026-12-04'
    const own = await shift(planner.as, {
      userId: nina.id,
      startsAt: at('08:00', day),
      endsAt: at('10:00', day),
    })
    expect(own.orgUnitId).toBe(t1)
    const elsewhere = await planner.as('POST', '/api/v1/shifts', {
      userId: ned.id,
      startsAt: at('08:00', day),
      endsAt: at('10:00', day),
    })
    problem(elsewhere, 403, 'forbidden')
    const moved = await planner.as('PATCH', `/api/v1/shifts/${own.id}`, { orgUnitId: t2 })
    expect(problem(moved, 403, 'forbidden').errors).toMatchObject([{ path: 'body/orgUnitId' }])
    expect((await asA('GET', `/api/v1/shifts/${own.id}`)).json().orgUnitId).toBe(t1)
  })

  it('filters by from/to (overlap with the window), person and kind', async () => {
    const day = '2026-12-03'
    const early = await shift(asA, {
      userId: tara.id,
      startsAt: at('06:00', day),
      endsAt: at('10:00', day),
    })
    const late = await shift(asA, {
      userId: tara.id,
      kind: 'training',
      startsAt: at('14:00', day),
      endsAt: at('18:00', day),
    })
    const q = (s: string) => asA('GET', `/api/v1/shifts?userId=${tara.id}&${s}`)
    expect(idsOf(await q(`from=${at('09:00', day)}&to=${at('11:00', day)}`))).toEqual([early.id])
    expect(idsOf(await q(`from=${at('10:00', day)}&to=${at('14:00', day)}`))).toEqual([])
    expect(idsOf(await q(`from=${at('00:00', day)}`))).toEqual([early.id, late.id].sort())
    expect(idsOf(await q('kind=training'))).toEqual([late.id])
    problem(await q(`from=${at('12:00', day)}&to=${at('11:00', day)}`), 400, 'validation_failed')
    problem(await q('from=yesterday'), 400, 'validation_failed')
  })

  it("answers 404 for another company's shift and person", async () => {
    const s = await shift(asA, { userId: lee.id, startsAt: at('08:00'), endsAt: at('09:00') })
    problem(await asB('GET', `/api/v1/shifts/${s.id}`), 404, 'not_found')
    problem(await asB('PATCH', `/api/v1/shifts/${s.id}`, { note: 'x' }), 404, 'not_found')
    problem(await asB('DELETE', `/api/v1/shifts/${s.id}`), 404, 'not_found')
    const res = await asA('POST', '/api/v1/shifts', {
      userId: theirs.id,
      startsAt: at('08:00'),
      endsAt: at('09:00'),
    })
    expect(problem(res, 404, 'not_found').errors).toMatchObject([{ path: 'body/userId' }])
    expect((await asB('GET', '/api/v1/shifts')).json().items).toEqual([])
  })

  it('refuses bad shifts with 400 and writes nothing', async () => {
    const rows = await count('shifts')
    const bad: Record<string, unknown>[] = [
      { userId: sam.id, startsAt: at('10:00'), endsAt: at('10:00') },
      { userId: sam.id, startsAt: at('10:00'), endsAt: at('09:00') },
      { userId: sam.id, startsAt: at('00:00'), endsAt: at('00:01', '2026-12-02') },
      { userId: sam.id, startsAt: 'tomorrow', endsAt: at('09:00') },
      { userId: sam.id, startsAt: at('08:00'), endsAt: at('09:00'), kind: 'nap' },
      { userId: sam.id, startsAt: at('08:00'), endsAt: at('09:00'), note: 'nul \u0000' },
      { userId: sam.id, startsAt: at('08:00'), endsAt: at('09:00'), note: 'x'.repeat(501) },
      { userId: sam.id, startsAt: at('08:00') },
      { userId: 123, startsAt: at('08:00'), endsAt: at('09:00') },
    ]
    for (const body of bad)
      problem(await asA('POST', '/api/v1/shifts', body), 400, 'validation_failed')
    const s = await shift(asA, { userId: sam.id, startsAt: at('08:00'), endsAt: at('09:00') })
    problem(
      await asA('PATCH', `/api/v1/shifts/${s.id}`, { startsAt: at('09:30') }),
      400,
      'validation_failed',
    )
    expect(await count('shifts')).toBe(rows + 1)
    expect((await asA('GET', `/api/v1/shifts/${s.id}`)).json().startsAt).toBe(at('08:00'))
  })

  it('of two concurrent overlapping shifts of one person, one is 201 and the other 409', async () => {
    // on PostgreSQL the two requests run on two connections at once: only the exclusion
    // constraint stands between them (the service does not look for an overlap first)
    const rounds = databaseUrlOf(db) === undefined ? 1 : 5
    for (let i = 0; i < rounds; i++) {
      const day = `2027-01-${String(10 + i).padStart(2, '0')}`
      const [x, y] = await Promise.all([
        asA('POST', '/api/v1/shifts', {
          userId: opal.id,
          startsAt: at('08:00', day),
          endsAt: at('12:00', day),
        }),
        asA('POST', '/api/v1/shifts', {
          userId: opal.id,
          startsAt: at('10:00', day),
          endsAt: at('14:00', day),
        }),
      ])
      expect([x.statusCode, y.statusCode].sort()).toEqual([201, 409])
      const stored = await db
        .selectFrom('shifts')
        .select('id')
        .where('user_id', '=', opal.id)
        .where('starts_at', '>=', new Date(at('00:00', day)))
        .where('starts_at', '<', new Date(at('23:59', day)))
        .execute()
      expect(stored).toHaveLength(1)
    }
  })
})
