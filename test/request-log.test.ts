import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/http/app.js'
import { createTestDb, destroyTestDb } from './helpers.js'
import { createTestClock, testSecretKey } from './test-app.js'

const db = await createTestDb()
afterAll(() => destroyTestDb(db))

// Issue 8 point 4: request logs are configurable (LOG_REQUESTS, LOG_LEVEL) so that writing them
// does not dominate a request's cost; one line per logged request.

function logSink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  return { stream, lines }
}

async function requestLines(env: Record<string, string>, requests: number) {
  const sink = logSink()
  const app = await buildApp({
    config: loadConfig(env),
    db,
    clock: createTestClock(),
    secretKey: testSecretKey,
    logger: { level: 'info', stream: sink.stream },
  })
  try {
    for (let i = 0; i < requests; i++) await app.inject({ method: 'GET', url: '/healthz' })
  } finally {
    await app.close()
  }
  return sink.lines().filter((l) => l['msg'] === 'request')
}

describe('request logs', () => {
  it('all (the default): one line per request, with status and time', async () => {
    const lines = await requestLines({}, 3)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatchObject({
      req: { method: 'GET', url: '/healthz' },
      res: { statusCode: 200 },
    })
    expect(typeof lines[0]?.['responseTime']).toBe('number')
  })

  it('none: no request lines', async () => {
    expect(await requestLines({ LOG_REQUESTS: 'none' }, 3)).toHaveLength(0)
  })

  it('a fraction keeps about that share', async () => {
    const lines = await requestLines({ LOG_REQUESTS: '0.1' }, 200)
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.length).toBeLessThan(100)
  })

  it('refuses a bad setting at start', () => {
    expect(() => loadConfig({ LOG_REQUESTS: 'some' })).toThrow(/LOG_REQUESTS/)
    expect(() => loadConfig({ LOG_REQUESTS: '2' })).toThrow(/LOG_REQUESTS/)
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/)
    expect(loadConfig({ LOG_LEVEL: 'WARN', LOG_REQUESTS: '0.25' })).toMatchObject({
      logLevel: 'warn',
      requestLogRate: 0.25,
    })
  })
})
