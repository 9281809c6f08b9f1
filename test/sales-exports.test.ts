/**
 * Exports of leads, opportunities and QA evaluations (issue 10; P2, G2), built like the customer
 * and call exports: CSV under the list's search, scope and masks, `<type>.export` high-risk and
 * the Admin's by default (no other preset holds it), audited with the row count.
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { presetRoles } from '../src/authz/presets.js'
import { caller, newPerson, newTeam } from './fixtures.js'
import { csvLine } from '../src/domain/seam/index.js'
import { auditActions, createTestApp, exported, parseCsv, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Sales export A' })
const b = await signUp(app, { companyName: 'Sales export B' })
const asA = call(a.token)
const asB = call(b.token)
const t1 = await newTeam(asA, 'Team one')
const t2 = await newTeam(asA, 'Team two')

async function created(res: { statusCode: number; body: string; json: () => unknown }) {
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`)
  return res.json() as { id: string }
}

// A custom role: every export, within the team, with masks and hidden fields.
const exporterRole = await created(
  await asA('POST', '/api/v1/roles', {
    name: 'Team sales exporter',
    grants: [
      {
        actions: ['lead.view', 'lead.export'],
        scope: 'team',
        fields: { phone: 'masked', email: 'hidden' },
      },
      {
        actions: ['opportunity.view', 'opportunity.export'],
        scope: 'team',
        fields: { amount: 'hidden' },
      },
      {
        actions: ['qaEvaluation.view', 'qaEvaluation.export'],
        scope: 'team',
        fields: { comments: 'hidden' },
      },
    ],
  }),
)
const exporter = await newPerson(app, db, a, {
  email: 'exporter@a.test',
  role: 'Team sales exporter',
  orgUnitId: t1,
})
expect(exporterRole.id).toEqual(expect.any(String))
const marketing = await newPerson(app, db, a, {
  email: 'mk@a.test',
  role: 'Marketing',
  orgUnitId: t1,
})
const rep = await newPerson(app, db, a, { email: 'rep@a.test', role: 'Sales rep', orgUnitId: t1 })
const quinn = await newPerson(app, db, a, {
  email: 'quinn@a.test',
  role: 'QA inspector',
  orgUnitId: null,
})
const nina = await newPerson(app, db, a, {
  email: 'nina@a.test',
  role: 'Novice agent',
  orgUnitId: t1,
})
const olga = await newPerson(app, db, a, {
  email: 'olga@a.test',
  role: 'Novice agent',
  orgUnitId: t2,
})

const l1 = await created(
  await asA('POST', '/api/v1/leads', {
    name: 'Li, Wei',
    phone: '+86 138 1234 5678',
    email: 'li.wei@example.com',
    source: 'fair',
    orgUnitId: t1,
  }),
)
const l2 = await created(
  await asA('POST', '/api/v1/leads', { name: 'Team two lead', orgUnitId: t2 }),
)
const lB = await created(await asB('POST', '/api/v1/leads', { name: 'Other company lead' }))
const o1 = await created(
  await asA('POST', '/api/v1/opportunities', { name: 'Fleet deal', amount: 1234.5, orgUnitId: t1 }),
)
const o2 = await created(
  await asA('POST', '/api/v1/opportunities', { name: 'Team two deal', amount: 10, orgUnitId: t2 }),
)
const oB = await created(
  await asB('POST', '/api/v1/opportunities', { name: 'Other company deal', amount: 99 }),
)

async function callRow(id: string, companyId: string, agentId: string, orgUnitId: string | null) {
  const started = new Date(clock.now().getTime() - 3_600_000)
  await sql`insert into calls (id, company_id, agent_id, org_unit_id, phone, status, started_at,
      ended_at, duration_sec)
    values (${id}, ${companyId}, ${agentId}, ${orgUnitId}, '+8613800138000', 'ended',
      ${started}, ${new Date(started.getTime() + 60_000)}, 60)`.execute(db)
  return id
}
const bAdmin = (await asB('GET', '/api/v1/me')).json().user.id as string
const criteria = [{ key: 'greeting', label: 'Greets', weight: 1, max: 5 }]
const card = await created(await asA('POST', '/api/v1/qa/scorecards', { name: 'Card', criteria }))
const cardB = await created(
  await asB('POST', '/api/v1/qa/scorecards', { name: 'Card B', criteria }),
)
const evaluate = async (as: typeof asA, callId: string, scorecardId: string, comments: string) =>
  created(
    await as('POST', '/api/v1/qa/evaluations', {
      callId,
      scorecardId,
      scores: { greeting: 4 },
      comments,
    }),
  )
const e1 = await evaluate(
  asA,
  await callRow('se-call-nina', a.companyId, nina.id, t1),
  card.id,
  'Good, warm greeting',
)
const e2 = await evaluate(
  asA,
  await callRow('se-call-olga', a.companyId, olga.id, t2),
  card.id,
  'Team two',
)
const eB = await evaluate(
  asB,
  await callRow('se-call-b', b.companyId, bAdmin, null),
  cardB.id,
  'Other company',
)

const types = [
  { type: 'lead', list: '/api/v1/leads', ours: [l1, l2], inTeam: l1, theirs: lB },
  { type: 'opportunity', list: '/api/v1/opportunities', ours: [o1, o2], inTeam: o1, theirs: oB },
  { type: 'qaEvaluation', list: '/api/v1/qa/evaluations', ours: [e1, e2], inTeam: e1, theirs: eB },
] as const

/** The list as the export writes it: each field as its cell (absent → empty, formulas as text). */
async function listAsCells(as: typeof asA, path: string, header: readonly string[]) {
  const items = (await as('GET', `${path}?limit=100`)).json().items as Record<string, unknown>[]
  return items.map((item) => {
    const [cells] = parseCsv(csvLine(header.map((h) => item[h])))
    return Object.fromEntries(header.map((h, i) => [h, cells![i]]))
  })
}
const byId = (rows: Record<string, string | undefined>[]) =>
  [...rows].sort((x, y) => String(x['id']).localeCompare(String(y['id'])))
