import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { withCompany } from '../src/db/index.js'
import { appendAudit, createAuditSigner, verifyAuditChain } from '../src/domain/audit/index.js'
import {
  addUser,
  bearer,
  createTestApp,
  logIn,
  problem,
  signUp,
  testSecretKey,
} from './test-app.js'

const signer = createAuditSigner(testSecretKey)

const { app, db, clock } = await createTestApp()
const co = await signUp(app, { companyName: 'Audit Co' })
const other = await signUp(app, { companyName: 'Other Audit Co' })

const audit = (query: string, token = co.token) =>
  app.inject({ url: `/api/v1/audit${query}`, headers: bearer(token) })

describe('GET /api/v1/audit (G1)', () => {
  it('lists my company events newest first, with who, what, where', async () => {
    const res = await audit('')
    expect(res.statusCode).toBe(200)
    const { items, nextCursor } = res.json()
    expect(items.map((e: { action: string }) => e.action)).toEqual([
      'session.opened',
      'user.role_assigned',
      'user.created',
      'company.created',
    ])
    expect(items[0]).toMatchObject({ seq: 4, actorUserId: co.userId, ip: '127.0.0.1' })
    expect(items[3]).toMatchObject({
      action: 'company.created',
      targetType: 'company',
      targetId: co.companyId,
      before: null,
      after: { slug: co.slug, name: 'Audit Co' },
      sessionId: expect.any(String),
      requestId: expect.any(String),
    })
    expect(nextCursor).toBeNull()
  })

  it('filters by action, actor, target and time', async () => {
    const byAction = (await audit('?action=user.created')).json().items
    expect(byAction).toHaveLength(1)
    expect(byAction[0].targetId).toBe(co.userId)
    expect((await audit(`?targetType=company&targetId=${co.companyId}`)).json().items).toHaveLength(
      1,
    )
    expect((await audit(`?actorId=${co.userId}`)).json().items).toHaveLength(4)
    expect((await audit('?actorId=nobody')).json().items).toHaveLength(0)
    const now = clock.now().toISOString()
    expect((await audit(`?to=${now}`)).json().items).toHaveLength(0)
    expect((await audit(`?from=${now}`)).json().items).toHaveLength(4)
  })

  it('pages with a cursor until nextCursor is null', async () => {
    const first = (await audit('?limit=3')).json()
    expect(first.items.map((e: { seq: number }) => e.seq)).toEqual([4, 3, 2])
    const second = (await audit(`?limit=3&cursor=${first.nextCursor}`)).json()
    expect(second.items.map((e: { seq: number }) => e.seq)).toEqual([1])
    expect(second.nextCursor).toBeNull()
  })

  it('rejects bad query input with 400', async () => {
    problem(await audit('?limit=0'), 400, 'validation_failed')
    problem(await audit('?limit=201'), 400, 'validation_failed')
    problem(await audit('?from=yesterday'), 400, 'validation_failed')
    problem(await audit('?cursor=!!!'), 400, 'validation_failed')
    problem(await audit('?colour=red'), 400, 'validation_failed')
  })

  it('is refused to a user without the Admin role, and to nobody', async () => {
    await addUser(db, co.companyId, { email: 'op@example.com', role: 'Operator' })
    const token = (await logIn(app, { company: co.slug, email: 'op@example.com' })).json().token
    problem(await audit('', token), 403, 'forbidden')
    problem(
      await app.inject({ url: '/api/v1/audit/verify', headers: bearer(token) }),
      403,
      'forbidden',
    )
    problem(await app.inject({ url: '/api/v1/audit' }), 401, 'not_authenticated')
  })

  it("never shows another company's events", async () => {
    const mine = (await audit('')).json().items
    expect(mine.every((e: { actorUserId: string | null }) => e.actorUserId !== other.userId)).toBe(
      true,
    )
    const filtered = (await audit(`?targetId=${other.companyId}`)).json().items
    expect(filtered).toEqual([])
  })
})

describe('the audit hash chain', () => {
  it('verifies', async () => {
    const res = await app.inject({ url: '/api/v1/audit/verify', headers: bearer(co.token) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ok: true })
    expect(res.json().count).toBeGreaterThanOrEqual(4)
  })

  it('keeps one gap-free chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        withCompany(db, co.companyId, (trx) =>
          appendAudit(trx, {
            companyId: co.companyId,
            occurredAt: clock.now(),
            actorUserId: null,
            action: 'test.concurrent',
            after: { i, nested: { b: 1, a: [1, 'x', null] } },
          }),
        ),
      ),
    )
    expect(await verifyAuditChain(db, co.companyId, signer)).toMatchObject({ ok: true })
  })

  it('cannot be updated or deleted by the application role', async () => {
    await expect(
      withCompany(db, co.companyId, (trx) =>
        sql`update audit_events set action = 'nothing' where company_id = ${co.companyId}`.execute(
          trx,
        ),
      ),
    ).rejects.toThrow(/permission denied/)
    await expect(
      withCompany(db, co.companyId, (trx) =>
        sql`delete from audit_events where company_id = ${co.companyId}`.execute(trx),
      ),
    ).rejects.toThrow(/permission denied/)
  })

  it('detects an edited event (tampered directly as the superuser)', async () => {
    await sql`update audit_events set after = '{"email":"someone@else"}'
              where company_id = ${co.companyId} and seq = 2`.execute(db)
    const res = await app.inject({ url: '/api/v1/audit/verify', headers: bearer(co.token) })
    expect(res.json()).toMatchObject({ ok: false, brokenAt: 2 })
    expect(await verifyAuditChain(db, other.companyId, signer)).toMatchObject({ ok: true })
  })

  it('detects a deleted event', async () => {
    await sql`delete from audit_events where company_id = ${other.companyId} and seq = 3`.execute(
      db,
    )
    expect(await verifyAuditChain(db, other.companyId, signer)).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: 'event 3 is missing',
    })
  })
})
