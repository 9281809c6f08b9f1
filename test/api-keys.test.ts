import { describe, expect, it } from 'vitest'
import { addRole, builtinRoleId, caller, countRows } from './fixtures.js'
import {
  addUser,
  auditActions,
  createTestApp,
  logIn,
  problem,
  signUp,
  strongPassword,
} from './test-app.js'

const { app, db, clock } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Keys A' })
const b = await signUp(app, { companyName: 'Keys B' })
const asA = call(a.token)
const asB = call(b.token)

// The integration's role: read users and org units, create org units; nothing else.
const integration = await addRole(db, a.companyId, 'Integration', {
  grants: [{ actions: ['user.view', 'orgUnit.view', 'orgUnit.create'], scope: 'company' }],
})
const bRole = await builtinRoleId(db, b.companyId, 'Operator')
const aAdminRole = await builtinRoleId(db, a.companyId, 'Admin')
const bKey = (await asB('POST', '/api/v1/api-keys', { name: 'B sync', roleId: bRole })).json()
await addUser(db, a.companyId, { email: 'op@a.test', role: 'Operator' })
const asOp = call((await logIn(app, { company: a.slug, email: 'op@a.test' })).json().token)

let key = ''
let keyId = ''

describe('API keys', () => {
  it('creates a key once: the secret is returned, only its hash is stored, audited', async () => {
    const res = await asA('POST', '/api/v1/api-keys', { name: 'CRM sync', roleId: integration })
    expect(res.statusCode).toBe(201)
    key = res.json().key
    keyId = res.json().apiKey.id
    expect(key).toMatch(/^tsk_[A-Za-z0-9_-]{40,}$/)
    expect(res.json().apiKey).toMatchObject({ name: 'CRM sync', roleId: integration })
    const row = await db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', keyId)
      .executeTakeFirstOrThrow()
    expect(JSON.stringify(row)).not.toContain(key)
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/)
    const event = (await auditActions(db, a.companyId)).find((e) => e.action === 'api_key.created')
    expect(event?.target_id).toBe(keyId)
    expect(JSON.stringify(event)).not.toContain(key)
    const listed = (await asA('GET', '/api/v1/api-keys')).json()
    expect(listed.items.map((k: { id: string }) => k.id)).toEqual([keyId])
    expect(JSON.stringify(listed)).not.toContain(key)
  })

  it('authenticates as its role: what the role grants works, the rest is refused', async () => {
    const asKey = call(key)
    const users = await asKey('GET', '/api/v1/users')
    expect(users.statusCode).toBe(200)
    expect(users.json().items.map((u: { id: string }) => u.id)).toContain(a.userId)
    const unit = await asKey('POST', '/api/v1/org-units', { kind: 'region', name: 'From CRM' })
    expect(unit.statusCode).toBe(201)
    const created = (await auditActions(db, a.companyId)).find(
      (e) => e.action === 'org_unit.created' && e.target_id === unit.json().id,
    )
    expect(created?.actor_user_id).toBe(`apikey:${keyId}`)

    problem(await asKey('PATCH', `/api/v1/users/${a.userId}`, { name: 'X' }), 403, 'forbidden')
    problem(await asKey('GET', '/api/v1/projects'), 403, 'forbidden')
    problem(
      await asKey('POST', '/api/v1/api-keys', { name: 'x', roleId: integration }),
      403,
      'forbidden',
    )
    problem(await asKey('GET', `/api/v1/users/${b.userId}`), 404, 'not_found')
    const lastUsed = await db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', keyId)
      .executeTakeFirstOrThrow()
    expect(lastUsed.last_used_at).not.toBeNull()
  })

  it('cannot use the session and MFA routes', async () => {
    const asKey = call(key)
    problem(await asKey('GET', '/api/v1/auth/sessions'), 403, 'forbidden')
    problem(await asKey('POST', '/api/v1/auth/mfa/enrol'), 403, 'forbidden')
    problem(await asKey('POST', '/api/v1/auth/logout'), 403, 'forbidden')
  })

  it('stops working once revoked (audited) and once expired', async () => {
    expect((await asA('DELETE', `/api/v1/api-keys/${keyId}`)).statusCode).toBe(204)
    problem(await call(key)('GET', '/api/v1/users'), 401, 'not_authenticated')
    expect((await asA('DELETE', `/api/v1/api-keys/${keyId}`)).statusCode).toBe(204)
    const revoked = (await auditActions(db, a.companyId)).filter(
      (e) => e.action === 'api_key.revoked',
    )
    expect(revoked).toHaveLength(1)
    const listed = (await asA('GET', '/api/v1/api-keys')).json().items
    expect(listed[0].revokedAt).not.toBeNull()

    const expiresAt = new Date(clock.now().getTime() + 60_000).toISOString()
    const short = (
      await asA('POST', '/api/v1/api-keys', { name: 'Short', roleId: integration, expiresAt })
    ).json().key
    expect((await call(short)('GET', '/api/v1/users')).statusCode).toBe(200)
    clock.advance(61_000)
    problem(await call(short)('GET', '/api/v1/users'), 401, 'not_authenticated')
  })

  it('a key never holds more than its creator: a narrower admin cannot mint an Admin key', async () => {
    const keyManager = await addRole(db, a.companyId, 'Key manager', {
      grants: [{ actions: ['role.view', 'role.assign', 'user.view'], scope: 'company' }],
    })
    await asA('POST', '/api/v1/users', {
      email: 'km@a.test',
      name: 'Kim Keys',
      password: strongPassword,
      roleIds: [keyManager],
    })
    const asKm = call((await logIn(app, { company: a.slug, email: 'km@a.test' })).json().token)
    const before = await countRows(db, 'api_keys', a.companyId)
    const res = await asKm('POST', '/api/v1/api-keys', { name: 'All', roleId: aAdminRole })
    const errors = problem(res, 403, 'forbidden').errors as { path: string }[]
    expect(errors.every((e) => e.path === 'body/roleId')).toBe(true)
    expect(await countRows(db, 'api_keys', a.companyId)).toBe(before)
    const narrow = await addRole(db, a.companyId, 'Read users', {
      grants: [{ actions: ['user.view'], scope: 'company' }],
    })
    expect((await asKm('POST', '/api/v1/api-keys', { name: 'R', roleId: narrow })).statusCode).toBe(
      201,
    )
  })
})

