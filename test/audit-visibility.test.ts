import { describe, expect, it } from 'vitest'
import { addRole, builtinRoleId, caller } from './fixtures.js'
import { createTestApp, logIn, signUp, strongPassword } from './test-app.js'

// S23, S24: a list of holders and the audit trail show people as GET /users does, no more.
const { app, db } = await createTestApp()
const co = await signUp(app, { companyName: 'Audit Eyes', email: 'ada@eyes.test' })
const call = caller(app)
const asAdmin = call(co.token)

const newUser = async (email: string, roleIds: string[]) => {
  const res = await asAdmin('POST', '/api/v1/users', {
    email,
    name: `User ${email}`,
    password: strongPassword,
    roleIds,
  })
  expect(res.statusCode).toBe(201)
  return {
    id: res.json().id as string,
    as: call((await logIn(app, { company: co.slug, email })).json().token),
  }
}

const auditor = (userView: Record<string, unknown>) =>
  addRole(db, co.companyId, `Auditor ${JSON.stringify(userView)}`, {
    grants: [{ actions: ['audit.view', 'role.view'], scope: 'company' }, userView],
  })

// Sees only themselves among users; sees masked emails company-wide.
const self = await newUser('self@eyes.test', [
  await auditor({ actions: ['user.view'], scope: 'own' }),
])
const masked = await newUser('masked@eyes.test', [
  await auditor({ actions: ['user.view'], scope: 'company', fields: { email: 'masked' } }),
])
const adminRole = await builtinRoleId(db, co.companyId, 'Admin')

describe('S23: GET /roles/{id} lists only the holders the viewer may see', () => {
  it('leaves out holders outside the viewer’s user.view', async () => {
    const res = await self.as('GET', `/api/v1/roles/${adminRole}`)
    expect(res.statusCode).toBe(200)
    expect(res.json().userIds).toEqual([])
    expect(res.body).not.toContain(co.userId)
  })

  it('lists every holder to a viewer who may see them all', async () => {
    const res = await masked.as('GET', `/api/v1/roles/${adminRole}`)
    expect(res.json().userIds).toEqual([co.userId])
  })
})

describe('S24: audit payloads apply the viewer’s field levels to user data', () => {
  const createdEvents = async (as: typeof self.as) => {
    const res = await as('GET', '/api/v1/audit?action=user.created&limit=100')
    expect(res.statusCode).toBe(200)
    return res.json().items as { targetId: string; after: Record<string, unknown> }[]
  }

  it('removes the data of users the viewer may not see at all', async () => {
    const events = await createdEvents(self.as)
    const ada = events.find((e) => e.targetId === co.userId)
    expect(ada).toBeDefined()
    expect(JSON.stringify(events)).not.toContain('ada@eyes.test')
    expect(JSON.stringify(events)).not.toContain('masked@eyes.test')
    expect(ada?.after).not.toHaveProperty('email')
    expect(ada?.after).not.toHaveProperty('name')
    // Their own record reads as it does on GET /users/{id}.
    const own = events.find((e) => e.targetId === self.id)
    expect(own?.after['email']).toBe('self@eyes.test')
  })

  it('masks emails the viewer may only see masked', async () => {
    const events = await createdEvents(masked.as)
    expect(JSON.stringify(events)).not.toContain('ada@eyes.test')
    const ada = events.find((e) => e.targetId === co.userId)
    expect(ada?.after['email']).toMatch(/^a\*+/)
    expect(ada?.after['maskedFields']).toEqual(['email'])
  })

  it('shows the admin everything, and the chain still verifies', async () => {
    const events = await createdEvents(asAdmin)
    expect(events.find((e) => e.targetId === co.userId)?.after['email']).toBe('ada@eyes.test')
    expect((await asAdmin('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true })
  })
})
