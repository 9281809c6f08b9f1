import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/http/app.js'
import { auditActions, createTestApp, signUp, testSecretKey } from './test-app.js'

// One database, four servers: as deployed directly, behind any proxy, a known one, one hop.
const { app: direct, db, clock } = await createTestApp()
const behindProxy = await buildApp({
  config: loadConfig({ TRUST_PROXY: 'true' }),
  db,
  clock,
  secretKey: testSecretKey,
})
const behindKnownProxy = await buildApp({
  config: loadConfig({ TRUST_PROXY: '10.0.0.0/8' }),
  db,
  clock,
  secretKey: testSecretKey,
})
const behindOneHop = await buildApp({
  config: loadConfig({ TRUST_PROXY: '1' }),
  db,
  clock,
  secretKey: testSecretKey,
})
const co = await signUp(direct, { companyName: 'Proxy Co' })

const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' }

async function loginVia(app: typeof direct, remoteAddress: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: forwarded,
    remoteAddress,
    payload: { company: co.slug, email: co.email, password: 'Correct-Horse-42' },
  })
  expect(res.statusCode).toBe(200)
  const cookies = [res.headers['set-cookie']].flat().map(String)
  const last = (await auditActions(db, co.companyId)).at(-1)
  return { res, cookies, ip: last?.ip }
}

describe('S20: TRUST_PROXY', () => {
  it('parses true, a hop count and a list of addresses; refuses anything else at load', () => {
    expect(loadConfig({}).trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false)
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true)
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16' }).trustProxy).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
    ])
    expect(() => loadConfig({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/)
  })

  it('ignores X-Forwarded-* when unset: no Secure cookie, no HSTS, the peer address audited', async () => {
    const { res, cookies, ip } = await loginVia(direct, '10.0.0.2')
    expect(cookies.length).toBeGreaterThan(0)
    for (const c of cookies) expect(c).not.toMatch(/;\s*Secure/i)
    expect(res.headers['strict-transport-security']).toBeUndefined()
    expect(ip).toBe('10.0.0.2')
  })

  it('behind a trusted proxy takes protocol and client address from it: Secure cookies, HSTS', async () => {
    const { res, cookies, ip } = await loginVia(behindProxy, '10.0.0.2')
    expect(cookies.length).toBeGreaterThan(0)
    for (const c of cookies) expect(c).toMatch(/;\s*Secure/i)
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/)
    expect(ip).toBe('203.0.113.9')
  })

  it('trusts as many hops as TRUST_PROXY counts', async () => {
    const { cookies, ip } = await loginVia(behindOneHop, '10.0.0.2')
    expect(ip).toBe('203.0.113.9')
    for (const c of cookies) expect(c).toMatch(/;\s*Secure/i)
  })

  it('trusts only the listed proxies', async () => {
    const known = await loginVia(behindKnownProxy, '10.0.0.2')
    expect(known.ip).toBe('203.0.113.9')
    for (const c of known.cookies) expect(c).toMatch(/;\s*Secure/i)
    const stranger = await loginVia(behindKnownProxy, '192.0.2.7')
    expect(stranger.ip).toBe('192.0.2.7')
    for (const c of stranger.cookies) expect(c).not.toMatch(/;\s*Secure/i)
    expect(stranger.res.headers['strict-transport-security']).toBeUndefined()
  })
})

// createTestApp closes `direct` and the database; the others are this file's own.
afterAll(async () => {
  await behindProxy.close()
  await behindKnownProxy.close()
  await behindOneHop.close()
})
