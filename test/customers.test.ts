/**
 * Customers through HTTP (issue 10, point 1): CRUD and lists through the read seam, P4 masks per
 * preset position, unmask as its own audited action (G2), search by phone in any format, writes
 * decided before and after, another company's and another team's customers 404, bad input 400.
 */
import { describe, expect, it } from 'vitest'
import { builtinRoleId, caller } from './fixtures.js'
import { auditActions, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Customers A' })
const b = await signUp(app, { companyName: 'Customers B' })
const asA = call(a.token)
const asB = call(b.token)

const unit = async (kind: string, name: string, parentId: string | null = null) => {
  const res = await asA('POST', '/api/v1/org-units', { kind, name, parentId })
  if (res.statusCode !== 201) throw new Error(`unit: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}
const region = await unit('region', 'North')
const branch = await unit('branch', 'Harbin', region)
const t1 = await unit('team', 'Team one', branch)
const t2 = await unit('team', 'Team two', branch)

/** A user of company A holding a preset position, and their bearer token. */
async function person(email: string, roleName: string | { id: string }, orgUnitId: string | null) {
  const roleId =
    typeof roleName === 'string' ? await builtinRoleId(db, a.companyId, roleName) : roleName.id
  const res = await asA('POST', '/api/v1/users', {
    email,
    name: email.split('@')[0],
    password: strongPassword,
    orgUnitId,
    roleIds: [roleId],
  })
  if (res.statusCode !== 201) throw new Error(`user: ${res.statusCode} ${res.body}`)
  const token = (await logIn(app, { company: a.slug, email })).json().token as string
  return { id: res.json().id as string, as: call(token) }
}
const nina = await person('nina@a.test', 'Novice agent', t1)
const sam = await person('sam@a.test', 'Senior agent', t1)
const lee = await person('lee@a.test', 'Team lead', t1)
const oscar = await person('oscar@a.test', 'Team lead', t2)
const mia = await person('mia@a.test', 'Marketing', null)
const op = await person('op@a.test', 'Operator', t1)

async function customer(as: typeof asA, body: Record<string, unknown>) {
  const res = await as('POST', '/api/v1/customers', body)
  if (res.statusCode !== 201) throw new Error(`customer: ${res.statusCode} ${res.body}`)
  return res.json() as Record<string, unknown> & { id: string }
}
const c1 = await customer(asA, {
  name: 'Wang Fang',
  phone: '+86 138-1234-5678',
  email: 'Wang.Fang@Example.COM',
  idNumber: '110101199003071234',
  bankCard: '4111 1111 1111 1111',
  region,
  branch,
  orgUnitId: t1,
  level: 'gold',
  tags: ['vip-prospect'],
  ownerId: nina.id,
})
const c2 = await customer(asA, {
  name: 'Ivan Petrov',
  phone: '8 (912) 345-67-89',
  country: 'RU',
  email: 'ivan@example.ru',
  orgUnitId: t1,
  tags: ['churn'],
  ownerId: sam.id,
})
const c3 = await customer(asA, {
  name: 'Olga Smirnova',
  phone: '+7 495 123-45-67',
  orgUnitId: t2,
  ownerId: oscar.id,
  idNumber: '4510123456',
})
const cb = await customer(asB, { name: 'Other Company Customer', phone: '+8613812345678' })

const ids = (res: { json(): { items: { id: string }[] } }) =>
  res
    .json()
    .items.map((c) => c.id)
    .sort()
const sorted = (...xs: string[]) => [...xs].sort()

async function customerRows(companyId: string) {
  const row = await db
    .selectFrom('customers')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', companyId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('customers: create and read', () => {
  it('stores the phone in E.164, the email lower-cased, the card as digits; audited with secrets and contact data masked', async () => {
    expect(c1).toMatchObject({
      phone: '+8613812345678',
      email: 'wang.fang@example.com',
      idNumber: '110101199003071234',
      bankCard: '4111111111111111',
      region,
      branch,
      level: 'gold',
      tags: ['vip-prospect'],
    })
    expect(c1['maskedFields']).toBeUndefined()
    expect(c2['phone']).toBe('+79123456789')
    const events = await auditActions(db, a.companyId)
    const created = events.find((e) => e.action === 'customer.created' && e.target_id === c1.id)
    expect(created?.after).toMatchObject({
      idNumber: '110101********1234',
      bankCard: '************1111',
      phone: '+86*******5678',
      email: 'w********************',
    })
    expect(JSON.stringify(created?.after)).not.toContain('110101199003071234')
    expect(JSON.stringify(created?.after)).not.toContain('13812345678')
  })

  it('answers 404 for another company’s customer, on every route', async () => {
    for (const [method, url, body] of [
      ['GET', `/api/v1/customers/${c1.id}`, undefined],
      ['PATCH', `/api/v1/customers/${c1.id}`, { name: 'x' }],
      ['DELETE', `/api/v1/customers/${c1.id}`, undefined],
      ['POST', `/api/v1/customers/${c1.id}/unmask`, { field: 'idNumber', reason: 'audit' }],
    ] as const) {
      problem(await asB(method, url, body), 404, 'not_found')
    }
    problem(await asA('GET', `/api/v1/customers/${cb.id}`), 404, 'not_found')
    expect(ids(await asB('GET', '/api/v1/customers'))).toEqual([cb.id])
    expect(ids(await asA('GET', '/api/v1/customers'))).not.toContain(cb.id)
  })

  it('refuses a company reference from another company with 404 on its path, writing nothing', async () => {
    const before = await customerRows(a.companyId)
    const bUnit = (await asB('POST', '/api/v1/org-units', { kind: 'team', name: 'B' })).json().id
    const res = problem(
      await asA('POST', '/api/v1/customers', { name: 'X', orgUnitId: bUnit }),
      404,
      'not_found',
    )
    expect(res.errors).toEqual([expect.objectContaining({ path: 'body/orgUnitId' })])
    expect(await customerRows(a.companyId)).toBe(before)
  })

  it('closes the module to a position with no customer rule (403) and the other team (404)', async () => {
    problem(await op.as('GET', '/api/v1/customers'), 403, 'forbidden')
    problem(await op.as('GET', '/api/v1/customers/count'), 403, 'forbidden')
    problem(await op.as('GET', `/api/v1/customers/${c1.id}`), 404, 'not_found')
    // own scope: the novice sees her own customer only; a teammate's is 404
    expect(ids(await nina.as('GET', '/api/v1/customers'))).toEqual([c1.id])
    problem(await nina.as('GET', `/api/v1/customers/${c2.id}`), 404, 'not_found')
    // team scope: the lead sees team one, not team two
    expect(ids(await lee.as('GET', '/api/v1/customers'))).toEqual(sorted(c1.id, c2.id))
    problem(await lee.as('GET', `/api/v1/customers/${c3.id}`), 404, 'not_found')
    expect(ids(await oscar.as('GET', '/api/v1/customers'))).toEqual([c3.id])
    expect((await lee.as('GET', '/api/v1/customers/count')).json()).toEqual({ count: 2 })
  })
})

describe('customers: P4 masks per preset position', () => {
  it('masks ID number and bank card for agents and leads, shows them to the Admin', async () => {
    for (const who of [nina, lee]) {
      const seen = (await who.as('GET', `/api/v1/customers/${c1.id}`)).json()
      expect(seen).toMatchObject({
        phone: '+8613812345678',
        idNumber: '110101********1234',
        bankCard: '************1111',
      })
      expect([...seen.maskedFields].sort()).toEqual(['bankCard', 'idNumber'])
    }
    const admin = (await asA('GET', `/api/v1/customers/${c1.id}`)).json()
    expect(admin.idNumber).toBe('110101199003071234')
    expect(admin.maskedFields).toBeUndefined()
  })

  it('masks phone and email for Marketing and lists with the same masks as a single read', async () => {
    const one = (await mia.as('GET', `/api/v1/customers/${c1.id}`)).json()
    expect(one).toMatchObject({ phone: '+86*******5678', email: 'w********************' })
    expect([...one.maskedFields].sort()).toEqual(['bankCard', 'email', 'idNumber', 'phone'])
    const listed = (await mia.as('GET', '/api/v1/customers')).json().items
    expect(listed.find((c: { id: string }) => c.id === c1.id)).toEqual(one)
  })
})

describe('customers: search and count', () => {
  it('finds a customer by phone in any format, by name, email and tag', async () => {
    for (const q of ['+86 138 1234 5678', '(+86) 138-1234-5678', '0086 13812345678', '138 1234']) {
      const res = await asA('GET', `/api/v1/customers?q=${encodeURIComponent(q)}`)
      expect(ids(res), q).toEqual([c1.id])
    }
    for (const [phone, country] of [
      ['+7 912 345 67 89', ''],
      ['8 (912) 345-67-89', 'RU'],
      ['0079123456789', ''],
    ] as const) {
      const query = `phone=${encodeURIComponent(phone)}${country ? `&country=${country}` : ''}`
      expect(ids(await asA('GET', `/api/v1/customers?${query}`)), phone).toEqual([c2.id])
      expect((await asA('GET', `/api/v1/customers/count?${query}`)).json()).toEqual({ count: 1 })
    }
    expect(ids(await asA('GET', '/api/v1/customers?q=petrov'))).toEqual([c2.id])
    expect(ids(await asA('GET', '/api/v1/customers?q=EXAMPLE.RU'))).toEqual([c2.id])
    expect(ids(await asA('GET', '/api/v1/customers?tag=churn'))).toEqual([c2.id])
    expect((await asA('GET', '/api/v1/customers/count?tag=churn')).json()).toEqual({ count: 1 })
    expect((await asA('GET', '/api/v1/customers/count')).json()).toEqual({ count: 3 })
    problem(await asA('GET', '/api/v1/customers?phone=12'), 400, 'validation_failed')
  })

  it('never finds a customer through a field the caller sees masked (no oracle, S11)', async () => {
    // Marketing sees phones and emails masked: neither a search nor a phone filter reaches them
    expect(ids(await mia.as('GET', '/api/v1/customers?q=13812345678'))).toEqual([])
    expect(ids(await mia.as('GET', '/api/v1/customers?phone=%2B8613812345678'))).toEqual([])
    expect((await mia.as('GET', '/api/v1/customers/count?q=example')).json()).toEqual({ count: 0 })
    // but names and tags are in clear for Marketing
    expect(ids(await mia.as('GET', '/api/v1/customers?q=wang'))).toEqual([c1.id])
    expect(ids(await mia.as('GET', '/api/v1/customers?tag=churn'))).toEqual([c2.id])
  })

  it('pages by cursor over exactly what the count says', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const url: string = `/api/v1/customers?limit=1${cursor ? `&cursor=${cursor}` : ''}`
      const page = (await asA('GET', url)).json()
      expect(page.items.length).toBeLessThanOrEqual(1)
      seen.push(...page.items.map((c: { id: string }) => c.id))
      cursor = page.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual(sorted(c1.id, c2.id, c3.id))
  })
})

describe('customers: writes decided before and after', () => {
  it('lets a novice tag her own customer but not edit it, nor touch a teammate’s', async () => {
    const tagged = await nina.as('PATCH', `/api/v1/customers/${c1.id}`, {
      tags: ['vip-prospect', 'callback'],
    })
    expect(tagged.statusCode).toBe(200)
    expect(tagged.json().tags).toEqual(['vip-prospect', 'callback'])
    problem(await nina.as('PATCH', `/api/v1/customers/${c1.id}`, { name: 'X' }), 403, 'forbidden')
    problem(await nina.as('PATCH', `/api/v1/customers/${c2.id}`, { tags: ['x'] }), 404, 'not_found')
    problem(await nina.as('POST', '/api/v1/customers', { name: 'New' }), 403, 'forbidden')
    const events = await auditActions(db, a.companyId)
    expect(events.filter((e) => e.action === 'customer.updated').at(-1)).toMatchObject({
      actor_user_id: nina.id,
      target_id: c1.id,
    })
  })

  it('refuses a change that would take the customer out of the writer’s reach (a delegation)', async () => {
    // the senior edits her own customers; handing one to someone else needs customer.assign
    const res = problem(
      await sam.as('PATCH', `/api/v1/customers/${c2.id}`, { ownerId: nina.id }),
      403,
      'forbidden',
    )
    expect(res.detail).toMatch(/customer\.assign/)
    // a team-scoped editor (custom role) cannot move a customer to another team
    const role = await asA('POST', '/api/v1/roles', {
      name: 'Team customer editor',
      grants: [{ actions: ['customer.view', 'customer.edit', 'orgUnit.view'], scope: 'team' }],
    })
    expect(role.statusCode).toBe(201)
    const editor = await person('ed@a.test', { id: role.json().id as string }, t1)
    const before = (await asA('GET', `/api/v1/customers/${c2.id}`)).json()
    const refused = problem(
      await editor.as('PATCH', `/api/v1/customers/${c2.id}`, { orgUnitId: t2, name: 'Moved' }),
      403,
      'forbidden',
    )
    expect(refused.errors).toEqual([expect.objectContaining({ path: 'body/orgUnitId' })])
    expect((await asA('GET', `/api/v1/customers/${c2.id}`)).json()).toEqual(before)
    // within the team the same editor may change the name
    const renamed = await editor.as('PATCH', `/api/v1/customers/${c2.id}`, { name: 'Ivan P.' })
    expect(renamed.statusCode).toBe(200)
    expect(renamed.json().name).toBe('Ivan P.')
  })

  it('opens an approval request for a tag change when a rule says so, changing nothing (W3)', async () => {
    const role = await asA('POST', '/api/v1/roles', {
      name: 'Tagging needs approval',
      grants: [
        { actions: ['customer.view'], scope: 'company' },
        { actions: ['customer.tag'], scope: 'company', approvalRequired: true },
      ],
    })
    expect(role.statusCode).toBe(201)
    const tagger = await person('tagger@a.test', { id: role.json().id as string }, null)
    const before = (await asA('GET', `/api/v1/customers/${c3.id}`)).json()
    const asked = await tagger.as('PATCH', `/api/v1/customers/${c3.id}`, { tags: ['hot'] })
    expect(asked.statusCode, asked.body).toBe(202)
    expect(asked.json()).toMatchObject({
      applied: false,
      approvalRequest: { type: 'customerTags', status: 'pending', route: 'admin' },
    })
    expect((await asA('GET', `/api/v1/customers/${c3.id}`)).json()).toEqual(before)
  })

  it('answers 400 problem+json to bad input and writes nothing', async () => {
    const before = await customerRows(a.companyId)
    const bad: [Record<string, unknown>, string][] = [
      [{ name: 'Nul\u0000name' }, 'body/name'],
      [{ name: 'Lone \uD800 surrogate' }, 'body/name'],
      [{ name: 'X', phone: '12345' }, 'body/phone'],
      [{ name: 'X', phone: '138 1234 5678' }, 'body/phone'],
      [{ name: 'X', email: 'not-an-email' }, 'body/email'],
      [{ name: 'X', bankCard: '4111 1111 1111 1112' }, 'body/bankCard'],
      [{ name: 'X', idNumber: 'абв' }, 'body/idNumber'],
      [{ name: 'X', tags: ['a', 'a'] }, 'body/tags'],
      [{ name: 'X', level: 'platinum' }, 'body/level'],
      [{ name: 'X', region: t1 }, 'body/region'],
    ]
    for (const [body, path] of bad) {
      const res = problem(await asA('POST', '/api/v1/customers', body), 400, 'validation_failed')
      expect(JSON.stringify(res.errors), JSON.stringify(body)).toContain(path)
    }
    problem(
      await asA('PATCH', `/api/v1/customers/${c1.id}`, { phone: 'call me' }),
      400,
      'validation_failed',
    )
    expect(await customerRows(a.companyId)).toBe(before)
    expect((await asA('GET', `/api/v1/customers/${c1.id}`)).json().phone).toBe('+8613812345678')
  })
})

describe('customers: unmask (G2)', () => {
  it('needs a reason, returns the clear value once, and is audited without the value', async () => {
    const url = `/api/v1/customers/${c1.id}/unmask`
    const eventsBefore = (await auditActions(db, a.companyId)).length
    problem(await asA('POST', url, { field: 'idNumber' }), 400, 'reason_required')
    problem(await asA('POST', url, { field: 'idNumber', reason: '   ' }), 400, 'reason_required')
    expect((await auditActions(db, a.companyId)).length).toBe(eventsBefore)

    const res = await asA('POST', url, { field: 'idNumber', reason: 'customer asked to verify' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ id: c1.id, field: 'idNumber', value: '110101199003071234' })
    expect(res.headers['cache-control']).toBe('no-store')
    const viaHeader = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${a.token}`, 'x-tessera-reason': 'card dispute' },
      payload: { field: 'bankCard' },
    })
    expect(viaHeader.json().value).toBe('4111111111111111')
    const events = (await auditActions(db, a.companyId)).filter(
      (e) => e.action === 'customer.unmasked',
    )
    expect(events.map((e) => e.after)).toEqual([
      { field: 'idNumber', reason: 'customer asked to verify' },
      { field: 'bankCard', reason: 'card dispute' },
    ])
    expect(JSON.stringify(events)).not.toContain('110101199003071234')
  })

  it('is its own action: viewing a customer does not let one unmask it', async () => {
    const url = `/api/v1/customers/${c1.id}/unmask`
    problem(await nina.as('POST', url, { field: 'idNumber', reason: 'curious' }), 403, 'forbidden')
    problem(await nina.as('POST', url, { field: 'idNumber' }), 403, 'forbidden')
    problem(
      await lee.as('POST', `/api/v1/customers/${c3.id}/unmask`, { field: 'idNumber', reason: 'x' }),
      404,
      'not_found',
    )
    problem(await asA('POST', url, { field: 'name', reason: 'x' }), 400, 'validation_failed')
  })
})

