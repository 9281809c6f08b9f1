import { describe, expect, it } from 'vitest'
import { auditActions, createTestApp, logIn, signUp, strongPassword } from './test-app.js'
import { caller, newTeam } from './fixtures.js'

// Oversight (issue 12): who can see a record (GET /authz/who-can-see) and the impact of a role
// change before it is saved (POST /roles/{id}/impact). Both backends: TESSERA_TEST_DATABASE_URL.

const { app, db } = await createTestApp()
const call = caller(app)
const co = await signUp(app, { companyName: 'Oversight' })
const other = await signUp(app, { companyName: 'Elsewhere Oversight' })
const asAdmin = call(co.token)
const asOther = call(other.token)

async function role(name: string, grants: unknown[]): Promise<string> {
  const res = await asAdmin('POST', '/api/v1/roles', { name, grants })
  expect(res.statusCode, res.body).toBe(201)
  return res.json().id as string
}

const teamA = await newTeam(asAdmin, 'Team A')
const teamB = await newTeam(asAdmin, 'Team B')
const teamViewer = await role('Team viewer', [
  { actions: ['customer.view', 'ticket.view'], scope: 'team', fields: { phone: 'masked' } },
])
const ownViewer = await role('Own viewer', [
  { actions: ['customer.view', 'ticket.view'], scope: 'own', fields: { email: 'hidden' } },
])
const directory = await role('Directory', [{ actions: ['user.view'], scope: 'own' }])
const auditor = await role('Auditor', [
  { actions: ['audit.view'], scope: 'company' },
  { actions: ['user.view'], scope: 'company' },
  { actions: ['customer.view', 'ticket.view'], scope: 'own' },
])
const roleEditor = await role('Role editor', [
  { actions: ['role.view', 'role.edit'], scope: 'company' },
  { actions: ['user.view'], scope: 'company' },
  { actions: ['customer.view', 'ticket.view'], scope: 'company' },
])

interface Person {
  id: string
  name: string
  token: string
}
async function person(name: string, orgUnitId: string, roleIds: string[]): Promise<Person> {
  const email = `${name}@oversight.test`
  const res = await asAdmin('POST', '/api/v1/users', {
    email,
    name,
    password: strongPassword,
    orgUnitId,
    roleIds,
  })
  expect(res.statusCode, res.body).toBe(201)
  const login = await logIn(app, { company: co.slug, email })
  expect(login.statusCode).toBe(200)
  return { id: res.json().id as string, name, token: login.json().token as string }
}

const alice = await person('alice', teamA, [teamViewer])
const bob = await person('bob', teamB, [teamViewer])
const carol = await person('carol', teamA, [ownViewer])
const dave = await person('dave', teamA, [directory])
const erin = await person('erin', teamA, [auditor])
const fred = await person('fred', teamA, [roleEditor])
const gina = await person('gina', teamA, [teamViewer])
// gina holds the role that would show her the customer, but she is suspended: nobody's caller
expect(
  (await asAdmin('PATCH', `/api/v1/users/${gina.id}`, { status: 'suspended' })).statusCode,
).toBe(200)
const everyone = [alice, bob, carol, dave, erin, fred, gina]

const customer = await asAdmin('POST', '/api/v1/customers', {
  name: 'Zhou Wei',
  phone: '+8613812345678',
  email: 'zhou@example.test',
  orgUnitId: teamA,
  ownerId: carol.id,
})
expect(customer.statusCode, customer.body).toBe(201)
const customerId = customer.json().id as string
const ticket = await asAdmin('POST', '/api/v1/tickets', {
  title: 'Broken headset',
  orgUnitId: teamB,
  assigneeId: carol.id,
})
expect(ticket.statusCode, ticket.body).toBe(201)
const ticketId = ticket.json().id as string

const whoCanSee = (as: ReturnType<typeof call>, query: string) =>
  as('GET', `/api/v1/authz/who-can-see?${query}`)

interface Entry {
  userId: string
  name: string
  effect: string
  masks: Record<string, string>
  why: { kind: string; id: string; name: string }[]
}

