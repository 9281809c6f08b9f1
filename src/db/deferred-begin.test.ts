import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestDb, destroyTestDb } from '../../test/helpers.js'
import type { Database } from '../domain/database.js'
import { beginStatement } from './deferred-begin.js'
import { isPlain, plainLiteral } from './literal.js'
import { withCompany } from './with-company.js'

// db/deferred-begin.ts on the backend the suite runs on (PGlite by default, PostgreSQL with
// TESSERA_TEST_DATABASE_URL): both reach the database through node-postgres's Client, so
// wrapping Client#query counts every round trip.

type Query = (...args: unknown[]) => unknown
const proto = pg.Client.prototype as unknown as { query: Query }
const original = proto.query
afterEach(() => {
  proto.query = original
})

/** The texts sent to the database while `fn` runs, one per round trip, and fn's result. */
async function roundTrips<T>(fn: () => Promise<T>): Promise<{ sent: string[]; result: T }> {
  const sent: string[] = []
  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    const first = args[0]
    sent.push(typeof first === 'string' ? first.replace(/\s+/g, ' ').trim() : '?')
    return original.apply(this, args)
  }
  try {
    const result = await fn()
    return { sent, result }
  } finally {
    proto.query = original
  }
}

let db: Kysely<Database>

beforeAll(async () => {
  db = await createTestDb()
  await sql`create table deferred_probe (id int primary key, note text not null)`.execute(db)
})

afterAll(async () => destroyTestDb(db))

const count = async () =>
  Number(
    (await sql<{ n: number }>`select count(*)::int as n from deferred_probe`.execute(db)).rows[0]
      ?.n,
  )

