import { verify } from 'node:crypto'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { withCompany } from '../src/db/index.js'
import { hashAuditEvent } from '../src/domain/audit/audit-hash.js'
import {
  appendAudit,
  auditEventAt,
  createAuditSigner,
  verifyAuditChain,
} from '../src/domain/audit/index.js'
import { bearer, createTestApp, signUp, testSecretKey } from './test-app.js'

// S14: the chain head is anchored by signed checkpoints the database alone cannot forge.
const { app, db, clock } = await createTestApp()
const signer = createAuditSigner(testSecretKey)

const get = (url: string, token: string) => app.inject({ url, headers: bearer(token) })

/** A few more events on the company's chain, as the service appends them. */
async function appendEvents(companyId: string, n: number) {
  for (let i = 0; i < n; i++) {
    await withCompany(db, companyId, (trx) =>
      appendAudit(trx, { companyId, occurredAt: clock.now(), actorUserId: null, action: 'test.x' }),
    )
  }
}

describe('S14: signed audit checkpoints', () => {
  it('reports every event as unanchored before the first checkpoint', async () => {
    const co = await signUp(app, { companyName: 'Anchor 0' })
    const res = (await get('/api/v1/audit/verify', co.token)).json()
    expect(res).toEqual({ ok: true, count: res.count, anchoredTo: 0, unanchored: res.count })
    expect(res.count).toBeGreaterThan(0)
  })

  it('exports a checkpoint of the head that checks offline with its public key', async () => {
    const co = await signUp(app, { companyName: 'Anchor 1' })
    const res = await get('/api/v1/audit/checkpoint', co.token)
    expect(res.statusCode).toBe(200)
    const c = res.json()
    expect(c).toMatchObject({ companyId: co.companyId, algorithm: 'Ed25519' })
    const head = await db
      .selectFrom('audit_events')
      .select(['seq', 'hash'])
      .where('company_id', '=', co.companyId)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow()
    expect({ seq: c.seq, hash: c.hash }).toEqual({ seq: Number(head.seq), hash: head.hash })
    expect(JSON.parse(c.payload)).toEqual({
      companyId: c.companyId,
      seq: c.seq,
      hash: c.hash,
      signedAt: c.signedAt,
    })
    const offline = (payload: string) =>
      verify(null, Buffer.from(payload), c.publicKey, Buffer.from(c.signature, 'base64'))
    expect(offline(c.payload)).toBe(true)
    expect(offline(c.payload.replace(`"seq":${c.seq}`, `"seq":${c.seq - 1}`))).toBe(false)
    expect((await get('/api/v1/audit/verify', co.token)).json()).toMatchObject({ ok: true })
  })

  it('notices the newest events deleted, back to before the last checkpoint', async () => {
    const co = await signUp(app, { companyName: 'Anchor 2' })
    await appendEvents(co.companyId, 3)
    const c = (await get('/api/v1/audit/checkpoint', co.token)).json()
    await appendEvents(co.companyId, 2)
    // verify says how much of the chain a checkpoint holds, and how many events are not yet held
    expect((await get('/api/v1/audit/verify', co.token)).json()).toEqual({
      ok: true,
      count: c.seq + 2,
      anchoredTo: c.seq,
      unanchored: 2,
    })
    await sql`delete from audit_events where company_id = ${co.companyId} and seq >= ${c.seq - 1}`.execute(
      db,
    )
    const res = (await get('/api/v1/audit/verify', co.token)).json()
    expect(res).toMatchObject({ ok: false, reason: `events up to checkpoint ${c.seq} are missing` })
  })

  it('notices a rewritten tail with hashes recomputed', async () => {
    const co = await signUp(app, { companyName: 'Anchor 3' })
    await appendEvents(co.companyId, 2)
    const c = (await get('/api/v1/audit/checkpoint', co.token)).json()
    // Rewrite the checkpointed event: a new payload and a hash recomputed from it, as someone
    // with the database but not the server key would.
    const stored = await auditEventAt(db, co.companyId, c.seq)
    if (stored === undefined) throw new Error(`no event ${c.seq}`)
    const forged = { ...stored, after: { forged: true } }
    await sql`update audit_events set after = '{"forged":true}', hash = ${hashAuditEvent(forged)}
              where company_id = ${co.companyId} and seq = ${c.seq}`.execute(db)
    expect(await verifyAuditChain(db, co.companyId, signer)).toMatchObject({
      ok: false,
      brokenAt: c.seq,
      reason: 'differs from a signed checkpoint',
    })
  })

  it('refuses a checkpoint not signed with the server key', async () => {
    const co = await signUp(app, { companyName: 'Anchor 4' })
    await get('/api/v1/audit/checkpoint', co.token)
    const other = createAuditSigner(Buffer.alloc(32, 1))
    expect(await verifyAuditChain(db, co.companyId, other)).toMatchObject({
      ok: false,
      reason: 'a checkpoint signature is not ours',
    })
  })
})
