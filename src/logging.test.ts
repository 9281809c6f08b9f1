import { spawnSync } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { batchedLines } from './logging.js'

afterEach(() => {
  vi.useRealTimers()
})

const line = (level: number, msg: string) => `${JSON.stringify({ level, time: 1, msg })}\n`

describe('batchedLines: request logs written in batches', () => {
  it('holds lines, then writes them whole and in order once maxDelayMs has passed', () => {
    vi.useFakeTimers()
    const writes: string[] = []
    const lines = batchedLines({ write: (t) => writes.push(t) }, { maxDelayMs: 200 })
    lines.write(line(30, 'a'))
    lines.write(line(30, 'b'))
    expect(writes).toEqual([])
    vi.advanceTimersByTime(199)
    expect(writes).toEqual([])
    vi.advanceTimersByTime(1)
    expect(writes).toEqual([line(30, 'a') + line(30, 'b')])
    lines.write(line(30, 'c'))
    vi.advanceTimersByTime(200)
    expect(writes).toEqual([line(30, 'a') + line(30, 'b'), line(30, 'c')])
    lines.close()
  })

  it('writes as soon as maxBytes have gathered', () => {
    vi.useFakeTimers()
    const writes: string[] = []
    const one = line(30, 'x'.repeat(60))
    const lines = batchedLines(
      { write: (t) => writes.push(t) },
      { maxBytes: one.length * 3, maxDelayMs: 10_000 },
    )
    lines.write(one)
    lines.write(one)
    expect(writes).toEqual([])
    lines.write(one)
    expect(writes).toEqual([one.repeat(3)])
    lines.close()
  })

  it('writes an error or fatal line at once, with everything held before it', () => {
    vi.useFakeTimers()
    const writes: string[] = []
    const lines = batchedLines({ write: (t) => writes.push(t) }, { maxDelayMs: 10_000 })
    lines.write(line(30, 'before'))
    lines.write(line(40, 'a warning waits'))
    expect(writes).toEqual([])
    lines.write(line(50, 'request errored'))
    expect(writes).toEqual([
      line(30, 'before') + line(40, 'a warning waits') + line(50, 'request errored'),
    ])
    lines.write(line(60, 'fatal'))
    expect(writes.at(-1)).toBe(line(60, 'fatal'))
    lines.close()
  })

  it('flush() and close() write what is held; nothing is written twice', () => {
    const writes: string[] = []
    const lines = batchedLines({ write: (t) => writes.push(t) })
    lines.flush()
    expect(writes).toEqual([])
    lines.write(line(30, 'a'))
    lines.flush()
    lines.write(line(30, 'b'))
    lines.close()
    lines.flush()
    expect(writes).toEqual([line(30, 'a'), line(30, 'b')])
  })

  it('a process that exits (process.exit, as the server does on SIGTERM) writes what it held', () => {
    const here = dirname(fileURLToPath(import.meta.url))
    const script = `
      import { batchedLines } from ${JSON.stringify(resolve(here, 'logging.ts'))}
      const lines = batchedLines(process.stdout, { maxDelayMs: 60_000 })
      for (let i = 0; i < 1000; i++) lines.write(JSON.stringify({ level: 30, i }) + '\\n')
      process.exit(0)
    `
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        cwd: resolve(here, '..'),
      },
    )
    expect(run.stderr).toBe('')
    const out = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number })
    expect(out.map((o) => o.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
  })
})
