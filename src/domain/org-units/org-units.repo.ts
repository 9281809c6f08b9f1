import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Plan } from '../../authz/index.js'
import { authzFilter, type ColumnMap } from '../../db/index.js'
import type { Database } from '../database.js'
import type { OrgUnit, OrgUnitKind, OrgUnitPatch } from './org-units.js'
import type { OrgUnitRow } from './org-units.table.js'

type Db = Kysely<Database>

export async function insertOrgUnit(
  db: Db,
  companyId: string,
  unit: { parentId: string | null; kind: OrgUnitKind; name: string; key?: string | undefined },
  now: Date,
): Promise<OrgUnit> {
  const row = await db
    .insertInto('org_units')
    .values({
      id: randomUUID(),
      company_id: companyId,
      parent_id: unit.parentId,
      kind: unit.kind,
      name: unit.name,
      ...(unit.key !== undefined && { key: unit.key }),
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return orgUnitRowToOrgUnit(row)
}

export async function findOrgUnit(db: Db, companyId: string, id: string) {
  const row = await db
    .selectFrom('org_units')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && orgUnitRowToOrgUnit(row)
}

/** P3: the unit and all its descendants (recursive CTE), root first, then by depth. */
export async function listSubtreeIds(db: Db, companyId: string, rootId: string) {
  const rows = await db
    .withRecursive('subtree(id, depth)', (qb) =>
      qb
        .selectFrom('org_units')
        .select(['id', (eb) => eb.lit(0).as('depth')])
        .where('company_id', '=', companyId)
        .where('id', '=', rootId)
        .unionAll((qb2) =>
          qb2
            .selectFrom('org_units as child')
            .innerJoin('subtree', 'subtree.id', 'child.parent_id')
            .select(['child.id', (eb) => eb('subtree.depth', '+', 1).as('depth')])
            .where('child.company_id', '=', companyId),
        ),
    )
    .selectFrom('subtree')
    .select('id')
    .orderBy('depth')
    .orderBy('id')
    .execute()
  return rows.map((r) => r.id)
}

/**
 * P3: the unit and its descendants that `plan` lets the caller see, with their depth below the
 * root, root first, then by depth and id. A hidden unit in the middle hides only itself.
 */
export async function listSubtree(
  db: Db,
  companyId: string,
  rootId: string,
  plan: Plan,
  columns: ColumnMap,
) {
  const rows = await db
    .withRecursive('subtree(id, depth)', (qb) =>
      qb
        .selectFrom('org_units')
        .select(['id', (eb) => eb.lit(0).as('depth')])
        .where('company_id', '=', companyId)
        .where('id', '=', rootId)
        .unionAll((qb2) =>
          qb2
            .selectFrom('org_units as child')
            .innerJoin('subtree', 'subtree.id', 'child.parent_id')
            .select(['child.id', (eb) => eb('subtree.depth', '+', 1).as('depth')])
            .where('child.company_id', '=', companyId),
        ),
    )
    .selectFrom('org_units')
    .innerJoin('subtree', 'subtree.id', 'org_units.id')
    .selectAll('org_units')
    .select('subtree.depth')
    .where((eb) =>
      authzFilter(eb, plan, {
        companyId,
        columns,
        companyColumn: 'org_units.company_id',
      }),
    )
    .orderBy('subtree.depth')
    .orderBy('org_units.id')
    .execute()
  return rows
}

export async function hasChildUnits(db: Db, companyId: string, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('org_units')
    .select('id')
    .where('company_id', '=', companyId)
    .where('parent_id', '=', id)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** Moves a unit; the caller checks the new parent is not inside the unit's own subtree. */
export async function updateOrgUnit(
  db: Db,
  companyId: string,
  id: string,
  patch: OrgUnitPatch,
): Promise<OrgUnit | undefined> {
  const row = await db
    .updateTable('org_units')
    .set({
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.kind !== undefined && { kind: patch.kind }),
      ...(patch.parentId !== undefined && { parent_id: patch.parentId }),
      ...(patch.key !== undefined && { key: patch.key }),
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && orgUnitRowToOrgUnit(row)
}

export async function deleteOrgUnit(db: Db, companyId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('org_units')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return result.numDeletedRows > 0n
}

export function orgUnitRowToOrgUnit(row: OrgUnitRow): OrgUnit {
  return {
    id: row.id,
    companyId: row.company_id,
    parentId: row.parent_id,
    kind: row.kind,
    name: row.name,
    key: row.key,
    createdAt: row.created_at,
  }
}
