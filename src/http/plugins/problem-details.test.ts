import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors.js'
import { installProblemDetails } from './problem-details.js'

async function appThrowing(error: unknown) {
  const app = Fastify({ logger: false })
  installProblemDetails(app)
  app.get('/boom', async () => {
    throw error
  })
  await app.ready()
  return app
}

describe('problem details', () => {
  it('renders an AppError with its registry status, title and code', async () => {
    const app = await appThrowing(new AppError('conflict', 'already there'))
    const res = await app.inject({ url: '/boom' })
    expect(res.statusCode).toBe(409)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toEqual({
      type: 'urn:tessera:problem:conflict',
      title: 'Conflict',
      status: 409,
      detail: 'already there',
      code: 'conflict',
    })
  })

  it('answers an unknown error with a bare 500 that leaks nothing', async () => {
    const app = await appThrowing(new Error('password=hunter2 in relation users'))
    const res = await app.inject({ url: '/boom' })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toMatchObject({ code: 'internal', detail: 'internal error' })
    expect(res.body).not.toContain('hunter2')
  })
})