describe('GET /authz/who-can-see', () => {
  it('lists who may read the customer, with masks and the role that gives it', async () => {
    const res = await whoCanSee(asAdmin, `type=customer&id=${customerId}`)
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json() as { action: string; people: Entry[] }
    expect(body.action).toBe('customer.view')
    const byId = new Map(body.people.map((p) => [p.userId, p]))
    // fred's role editor role reads every customer
    expect([...byId.keys()].sort()).toEqual([co.userId, alice.id, carol.id, fred.id].sort())
    expect(byId.get(alice.id)).toMatchObject({
      name: 'alice',
      effect: 'allow',
      why: [{ kind: 'role', id: teamViewer, name: 'Team viewer' }],
    })
    expect(byId.get(alice.id)?.masks['phone']).toBe('masked')
    expect(byId.get(carol.id)?.masks['email']).toBe('hidden')
    expect(byId.get(carol.id)?.why).toEqual([{ kind: 'role', id: ownViewer, name: 'Own viewer' }])
    // it reveals access: audited
    const events = await auditActions(db, co.companyId)
    expect(events.at(-1)).toMatchObject({
      action: 'access.reviewed',
      actor_user_id: co.userId,
      target_id: customerId,
    })
  })

  it('another action: who may edit it (nobody but the admin here)', async () => {
    const res = await whoCanSee(asAdmin, `type=customer&id=${customerId}&action=customer.edit`)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().people.map((p: Entry) => p.userId)).toEqual([co.userId])
  })

  it('agrees, person by person, with what their own read of the record answers', async () => {
    for (const [type, id, path] of [
      ['customer', customerId, `/api/v1/customers/${customerId}`],
      ['ticket', ticketId, `/api/v1/tickets/${ticketId}`],
    ] as const) {
      const listed = new Map(
        ((await whoCanSee(asAdmin, `type=${type}&id=${id}`)).json().people as Entry[]).map((p) => [
          p.userId,
          p,
        ]),
      )
      let allowedSeen = 0
      for (const p of everyone) {
        const read = await call(p.token)('GET', path)
        const entry = listed.get(p.id)
        if (p === gina) {
          // suspended: their session ended, and they are not listed
          expect(read.statusCode).toBe(401)
          expect(entry).toBeUndefined()
          continue
        }
        expect(read.statusCode, `${type} ${p.name}`).toBe(entry === undefined ? 404 : 200)
        if (entry === undefined) continue
        allowedSeen += 1
        const item = read.json() as Record<string, unknown> & { maskedFields?: string[] }
        for (const [field, level] of Object.entries(entry.masks)) {
          if (level === 'hidden') expect(item, `${p.name} ${field}`).not.toHaveProperty(field)
          else if (item[field] !== undefined && item[field] !== null)
            expect(item.maskedFields ?? []).toContain(field)
        }
        for (const field of item.maskedFields ?? []) expect(entry.masks[field]).toBe('masked')
      }
      // not vacuous: some people are allowed, some are refused
      expect(allowedSeen).toBeGreaterThan(0)
      expect(allowedSeen).toBeLessThan(everyone.length - 1)
    }
  })

  it('needs audit.view (403); a record the caller may not see is not found (404)', async () => {
    const denied = await whoCanSee(call(alice.token), `type=customer&id=${customerId}`)
    expect(denied.statusCode).toBe(403)
    // erin may review access, but the customer is not hers to see
    const hidden = await whoCanSee(call(erin.token), `type=customer&id=${customerId}`)
    expect(hidden.statusCode).toBe(404)
    const never = await whoCanSee(call(erin.token), `type=customer&id=no-such-id`)
    expect(hidden.json()).toMatchObject({ status: 404, code: never.json().code })
    // the ticket assigned to carol: erin sees only her own, still 404
    expect((await whoCanSee(call(erin.token), `type=ticket&id=${ticketId}`)).statusCode).toBe(404)
  })

  it("another company's record is not found", async () => {
    const res = await whoCanSee(asOther, `type=customer&id=${customerId}`)
    expect(res.statusCode).toBe(404)
  })

  it('bad input is a 400', async () => {
    for (const query of [
      `type=nothing&id=${customerId}`,
      `type=customer`,
      `id=${customerId}`,
      `type=customer&id=${customerId}&action=ticket.view`,
      `type=customer&id=${customerId}&action=customer.fly`,
      `type=customer&id=${customerId}&extra=1`,
    ]) {
      const res = await whoCanSee(asAdmin, query)
      expect(res.statusCode, query).toBe(400)
    }
  })
})

