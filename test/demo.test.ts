import { describe, expect, it } from 'vitest'
import { demoPassword, seedDemo } from '../src/demo.js'
import { bearer, createTestApp, logIn } from './test-app.js'

const { app, db } = await createTestApp()

describe('npm run demo', () => {
  it('creates a company with one login per preset position, each with its default role (R2, R8)', async () => {
    const demo = await seedDemo(db, new Date('2026-11-23T09:30:00Z'))
    expect(demo.logins.length).toBe(13)
    const again = await seedDemo(db, new Date('2026-11-23T09:30:00Z'))
    expect(again.slug).toBe(demo.slug)
    const login = await logIn(app, {
      company: demo.slug,
      email: 'qa-inspector@demo.test',
      password: demoPassword,
    })
    expect(login.statusCode).toBe(200)
    const me = (
      await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(login.json().token) })
    ).json()
    expect(me.roles.map((r: { name: string }) => r.name)).toEqual(['QA inspector'])
    expect(me.permissions.map((p: { action: string }) => p.action)).toContain('qaEvaluation.create')
    expect(me.permissions.map((p: { action: string }) => p.action)).not.toContain('call.dial')
  })
})
