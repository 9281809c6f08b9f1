import { describe, expect, it } from 'vitest'
import { bearer, createTestApp, problem, signUp } from './test-app.js'

const { app } = await createTestApp()
const a = await signUp(app, { companyName: 'Schemas A' })

const send = (method: 'POST' | 'PATCH', url: string, payload: unknown) =>
  app.inject({
    method,
    url,
    headers: { ...bearer(a.token), 'content-type': 'application/json' },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  })

const leaf = { ne: [{ ref: 'resource.status' }, 'closed'] }
/**
 * `levels` nested `not`s around a leaf, as JSON text: built as a string, since JSON.stringify
 * (here and in light-my-request) would itself overflow the stack on the deepest ones.
 */
const nested = (levels: number) =>
  `${'{"not":'.repeat(levels - 1)}${JSON.stringify(leaf)}${'}'.repeat(levels - 1)}`
const grantWith = (when: string) => `{"actions":["ticket.view"],"scope":"team","when":${when}}`
const roleWith = (when: unknown) =>
  `{"name":"Role ${Math.random()}","grants":[${grantWith(
    typeof when === 'string' ? when : JSON.stringify(when),
  )}]}`

describe('grants in the OpenAPI document', () => {
  it('types the grants of roles, groups and /me instead of an untyped {}', async () => {
    const res = await app.inject({ url: '/api/v1/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
    const body = (path: string, method: string) =>
      doc.paths[path][method].requestBody.content['application/json'].schema
    const ok = (path: string, method: string, status = '200') =>
      doc.paths[path][method].responses[status].content['application/json'].schema

    expect(body('/api/v1/roles', 'post').properties.grants.items).toEqual(ref('Grant'))
    expect(body('/api/v1/roles', 'post').properties.restrictions.items).toEqual(
      ref('RoleRestriction'),
    )
    expect(body('/api/v1/roles/{id}', 'patch').properties.grants.items).toEqual(ref('Grant'))
    expect(body('/api/v1/permission-groups', 'post').properties.grants.items).toEqual(ref('Grant'))
    expect(ok('/api/v1/roles/{id}', 'get').properties.grants.items).toEqual(ref('Grant'))
    expect(ok('/api/v1/roles', 'get').properties.items.items.properties.grants.items).toEqual(
      ref('Grant'),
    )
    expect(ok('/api/v1/permission-groups/{id}', 'get').properties.grants.items).toEqual(
      ref('Grant'),
    )
    expect(ok('/api/v1/me', 'get').properties.permissions.items.properties.scopes.items).toEqual(
      ref('Scope'),
    )

    const { Grant, Condition, Scope } = doc.components.schemas
    expect(Grant).toMatchObject({
      type: 'object',
      required: ['actions', 'scope'],
      additionalProperties: false,
      properties: { scope: ref('Scope'), when: ref('Condition'), fields: ref('FieldRules') },
    })
    expect(Object.keys(Condition.properties).sort()).toEqual(
      [
        ...['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'and', 'or', 'not'],
        ...['timeOfDay', 'weekday', 'ipIn'],
      ].sort(),
    )
    expect(Condition).toMatchObject({ minProperties: 1, maxProperties: 1 })
    expect(Condition.properties.and.items).toEqual(ref('Condition'))
    expect(Condition.properties.not).toEqual(ref('Condition'))
    expect(Condition.properties.eq.items).toEqual(ref('Operand'))
    expect(Scope.anyOf).toHaveLength(3)

    // every reference in the document names a component that is there
    const refs = [...res.body.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)]
    for (const [, name] of refs) expect(doc.components.schemas).toHaveProperty([name as string])
  })
})

describe('grants through the API', () => {
  it('returns a role exactly as it was written, every grant field kept', async () => {
    const grant = {
      actions: ['ticket.view', 'ticket.edit'],
      scope: 'team',
      when: {
        and: [
          { in: [{ ref: 'resource.status' }, ['new', 'processing']] },
          { not: { eq: [{ ref: 'resource.assigneeId' }, null] } },
          { or: [{ timeOfDay: { from: '22:00', to: '06:00' } }, { weekday: [6, 7] }] },
          { ipIn: ['10.0.0.0/8'] },
        ],
      },
      fields: { '*': 'read', description: 'edit' },
      limits: { perDay: 5 },
      audit: true,
      reasonRequired: true,
      label: 'night desk',
    }
    const restriction = { id: 'no-delete', actions: ['ticket.delete'], label: 'keep tickets' }
    const created = await send('POST', '/api/v1/roles', {
      name: 'Night desk',
      grants: [grant],
      restrictions: [restriction],
    })
    expect(created.statusCode).toBe(201)
    const read = await app.inject({
      url: `/api/v1/roles/${created.json().id}`,
      headers: bearer(a.token),
    })
    expect(read.json()).toMatchObject({ grants: [grant], restrictions: [restriction] })
  })

  it('refuses a malformed condition at the schema, with its path', async () => {
    const twoOperators = problem(
      await send('POST', '/api/v1/roles', roleWith({ and: [{ eq: [1, 1], ne: [1, 2] }] })),
      400,
      'validation_failed',
    )
    expect(twoOperators.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'body/grants/0/when/and/0' })]),
    )
    const unknown = problem(
      await send('POST', '/api/v1/roles', roleWith({ matches: [1, 2] })),
      400,
      'validation_failed',
    )
    expect(unknown.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'body/grants/0/when/matches' })]),
    )
  })

  it('leaves meaning to the engine, which answers with the path', async () => {
    const res = problem(
      await send('POST', '/api/v1/roles', roleWith({ or: [leaf, { ipIn: ['10.0.0.0/99'] }] })),
      400,
      'validation_failed',
    )
    expect(res.errors).toEqual([
      expect.objectContaining({ path: 'body/grants/0/when/or/1/ipIn/0' }),
    ])
  })
})

