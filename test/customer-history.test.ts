/**
 * A customer's history through HTTP (issue 10, point 1; P4): complaint records and orders are the
 * customer's `complaints` and `orderHistory` fields, read and written under those field rules:
 * hidden from novices and Marketing, complaints hidden from sales reps who read the orders,
 * recorded only where the field is editable; another company's and another team's customer 404.
 */
import { describe, expect, it } from 'vitest'
import { builtinRoleId, caller } from './fixtures.js'
import { auditActions, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'History A' })
const b = await signUp(app, { companyName: 'History B' })
const asA = call(a.token)
const asB = call(b.token)

const unit = async (name: string) => {
  const res = await asA('POST', '/api/v1/org-units', { kind: 'team', name, parentId: null })
  if (res.statusCode !== 201) throw new Error(`unit: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const t1 = await unit('Team one')
const t2 = await unit('Team two')

async function person(email: string, roleName: string, orgUnitId: string | null) {
  const res = await asA('POST', '/api/v1/users', {
    email,
    name: email.split('@')[0],
    password: strongPassword,
    orgUnitId,
    roleIds: [await builtinRoleId(db, a.companyId, roleName)],
  })
  if (res.statusCode !== 201) throw new Error(`user: ${res.statusCode} ${res.body}`)
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id: res.json().id as string, as: call(token) }
}
const nina = await person('nina@a.test', 'Novice agent', t1)
const sam = await person('sam@a.test', 'Senior agent', t1)
const after = await person('after@a.test', 'After-sales agent', t1)
const otherTeam = await person('ot@a.test', 'After-sales agent', t2)
const mia = await person('mia@a.test', 'Marketing', null)

async function customer(as: typeof asA, body: Record<string, unknown>) {
  const res = await as('POST', '/api/v1/customers', body)
  if (res.statusCode !== 201) throw new Error(`customer: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string }
}
const c1 = await customer(asA, { name: 'Wang Fang', orgUnitId: t1, ownerId: sam.id })
const cNina = await customer(asA, { name: 'Li Lei', orgUnitId: t1, ownerId: nina.id })
const cb = await customer(asB, { name: 'Other company' })

const order = {
  orderNo: 'A-1001',
  amountMinor: 129_900,
  currency: 'CNY',
  status: 'paid',
  orderedAt: '2026-11-20T08:00:00.000Z',
}

