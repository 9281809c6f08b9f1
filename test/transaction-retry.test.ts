/**
 * Issue 10: a transaction PostgreSQL ends in a deadlock (40P01) or a serialization failure
 * (40001) is run again by inCompany (domain/context.ts, db/retry.ts): its writes, its audit
 * events and what it leaves for after the commit land exactly once; a body that acted outside
 * the database is not run again. Each run again is logged, one line with the attempt and the
 * SQLSTATE; a request whose own transaction (the one its caller was read in) died keeps the
 * session touch written there. The first part on both backends (a failure as PostgreSQL raises
 * it, thrown by the body); the second, a real deadlock of two connections, on PostgreSQL.
 */
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { loadTestDatabaseUrl } from '../src/config.js'
import { PolicyCache } from '../src/domain/access/index.js'
import { authenticateSession, resolveSession } from '../src/domain/accounts/index.js'
import { recordAudit } from '../src/domain/audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../src/domain/context.js'
import { createProject } from '../src/domain/projects/index.js'
import { auditActions, createTestApp, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const policies = new PolicyCache()
const a = await signUp(app, { companyName: 'Retry A' })
const meta = { ip: '127.0.0.1', userAgent: null, requestId: null }
const actor = await resolveSession({ db, now: clock.now(), meta, policies }, a.token)
if (actor === null) throw new Error('no session')
const ctx: Ctx = { db, actor, now: clock.now(), meta, policies }

let n = 0
const newProject = async () => (await createProject(ctx, { name: `P${++n}` })).id
const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' })

/** Appends `mark` to the project's description, in the transaction. */
async function mark(tx: TenantCtx, projectId: string, what: string) {
  await sql`update projects set description = description || ${what}
    where company_id = ${tx.actor.companyId} and id = ${projectId}`.execute(tx.db)
}
async function description(projectId: string) {
  const row = await db
    .selectFrom('projects')
    .select('description')
    .where('id', '=', projectId)
    .executeTakeFirstOrThrow()
  return row.description
}
const audited = async (id: string) =>
  (await auditActions(db, a.companyId)).filter((e) => e.target_id === id).map((e) => e.action)

describe('inCompany runs a deadlocked transaction again', () => {
  it('its write, its audit event and its after-commit work land once', async () => {
    const p = await newProject()
    let runs = 0
    let notified = 0
    const result = await inCompany(ctx, async (tx) => {
      runs++
      await mark(tx, p, 'x')
      await recordAudit(tx, { action: 'project.updated', targetType: 'project', targetId: p })
      tx.afterCommit?.(() => notified++)
      if (runs === 1) throw deadlock() // as PostgreSQL would abort it, after the writes
      return 'done'
    })
    expect(result).toBe('done')
    expect(runs).toBe(2)
    expect(notified).toBe(1)
    expect(await description(p)).toBe('x')
    expect(await audited(p)).toEqual(['project.created', 'project.updated'])
  })

  it('gives up after three retries, with nothing written', async () => {
    const p = await newProject()
    let runs = 0
    let notified = 0
    const failed = inCompany(ctx, async (tx) => {
      runs++
      await mark(tx, p, 'x')
      tx.afterCommit?.(() => notified++)
      throw deadlock()
    })
    await expect(failed).rejects.toThrow('deadlock detected')
    expect([runs, notified]).toEqual([4, 0])
    expect(await description(p)).toBe('')
  })

  it('does not run again a body that acted outside the database, nor any other failure', async () => {
    const p = await newProject()
    let runs = 0
    const outside = inCompany(ctx, async (tx) => {
      runs++
      await mark(tx, p, 'x')
      tx.actedOutside?.()
      throw deadlock()
    })
    await expect(outside).rejects.toThrow('deadlock detected')
    expect(runs).toBe(1)
    const unique = inCompany(ctx, async () => {
      runs++
      throw Object.assign(new Error('duplicate key'), { code: '23505' })
    })
    await expect(unique).rejects.toThrow('duplicate key')
    expect(runs).toBe(2)
    expect(await description(p)).toBe('')
  })
})

describe('a retry is logged, and keeps what reading the caller wrote', () => {
  it('logs one line per run again: the attempt and the SQLSTATE, nothing of the statement', async () => {
    const p = await newProject()
    const lines: { details: object; message: string }[] = []
    const log = {
      warn: (details: object, message: string) => void lines.push({ details, message }),
    }
    let runs = 0
    await inCompany({ ...ctx, log }, async (tx) => {
      runs++
      await mark(tx, p, 'x')
      if (runs === 1) throw deadlock()
      if (runs === 2) throw Object.assign(new Error('could not serialize'), { code: '40001' })
    })
    expect(runs).toBe(3)
    expect(lines.map((l) => l.details)).toEqual([
      { attempt: 2, sqlstate: '40P01' },
      { attempt: 3, sqlstate: '40001' },
    ])
    expect(lines[0]?.message).toMatch(/run again/)
    // a transaction that is not run again logs nothing
    await inCompany({ ...ctx, log }, async (tx) => mark(tx, p, 'y'))
    expect(lines).toHaveLength(2)
  })

  it('a request whose own transaction died keeps the session touch it wrote there', async () => {
    clock.advance(5 * 60_000) // past the touch interval: reading the caller touches the session
    const now = clock.now()
    const anon = { db, now, meta, policies }
    const found = await authenticateSession(anon, a.token)
    if (found === null) throw new Error('no session')
    const seen = () =>
      db
        .selectFrom('sessions')
        .select('last_seen_at')
        .where('id', '=', found.actor.sessionId)
        .executeTakeFirstOrThrow()
    let runs = 0
    const request: Ctx = { ...anon, actor: found.actor, requestTx: found.tx }
    await inCompany(request, async () => {
      if (++runs === 1) throw deadlock() // in the adopted transaction, the touch with it
    })
    expect(runs).toBe(2)
    expect((await seen()).last_seen_at).toEqual(now)
  })
})

describe.skipIf(loadTestDatabaseUrl() === undefined)('a real deadlock (PostgreSQL)', () => {
  it('two transactions locking two rows in opposite orders: the one aborted is run again, both land once', async () => {
    const p1 = await newProject()
    const p2 = await newProject()
    // each holds its first row, then waits until the other holds its own, then asks for it
    let arrived = 0
    let release: () => void = () => {}
    const bothHold = new Promise<void>((done) => {
      release = done
    })
    const meet = async () => {
      if (++arrived === 2) release()
      await bothHold
    }
    const runs = { a: 0, b: 0 }
    const crossing = (who: 'a' | 'b', first: string, second: string) =>
      inCompany(ctx, async (tx) => {
        runs[who]++
        await mark(tx, first, who)
        if (runs[who] === 1) await meet()
        await mark(tx, second, who)
        await recordAudit(tx, { action: 'project.updated', targetType: 'project', targetId: first })
        return who
      })
    const results = await Promise.all([crossing('a', p1, p2), crossing('b', p2, p1)])
    expect(results).toEqual(['a', 'b'])
    // PostgreSQL aborted one of them (40P01); it ran once more, after the other committed
    expect(runs.a + runs.b).toBe(3)
    for (const p of [p1, p2]) {
      expect([...((await description(p)) ?? '')].sort()).toEqual(['a', 'b'])
      expect(await audited(p)).toEqual(['project.created', 'project.updated'])
    }
  })
})
