import type { PGlite } from '@electric-sql/pglite'
import type { Kysely } from 'kysely'
import pg from 'pg'

/** Where a database handle's notifications come from; createDb() registers each handle. */
type Source = { kind: 'postgres'; connectionString: string } | { kind: 'pglite'; pglite: PGlite }

const sources = new WeakMap<object, Source>()

export function registerNotificationSource<DB>(db: Kysely<DB>, source: Source): void {
  sources.set(db, source)
}

export interface Listener {
  close(): Promise<void>
}

export interface ListenHandlers {
  /** A NOTIFY on the channel, after the transaction that sent it committed. */
  notice(payload: string): void
  /**
   * Notices may have been missed (the listening connection dropped and came back): whatever
   * they would have kept fresh should be dropped.
   */
  gap?(): void
  /** A connection problem, for the log; the listener keeps trying. */
  error?(error: unknown): void
}

const RECONNECT_MS = 1_000

/**
 * Listens to one channel of the database behind `db`. On PostgreSQL, a dedicated connection
 * (outside the pool) runs LISTEN and comes back after a drop, reporting the gap. On PGlite,
 * which is one process, PGlite's own in-process listener delivers the same NOTIFYs. A handle
 * createDb() did not open listens to nothing.
 */
export async function listen<DB>(
  db: Kysely<DB>,
  channel: string,
  handlers: ListenHandlers,
): Promise<Listener> {
  const source = sources.get(db)
  if (source === undefined) return { close: async () => {} }
  if (source.kind === 'pglite') {
    const unlisten = await source.pglite.listen(channel, handlers.notice)
    return { close: () => unlisten() }
  }
  return listenPostgres(source.connectionString, channel, handlers)
}

async function listenPostgres(
  connectionString: string,
  channel: string,
  handlers: ListenHandlers,
): Promise<Listener> {
  let closed = false
  let client: pg.Client | undefined
  let timer: NodeJS.Timeout | undefined

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString })
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) {
        handlers.notice(message.payload)
      }
    })
    next.on('error', (error) => {
      handlers.error?.(error)
      lost(next)
    })
    next.on('end', () => lost(next))
    await next.connect()
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    if (closed) {
      await next.end().catch(() => {})
      return
    }
    client = next
  }

  const lost = (which: pg.Client) => {
    if (closed || client !== which) return
    client = undefined
    handlers.gap?.()
    retry()
  }

  const retry = () => {
    if (closed || timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      connect().then(
        () => handlers.gap?.(),
        (error: unknown) => {
          handlers.error?.(error)
          retry()
        },
      )
    }, RECONNECT_MS)
    timer.unref()
  }

  await connect()
  return {
    async close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      const current = client
      client = undefined
      await current?.end().catch(() => {})
    },
  }
}