describe('customer history', () => {
  it('the Admin records complaints and orders; the audit names them without the complaint text', async () => {
    const complaint = await asA('POST', `/api/v1/customers/${c1.id}/complaints`, {
      summary: 'Late delivery, second time',
    })
    expect(complaint.statusCode).toBe(201)
    expect(complaint.json()).toMatchObject({ customerId: c1.id, status: 'open' })
    const o = await asA('POST', `/api/v1/customers/${c1.id}/orders`, order)
    expect(o.statusCode).toBe(201)
    expect(o.json()).toMatchObject(order)
    const events = await auditActions(db, a.companyId)
    const added = events.find((e) => e.action === 'customer.complaint_added')
    expect(added?.after).toEqual({ complaintId: complaint.json().id })
    expect(JSON.stringify(events)).not.toContain('Late delivery')
    expect(events.some((e) => e.action === 'customer.order_added')).toBe(true)
  })

  it('a senior agent reads the history of their own customer', async () => {
    const res = await sam.as('GET', `/api/v1/customers/${c1.id}/complaints`)
    expect(res.statusCode).toBe(200)
    expect(res.json().items.map((c: { summary: string }) => c.summary)).toEqual([
      'Late delivery, second time',
    ])
    const orders = await sam.as('GET', `/api/v1/customers/${c1.id}/orders`)
    expect(orders.json().items).toMatchObject([order])
  })

  it('the history is hidden from a novice (403 on a customer they know) and from Marketing', async () => {
    problem(await nina.as('GET', `/api/v1/customers/${cNina.id}/complaints`), 403, 'forbidden')
    problem(await nina.as('GET', `/api/v1/customers/${cNina.id}/orders`), 403, 'forbidden')
    problem(await mia.as('GET', `/api/v1/customers/${c1.id}/complaints`), 403, 'forbidden')
  })

  it('a customer the caller may not know answers 404, on every history route', async () => {
    for (const [who, id] of [
      [nina.as, c1.id], // another agent's customer (own scope)
      [otherTeam.as, c1.id], // another team's
      [asB, c1.id], // another company's
      [asA, cb.id],
      [asA, 'no-such-customer'],
    ] as const) {
      problem(await who('GET', `/api/v1/customers/${id}/complaints`), 404, 'not_found')
      problem(await who('GET', `/api/v1/customers/${id}/orders`), 404, 'not_found')
      problem(
        await who('POST', `/api/v1/customers/${id}/complaints`, { summary: 'x' }),
        404,
        'not_found',
      )
      problem(await who('POST', `/api/v1/customers/${id}/orders`, order), 404, 'not_found')
    }
  })

  it('reading is not writing: an after-sales agent reads the complaints but cannot add one', async () => {
    expect((await after.as('GET', `/api/v1/customers/${c1.id}/complaints`)).statusCode).toBe(200)
    const before = (await asA('GET', `/api/v1/customers/${c1.id}/complaints`)).json().items.length
    problem(
      await after.as('POST', `/api/v1/customers/${c1.id}/complaints`, { summary: 'mine' }),
      403,
      'forbidden',
    )
    problem(
      await sam.as('POST', `/api/v1/customers/${c1.id}/orders`, { ...order, orderNo: 'S-1' }),
      403,
      'forbidden',
    )
    const now = (await asA('GET', `/api/v1/customers/${c1.id}/complaints`)).json().items.length
    expect(now).toBe(before)
  })

  it('bad input is 400 and writes nothing; a reused order number is 409', async () => {
    const count = async () =>
      (await asA('GET', `/api/v1/customers/${c1.id}/orders`)).json().items.length as number
    const before = await count()
    for (const body of [
      { ...order, orderNo: 'N-1', amountMinor: -1 },
      { ...order, orderNo: 'N-2', currency: 'cny' },
      { ...order, orderNo: 'N-3', status: 'lost' },
      { ...order, orderNo: 'N-4', orderedAt: 'yesterday' },
      { ...order, orderNo: 'N\u00005' },
      { ...order, orderNo: 'N-6', extra: true },
    ]) {
      problem(
        await asA('POST', `/api/v1/customers/${c1.id}/orders`, body),
        400,
        'validation_failed',
      )
    }
    problem(
      await asA('POST', `/api/v1/customers/${c1.id}/complaints`, { summary: '   ' }),
      400,
      'validation_failed',
    )
    problem(await asA('POST', `/api/v1/customers/${c1.id}/orders`, order), 409, 'conflict')
    expect(await count()).toBe(before)
  })

  it('pages through the history by cursor', async () => {
    for (let i = 0; i < 3; i += 1) {
      await asA('POST', `/api/v1/customers/${c1.id}/complaints`, { summary: `note ${i}` })
    }
    const first = (await asA('GET', `/api/v1/customers/${c1.id}/complaints?limit=2`)).json()
    expect(first.items).toHaveLength(2)
    const next = await asA(
      'GET',
      `/api/v1/customers/${c1.id}/complaints?limit=2&cursor=${first.nextCursor}`,
    )
    expect(next.json().items).toHaveLength(2)
    expect(next.json().nextCursor).toBeNull()
  })

  it('deleting a customer deletes their history with them', async () => {
    const c = await customer(asA, { name: 'Short lived', orgUnitId: t1 })
    await asA('POST', `/api/v1/customers/${c.id}/complaints`, { summary: 'gone soon' })
    expect((await asA('DELETE', `/api/v1/customers/${c.id}`)).statusCode).toBe(204)
    const left = await db
      .selectFrom('customer_complaints')
      .select('id')
      .where('customer_id', '=', c.id)
      .execute()
    expect(left).toEqual([])
  })
})
