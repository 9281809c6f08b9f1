/**
 * Preloaded (`node --import tsx --import bench/http-probe.ts src/main.ts`) into the server of
 * bench/http.ts's probe pass only, never into the server whose throughput is measured.
 *
 * Both backends reach the database through node-postgres's Client (PGlite through its
 * node-postgres adapter), so wrapping `pg.Client.prototype.query` sees every round trip. It
 * counts them, adds up the time from each call to its answer (for PGlite that is the embedded
 * engine running on the server's own thread; for PostgreSQL, loopback plus the backend), and
 * keeps a count per statement (its first words). On SIGUSR2 it writes the running totals to
 * stderr as one line `tessera-probe {json}`; bench/http.ts diffs two of them.
 */
import { performance } from 'node:perf_hooks'
import pg from 'pg'

let queries = 0
let dbMs = 0
const statements = new Map<string, number>()

function statementOf(args: unknown[]): string {
  const first = args[0]
  const text =
    typeof first === 'string'
      ? first
      : typeof first === 'object' && first !== null && 'text' in first
        ? String((first as { text: unknown }).text)
        : '?'
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 80 ? `${flat.slice(0, 80)}…` : flat
}

type Query = (...args: unknown[]) => unknown
const proto = pg.Client.prototype as unknown as { query: Query }
const original = proto.query

proto.query = function (this: unknown, ...args: unknown[]): unknown {
  queries += 1
  const key = statementOf(args)
  statements.set(key, (statements.get(key) ?? 0) + 1)
  const started = performance.now()
  const result = original.apply(this, args)
  if (result !== null && typeof result === 'object' && 'then' in result) {
    const done = () => {
      dbMs += performance.now() - started
    }
    ;(result as Promise<unknown>).then(done, done)
  }
  return result
}

process.on('SIGUSR2', () => {
  const line = JSON.stringify({ queries, dbMs, statements: Object.fromEntries(statements) })
  process.stderr.write(`tessera-probe ${line}\n`)
})
