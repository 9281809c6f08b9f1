/**
 * Reports (issue 10, point 5): team metrics over exactly the caller's scope — a lead their team,
 * the analyst and management every team — computed from the calls and tickets of the window;
 * an agent has none (403); another company's work never counts; the CSV export is P2's
 * high-risk action, audited with its row count; bad windows are 400.
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { caller, newPerson, newTeam } from './fixtures.js'
import { auditActions, createTestApp, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Reports A' })
const b = await signUp(app, { companyName: 'Reports B' })
const asA = call(a.token)
const asB = call(b.token)

const unit = newTeam
const t1 = await unit(asA, 'Team one')
const t2 = await unit(asA, 'Team two')
const bTeam = await unit(asB, 'B team')

const person = (email: string, role: string, orgUnitId: string | null) =>
  newPerson(app, db, a, { email, role, orgUnitId })
const lee = await person('lee@r.test', 'Team lead', t1)
const nina = await person('nina@r.test', 'Novice agent', t1)
const olga = await person('olga@r.test', 'Novice agent', t2)
const dana = await person('dana@r.test', 'Data analyst', null)
const mona = await person('mona@r.test', 'Management', null)
const bAdmin = (await asB('GET', '/api/v1/me')).json().user.id as string

const now = clock.now().getTime()
const ago = (hours: number) => new Date(now - hours * 3_600_000)
let seq = 0
/** A call row as the telephony adapter leaves it (written as the tables' owner, for the test). */
async function callRow(
  companyId: string,
  agentId: string,
  orgUnitId: string,
  startedHoursAgo: number,
  answeredAfterSec: number | null,
  handleSec: number | null,
) {
  const started = ago(startedHoursAgo)
  const answered =
    answeredAfterSec === null ? null : new Date(started.getTime() + answeredAfterSec * 1000)
  const ended =
    answered === null
      ? new Date(started.getTime() + 30_000)
      : handleSec === null
        ? null
        : new Date(answered.getTime() + handleSec * 1000)
  const status = ended !== null ? 'ended' : 'answered'
  seq += 1
  await sql`insert into calls (id, company_id, agent_id, org_unit_id, phone, status,
      started_at, answered_at, ended_at, duration_sec)
    values (${`call-${seq}`}, ${companyId}, ${agentId}, ${orgUnitId}, '+8613800138000',
      ${status}, ${started}, ${answered}, ${ended}, ${handleSec ?? 0})`.execute(db)
}
// team one: 4 calls in the window, 3 answered, of which 2 ended after 60 s and 180 s (mean 120)
await callRow(a.companyId, nina.id, t1, 2, 5, 60)
await callRow(a.companyId, nina.id, t1, 3, 8, 180)
await callRow(a.companyId, nina.id, t1, 4, 3, null) // still talking
await callRow(a.companyId, nina.id, t1, 5, null, null) // nobody answered
await callRow(a.companyId, nina.id, t1, 24 * 10, 5, 600) // ten days ago: outside the window
// team two: 2 calls, none answered
await callRow(a.companyId, olga.id, t2, 1, null, null)
await callRow(a.companyId, olga.id, t2, 6, null, null)
// the other company: never counted in A's report
await callRow(b.companyId, bAdmin, bTeam, 1, 2, 1_000)

const ticket = async (as: typeof asA, orgUnitId: string, title: string) => {
  const res = await as('POST', '/api/v1/tickets', { title, orgUnitId })
  if (res.statusCode !== 201) throw new Error(`ticket: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
await ticket(asA, t1, 'Open one')
const closing = await ticket(asA, t1, 'Closed one')
expect(
  (await asA('POST', `/api/v1/tickets/${closing}/status`, { status: 'closed' })).statusCode,
).toBe(200)
await ticket(asA, t2, 'Team two open')
await ticket(asB, bTeam, 'B open')

type Row = Record<string, unknown> & { orgUnitId: string | null }
const teams = async (as: typeof asA, query = '') => {
  const res = await as('GET', `/api/v1/reports/team-metrics${query}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json().teams as Row[]
}

describe('reports: team metrics over exactly the caller’s scope', () => {
  it('gives the lead their team only, with the figures of the window', async () => {
    const rows = await teams(lee.as)
    expect(rows).toEqual([
      {
        orgUnitId: t1,
        orgUnitName: 'Team one',
        calls: 4,
        connected: 3,
        connectRate: 0.75,
        averageHandleSeconds: 120,
        ticketsOpened: 2,
        ticketsOpenNow: 1,
      },
    ])
  })

  it('gives the analyst and management every team, the company’s own figures only', async () => {
    for (const who of [dana, mona]) {
      const rows = await teams(who.as)
      const byUnit = new Map(rows.map((r) => [r.orgUnitId, r]))
      expect(byUnit.get(t1)).toMatchObject({ calls: 4, connected: 3 })
      expect(byUnit.get(t2)).toMatchObject({
        calls: 2,
        connected: 0,
        connectRate: 0,
        averageHandleSeconds: null,
        ticketsOpenNow: 1,
      })
      expect(rows.some((r) => r.orgUnitId === bTeam)).toBe(false)
      expect(rows.reduce((n, r) => n + Number(r['calls']), 0)).toBe(6)
    }
  })

  it('moves with the window: the call ten days ago counts when the window reaches it', async () => {
    const from = ago(24 * 11).toISOString()
    const rows = await teams(lee.as, `?from=${from}`)
    expect(rows[0]).toMatchObject({ calls: 5, connected: 4, averageHandleSeconds: 280 })
  })

  it('refuses an agent, who holds no report at all (403), and tells nothing', async () => {
    problem(await nina.as('GET', '/api/v1/reports/team-metrics'), 403, 'forbidden')
    problem(await nina.as('GET', '/api/v1/reports/team-metrics/export'), 403, 'forbidden')
  })

  it('answers 400 for a window that is backwards, too long, or not a time', async () => {
    const to = ago(1).toISOString()
    for (const query of [
      `?from=${to}&to=${ago(2).toISOString()}`,
      `?from=${ago(24 * 400).toISOString()}`,
      '?from=yesterday',
      '?from=2026-11-20T00:00:00Z%00',
      '?team=1',
    ]) {
      problem(await lee.as('GET', `/api/v1/reports/team-metrics${query}`), 400, 'validation_failed')
    }
  })
})

describe('reports: export (P2)', () => {
  it('exports the teams the caller may export, audited with the row count', async () => {
    problem(await lee.as('GET', '/api/v1/reports/team-metrics/export'), 403, 'forbidden')
    const res = await dana.as('GET', '/api/v1/reports/team-metrics/export')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv/)
    const lines = res.body.trim().split('\r\n')
    expect(lines[0]).toBe(
      'orgUnitId,orgUnitName,calls,connected,connectRate,averageHandleSeconds,ticketsOpened,ticketsOpenNow',
    )
    expect(lines).toHaveLength(3)
    expect(lines.some((l) => l.startsWith(`${t1},Team one,4,3,0.75,120,2,1`))).toBe(true)
    const events = (await auditActions(db, a.companyId)).filter(
      (e) => e.action === 'report.exported',
    )
    expect(events).toHaveLength(1)
    expect(events[0]?.after).toMatchObject({ kind: 'team-metrics', rows: 2 })
  })
})