describe('POST /roles/{id}/impact', () => {
  const teamGrant = {
    actions: ['customer.view', 'ticket.view'],
    scope: 'team',
    fields: { phone: 'masked' },
  }

  it('per holder: what they gain and lose; nothing is written', async () => {
    const before = (await asAdmin('GET', `/api/v1/roles/${teamViewer}`)).json()
    const res = await asAdmin('POST', `/api/v1/roles/${teamViewer}/impact`, {
      grants: [
        { actions: ['customer.view'], scope: 'company', fields: { phone: 'read' } },
        { actions: ['ticket.edit'], scope: 'own' },
      ],
    })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json()
    expect(body.refused).toBeNull()
    // the active holders (gina is suspended)
    expect(body.holders.map((h: { userId: string }) => h.userId).sort()).toEqual(
      [alice.id, bob.id].sort(),
    )
    const a = body.holders.find((h: { userId: string }) => h.userId === alice.id)
    expect(a.gained).toEqual([
      {
        action: 'customer.view',
        whole: false,
        scopes: ['company'],
        fields: [{ field: 'phone', from: 'masked', to: 'read' }],
      },
      { action: 'ticket.edit', whole: true, scopes: ['own'], fields: [] },
    ])
    expect(a.lost).toEqual([
      { action: 'customer.view', whole: false, scopes: ['team'], fields: [] },
      { action: 'ticket.view', whole: true, scopes: ['team'], fields: [] },
    ])
    const after = (await asAdmin('GET', `/api/v1/roles/${teamViewer}`)).json()
    expect(after).toEqual(before)
  })

  it('reports the refusal the save would answer (an escalation), and the save refuses it', async () => {
    const asFred = call(fred.token)
    const body = { grants: [teamGrant, { actions: ['customer.delete'], scope: 'team' }] }
    const res = await asFred('POST', `/api/v1/roles/${teamViewer}/impact`, body)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().refused).toMatchObject({ status: 403, code: 'forbidden' })
    expect(res.json().refused.errors[0].message).toContain('customer.delete')
    const a = res.json().holders.find((h: { userId: string }) => h.userId === alice.id)
    expect(a.gained.map((c: { action: string }) => c.action)).toEqual(['customer.delete'])
    const save = await asFred('PATCH', `/api/v1/roles/${teamViewer}`, body)
    expect(save.statusCode).toBe(403)
    // what fred may give, the preview and the save both accept
    const ok = { grants: [teamGrant, { actions: ['customer.view'], scope: 'company' }] }
    const preview = await asFred('POST', `/api/v1/roles/${teamViewer}/impact`, ok)
    expect(preview.json().refused).toBeNull()
  })

  it('a built-in role: the refusal is reported', async () => {
    const roles = (await asAdmin('GET', '/api/v1/roles')).json().items as {
      id: string
      kind: string
    }[]
    const builtin = roles.find((r) => r.kind === 'builtin')?.id as string
    const res = await asAdmin('POST', `/api/v1/roles/${builtin}/impact`, { description: 'x' })
    expect(res.statusCode).toBe(200)
    expect(res.json().refused).toMatchObject({ status: 409, code: 'conflict' })
  })

  it('denied: no role.view → 404; role.view without role.edit → 403', async () => {
    const res = await call(alice.token)('POST', `/api/v1/roles/${teamViewer}/impact`, {
      grants: [],
    })
    expect(res.statusCode).toBe(404)
    const viewOnly = await role('Role reader', [{ actions: ['role.view'], scope: 'company' }])
    const hank = await person('hank', teamA, [viewOnly])
    const denied = await call(hank.token)('POST', `/api/v1/roles/${teamViewer}/impact`, {
      grants: [],
    })
    expect(denied.statusCode).toBe(403)
  })

  it("another company's role is not found", async () => {
    const res = await asOther('POST', `/api/v1/roles/${teamViewer}/impact`, { grants: [] })
    expect(res.statusCode).toBe(404)
  })

  it('bad input is a 400, as at save', async () => {
    for (const body of [
      {},
      { grants: [{ actions: ['customer.fly'], scope: 'team' }] },
      { grants: 'all' },
      { name: 'a\u0000b' },
    ]) {
      const res = await asAdmin('POST', `/api/v1/roles/${teamViewer}/impact`, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
    }
  })
})
