import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDb, destroyTestDb } from '../../test/helpers.js'
import { loadTestDatabaseUrl } from '../config.js'
import type { Database } from '../domain/database.js'
import { keptIfAnswered } from './savepoint.js'

// db/savepoint.ts on the backend the suite runs on (PGlite by default, PostgreSQL with
// TESSERA_TEST_DATABASE_URL); the row locks on PostgreSQL, from a second connection.

let db: Kysely<Database>
const probe = sql.table('savepoint_probe')
beforeAll(async () => {
  db = await createTestDb()
  await sql`create table ${probe} (id int primary key, note text not null default '')`.execute(db)
  await sql`insert into ${probe} (id) values (1), (2)`.execute(db)
})
afterAll(() => destroyTestDb(db))

const note = async (id: number) =>
  (await sql<{ note: string }>`select note from ${probe} where id = ${id}`.execute(db)).rows[0]
    ?.note

describe('keptIfAnswered', () => {
  it('keeps what an answering try wrote, undoes what a try answering undefined wrote', async () => {
    const answers = await db.transaction().execute(async (trx) => {
      const kept = await keptIfAnswered(trx, async () => {
        await sql`update ${probe} set note = 'kept' where id = 1`.execute(trx)
        return 'yes'
      })
      const undone = await keptIfAnswered(trx, async () => {
        await sql`update ${probe} set note = 'undone' where id = 2`.execute(trx)
        return undefined
      })
      // the transaction goes on after either
      await sql`update ${probe} set note = note || '+' where id = 1`.execute(trx)
      return [kept, undone]
    })
    expect(answers).toEqual(['yes', undefined])
    expect([await note(1), await note(2)]).toEqual(['kept+', ''])
  })

  it.skipIf(loadTestDatabaseUrl() === undefined)(
    'releases the row lock of a try answering undefined, keeps that of one answering (PostgreSQL)',
    async () => {
      const lockedElsewhere = async (id: number) => {
        try {
          await db.transaction().execute(async (other) => {
            await sql`select id from ${probe} where id = ${id} for update nowait`.execute(other)
          })
          return false
        } catch (error) {
          expect((error as { code?: string }).code).toBe('55P03') // lock_not_available
          return true
        }
      }
      await db.transaction().execute(async (trx) => {
        const lock = (id: number) =>
          sql`select id from ${probe} where id = ${id} for update`.execute(trx)
        await keptIfAnswered(trx, async () => {
          await lock(1)
          return undefined
        })
        expect(await lockedElsewhere(1)).toBe(false)
        await keptIfAnswered(trx, async () => {
          await lock(2)
          return 'taken'
        })
        expect(await lockedElsewhere(2)).toBe(true)
      })
      expect(await lockedElsewhere(2)).toBe(false) // until the transaction ended
    },
  )
})