describe('BEGIN travels with the first parameter-free statement', () => {
  it('sends BEGIN and that statement in one round trip, and answers its rows', async () => {
    const { sent, result } = await roundTrips(() =>
      db.transaction().execute(async (trx) => {
        const first = await sql<{ n: number }>`select 41 + 1 as n`.execute(trx)
        const second = await sql<{ n: number }>`select ${7}::int as n`.execute(trx)
        return [first.rows, second.rows]
      }),
    )
    expect(result).toEqual([[{ n: 42 }], [{ n: 7 }]])
    expect(sent).toEqual(['begin; select 41 + 1 as n', 'select $1::int as n', 'commit'])
  })

  it('sends BEGIN alone when the first statement has parameters (no change then)', async () => {
    const { sent, result } = await roundTrips(() =>
      db.transaction().execute(async (trx) => {
        return (await sql<{ n: number }>`select ${5}::int as n`.execute(trx)).rows
      }),
    )
    expect(result).toEqual([{ n: 5 }])
    expect(sent).toEqual(['begin', 'select $1::int as n', 'commit'])
  })

  it('statements started together keep their order, BEGIN first, when it goes alone', async () => {
    const { sent, result } = await roundTrips(() =>
      db.transaction().execute(async (trx) => {
        const [a, b, c] = await Promise.all([
          sql<{ n: number }>`select ${1}::int as n`.execute(trx),
          sql<{ n: number }>`select 2 as n`.execute(trx),
          sql<{ n: number }>`select ${3}::int + 0 as n`.execute(trx),
        ])
        return [a.rows, b.rows, c.rows]
      }),
    )
    expect(result).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]])
    expect(sent).toEqual([
      'begin',
      'select $1::int as n',
      'select 2 as n',
      'select $1::int + 0 as n',
      'commit',
    ])
  })

  it('statements started together keep their order when BEGIN rides with the first', async () => {
    const { sent } = await roundTrips(() =>
      db.transaction().execute(async (trx) => {
        await Promise.all([
          sql`select 1 as n`.execute(trx),
          sql`select ${2}::int as n`.execute(trx),
          sql`select 3 as n`.execute(trx),
        ])
      }),
    )
    expect(sent).toEqual(['begin; select 1 as n', 'select $1::int as n', 'select 3 as n', 'commit'])
  })

  it('is one real transaction: every statement sees the same transaction id', async () => {
    const { sent, result } = await roundTrips(() =>
      db.transaction().execute(async (trx) => {
        const a = await sql<{ x: string }>`select txid_current()::text as x`.execute(trx)
        const b = await sql<{ x: string }>`select txid_current()::text as x where ${1} = 1`.execute(
          trx,
        )
        return [a.rows[0]?.x, b.rows[0]?.x]
      }),
    )
    expect(sent).toHaveLength(3)
    expect(result[0]).toBeDefined()
    expect(result[0]).toBe(result[1])
  })

  it('counts affected rows of a merged write, and a rollback undoes it', async () => {
    const before = await count()
    const { sent } = await roundTrips(async () => {
      const trx = await db.startTransaction().execute()
      const inserted = await sql`insert into deferred_probe values (1, 'one'), (2, 'two')`.execute(
        trx,
      )
      expect(inserted.numAffectedRows).toBe(2n)
      const seen = await sql<{ n: number }>`select count(*)::int as n from deferred_probe`.execute(
        trx,
      )
      expect(seen.rows[0]?.n).toBe(before + 2)
      await trx.rollback().execute()
    })
    expect(sent[0]).toBe(`begin; insert into deferred_probe values (1, 'one'), (2, 'two')`)
    expect(sent.at(-1)).toBe('rollback')
    expect(await count()).toBe(before)
  })

  it('commits a merged write', async () => {
    await db.transaction().execute(async (trx) => {
      await sql`insert into deferred_probe values (10, 'kept')`.execute(trx)
    })
    const rows = await sql<{ note: string }>`select note from deferred_probe where id = 10`.execute(
      db,
    )
    expect(rows.rows).toEqual([{ note: 'kept' }])
  })

  it('a failing merged statement: the error reaches the caller, the transaction is rolled back, the connection is clean', async () => {
    const before = await count()
    const { sent } = await roundTrips(async () => {
      await expect(
        db.transaction().execute(async (trx) => {
          await sql`select 1 / 0`.execute(trx)
        }),
      ).rejects.toThrow(/division by zero/)
    })
    expect(sent).toEqual(['begin; select 1 / 0', 'rollback'])
    // the next transaction on the pool (PGlite: the same one connection) is not left aborted
    const after = await db.transaction().execute(async (trx) => {
      await sql`insert into deferred_probe values (20, 'after')`.execute(trx)
      return (await sql<{ n: number }>`select count(*)::int as n from deferred_probe`.execute(trx))
        .rows[0]?.n
    })
    expect(after).toBe(before + 1)
  })

  it('a failure after a merged write leaves nothing written', async () => {
    const before = await count()
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`insert into deferred_probe values (30, 'lost')`.execute(trx)
        await sql`insert into deferred_probe values (${30}, ${'duplicate'})`.execute(trx)
      }),
    ).rejects.toThrow(/duplicate key/)
    expect(await count()).toBe(before)
  })

  it('a failure in the merged round trip after BEGIN leaves the connection usable outside transactions', async () => {
    const trx = await db.startTransaction().execute()
    await expect(sql`select * from no_such_table`.execute(trx)).rejects.toThrow(/no_such_table/)
    // aborted, as if BEGIN had been sent alone
    await expect(sql`select 1`.execute(trx)).rejects.toThrow(/aborted/)
    await trx.rollback().execute()
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }])
  })

  it('a transaction that runs no statement sends nothing, committed or rolled back', async () => {
    const { sent, result } = await roundTrips(async () => {
      const committed = await db.transaction().execute(async () => 42)
      const trx = await db.startTransaction().execute()
      await trx.rollback().execute()
      const again = await db.startTransaction().execute()
      await again.commit().execute()
      return committed
    })
    expect(result).toBe(42)
    expect(sent).toEqual([])
    // and the connection is not left with a BEGIN owed: the next statement outside runs alone
    const { sent: outside } = await roundTrips(() => sql`select 2`.execute(db))
    expect(outside).toEqual(['select 2'])
  })

  it('a callback that throws before any statement sends nothing and rethrows', async () => {
    const { sent } = await roundTrips(async () => {
      await expect(
        db.transaction().execute(async () => {
          throw new Error('refused before the database')
        }),
      ).rejects.toThrow('refused before the database')
    })
    expect(sent).toEqual([])
  })

  it('keeps the isolation level and access mode of the transaction', async () => {
    const settings = sql<{
      level: string
      ro: string
    }>`select current_setting('transaction_isolation') as level, current_setting('transaction_read_only') as ro`
    const { sent, result } = await roundTrips(() =>
      db
        .transaction()
        .setIsolationLevel('serializable')
        .setAccessMode('read only')
        .execute(async (trx) => (await settings.execute(trx)).rows[0]),
    )
    expect(result).toEqual({ level: 'serializable', ro: 'on' })
    expect(sent[0]).toMatch(/^start transaction isolation level serializable read only; select/)
    await expect(
      db
        .transaction()
        .setAccessMode('read only')
        .execute(async (trx) => {
          await sql`insert into deferred_probe values (40, 'read only')`.execute(trx)
        }),
    ).rejects.toThrow(/read-only/)
    expect(beginStatement({})).toBe('begin')
    expect(beginStatement({ isolationLevel: 'repeatable read' })).toBe(
      'start transaction isolation level repeatable read',
    )
  })

  it('savepoints work as the first statement and later', async () => {
    const before = await count()
    const { sent } = await roundTrips(async () => {
      const trx = await db.startTransaction().execute()
      const sp = await trx.savepoint('first').execute()
      await sql`insert into deferred_probe values (50, 'undone')`.execute(sp)
      const back = await sp.rollbackToSavepoint('first').execute()
      await sql`insert into deferred_probe values (51, 'kept')`.execute(back)
      await back.commit().execute()
    })
    expect(sent[0]).toBe('begin; savepoint "first"')
    expect(sent).toContain('rollback to savepoint "first"')
    expect(await count()).toBe(before + 1)
    const kept = await sql<{
      id: number
    }>`select id from deferred_probe where id in (50, 51)`.execute(db)
    expect(kept.rows).toEqual([{ id: 51 }])
  })

  it('a statement text holding several statements answers as node-postgres does for it alone', async () => {
    const { sent, result } = await roundTrips(() =>
      db.transaction().execute(async (trx) => {
        const several = await sql`select 1 as a; select 2 as b`.execute(trx)
        const one = await sql<{ c: number }>`select 3 as c`.execute(trx)
        return [several.rows, one.rows]
      }),
    )
    expect(sent[0]).toBe('begin; select 1 as a; select 2 as b')
    expect(result).toEqual([[], [{ c: 3 }]])
  })

  it('outside a transaction every statement is its own round trip, as before', async () => {
    const { sent } = await roundTrips(async () => {
      await sql`select 1`.execute(db)
      await sql`select ${1}::int`.execute(db)
    })
    expect(sent).toEqual(['select 1', 'select $1::int'])
  })
})

