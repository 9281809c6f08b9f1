/**
 * Issue 11: who sees and who decides a request. A data-supplement request's values are shown to
 * anyone but its requester as that person's own field rules show the customer's fields (an
 * approver whose role masks or hides a field never reads it through the request); approval
 * route steps may name a role or a person, and only they decide that step, still only what they
 * could grant. Another company's ids are 404 / 400, bad input 400, writing nothing. PGlite by
 * default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { addRole, builtinRoleId } from './fixtures.js'
import { governanceWorld } from './governance-setup.js'
import { logIn, problem, strongPassword } from './test-app.js'

const w = await governanceWorld()
const { app, db, a, asA, call, t1, nia, lee, ada2 } = w
type Res = Awaited<ReturnType<typeof asA>>
type Json = Record<string, unknown> & { id: string }

const must = async (res: Promise<Res>, status = 201) => {
  const r = await res
  if (r.statusCode !== status) throw new Error(`setup: ${r.statusCode} ${r.body}`)
  return r.json() as Json
}

/** A person of company A with these roles, at this level, signed in. */
async function person(email: string, roleIds: string[], level: string, orgUnitId: string | null) {
  const user = await must(
    asA('POST', '/api/v1/users', {
      email,
      name: email.split('@')[0],
      password: strongPassword,
      orgUnitId,
      level,
      roleIds,
    }),
  )
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id: user.id, as: call(token) }
}

// a team lead of team one whose role reads customers with the phone masked and the name hidden
const maskingLead = await addRole(db, a.companyId, 'Masking lead', {
  grants: [
    { actions: ['customer.view'], scope: 'team', fields: { phone: 'masked', name: 'hidden' } },
  ],
})
const mia = await person('mia@a.test', [maskingLead], 'lead', t1)

const supplementOf = async (customerId: string) =>
  must(
    nia.as('POST', '/api/v1/approvals', {
      type: 'dataSupplement',
      payload: {
        customerId,
        fields: { name: 'Sun Li', phone: '+86 139-1111-2222', email: 'Sun.Li@Example.com' },
      },
      reason: 'the customer gave these on the phone',
    }),
  )

describe('a data-supplement request as an approver sees it', () => {
  it('masks each value as the approver’s own field rules mask it on the record', async () => {
    const c = await must(
      asA('POST', '/api/v1/customers', {
        name: 'Old name',
        phone: '+86 138-0000-9999',
        orgUnitId: t1,
        ownerId: nia.id,
      }),
    )
    const request = await supplementOf(c.id)
    // the requester sees what she asked for, in clear
    expect(request['payload']).toMatchObject({
      fields: { name: 'Sun Li', phone: '+8613911112222', email: 'sun.li@example.com' },
    })
    // Mia's role masks the phone and hides the name on the record…
    const record = (await mia.as('GET', `/api/v1/customers/${c.id}`)).json() as Json
    expect(record['name']).toBeUndefined()
    expect(record['maskedFields']).toContain('phone')
    // …and so in the request (routed to her, a lead of the requester's team)
    const seen = await must(mia.as('GET', `/api/v1/approvals/${request.id}`), 200)
    const payload = seen['payload'] as { fields: Record<string, string>; maskedFields: string[] }
    expect(payload.fields['phone']).not.toContain('1111')
    expect(payload.fields['phone']).toMatch(/\*/)
    expect(payload.fields['name']).not.toBe('Sun Li')
    expect(payload.fields['name']).toMatch(/^\*+$/)
    expect(payload.fields['email']).toBe('sun.li@example.com')
    expect(payload.maskedFields.sort()).toEqual(['name', 'phone'])
    expect(JSON.stringify(seen)).not.toContain('Sun Li')
    expect(JSON.stringify(seen)).not.toContain('13911112222')
    // the same in her list of requests to decide, when it is listed there
    const queue = await must(mia.as('GET', '/api/v1/approvals?view=to-decide'), 200)
    for (const item of queue['items'] as Json[])
      expect(JSON.stringify(item)).not.toContain('13911112222')
    // the team lead who reads the customer in clear sees the personal fields in clear
    const lees = await must(lee.as('GET', `/api/v1/approvals/${request.id}`), 200)
    expect((lees['payload'] as { fields: Record<string, string> }).fields).toMatchObject({
      name: 'Sun Li',
    })
    // and an admin, who may not view the customer's secrets in the request either way
    const adas = await must(ada2.as('GET', `/api/v1/approvals/${request.id}`), 200)
    expect((adas['payload'] as { fields: Record<string, string> }).fields['name']).toBe('Sun Li')
  })

  it('masks every value whole for someone who may see the request but not the customer', async () => {
    const blind = await addRole(db, a.companyId, 'Blind lead', {
      grants: [{ actions: ['ticket.view'], scope: 'team' }],
    })
    const bo = await person('bo@a.test', [blind], 'lead', t1)
    const c = await must(
      asA('POST', '/api/v1/customers', { name: 'Other', orgUnitId: t1, ownerId: nia.id }),
    )
    const request = await supplementOf(c.id)
    const seen = await must(bo.as('GET', `/api/v1/approvals/${request.id}`), 200)
    const fields = (seen['payload'] as { fields: Record<string, string> }).fields
    for (const value of Object.values(fields)) expect(value).toMatch(/^\*+$/)
  })
})

export { builtinRoleId, problem }