describe('condition size', () => {
  it('accepts a condition 32 levels deep', async () => {
    expect((await send('POST', '/api/v1/roles', roleWith(nested(32)))).statusCode).toBe(201)
  })

  it.each([33, 4_500, 100_000])(
    'refuses a condition %i levels deep with 400, never a stack overflow',
    async (levels) => {
      const res = problem(
        await send('POST', '/api/v1/roles', roleWith(nested(levels))),
        400,
        'validation_failed',
      )
      expect(res.errors).toEqual([
        {
          path: `body/grants/0/when${'/not'.repeat(32)}`,
          message: 'conditions nest at most 32 levels deep',
        },
      ])
    },
  )

  it('refuses a condition of more than 256 operators', async () => {
    const res = problem(
      await send(
        'POST',
        '/api/v1/roles',
        roleWith({ or: Array.from({ length: 300 }, () => leaf) }),
      ),
      400,
      'validation_failed',
    )
    expect(res.errors).toEqual([
      { path: 'body/grants/0/when', message: 'a condition holds at most 256 operators' },
    ])
  })

  it('bounds every place a condition enters: role changes, restrictions, groups', async () => {
    const role = await send('POST', '/api/v1/roles', roleWith(leaf))
    const deep = nested(4_500)
    for (const [method, url, payload, path] of [
      [
        'PATCH',
        `/api/v1/roles/${role.json().id}`,
        `{"grants":[${grantWith(deep)}]}`,
        'body/grants/0/when',
      ],
      [
        'POST',
        '/api/v1/roles',
        `{"name":"Restricted","grants":[],"restrictions":[{"id":"r","actions":["ticket.view"],"when":${deep}}]}`,
        'body/restrictions/0/when',
      ],
      [
        'POST',
        '/api/v1/permission-groups',
        `{"name":"Deep","grants":[${grantWith(deep)}]}`,
        'body/grants/0/when',
      ],
    ] as const) {
      const res = problem(await send(method, url, payload), 400, 'validation_failed')
      expect(res.errors).toEqual([
        { path: `${path}${'/not'.repeat(32)}`, message: 'conditions nest at most 32 levels deep' },
      ])
    }
  })
})