const events = async (action: string) =>
  (await auditActions(db, a.companyId)).filter((e) => e.action === action)

describe.each(types)('$type exports', ({ type, list, ours, inTeam, theirs }) => {
  const path = `${list}/export`

  it('the Admin exports every row of the company, as the list shows it, none of another company', async () => {
    const res = await asA('GET', path)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv/)
    expect(res.headers['content-disposition']).toMatch(/attachment/)
    const rows = exported(res)
    expect(rows.map((r) => r['id']).sort()).toEqual(ours.map((r) => r.id).sort())
    expect(rows.map((r) => r['id'])).not.toContain(theirs.id)
    expect(res.body).not.toContain('Other company')
    const header = Object.keys(rows[0]!)
    expect(byId(rows)).toEqual(byId(await listAsCells(asA, list, header)))
  })

  it('exports only rows in scope, with the masks and hidden fields of the list', async () => {
    const res = await exporter.as('GET', path)
    expect(res.statusCode).toBe(200)
    const rows = exported(res)
    expect(rows.map((r) => r['id'])).toEqual([inTeam.id])
    const header = Object.keys(rows[0]!)
    expect(rows).toEqual(await listAsCells(exporter.as, list, header))
  })

  it('is audited before the first row and at the end with the row count', async () => {
    const before = (await events(`${type}.exported`)).length
    await asA('GET', path)
    await exporter.as('GET', path)
    const done = await events(`${type}.exported`)
    expect(done.length).toBe(before + 2)
    expect(done.at(-2)?.after).toMatchObject({ rows: ours.length })
    expect(done.at(-1)?.after).toMatchObject({ rows: 1 })
    expect((await events(`${type}.export.started`)).length).toBeGreaterThanOrEqual(2)
  })

  it('is refused (403) to every non-admin preset that sees the rows, before any trace', async () => {
    const before = (await events(`${type}.export.started`)).length
    for (const who of [marketing, rep, quinn, nina]) {
      problem(await who.as('GET', path), 403, 'forbidden')
    }
    expect((await events(`${type}.export.started`)).length).toBe(before)
  })

  it('refuses bad input with 400 and records nothing', async () => {
    const before = (await auditActions(db, a.companyId)).length
    problem(await asA('GET', `${path}?q=a%00b`), 400, 'validation_failed')
    problem(await asA('GET', `${path}?limit=5`), 400, 'validation_failed')
    expect((await auditActions(db, a.companyId)).length).toBe(before)
  })
})

describe('the lead export masks', () => {
  it('a masked phone exports masked and a hidden email exports empty', async () => {
    const [row] = exported(await exporter.as('GET', '/api/v1/leads/export'))
    expect(row?.['phone']).not.toBe('+8613812345678')
    expect(row?.['phone']).toMatch(/\*/)
    expect(row?.['email']).toBe('')
    expect(row?.['name']).toBe('Li, Wei')
  })
})

describe('presets', () => {
  it('give the new exports (high-risk) to no preset position: the Admin’s by default', () => {
    const exports = ['lead.export', 'opportunity.export', 'qaEvaluation.export']
    for (const role of presetRoles) {
      for (const grant of role.grants) {
        for (const action of grant.actions) {
          expect(exports, `${role.id} holds ${action}`).not.toContain(action)
          expect(['lead.*', 'opportunity.*', 'qaEvaluation.*']).not.toContain(action)
        }
      }
    }
  })
})