describe('withCompany binds the company in the round trip of BEGIN', () => {
  beforeAll(async () => {
    for (const id of ['co-plain', "co'quoted"]) {
      await db
        .insertInto('companies')
        .values({
          id,
          slug: id === 'co-plain' ? 'co-plain' : 'co-quoted',
          name: id,
          time_zone: 'UTC',
          settings: '{}',
        })
        .execute()
    }
  })

  it('a plain company id is written inline: one round trip for BEGIN and the binding', async () => {
    const { sent, result } = await roundTrips(() =>
      withCompany(
        db,
        'co-plain',
        async (trx) =>
          (
            await sql<{
              who: string
              company: string
            }>`select current_user as who, current_setting('tessera.company_id') as company`.execute(
              trx,
            )
          ).rows[0],
      ),
    )
    expect(result).toEqual({ who: 'tessera_app', company: 'co-plain' })
    expect(sent[0]).toBe(
      "begin; select set_config('tessera.company_id', 'co-plain', true), set_config('role', 'tessera_app', true)",
    )
    expect(sent).toHaveLength(3)
  })

  it('any other id stays a parameter, and is bound exactly (no quoting games)', async () => {
    const { sent, result } = await roundTrips(() =>
      withCompany(
        db,
        "co'quoted",
        async (trx) =>
          (
            await sql<{
              company: string
            }>`select current_setting('tessera.company_id') as company`.execute(trx)
          ).rows[0],
      ),
    )
    expect(result).toEqual({ company: "co'quoted" })
    expect(sent[0]).toBe('begin')
    expect(sent[1]).toContain('$1')
  })

  it('plain means letters, digits, - and _ only', () => {
    for (const ok of ['0b6a3c1e-4f5d-4a8e-9c1d-2e3f4a5b6c7d', 'co_a', 'tessera_app']) {
      expect(isPlain(ok)).toBe(true)
    }
    for (const no of ["a'b", 'a\\b', 'a b', '', 'a;b', 'a\u0000', 'é', 'x'.repeat(129), '$1']) {
      expect(isPlain(no)).toBe(false)
    }
    const compiled = sql`select ${plainLiteral("it's")}, ${plainLiteral('ok')}`.compile(db)
    expect(compiled.sql).toBe("select $1, 'ok'")
    expect(compiled.parameters).toEqual(["it's"])
  })
})
