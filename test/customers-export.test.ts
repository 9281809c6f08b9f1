/**
 * Customer exports through HTTP (issue 10, point 5; P2, G2): CSV under the list's filter, scope
 * and masks; refused before any row; traced before the first row and at the end with the count.
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { PolicyCache } from '../src/domain/access/index.js'
import type { Ctx } from '../src/domain/context.js'
import { exportCustomers } from '../src/domain/customers/index.js'
import { csvLine } from '../src/domain/seam/index.js'
import { builtinRoleId, caller } from './fixtures.js'
import {
  auditActions,
  createTestApp,
  exported,
  logIn,
  problem,
  signUp,
  strongPassword,
} from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Export A' })
const b = await signUp(app, { companyName: 'Export B' })
const asA = call(a.token)
const asB = call(b.token)

const unit = async (name: string) => {
  const res = await asA('POST', '/api/v1/org-units', { kind: 'team', name, parentId: null })
  if (res.statusCode !== 201) throw new Error(`unit: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const t1 = await unit('Team one')
const t2 = await unit('Team two')

async function role(name: string, grant: Record<string, unknown>) {
  const res = await asA('POST', '/api/v1/roles', {
    name,
    grants: [{ actions: ['customer.view'], scope: 'company' }, grant],
  })
  if (res.statusCode !== 201) throw new Error(`role: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string }
}
async function person(email: string, roleId: string, orgUnitId: string | null) {
  const res = await asA('POST', '/api/v1/users', {
    email,
    name: email.split('@')[0],
    password: strongPassword,
    orgUnitId,
    roleIds: [roleId],
  })
  if (res.statusCode !== 201) throw new Error(`user: ${res.statusCode} ${res.body}`)
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return call(token)
}
const teamExporter = await person(
  'te@a.test',
  (
    await role('Team exporter', {
      actions: ['customer.export'],
      scope: 'team',
      fields: { idNumber: 'masked', bankCard: 'hidden' },
    })
  ).id,
  t1,
)
const withReason = await person(
  'wr@a.test',
  (
    await role('Exporter with reason', {
      actions: ['customer.export'],
      scope: 'company',
      reasonRequired: true,
    })
  ).id,
  t1,
)
const lead = await person('lead@a.test', await builtinRoleId(db, a.companyId, 'Team lead'), t1)

async function customer(as: typeof asA, body: Record<string, unknown>) {
  const res = await as('POST', '/api/v1/customers', body)
  if (res.statusCode !== 201) throw new Error(`customer: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string }
}
const c1 = await customer(asA, {
  name: 'Wang, Fang',
  phone: '+86 138-1234-5678',
  idNumber: '110101199003071234',
  bankCard: '4111 1111 1111 1111',
  orgUnitId: t1,
  tags: ['vip', 'churn'],
})
const c2 = await customer(asA, { name: '=HYPERLINK("http://x")', orgUnitId: t1, tags: ['vip'] })
const c3 = await customer(asA, { name: 'Olga "the" Smirnova', orgUnitId: t2 })
await customer(asB, { name: 'Other company', phone: '+8613812345678' })

const events = async (action: string) =>
  (await auditActions(db, a.companyId)).filter((e) => e.action === action)

describe('customer exports', () => {
  it('the Admin exports every customer of the company as CSV, none of another company', async () => {
    const res = await asA('GET', '/api/v1/customers/export')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv/)
    expect(res.headers['content-disposition']).toMatch(/attachment/)
    const rows = exported(res)
    expect(rows.map((r) => r['id']).sort()).toEqual([c1.id, c2.id, c3.id].sort())
    const wang = rows.find((r) => r['id'] === c1.id)!
    expect(wang).toMatchObject({
      name: 'Wang, Fang',
      phone: '+8613812345678',
      idNumber: '110101199003071234',
      tags: 'vip;churn',
    })
    expect(rows.find((r) => r['id'] === c3.id)?.['name']).toBe('Olga "the" Smirnova')
    expect(res.body).not.toContain('Other company')
  })

  it('a cell a spreadsheet would run as a formula is exported as text', async () => {
    const rows = exported(await asA('GET', '/api/v1/customers/export'))
    expect(rows.find((r) => r['id'] === c2.id)?.['name']).toBe(`'=HYPERLINK("http://x")`)
    expect(csvLine(['+8613812345678', '-1', '+SUM(A1)', '@x'])).toBe(
      `+8613812345678,-1,'+SUM(A1),'@x\r\n`,
    )
  })

  it('is audited before the first row and at the end, with the row count and the filter', async () => {
    const before = (await events('customer.exported')).length
    await asA('GET', '/api/v1/customers/export?tag=vip')
    const started = (await events('customer.export.started')).at(-1)
    const done = await events('customer.exported')
    expect(done.length).toBe(before + 1)
    expect(started?.after).toMatchObject({ filter: { tag: 'vip' } })
    expect(done.at(-1)?.after).toMatchObject({ filter: { tag: 'vip' }, rows: 2 })
  })

  it('exports exactly what the list shows, with the same masks and hidden fields', async () => {
    const res = await teamExporter('GET', '/api/v1/customers/export')
    expect(res.statusCode).toBe(200)
    const rows = exported(res)
    expect(rows.map((r) => r['id']).sort()).toEqual([c1.id, c2.id].sort())
    const wang = rows.find((r) => r['id'] === c1.id)!
    expect(wang['idNumber']).toBe('110101********1234')
    expect(wang['bankCard']).toBe('')
    expect(res.body).not.toContain('4111111111111111')
  })

  it('is refused to a role without customer.export, before any row and without a trace of rows', async () => {
    const before = (await events('customer.export.started')).length
    problem(await lead('GET', '/api/v1/customers/export'), 403, 'forbidden')
    expect((await events('customer.export.started')).length).toBe(before)
  })

  it('asks for a reason where the grant requires one, and records it', async () => {
    problem(await withReason('GET', '/api/v1/customers/export'), 400, 'reason_required')
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/customers/export',
      headers: {
        authorization: (await withReasonToken()).authorization,
        'x-tessera-reason': 'quarterly reconciliation',
      },
    })
    expect(res.statusCode).toBe(200)
    expect((await events('customer.export.started')).at(-1)?.after).toMatchObject({
      reason: 'quarterly reconciliation',
    })
  })

  it('answers bad input with 400 and records nothing', async () => {
    const before = (await auditActions(db, a.companyId)).length
    problem(
      await asA('GET', '/api/v1/customers/export?phone=not-a-phone'),
      400,
      'validation_failed',
    )
    problem(await asA('GET', '/api/v1/customers/export?tag=a%00b'), 400, 'validation_failed')
    expect((await auditActions(db, a.companyId)).length).toBe(before)
  })
})

async function withReasonToken() {
  const token = (await logIn(app, { company: a.slug, email: 'wr@a.test' })).json().token as string
  return { authorization: `Bearer ${token}` }
}

describe('a large export', () => {
  const ROWS = 5_000
  it('streams every row, and a reader that leaves midway ends it as aborted', async () => {
    const c = await signUp(app, { companyName: 'Export C' })
    await db.executeQuery(
      sql`insert into customers (id, company_id, name, phone)
          select 'bulk-' || lpad(n::text, 6, '0'), ${c.companyId}, 'Bulk customer ' || n,
                 '+86138' || lpad(n::text, 8, '0')
          from generate_series(1, ${ROWS}) as n`.compile(db),
    )
    const full = await call(c.token)('GET', '/api/v1/customers/export')
    expect(full.statusCode).toBe(200)
    expect(full.body.split('\r\n').length).toBe(ROWS + 2) // header, rows, the empty end
    const cEvents = async (action: string) =>
      (await auditActions(db, c.companyId)).filter((e) => e.action === action)
    expect((await cEvents('customer.exported')).at(-1)?.after).toMatchObject({ rows: ROWS })

    // A reader that takes one chunk and leaves (what the route does when the client hangs up:
    // src/http/send-csv.ts destroys the stream): the export stops, ends its transaction and
    // records how far it got.
    const ctx: Ctx = {
      db,
      now: new Date(),
      meta: { ip: null, userAgent: 'test', requestId: null },
      policies: new PolicyCache(),
      actor: { userId: c.userId, companyId: c.companyId, sessionId: 'export-test', roleIds: [] },
    }
    const stream = await exportCustomers(ctx)
    for await (const chunk of stream) {
      expect(String(chunk)).toMatch(/^id,name,/)
      break // leaves: destroys the stream
    }
    let aborted: Awaited<ReturnType<typeof cEvents>> = []
    for (let i = 0; i < 100 && aborted.length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 50))
      aborted = await cEvents('customer.export.aborted')
    }
    expect(aborted).toHaveLength(1)
    expect((aborted[0]?.after as { rowsSent: number }).rowsSent).toBeLessThan(ROWS)
    expect(await cEvents('customer.exported')).toHaveLength(1)
  }, 120_000)
})
