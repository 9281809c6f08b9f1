import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from 'vitest'
import { builtinRoleId, caller } from './fixtures.js'
import { addUser, bearer, createTestApp, problem, signUp, strongPassword } from './test-app.js'

// Issue 7, HTTP-level findings: S9 (NUL and lone surrogates), S18 (leap seconds), S22 (request
// ids in the audit trail), S25 (security headers, undecodable paths, non-UTF-8 bodies).

const { app, db } = await createTestApp()
const co = await signUp(app, { companyName: 'Hardening Co' })
const asAdmin = caller(app)(co.token)
const operatorRole = await builtinRoleId(db, co.companyId, 'Operator')

/** A JSON body sent as written, so it can hold escapes (`\ud800`) a JS object would not keep. */
const rawJson = (method: 'POST' | 'PATCH', url: string, body: string, token?: string) =>
  app.inject({
    method,
    url,
    headers: { 'content-type': 'application/json', ...(token && bearer(token)) },
    payload: body,
  })

/** The 400 validation_failed answer, with the path of each refused field. */
function refused(res: LightMyRequestResponse) {
  const body = problem(res, 400, 'validation_failed')
  return (body.errors as { path: string; message: string }[]).map((e) => e.path)
}

const nulCursor = Buffer.from(JSON.stringify({ after: 'a\u0000b' })).toString('base64url')

describe('S9: a NUL byte or a lone surrogate answers 400 with the field, never 500', () => {
  it.each([
    ['a search', '/api/v1/users?q=a%00b', 'querystring/q'],
    ['an audit filter', '/api/v1/audit?action=user%00created', 'querystring/action'],
    ['a path parameter', '/api/v1/users/a%00b', 'params/id'],
    ['a raw cursor', '/api/v1/org-units?cursor=a%00b', 'querystring/cursor'],
    ['a cursor that decodes to NUL', `/api/v1/users?cursor=${nulCursor}`, 'querystring/cursor'],
  ])('in %s', async (_, url, path) => {
    expect(refused(await asAdmin('GET', url))).toEqual([path])
  })

  it('in a JSON body, nested, with its JSON pointer', async () => {
    const res = await asAdmin('POST', '/api/v1/roles', {
      name: 'Reader',
      grants: [{ actions: ['user.view'], scope: 'company', label: 'a\u0000b' }],
    })
    expect(refused(res)).toEqual(['body/grants/0/label'])
  })

  it('in a JSON object key', async () => {
    const res = await asAdmin('POST', '/api/v1/roles', {
      name: 'Reader',
      grants: [{ actions: ['user.view'], scope: 'company', when: { 'a\u0000': 1 } }],
    })
    expect(refused(res)).toEqual(['body/grants/0/when/a\\u0000'])
  })

  it('as a lone surrogate in JSON-stored fields', async () => {
    const label = await rawJson(
      'POST',
      '/api/v1/roles',
      '{"name":"Reader","grants":[{"actions":["user.view"],"scope":"company","label":"x\\ud800"}]}',
      co.token,
    )
    expect(refused(label)).toEqual(['body/grants/0/label'])
    const name = await rawJson(
      'POST',
      '/api/v1/roles',
      '{"name":"Reader\\udc00","grants":[{"actions":["user.view"],"scope":"company"}]}',
      co.token,
    )
    expect(refused(name)).toEqual(['body/name'])
    // A well-formed pair is ordinary text.
    const pair = await rawJson(
      'POST',
      '/api/v1/roles',
      '{"name":"Reader \\ud83d\\ude00","grants":[{"actions":["user.view"],"scope":"company"}]}',
      co.token,
    )
    expect(pair.statusCode).toBe(201)
    expect(pair.json().name).toBe('Reader \u{1F600}')
  })

  it('in a header the server stores (user-agent at login)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'user-agent': 'curl\u0000evil' },
      payload: { company: co.slug, email: co.email, password: strongPassword },
    })
    expect(refused(res)).toEqual(['headers/user-agent'])
  })

  it('at sign-up, unauthenticated', async () => {
    const nul = await app.inject({
      method: 'POST',
      url: '/api/v1/signup',
      payload: {
        companyName: 'Null\u0000 Co',
        name: 'N',
        email: 'nul@example.com',
        password: strongPassword,
      },
    })
    expect(refused(nul)).toEqual(['body/companyName'])
    const surrogate = await rawJson(
      'POST',
      '/api/v1/signup',
      `{"companyName":"Lone \\ud800 Co","name":"N","email":"lone@example.com","password":"${strongPassword}"}`,
    )
    expect(refused(surrogate)).toEqual(['body/companyName'])
    expect(await db.selectFrom('companies').select('id').execute()).toHaveLength(1)
  })

  it('at login, answering alike whether or not the account exists', async () => {
    await addUser(db, co.companyId, { email: 'known@example.com' })
    const login = (email: string, password = strongPassword) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { company: co.slug, email, password },
      })
    const known = await login('known\u0000@example.com')
    const unknown = await login('nobody\u0000@example.com')
    expect(refused(known)).toEqual(['body/email'])
    expect(unknown.body).toBe(known.body)
    const knownPassword = await login('known@example.com', `${strongPassword}\u0000`)
    const unknownPassword = await login('nobody@example.com', `${strongPassword}\u0000`)
    expect(refused(knownPassword)).toEqual(['body/password'])
    expect(unknownPassword.body).toBe(knownPassword.body)
    const company = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { company: `${co.slug}\u0000`, email: 'known@example.com', password: 'x' },
    })
    expect(refused(company)).toEqual(['body/company'])
    // The account is untouched: no failure counted, the right password still works.
    expect((await login('known@example.com')).statusCode).toBe(200)
  })
})

