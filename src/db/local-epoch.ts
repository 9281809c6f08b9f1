import type { Kysely } from 'kysely'

/**
 * The comment that opens a statement which changes nothing and calls nothing that could (a
 * plain SELECT of columns): sent, it does not move the epoch. Only for a single statement.
 */
export const READS_ONLY = '/* reads only */'

/**
 * Embedded PGlite only (issue 8 point 4): the database is this process's alone (one PGlite, one
 * session, its data folder locked by db/data-dir-lock.ts), so whatever changes it is a statement
 * this process sends through its one connection. The epoch counts those statements (BEGIN,
 * COMMIT, ROLLBACK, savepoints and every statement but those marked READS_ONLY), counted before
 * each is sent; a transaction that rolled back, or was run again (db/retry.ts), moved it as much
 * as one that committed.
 *
 * `keep` answers a value read under the epoch for as long as the epoch has not moved since the
 * read began: nothing at all was sent in between, so the value read is still what a new read
 * would answer. The read itself must be READS_ONLY. No time passes into it: what changes with
 * the clock alone (a grant's end) must not be kept here.
 */
export class LocalEpoch {
  #value = 0
  readonly #kept = new Map<string, { readonly value: unknown; readonly at: number }>()
  readonly #max: number

  constructor(options: { max?: number } = {}) {
    this.#max = Math.max(1, options.max ?? 10_000)
  }

  /** How many statements have moved the epoch. */
  get value(): number {
    return this.#value
  }

  /** Called by the connection just before it sends `text` (db/deferred-begin.ts). */
  sent(text: string): void {
    if (!readsOnly(text)) this.#value += 1
  }

  /** `read()`'s answer under `key`, read again only when the epoch moved since the last read. */
  async keep<V>(key: string, read: () => Promise<V | undefined>): Promise<V | undefined> {
    // taken before the read: a statement sent while the read waits for the connection moves the
    // epoch past it, so what this read answers is never kept beyond that statement
    const at = this.#value
    const hit = this.#kept.get(key)
    if (hit !== undefined && hit.at === at) return hit.value as V
    const value = await read()
    this.#kept.delete(key)
    if (value !== undefined) {
      this.#kept.set(key, { value, at })
      if (this.#kept.size > this.#max) {
        const oldest = this.#kept.keys().next().value
        if (oldest !== undefined) this.#kept.delete(oldest)
      }
    }
    return value
  }
}

function readsOnly(text: string): boolean {
  return text.startsWith(READS_ONLY) && !text.includes(';')
}

const epochs = new WeakMap<object, LocalEpoch>()

/** createDb() registers the epoch of each PGlite handle; PostgreSQL handles have none. */
export function registerLocalEpoch<DB>(db: Kysely<DB>, epoch: LocalEpoch): void {
  epochs.set(db, epoch)
}

/** The epoch of an embedded database handle, undefined on PostgreSQL (several processes). */
export function localEpochOf<DB>(db: Kysely<DB>): LocalEpoch | undefined {
  return epochs.get(db)
}
