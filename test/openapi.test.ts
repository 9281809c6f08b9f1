import { describe, expect, it } from 'vitest'
import { bearer, createTestApp, signUp } from './test-app.js'

// Issue 9, item 10: the docs page (/api/docs) teaches the API: every response is named, errors
// are problem+json, every 429 says Retry-After, and every request body has a real example
// (no "string", no additionalProp1) that the route itself accepts.

const { app } = await createTestApp()
const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is read, not typed
type Json = Record<string, any>
const operations: { key: string; method: string; path: string; op: Json }[] = Object.entries(
  doc.paths as Record<string, Record<string, Json>>,
).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => ({
    key: `${method.toUpperCase()} ${path}`,
    method: method.toUpperCase(),
    path,
    op,
  })),
)

/** Every string in a value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(strings)
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
  return []
}

describe('the OpenAPI document', () => {
  it('has routes to describe', () => {
    expect(operations.length).toBeGreaterThan(40)
  })

  it('names every response of every route, with a success among them', () => {
    for (const { key, op } of operations) {
      const responses = Object.entries(op.responses as Record<string, Json>)
      expect(
        responses.some(([s]) => s.startsWith('2')),
        key,
      ).toBe(true)
      for (const [status, response] of responses) {
        expect(response.description, `${key} ${status}`).toMatch(/\w/)
        expect(response.description, `${key} ${status}`).not.toBe('Default Response')
      }
    }
  })

  it('answers every error as application/problem+json with an example, every 429 with Retry-After', () => {
    for (const { key, op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        if (Number(status) < 400) continue
        expect(Object.keys(response.content ?? {}), `${key} ${status}`).toEqual([
          'application/problem+json',
        ])
        const example = response.content['application/problem+json'].example
        expect(example, `${key} ${status}`).toMatchObject({ status: Number(status) })
        if (status === '429') expect(response.headers?.['Retry-After'], key).toBeDefined()
      }
    }
  })

  it('gives every request body a real example: no "string", no additionalProp1', () => {
    const withBody = operations.filter((o) => o.op.requestBody !== undefined)
    expect(withBody.length).toBeGreaterThan(15)
    for (const { key, op } of withBody) {
      const example = op.requestBody.content['application/json']?.example
      expect(example, key).toBeDefined()
      const words = strings(example)
      expect(words, key).not.toContain('string')
      expect(
        words.filter((w) => /^additionalProp\d/.test(w)),
        key,
      ).toEqual([])
    }
  })

  it('gives the policy components (Grant, Condition, …) real examples', () => {
    for (const id of [
      'Grant',
      'Condition',
      'FieldRules',
      'Scope',
      'RoleRestriction',
      'Restriction',
    ])
      expect(doc.components.schemas[id].example, id).toBeDefined()
  })

  it("has request examples each route accepts (its own schema and the engine's policy checks)", async () => {
    const admin = await signUp(app, { companyName: 'Examples Co' })
    const someId = 'c0ffee00-0000-4000-8000-00000000dead'
    for (const { key, method, path, op } of operations) {
      const example = op.requestBody?.content['application/json']?.example
      if (example === undefined) continue
      const res = await app.inject({
        method: method as 'POST',
        url: path
          .replace('{section}', 'reports')
          .replace('{type}', 'dataSupplement')
          .replace(/\{[^}]+\}/g, someId),
        headers: bearer(admin.token),
        payload: example,
      })
      const body = res.statusCode >= 400 ? res.json() : {}
      expect([res.statusCode, body.code, body.errors], key).not.toEqual(
        expect.arrayContaining(['validation_failed']),
      )
      expect(body.code, key).not.toBe('invalid_policy')
      if (
        [
          'POST /api/v1/roles',
          'POST /api/v1/permission-groups',
          'POST /api/v1/org-units',
          'POST /api/v1/projects',
          'POST /api/v1/signup',
        ].includes(key)
      )
        expect(res.statusCode, `${key}: ${res.body}`).toBe(201)
    }
  })
})
