import { describe, expect, it } from 'vitest'
import { prettyLine } from '../src/logging.js'
import { createTestApp } from './test-app.js'

// Issue 9, item 11: one log line per request (JSON off a terminal, readable on one), and no
// Fastify deprecation warning at start.

const warnings: Error[] = []
const onWarning = (w: Error) => warnings.push(w)
process.on('warning', onWarning)
const lines: string[] = []
const { app } = await createTestApp({
  logger: { stream: { write: (line: string) => void lines.push(line) } },
})
await new Promise((done) => setImmediate(done))
process.off('warning', onWarning)

describe('request logs', () => {
  it('writes one JSON line per request, with method, url, status and time; no warning at start', async () => {
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([])

    lines.length = 0
    await app.inject({ method: 'GET', url: '/healthz' })
    await app.inject({ method: 'GET', url: '/api/v1/me' })
    const entries = lines.map((l) => JSON.parse(l))
    const requests = entries.filter((e) => e.req !== undefined || e.res !== undefined)
    expect(requests).toHaveLength(2)
    expect(requests[0]).toMatchObject({
      msg: 'request',
      req: { method: 'GET', url: '/healthz' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      reqId: expect.any(String),
    })
    expect(requests[1]).toMatchObject({ req: { url: '/api/v1/me' }, res: { statusCode: 401 } })
  })

  it('reads as one short line on a terminal', () => {
    const time = new Date(2026, 10, 23, 14, 5, 9).getTime()
    const line = JSON.stringify({
      level: 30,
      time,
      pid: 1,
      hostname: 'h',
      reqId: 'r1',
      req: { method: 'GET', url: '/api/v1/me' },
      res: { statusCode: 200 },
      responseTime: 3.1,
      msg: 'request',
    })
    expect(prettyLine(line)).toBe('14:05:09 INFO  GET /api/v1/me 200 3.1 ms')
    expect(
      prettyLine(JSON.stringify({ level: 40, time, msg: 'policy change notices', x: 1 })),
    ).toBe('14:05:09 WARN  policy change notices {"x":1}')
    expect(prettyLine('not json')).toBe('not json')
  })
})
