/**
 * Issue 11, previews: a preview past its end records `preview.ended` (`how: "expired"`) the next
 * time the session touches previews, once; and a previewing session cannot share a record (the
 * read-only gate), nothing written. PGlite by default, PostgreSQL when
 * TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { builtinRoleId, caller, newTeam } from './fixtures.js'
import { auditActions, createTestApp, logIn, problem, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Preview ends A' })
const asA = call(a.token)
const t1 = await newTeam(asA, 'Team one')
const noviceRole = await builtinRoleId(db, a.companyId, 'Novice agent')
const session = async () =>
  call((await logIn(app, { company: a.slug, email: a.email })).json().token as string)
const ended = async () =>
  (await auditActions(db, a.companyId)).filter((e) => e.action === 'preview.ended')

describe('a preview past its end', () => {
  it('records its end (expired) when the session next touches previews, once', async () => {
    const as = await session()
    const started = await as('POST', '/api/v1/previews', { roleId: noviceRole, minutes: 5 })
    expect(started.statusCode, started.body).toBe(201)
    const before = (await ended()).length
    clock.advance(5 * 60_000)
    problem(await as('GET', '/api/v1/previews/current'), 404, 'not_found')
    const after = await ended()
    expect(after).toHaveLength(before + 1)
    expect(after.at(-1)).toMatchObject({ target_id: noviceRole })
    expect(JSON.stringify(after.at(-1))).toContain('expired')
    // touched again: nothing more recorded, and the session row holds no preview
    problem(await as('GET', '/api/v1/previews/current'), 404, 'not_found')
    problem(await as('DELETE', '/api/v1/previews/current'), 404, 'not_found')
    expect(await ended()).toHaveLength(before + 1)
    const rows = await db
      .selectFrom('sessions')
      .select('preview_role_id')
      .where('company_id', '=', a.companyId)
      .where('preview_role_id', 'is not', null)
      .execute()
    expect(rows).toEqual([])
  })

  it('a preview still open is not ended by the clock before its end', async () => {
    const as = await session()
    expect(
      (await as('POST', '/api/v1/previews', { roleId: noviceRole, minutes: 5 })).statusCode,
    ).toBe(201)
    const before = (await ended()).length
    clock.advance(5 * 60_000 - 1_000)
    expect((await as('GET', '/api/v1/previews/current')).statusCode).toBe(200)
    expect(await ended()).toHaveLength(before)
    expect((await as('DELETE', '/api/v1/previews/current')).statusCode).toBe(204)
  })
})

describe('a previewing session', () => {
  it('cannot create a share: refused, nothing written', async () => {
    const c = await asA('POST', '/api/v1/customers', { name: 'Shared?', orgUnitId: t1 })
    expect(c.statusCode, c.body).toBe(201)
    const id = c.json().id as string
    const as = await session()
    const adminRole = await builtinRoleId(db, a.companyId, 'Admin')
    expect((await as('POST', '/api/v1/previews', { roleId: adminRole })).statusCode).toBe(201)
    const shares = () =>
      db.selectFrom('shares').select('id').where('company_id', '=', a.companyId).execute()
    const res = await as('POST', `/api/v1/customers/${id}/shares`, {
      orgUnitId: t1,
      fields: ['name'],
    })
    expect(res.statusCode).toBe(403)
    expect(await shares()).toEqual([])
    // the same share by the same person outside the preview is allowed (the refusal is the
    // preview's)
    expect((await as('DELETE', '/api/v1/previews/current')).statusCode).toBe(204)
    const direct = await as('POST', `/api/v1/customers/${id}/shares`, {
      orgUnitId: t1,
      fields: ['name'],
    })
    expect(direct.statusCode, direct.body).toBe(201)
    expect(await shares()).toHaveLength(1)
  })
})
