import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, onPostgres, startTwoServers, type Server } from './servers.js'

// W2 (issue 11): two approvers deciding one request at the same moment on two server processes
// (src/main.ts in child processes, real HTTP, one PostgreSQL) apply its effect exactly once: one
// answers 200 with the grant, the other 409, and the request has one grant. The same for the W3
// changes (a customer's tags, a pool's numbers beyond the quota): one 200, one 409, the change
// made and audited once. PostgreSQL only.

const password = 'Correct-Horse-42'

describe.skipIf(!onPostgres)('approvals on two server processes', () => {
  let a: Server
  let b: Server
  let stop = async () => {}
  beforeAll(async () => {
    ;({ a, b, stop } = await startTwoServers())
  }, 180_000)
  afterAll(() => stop(), 60_000)

  const must = async (p: ReturnType<typeof call>, status = 201) => {
    const res = await p
    if (res.status !== status) throw new Error(`${res.status} ${JSON.stringify(res.json)}`)
    return res.json
  }

  /** A company signed up through process a, with one team; people log in through process b. */
  async function companyOnTwo(companyName: string, email: string) {
    const signup = await must(
      call(a, 'POST', '/api/v1/signup', { companyName, name: 'Ada', email, password }),
    )
    const slug = (signup['company'] as { slug: string }).slug
    const admin = signup['token'] as string
    const roles = (await must(call(a, 'GET', '/api/v1/roles', undefined, admin), 200))['items'] as {
      id: string
      name: string
    }[]
    const roleId = (name: string) => roles.find((r) => r.name === name)?.id
    const team = (
      await must(
        call(a, 'POST', '/api/v1/org-units', { kind: 'team', name: 'T', parentId: null }, admin),
      )
    )['id'] as string
    /** A person of the team (an admin of none) holding one role, logged in on process b. */
    const person = async (email: string, role: string, level: string) => {
      const user = await must(
        call(
          a,
          'POST',
          '/api/v1/users',
          {
            email,
            name: email,
            password,
            orgUnitId: level === 'admin' ? null : team,
            level,
            roleIds: [roleId(role)],
          },
          admin,
        ),
      )
      const login = await must(
        call(b, 'POST', '/api/v1/auth/login', { company: slug, email, password }),
        200,
      )
      return { id: user['id'] as string, token: login['token'] as string }
    }
    return { admin, team, person }
  }

  it('two approvers at the same moment, one on each process: 200 and 409, one grant', async () => {
    const { admin, team, person } = await companyOnTwo('Approvals on two', 'ada@two.test')
    const desk = (
      await must(
        call(
          a,
          'POST',
          '/api/v1/permission-groups',
          {
            name: 'Dispute desk',
            grants: [
              {
                actions: ['customer.view'],
                scope: 'team',
                fields: { idNumber: 'read' },
                audit: true,
              },
            ],
          },
          admin,
        ),
      )
    )['id'] as string
    const sam = await person('sam@two.test', 'Senior agent', 'senior')
    const lee = await person('lee@two.test', 'Team lead', 'lead')
    await must(call(a, 'PUT', `/api/v1/users/${lee.id}/groups`, { groupIds: [desk] }, admin), 200)
    const customer = (
      await must(
        call(
          a,
          'POST',
          '/api/v1/customers',
          { name: 'Wang Fang', idNumber: '110101199003071234', orgUnitId: team, ownerId: sam.id },
          admin,
        ),
      )
    )['id'] as string

    for (let i = 0; i < 5; i++) {
      const request = await must(
        call(
          a,
          'POST',
          '/api/v1/approvals',
          {
            type: 'temporaryGrant',
            payload: {
              actions: ['customer.view'],
              resource: { type: 'customer', id: customer },
              fields: { idNumber: 'read' },
              durationMinutes: 30,
            },
            reason: `dispute ${i}`,
          },
          sam.token,
        ),
      )
      const id = request['id'] as string
      const answers = await Promise.all([
        call(a, 'POST', `/api/v1/approvals/${id}/approve`, {}, lee.token),
        call(b, 'POST', `/api/v1/approvals/${id}/approve`, {}, admin),
      ])
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409])
      const grants = (
        await must(
          call(b, 'GET', `/api/v1/grants?userId=${sam.id}&state=all&limit=200`, undefined, admin),
          200,
        )
      )['items'] as { id: string; approvalId: string | null }[]
      const applied = grants.filter((g) => g.approvalId === id)
      expect(applied).toHaveLength(1)
      const winner = answers.find((r) => r.status === 200)
      expect(winner?.json['grantId']).toBe(applied[0]?.id)
    }
    // the grant is in force on both processes
    for (const server of [a, b]) {
      const seen = await must(
        call(server, 'GET', `/api/v1/customers/${customer}`, undefined, sam.token),
        200,
      )
      expect(seen['idNumber']).toBe('110101199003071234')
    }
  }, 120_000)

  it('W3: two approvers of one change at the same moment, one on each process: 200 and 409, applied once', async () => {
    const { admin, team, person } = await companyOnTwo('Changes on two', 'ada@changes.test')
    const mia = await person('mia@changes.test', 'Marketing', 'senior')
    const lee = await person('lee@changes.test', 'Team lead', 'lead')
    const bea = await person('bea@changes.test', 'Admin', 'admin')
    const customer = (
      await must(
        call(
          a,
          'POST',
          '/api/v1/customers',
          { name: 'Li', orgUnitId: team, ownerId: lee.id },
          admin,
        ),
      )
    )['id'] as string
    const events = async (action: string, targetId: string) =>
      (
        (
          await must(
            call(
              b,
              'GET',
              `/api/v1/audit?action=${action}&targetId=${targetId}&limit=200`,
              undefined,
              admin,
            ),
            200,
          )
        )['items'] as unknown[]
      ).length

    // tags: the team lead (who owns the customer) and an admin approve at once
    for (let i = 0; i < 3; i++) {
      const asked = await must(
        call(a, 'PATCH', `/api/v1/customers/${customer}`, { tags: [`campaign-${i}`] }, mia.token),
        202,
      )
      const id = (asked['approvalRequest'] as { id: string }).id
      const answers = await Promise.all([
        call(a, 'POST', `/api/v1/approvals/${id}/approve`, {}, lee.token),
        call(b, 'POST', `/api/v1/approvals/${id}/approve`, {}, admin),
      ])
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409])
      const seen = await must(
        call(b, 'GET', `/api/v1/customers/${customer}`, undefined, admin),
        200,
      )
      expect(seen['tags']).toEqual([`campaign-${i}`])
      expect(await events('customer.updated', customer)).toBe(i + 1)
      expect(await events('approval.approved', id)).toBe(1)
    }

    // a pool's sixth number of the day: two admins approve at once
    const pool = (
      await must(call(a, 'POST', '/api/v1/number-pools', { name: 'P', orgUnitId: team }, admin))
    )['id'] as string
    for (let i = 0; i < 5; i++) {
      await must(
        call(
          a,
          'POST',
          `/api/v1/number-pools/${pool}/numbers`,
          { phone: `+861380013820${i}` },
          lee.token,
        ),
      )
    }
    for (let i = 0; i < 3; i++) {
      const asked = await must(
        call(
          b,
          'POST',
          `/api/v1/number-pools/${pool}/numbers`,
          { phone: `+861380013821${i}` },
          lee.token,
        ),
        202,
      )
      const id = (asked['approvalRequest'] as { id: string }).id
      const answers = await Promise.all([
        call(a, 'POST', `/api/v1/approvals/${id}/approve`, {}, bea.token),
        call(b, 'POST', `/api/v1/approvals/${id}/approve`, {}, admin),
      ])
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409])
      const numbers = (
        await must(
          call(a, 'GET', `/api/v1/number-pools/${pool}/numbers?limit=200`, undefined, admin),
          200,
        )
      )['items'] as { phone: string }[]
      expect(numbers.filter((n) => n.phone === `+861380013821${i}`)).toHaveLength(1)
      expect(numbers).toHaveLength(6 + i)
      expect(await events('approval.approved', id)).toBe(1)
    }
  }, 120_000)
})
