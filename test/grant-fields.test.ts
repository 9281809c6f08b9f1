/**
 * W1, P4: a temporary grant that names fields shows those fields and no other. The senior agent
 * asks only for the ID number of a customer (the way one would, found on the demo company: the
 * request named `idNumber` alone and the team lead, who sees the phone as `read`, was refused
 * with `cannot_grant` on fields nobody asked for, because unnamed fields defaulted to the
 * catalog's most open level). Now the lead approves it; the agent sees the ID number in clear and
 * every other field exactly as before, since grants add up and a hidden field takes nothing
 * away; a person outside the record's scope who gets such a grant sees the named field and
 * nothing else. PGlite by default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import { describe, expect, it } from 'vitest'
import { governanceWorld } from './governance-setup.js'

const { a, asA, sam, lee, oscar, customer, db } = await governanceWorld()

const read = async (as: typeof sam.as) => {
  const res = await as('GET', `/api/v1/customers/${customer.id}`)
  return { status: res.statusCode, body: res.statusCode === 200 ? res.json() : undefined }
}

describe('W1: a temporary grant naming one field', () => {
  it('is approved by the lead, reveals that field and leaves every other field as the agent saw it', async () => {
    const before = await read(sam.as)
    expect(before.status).toBe(200)
    expect(before.body.idNumber).toBe('110101********1234')

    const asked = await sam.as('POST', '/api/v1/approvals', {
      type: 'temporaryGrant',
      payload: {
        actions: ['customer.view'],
        resource: { type: 'customer', id: customer.id },
        fields: { idNumber: 'read' },
        durationMinutes: 30,
      },
      reason: 'dispute #4412: confirm the ID number only',
    })
    expect(asked.statusCode, asked.body).toBe(201)
    const approved = await lee.as('POST', `/api/v1/approvals/${asked.json().id}/approve`, {
      reason: 'ok',
    })
    expect(approved.statusCode, approved.body).toBe(200)

    const after = await read(sam.as)
    expect(after.body.idNumber).toBe('110101199003071234')
    expect(before.body.maskedFields).toContain('idNumber')
    expect(after.body.maskedFields ?? []).not.toContain('idNumber')
    const { idNumber: _x, updatedAt: _u, maskedFields: _m, ...rest } = after.body
    const { idNumber: _y, updatedAt: _v, maskedFields: _n, ...restBefore } = before.body
    expect(rest).toEqual(restBefore)

    const grant = await db
      .selectFrom('grants')
      .select('definition')
      .where('id', '=', approved.json().grantId)
      .executeTakeFirstOrThrow()
    expect((grant.definition as { fields: unknown }).fields).toEqual({
      '*': 'hidden',
      idNumber: 'read',
    })
  })

  it('given directly to someone outside the record’s scope, shows the named field and hides the rest', async () => {
    // oscar (lead of team two) does not see team one's customer; an admin gives him its name only
    expect((await read(oscar.as)).status).toBe(404)
    const given = await asA('POST', '/api/v1/grants', {
      userId: oscar.id,
      actions: ['customer.view'],
      resource: { type: 'customer', id: customer.id },
      fields: { name: 'read' },
      endsAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      reason: 'helps team one with this customer',
    })
    expect(given.statusCode, given.body).toBe(201)
    const seen = await read(oscar.as)
    expect(seen.status).toBe(200)
    expect(seen.body.name).toBe('Wang Fang')
    expect(seen.body.idNumber ?? null).toBeNull()
    expect(seen.body.phone ?? null).toBeNull()
    expect(a.companyId).toBeTruthy()
  })
})