describe('S18: a leap second (…T23:59:60Z) in a date-time field answers 400, not 500', () => {
  it('in the audit filters', async () => {
    const from = await asAdmin('GET', '/api/v1/audit?from=2026-12-31T23:59:60Z')
    expect(refused(from)).toEqual(['querystring/from'])
    const to = await asAdmin('GET', '/api/v1/audit?to=2016-12-31T23:59:60.5%2B00:00')
    expect(refused(to)).toEqual(['querystring/to'])
    expect((await asAdmin('GET', '/api/v1/audit?from=2026-12-31T23:59:59Z')).statusCode).toBe(200)
  })

  it('in an API key expiry', async () => {
    const res = await asAdmin('POST', '/api/v1/api-keys', {
      name: 'Leap',
      roleId: operatorRole,
      expiresAt: '2026-12-31T23:59:60Z',
    })
    // A union (date-time or null): each branch reports on the same field.
    expect(new Set(refused(res))).toEqual(new Set(['body/expiresAt']))
  })

  it('for any date-time JavaScript cannot read (RFC 9557 suffixes too)', async () => {
    const res = await asAdmin('GET', '/api/v1/audit?from=2026-01-01T00:00:00Z%5BEurope%2FParis%5D')
    expect(refused(res)).toEqual(['querystring/from'])
  })
})

describe("S22: the audit trail keeps the server's request id", () => {
  it("records a client's x-request-id separately, never as the request id", async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'x-request-id': 'client-chosen-42' },
      payload: { company: co.slug, email: co.email, password: strongPassword },
    })
    expect(res.statusCode).toBe(200)
    const serverId = String(res.headers['x-request-id'])
    expect(serverId).toMatch(/^[0-9a-f-]{36}$/)
    const [event] = (
      await asAdmin('GET', '/api/v1/audit?action=auth.login_succeeded&limit=1')
    ).json().items as { requestId: string; clientRequestId: string | null }[]
    expect(event).toMatchObject({ requestId: serverId, clientRequestId: 'client-chosen-42' })
    expect((await asAdmin('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: true })
  })

  it("never lets a client reuse another request's id", async () => {
    const first = await asAdmin('POST', '/api/v1/org-units', { kind: 'department', name: 'First' })
    const id = String(first.headers['x-request-id'])
    const second = await app.inject({
      method: 'POST',
      url: '/api/v1/org-units',
      headers: { ...bearer(co.token), 'x-request-id': id },
      payload: { kind: 'department', name: 'Second' },
    })
    expect(second.statusCode).toBe(201)
    const items = (await asAdmin('GET', '/api/v1/audit?action=org_unit.created&limit=2')).json()
      .items as { requestId: string; clientRequestId: string | null }[]
    expect(items.map((e) => e.requestId)).toEqual([second.headers['x-request-id'], id])
    expect(new Set(items.map((e) => e.requestId)).size).toBe(2)
    expect(items[0]?.clientRequestId).toBe(id)
    expect(items[1]?.clientRequestId).toBeNull()
  })

  it('ignores a malformed client id', async () => {
    const res = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id\n' } })
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })
})

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