describe('API keys: denied cases', () => {
  it('an Operator may not create, list or revoke keys (403); nothing is written', async () => {
    const before = await countRows(db, 'api_keys', a.companyId)
    problem(
      await asOp('POST', '/api/v1/api-keys', { name: 'x', roleId: integration }),
      403,
      'forbidden',
    )
    problem(await asOp('GET', '/api/v1/api-keys'), 403, 'forbidden')
    problem(await asOp('DELETE', `/api/v1/api-keys/${keyId}`), 403, 'forbidden')
    expect(await countRows(db, 'api_keys', a.companyId)).toBe(before)
  })
})

describe("API keys: company B's ids are ids that do not exist", () => {
  it("cannot tie a key to B's role, see B's keys or revoke one", async () => {
    const before = await countRows(db, 'api_keys', a.companyId)
    const theirs = await asA('POST', '/api/v1/api-keys', { name: 'x', roleId: bRole })
    const none = await asA('POST', '/api/v1/api-keys', { name: 'x', roleId: 'nothing' })
    expect(problem(theirs, 404, 'not_found').errors).toEqual([
      { path: 'body/roleId', message: 'no such role' },
    ])
    expect(theirs.json()).toEqual(none.json())
    expect(await countRows(db, 'api_keys', a.companyId)).toBe(before)

    const mine = (await asA('GET', '/api/v1/api-keys'))
      .json()
      .items.map((k: { id: string }) => k.id)
    expect(mine).not.toContain(bKey.apiKey.id)
    const revoke = await asA('DELETE', `/api/v1/api-keys/${bKey.apiKey.id}`)
    expect(revoke.json()).toEqual((await asA('DELETE', '/api/v1/api-keys/nothing')).json())
    problem(revoke, 404, 'not_found')
    expect((await call(bKey.key)('GET', '/api/v1/users')).statusCode).toBe(403)
  })

  it("B's key sees only company B", async () => {
    const reader = await addRole(db, b.companyId, 'B reader', {
      grants: [{ actions: ['user.view'], scope: 'company' }],
    })
    const k = (await asB('POST', '/api/v1/api-keys', { name: 'B read', roleId: reader })).json()
    const users = (await call(k.key)('GET', '/api/v1/users')).json().items
    expect(users.map((u: { id: string }) => u.id)).toEqual([b.userId])
    problem(await call(k.key)('GET', `/api/v1/users/${a.userId}`), 404, 'not_found')
  })
})

describe('API keys: bad input is 400 problem+json and writes nothing', () => {
  it.each([
    ['a missing roleId', { name: 'x' }],
    ['a wrong type', { name: 'x', roleId: 7 }],
    ['a too long name', { name: 'x'.repeat(201), roleId: 'r' }],
    ['an unknown field', { name: 'x', roleId: 'r', scopes: ['all'] }],
    ['a date that is not one', { name: 'x', roleId: 'r', expiresAt: 'tomorrow' }],
  ])('POST /api-keys with %s', async (_, payload) => {
    const before = await countRows(db, 'api_keys', a.companyId)
    problem(await asA('POST', '/api/v1/api-keys', payload), 400, 'validation_failed')
    expect(await countRows(db, 'api_keys', a.companyId)).toBe(before)
  })

  it('refuses a key that would already be expired', async () => {
    const before = await countRows(db, 'api_keys', a.companyId)
    const res = await asA('POST', '/api/v1/api-keys', {
      name: 'Past',
      roleId: integration,
      expiresAt: '2020-01-01T00:00:00.000Z',
    })
    problem(res, 400, 'validation_failed')
    expect(await countRows(db, 'api_keys', a.companyId)).toBe(before)
  })
})
