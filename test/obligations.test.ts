import { describe, expect, it } from 'vitest'
import { addRole, giveRole } from './fixtures.js'
import {
  auditActions,
  bearer,
  createTestApp,
  logIn,
  problem,
  signUp,
  strongPassword,
} from './test-app.js'

// One gate enforces a decision's obligations for every route (foundation issue, item 3):
// a reason, an approval, per-day and concurrent limits, and the access audit (G2).

const { app, db, clock } = await createTestApp()
const a = await signUp(app, { companyName: 'Obligations A' })
const b = await signUp(app, { companyName: 'Obligations B' })

async function person(email: string, grants: unknown[]) {
  const role = await addRole(db, a.companyId, `role for ${email}`, { grants })
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/users',
    headers: bearer(a.token),
    payload: { email, name: email, password: strongPassword },
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  const id = res.json().id as string
  await giveRole(db, a.companyId, id, role)
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id, token }
}

const get = (token: string, url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { ...bearer(token), ...headers } })

describe('reason required', () => {
  it('refuses a read without a reason (400 reason_required), allows it with one, audited with the reason', async () => {
    const p = await person('why@a.test', [
      { actions: ['user.view'], scope: 'company', reasonRequired: true, audit: true },
    ])
    const without = await get(p.token, `/api/v1/users/${a.userId}`)
    expect(problem(without, 400, 'reason_required').errors).toEqual([
      { path: 'header/x-tessera-reason', message: expect.any(String) },
    ])
    const listed = await get(p.token, '/api/v1/users')
    problem(listed, 400, 'reason_required')

    const reason = encodeURIComponent('客户投诉 #42 — dispute')
    const ok = await get(p.token, `/api/v1/users/${a.userId}`, { 'x-tessera-reason': reason })
    expect(ok.statusCode).toBe(200)
    const events = await auditActions(db, a.companyId)
    const access = events.filter((e) => e.action === 'access.user.view')
    expect(access.at(-1)).toMatchObject({
      actor_user_id: p.id,
      target_id: a.userId,
      after: { reason: '客户投诉 #42 — dispute' },
    })
  })

  it('a list records one access event naming the records it showed', async () => {
    const p = await person('lister@a.test', [
      { actions: ['user.view'], scope: 'company', audit: true },
    ])
    const before = (await auditActions(db, a.companyId)).length
    const res = await get(p.token, '/api/v1/users?limit=2')
    expect(res.statusCode).toBe(200)
    const events = (await auditActions(db, a.companyId)).slice(before)
    expect(events.map((e) => e.action)).toEqual(['access.user.view'])
    expect((events[0]?.after as { ids: string[] }).ids).toEqual(
      res.json().items.map((u: { id: string }) => u.id),
    )
  })
})

describe('approval required', () => {
  it('answers 409 approval_required and changes nothing', async () => {
    const p = await person('approve@a.test', [
      { actions: ['user.view'], scope: 'company' },
      { actions: ['user.edit'], scope: 'company', approvalRequired: true },
    ])
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${a.userId}`,
      headers: bearer(p.token),
      payload: { name: 'Renamed' },
    })
    problem(res, 409, 'approval_required')
    const after = await get(a.token, `/api/v1/users/${a.userId}`)
    expect(after.json().name).toBe('Ada Admin')
  })
})

describe('limits', () => {
  it('a per-day limit refuses the next request with 429 quota_exceeded, and resets the next local day', async () => {
    const p = await person('quota@a.test', [
      { actions: ['user.view'], scope: 'company', limits: { perDay: 2 } },
    ])
    expect((await get(p.token, `/api/v1/users/${a.userId}`)).statusCode).toBe(200)
    expect((await get(p.token, `/api/v1/users/${p.id}`)).statusCode).toBe(200)
    problem(await get(p.token, `/api/v1/users/${a.userId}`), 429, 'quota_exceeded')
    // the next local day (sessions end after 12 hours: log in again)
    clock.advance(24 * 3600_000)
    const again = (await logIn(app, { company: a.slug, email: 'quota@a.test' })).json().token
    expect((await get(again, `/api/v1/users/${a.userId}`)).statusCode).toBe(200)
    a.token = (await logIn(app, { company: a.slug, email: a.email })).json().token
  })

  it('a denied or failed request does not spend the quota', async () => {
    const p = await person('spare@a.test', [
      { actions: ['user.view'], scope: 'company', limits: { perDay: 1 } },
    ])
    // another company's id: 404 before the gate, nothing counted
    expect((await get(p.token, `/api/v1/users/${b.userId}`)).statusCode).toBe(404)
    expect((await get(p.token, `/api/v1/users/${a.userId}`)).statusCode).toBe(200)
    problem(await get(p.token, `/api/v1/users/${a.userId}`), 429, 'quota_exceeded')
  })

  it('a concurrent limit on a path that cannot count is refused (fail closed)', async () => {
    const p = await person('lines@a.test', [
      { actions: ['user.view'], scope: 'company', limits: { concurrent: 2 } },
    ])
    problem(await get(p.token, `/api/v1/users/${a.userId}`), 429, 'quota_exceeded')
  })

  it.skipIf(!process.env['TESSERA_TEST_DATABASE_URL'])(
    'the same request 8 times at once on PostgreSQL spends a per-day limit of 3 exactly 3 times',
    async () => {
      const p = await person('race@a.test', [
        { actions: ['user.view'], scope: 'company', limits: { perDay: 3 } },
      ])
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => get(p.token, `/api/v1/users/${a.userId}`)),
      )
      const codes = answers.map((r) => r.statusCode).sort()
      expect(codes).toEqual([200, 200, 200, 429, 429, 429, 429, 429])
    },
  )
})
