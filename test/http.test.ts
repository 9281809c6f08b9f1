import { describe, expect, it } from 'vitest'
import { createTestApp, problem } from './test-app.js'

const { app } = await createTestApp()

describe('HTTP basics', () => {
  it('GET /healthz answers ok once the database answers', async () => {
    const res = await app.inject({ url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })

  it('answers with its own request id, whatever x-request-id the client sent (S22)', async () => {
    const given = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } })
    expect(given.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    const made = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id\n' } })
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers an unknown route with 404 problem+json', async () => {
    problem(await app.inject({ url: '/api/v1/nothing-here' }), 404, 'not_found')
  })

  it('serves the OpenAPI document with every route and the docs page', async () => {
    const res = await app.inject({ url: '/api/v1/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/api/v1/signup',
        '/api/v1/auth/login',
        '/api/v1/auth/logout',
        '/api/v1/auth/sessions',
        '/api/v1/auth/sessions/{id}',
        '/api/v1/audit',
        '/api/v1/audit/verify',
      ]),
    )
    expect(
      doc.paths['/api/v1/signup'].post.requestBody.content['application/json'].schema,
    ).toMatchObject({
      additionalProperties: false,
    })
    const page = await app.inject({ url: '/api/docs/' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/html/)
  })
})

describe('logs', () => {
  it('carry request ids but no password, token or cookie', async () => {
    const lines: string[] = []
    const logged = await createTestApp({
      logger: { level: 'trace', stream: { write: (line: string) => lines.push(line) } },
    })
    const signup = await logged.app.inject({
      method: 'POST',
      url: '/api/v1/signup',
      headers: { 'x-request-id': 'trace-me' },
      payload: {
        companyName: 'Log Co',
        name: 'Lou',
        email: 'lou@log.test',
        password: 'Very-Secret-Pass-9',
      },
    })
    const token = signup.json().token as string
    await logged.app.inject({
      url: '/api/v1/auth/sessions',
      headers: { authorization: `Bearer ${token}`, cookie: `tessera_session=${token}` },
    })
    const text = lines.join('')
    expect(text).toContain('"clientRequestId":"trace-me"')
    expect(text).not.toContain('Very-Secret-Pass-9')
    expect(text).not.toContain(token)
  })
})
