import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import { containsPattern } from '../seam/index.js'
import type { Position } from './positions.js'
import type { PositionRow } from './positions.table.js'

type Db = Kysely<Database>

export interface PositionWrite {
  readonly name: string
  readonly description: string
  readonly roleIds: readonly string[]
  readonly groupIds: readonly string[]
}

async function defaultsOf(db: Db, companyId: string, ids: readonly string[]) {
  if (ids.length === 0) return { roles: new Map<string, string[]>(), groups: new Map() }
  const roles = await db
    .selectFrom('position_roles')
    .select(['position_id', 'role_id'])
    .where('company_id', '=', companyId)
    .where('position_id', 'in', [...ids])
    .orderBy('role_id')
    .execute()
  const groups = await db
    .selectFrom('position_groups')
    .select(['position_id', 'group_id'])
    .where('company_id', '=', companyId)
    .where('position_id', 'in', [...ids])
    .orderBy('group_id')
    .execute()
  const by = <K extends string>(rows: ({ position_id: string } & Record<K, string>)[], k: K) => {
    const m = new Map<string, string[]>()
    for (const r of rows) m.set(r.position_id, [...(m.get(r.position_id) ?? []), r[k]])
    return m
  }
  return { roles: by(roles, 'role_id'), groups: by(groups, 'group_id') }
}

async function withDefaults(db: Db, companyId: string, rows: PositionRow[]): Promise<Position[]> {
  const d = await defaultsOf(
    db,
    companyId,
    rows.map((r) => r.id),
  )
  return rows.map((row) => ({
    id: row.id,
    companyId: row.company_id,
    name: row.name,
    description: row.description,
    roleIds: d.roles.get(row.id) ?? [],
    groupIds: (d.groups.get(row.id) as string[] | undefined) ?? [],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }))
}

export async function findPosition(
  db: Db,
  companyId: string,
  id: string,
  lock = false,
): Promise<Position | undefined> {
  let q = db
    .selectFrom('positions')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
  if (lock) q = q.forUpdate()
  const row = await q.executeTakeFirst()
  return row && (await withDefaults(db, companyId, [row]))[0]
}

export async function findPositionByName(
  db: Db,
  companyId: string,
  name: string,
): Promise<Position | undefined> {
  const row = await db
    .selectFrom('positions')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('name', '=', name)
    .executeTakeFirst()
  return row && (await withDefaults(db, companyId, [row]))[0]
}

/** One page by id, `limit + 1` rows (the extra one says there is more). */
export async function listPositions(
  db: Db,
  companyId: string,
  limit: number,
  after?: string,
  search?: string,
): Promise<Position[]> {
  let q = db.selectFrom('positions').selectAll().where('company_id', '=', companyId)
  if (after !== undefined) q = q.where('id', '>', after)
  if (search !== undefined && search !== '') q = q.where('name', 'ilike', containsPattern(search))
  const rows = await q
    .orderBy('id')
    .limit(limit + 1)
    .execute()
  return withDefaults(db, companyId, rows)
}

export async function allPositions(db: Db, companyId: string): Promise<Position[]> {
  const rows = await db
    .selectFrom('positions')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('name')
    .execute()
  return withDefaults(db, companyId, rows)
}

async function writeDefaults(db: Db, companyId: string, id: string, p: PositionWrite) {
  await db
    .deleteFrom('position_roles')
    .where('company_id', '=', companyId)
    .where('position_id', '=', id)
    .execute()
  await db
    .deleteFrom('position_groups')
    .where('company_id', '=', companyId)
    .where('position_id', '=', id)
    .execute()
  if (p.roleIds.length > 0)
    await db
      .insertInto('position_roles')
      .values(p.roleIds.map((r) => ({ company_id: companyId, position_id: id, role_id: r })))
      .execute()
  if (p.groupIds.length > 0)
    await db
      .insertInto('position_groups')
      .values(p.groupIds.map((g) => ({ company_id: companyId, position_id: id, group_id: g })))
      .execute()
}

export async function insertPosition(
  db: Db,
  companyId: string,
  p: PositionWrite,
  now: Date,
): Promise<Position> {
  const id = randomUUID()
  await db
    .insertInto('positions')
    .values({
      id,
      company_id: companyId,
      name: p.name,
      description: p.description,
      created_at: now,
      updated_at: now,
    })
    .execute()
  await writeDefaults(db, companyId, id, p)
  return (await findPosition(db, companyId, id)) as Position
}

export async function updatePosition(
  db: Db,
  companyId: string,
  id: string,
  p: PositionWrite,
  now: Date,
): Promise<Position | undefined> {
  const done = await db
    .updateTable('positions')
    .set({ name: p.name, description: p.description, updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  if (done.numUpdatedRows === 0n) return undefined
  await writeDefaults(db, companyId, id, p)
  return findPosition(db, companyId, id)
}

export async function deletePosition(db: Db, companyId: string, id: string): Promise<void> {
  await db
    .deleteFrom('positions')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .execute()
}

/** How many people hold position `id`. */
export async function countHolders(db: Db, companyId: string, id: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', companyId)
    .where('position_id', '=', id)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
