import type { LightMyRequestResponse } from 'fastify'
import { builtinRoleId, caller } from './fixtures.js'
import { createTestApp, logIn, signUp, strongPassword } from './test-app.js'

// Shared setup of the governance scenarios (W1–W3): one company with two teams, a senior agent,
// two team leads of team one (one holding the "Dispute desk" group: the team's customers' full
// records, every read audited), a lead of team two, a second admin, and another company.

export async function governanceWorld() {
  const { app, db, clock } = await createTestApp()
  const call = caller(app)
  const a = await signUp(app, { companyName: 'Governance A' })
  const b = await signUp(app, { companyName: 'Governance B' })
  const asA = call(a.token)
  const asB = call(b.token)
  const must = async (res: Promise<LightMyRequestResponse>, s = 201) => {
    const r = await res
    if (r.statusCode !== s) throw new Error(`setup: ${r.statusCode} ${r.body}`)
    return r.json() as { id: string }
  }
  const t1 = (
    await must(asA('POST', '/api/v1/org-units', { kind: 'team', name: 'One', parentId: null }))
  ).id as string
  const t2 = (
    await must(asA('POST', '/api/v1/org-units', { kind: 'team', name: 'Two', parentId: null }))
  ).id as string
  const disputeDesk = (
    await must(
      asA('POST', '/api/v1/permission-groups', {
        name: 'Dispute desk',
        grants: [
          {
            actions: ['customer.view', 'customer.unmask'],
            scope: 'team',
            fields: { idNumber: 'read', phone: 'read', bankCard: 'read' },
            audit: true,
          },
        ],
      }),
    )
  ).id as string

  async function person(
    email: string,
    role: string,
    orgUnitId: string | null,
    level: 'novice' | 'senior' | 'lead' | 'admin',
    groupIds: string[] = [],
  ) {
    const roleId = await builtinRoleId(db, a.companyId, role)
    const user = await must(
      asA('POST', '/api/v1/users', {
        email,
        name: email.split('@')[0],
        password: strongPassword,
        orgUnitId,
        level,
        roleIds: [roleId],
      }),
    )
    if (groupIds.length > 0)
      await must(asA('PUT', `/api/v1/users/${user.id}/groups`, { groupIds }), 200)
    const token = (await logIn(app, { company: a.slug, email })).json().token as string
    return { id: user.id as string, token, as: call(token) }
  }
  const sam = await person('sam@a.test', 'Senior agent', t1, 'senior')
  const nia = await person('nia@a.test', 'Novice agent', t1, 'novice')
  const lee = await person('lee@a.test', 'Team lead', t1, 'lead', [disputeDesk])
  const lou = await person('lou@a.test', 'Team lead', t1, 'lead')
  const oscar = await person('oscar@a.test', 'Team lead', t2, 'lead', [disputeDesk])
  const ada2 = await person('ada2@a.test', 'Admin', null, 'admin')
  const customer = await must(
    asA('POST', '/api/v1/customers', {
      name: 'Wang Fang',
      phone: '+86 138-1234-5678',
      idNumber: '110101199003071234',
      orgUnitId: t1,
      ownerId: sam.id,
    }),
  )
  const other = await must(
    asA('POST', '/api/v1/customers', {
      name: 'Li Lei',
      idNumber: '110101198801011111',
      orgUnitId: t2,
    }),
  )
  const foreign = await must(asB('POST', '/api/v1/customers', { name: 'B customer' }))
  return {
    app,
    db,
    clock,
    call,
    a,
    b,
    asA,
    asB,
    t1,
    t2,
    sam,
    nia,
    lee,
    lou,
    oscar,
    ada2,
    customer,
    other,
    foreign,
  }
}

export async function countRows(
  db: Awaited<ReturnType<typeof governanceWorld>>['db'],
  table: 'grants' | 'approval_requests',
  companyId: string,
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', companyId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
