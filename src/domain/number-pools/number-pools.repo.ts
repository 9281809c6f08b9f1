// The number pool tables, private to this module: only number-pools.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely, Updateable } from 'kysely'
import type { Database } from '../database.js'
import type { NumberPool, NumberPoolInput, PoolNumber } from './number-pools.js'
import type { NumberPoolRow, NumberPoolsTable } from './number-pools.table.js'

type Db = Kysely<Database>

export function numberPoolRowToPool(row: NumberPoolRow): NumberPool {
  return {
    id: row.id,
    companyId: row.company_id,
    name: row.name,
    userId: row.user_id,
    orgUnitId: row.org_unit_id,
    projectId: row.project_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function columnsOf(input: NumberPoolInput): Updateable<NumberPoolsTable> {
  return {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.userId !== undefined && { user_id: input.userId }),
    ...(input.orgUnitId !== undefined && { org_unit_id: input.orgUnitId }),
    ...(input.projectId !== undefined && { project_id: input.projectId }),
  }
}

export async function insertPool(
  db: Db,
  companyId: string,
  input: NumberPoolInput & { name: string },
  now: Date,
): Promise<NumberPool> {
  const row = await db
    .insertInto('number_pools')
    .values({
      id: randomUUID(),
      company_id: companyId,
      ...columnsOf(input),
      name: input.name,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return numberPoolRowToPool(row)
}

export async function updatePoolRow(
  db: Db,
  companyId: string,
  id: string,
  input: NumberPoolInput,
  now: Date,
): Promise<NumberPool | undefined> {
  const row = await db
    .updateTable('number_pools')
    .set({ ...columnsOf(input), updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && numberPoolRowToPool(row)
}

export async function deletePoolRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('number_pools')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return Number(res.numDeletedRows) > 0
}

const toNumber = (r: {
  id: string
  pool_id: string
  phone: string
  added_by: string | null
  created_at: Date
}): PoolNumber => ({
  id: r.id,
  poolId: r.pool_id,
  phone: r.phone,
  addedBy: r.added_by,
  createdAt: r.created_at,
})

export async function insertPoolNumber(
  db: Db,
  companyId: string,
  poolId: string,
  phone: string,
  addedBy: string,
  now: Date,
): Promise<PoolNumber> {
  const row = await db
    .insertInto('pool_numbers')
    .values({
      id: randomUUID(),
      company_id: companyId,
      pool_id: poolId,
      phone,
      added_by: addedBy,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toNumber(row)
}

export async function listPoolNumberRows(
  db: Db,
  companyId: string,
  poolId: string,
  after: string | undefined,
  limit: number,
): Promise<PoolNumber[]> {
  let q = db
    .selectFrom('pool_numbers')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('pool_id', '=', poolId)
  if (after !== undefined) q = q.where('id', '>', after)
  return (await q.orderBy('id').limit(limit).execute()).map(toNumber)
}

/** Which of `phones` the pool holds already. */
export async function phonesInPool(
  db: Db,
  companyId: string,
  poolId: string,
  phones: readonly string[],
): Promise<string[]> {
  if (phones.length === 0) return []
  const rows = await db
    .selectFrom('pool_numbers')
    .select('phone')
    .where('company_id', '=', companyId)
    .where('pool_id', '=', poolId)
    .where('phone', 'in', [...phones])
    .execute()
  return rows.map((r) => r.phone)
}

export async function deletePoolNumberRow(
  db: Db,
  companyId: string,
  poolId: string,
  id: string,
): Promise<PoolNumber | undefined> {
  const row = await db
    .deleteFrom('pool_numbers')
    .where('company_id', '=', companyId)
    .where('pool_id', '=', poolId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && toNumber(row)
}

/**
 * The pools of the company holding `phone` that are assigned to this person, their team or one
 * of their projects (P11), in id order: the candidates a dial may use.
 */
export async function assignedPoolsWith(
  db: Db,
  companyId: string,
  phone: string,
  who: { userId: string; orgUnitId: string | null; projectIds: readonly string[] },
): Promise<NumberPoolRow[]> {
  return db
    .selectFrom('number_pools')
    .selectAll('number_pools')
    .where('number_pools.company_id', '=', companyId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('pool_numbers')
          .select('pool_numbers.id')
          .whereRef('pool_numbers.company_id', '=', 'number_pools.company_id')
          .whereRef('pool_numbers.pool_id', '=', 'number_pools.id')
          .where('pool_numbers.phone', '=', phone),
      ),
    )
    .where((eb) =>
      eb.or([
        eb('number_pools.user_id', '=', who.userId),
        ...(who.orgUnitId === null ? [] : [eb('number_pools.org_unit_id', '=', who.orgUnitId)]),
        ...(who.projectIds.length === 0
          ? []
          : [eb('number_pools.project_id', 'in', [...who.projectIds])]),
      ]),
    )
    .orderBy('number_pools.id')
    .execute()
}