function expectSecurityHeaders(res: { headers: Record<string, unknown> }) {
  expect(res.headers).toMatchObject(securityHeaders)
  const csp = String(res.headers['content-security-policy'])
  for (const directive of [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ]) {
    expect(csp).toContain(directive)
  }
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/)
}

/**
 * The app behind a socket that says it is TLS, as it is behind an HTTPS listener: light-my-request
 * cannot mark a request encrypted, so this routes real HTTP requests through app.routing().
 */
async function overTls(path: string): Promise<Headers> {
  const server = createServer((req: IncomingMessage, res) => {
    Object.defineProperty(req.socket, 'encrypted', { value: true })
    app.routing(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = server.address() as AddressInfo
    const res = await fetch(`http://127.0.0.1:${port}${path}`)
    await res.arrayBuffer()
    return res.headers
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

describe('S25: security headers, undecodable paths, non-UTF-8 bodies', () => {
  it('sends CSP, nosniff, frame and referrer policies on answers, errors and the docs page', async () => {
    expectSecurityHeaders(await app.inject({ url: '/healthz' }))
    expectSecurityHeaders(await asAdmin('GET', '/api/v1/users'))
    expectSecurityHeaders(await app.inject({ url: '/api/v1/nothing-here' }))
    expectSecurityHeaders(await app.inject({ url: '/api/v1/me' }))
    expectSecurityHeaders(await app.inject({ url: '/api/docs/' }))
  })

  it('sends HSTS only over TLS', async () => {
    expect((await app.inject({ url: '/healthz' })).headers['strict-transport-security']).toBe(
      undefined,
    )
    const tls = await overTls('/healthz')
    expect(tls.get('strict-transport-security')).toMatch(/^max-age=\d{7,}/)
    expect(tls.get('x-frame-options')).toBe('DENY')
  })

  it('answers an undecodable path with 400 problem+json', async () => {
    const res = await app.inject({ url: '/api/v1/users/%E0%A4%A', headers: bearer(co.token) })
    expect(refused(res)).toEqual(['url'])
    expectSecurityHeaders(res)
  })

  it('answers an over-long path parameter with 400 problem+json', async () => {
    const res = await asAdmin('GET', `/api/v1/users/${'a'.repeat(1200)}`)
    expect(refused(res)).toEqual(['url'])
  })

  it.each(['utf-16', 'UTF-16LE', 'iso-8859-1', 'us-ascii'])(
    'refuses a body with charset=%s with 415',
    async (charset) => {
      const body = { company: co.slug, email: co.email, password: strongPassword }
      const text = JSON.stringify(body)
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': `application/json; charset=${charset}` },
        payload: charset.toLowerCase().startsWith('utf-16') ? Buffer.from(text, 'utf16le') : text,
      })
      problem(res, 415, 'unsupported_media_type')
    },
  )

  it('takes JSON declared as UTF-8, however spelled', async () => {
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset="UTF-8"',
      'application/json; charset=utf8',
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': type },
        payload: JSON.stringify({ company: co.slug, email: co.email, password: strongPassword }),
      })
      expect(res.statusCode, type).toBe(200)
    }
  })
})
