import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDb, destroyTestDb } from '../../test/helpers.js'
import type { Database } from '../domain/database.js'
import { withCompany } from './with-company.js'

let db: Kysely<Database>

beforeAll(async () => {
  db = await createTestDb()
  for (const id of ['co-a', 'co-b']) {
    await db
      .insertInto('companies')
      .values({ id, slug: id, name: id, time_zone: 'UTC', settings: '{}', created_at: new Date() })
      .execute()
    await db
      .insertInto('org_units')
      .values({ id: `${id}-hq`, company_id: id, parent_id: null, kind: 'region', name: 'HQ' })
      .execute()
  }
})

afterAll(async () => destroyTestDb(db))

describe('withCompany', () => {
  it('runs as the application role with the company set, and both end with the transaction', async () => {
    const inside = await withCompany(db, 'co-a', (trx) =>
      sql<{
        who: string
        company: string
      }>`select current_user as who, current_setting('tessera.company_id') as company`.execute(trx),
    )
    expect(inside.rows[0]).toEqual({ who: 'tessera_app', company: 'co-a' })
    const after = await sql<{ who: string }>`select current_user as who`.execute(db)
    expect(after.rows[0]?.who).not.toBe('tessera_app')
  })

  it('hides company B rows from a query in company A that forgets its company filter', async () => {
    const units = await withCompany(db, 'co-a', (trx) =>
      trx.selectFrom('org_units').select(['id', 'company_id']).execute(),
    )
    expect(units).toEqual([{ id: 'co-a-hq', company_id: 'co-a' }])
    const companies = await withCompany(db, 'co-a', (trx) =>
      trx.selectFrom('companies').select('id').execute(),
    )
    expect(companies).toEqual([{ id: 'co-a' }])
  })

  it('cannot update or delete company B rows from company A', async () => {
    const updated = await withCompany(db, 'co-a', (trx) =>
      trx.updateTable('org_units').set({ name: 'stolen' }).where('id', '=', 'co-b-hq').execute(),
    )
    expect(updated[0]?.numUpdatedRows).toBe(0n)
    const deleted = await withCompany(db, 'co-a', (trx) =>
      trx.deleteFrom('org_units').where('company_id', '=', 'co-b').execute(),
    )
    expect(deleted[0]?.numDeletedRows).toBe(0n)
    const b = await db.selectFrom('org_units').select('name').where('id', '=', 'co-b-hq').execute()
    expect(b).toEqual([{ name: 'HQ' }])
  })

  it('refuses to insert a row for company B inside company A', async () => {
    await expect(
      withCompany(db, 'co-a', (trx) =>
        trx
          .insertInto('org_units')
          .values({ id: 'sneaky', company_id: 'co-b', parent_id: null, kind: 'team', name: 'x' })
          .execute(),
      ),
    ).rejects.toThrow(/row-level security/)
  })

  it('refuses to link a company A row to a company B parent', async () => {
    await expect(
      withCompany(db, 'co-a', (trx) =>
        trx
          .insertInto('org_units')
          .values({
            id: 'a-team',
            company_id: 'co-a',
            parent_id: 'co-b-hq',
            kind: 'team',
            name: 'x',
          })
          .execute(),
      ),
    ).rejects.toThrow(/foreign key/)
  })

  it('sees nothing when no company is set for the application role', async () => {
    const rows = await db.transaction().execute(async (trx) => {
      await sql`set local role tessera_app`.execute(trx)
      return trx.selectFrom('org_units').select('id').execute()
    })
    expect(rows).toEqual([])
  })
})