describe('customers: delete', () => {
  it('deletes as a high-risk, audited action; a novice may not', async () => {
    problem(await nina.as('DELETE', `/api/v1/customers/${c1.id}`), 403, 'forbidden')
    const temp = await customer(asA, { name: 'Temporary' })
    expect((await asA('DELETE', `/api/v1/customers/${temp.id}`)).statusCode).toBe(204)
    problem(await asA('GET', `/api/v1/customers/${temp.id}`), 404, 'not_found')
    const events = await auditActions(db, a.companyId)
    expect(events.some((e) => e.action === 'customer.deleted' && e.target_id === temp.id)).toBe(
      true,
    )
  })
})

describe('customers: OpenAPI', () => {
  it('describes every customer route with typed schemas (no untyped value anywhere)', async () => {
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json()
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/customers'))
    expect(paths.sort()).toEqual([
      '/api/v1/customers',
      '/api/v1/customers/count',
      '/api/v1/customers/export',
      '/api/v1/customers/{id}',
      '/api/v1/customers/{id}/complaints',
      '/api/v1/customers/{id}/orders',
      '/api/v1/customers/{id}/shares',
      '/api/v1/customers/{id}/shares/{shareId}',
      '/api/v1/customers/{id}/unmask',
    ])
    const untyped: string[] = []
    let checked = 0
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== 'object') return
      const n = node as Record<string, unknown>
      if ('schema' in n) {
        const check = (s: unknown, p: string): void => {
          const o = s as Record<string, unknown>
          checked++
          if (
            !('type' in o) &&
            !('anyOf' in o) &&
            !('$ref' in o) &&
            !('const' in o) &&
            !('enum' in o)
          )
            untyped.push(p)
          for (const [k, v] of Object.entries((o['properties'] ?? {}) as Record<string, unknown>))
            check(v, `${p}/${k}`)
          if (o['items']) check(o['items'], `${p}/items`)
          for (const [i, v] of ((o['anyOf'] ?? []) as unknown[]).entries()) check(v, `${p}/${i}`)
        }
        check(n['schema'], at)
      }
      for (const [k, v] of Object.entries(n)) if (k !== 'schema') walk(v, `${at}/${k}`)
    }
    for (const p of paths) walk(doc.paths[p], p)
    expect(untyped).toEqual([])
    expect(checked).toBeGreaterThan(50)
    const view =
      doc.paths['/api/v1/customers/{id}'].get.responses['200'].content['application/json'].schema
    expect(Object.keys(view.properties)).toEqual(
      expect.arrayContaining(['phone', 'idNumber', 'bankCard', 'tags', 'maskedFields']),
    )
  })
})
