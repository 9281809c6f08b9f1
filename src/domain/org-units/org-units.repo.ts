import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../db/index.js'
import type { OrgUnit, OrgUnitKind } from './org-units.js'
import type { OrgUnitRow } from './org-units.table.js'

type Db = Kysely<Database>

export async function insertOrgUnit(
  db: Db,
  companyId: string,
  unit: { parentId: string | null; kind: OrgUnitKind; name: string },
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

export async function listOrgUnits(db: Db, companyId: string): Promise<OrgUnit[]> {
  const rows = await db
    .selectFrom('org_units')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('name')
    .orderBy('id')
    .execute()
  return rows.map(orgUnitRowToOrgUnit)
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

/** Moves a unit; the caller checks the new parent is not inside the unit's own subtree. */
export async function updateOrgUnit(
  db: Db,
  companyId: string,
  id: string,
  patch: { name?: string; parentId?: string | null },
): Promise<OrgUnit | undefined> {
  const row = await db
    .updateTable('org_units')
    .set({
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.parentId !== undefined && { parent_id: patch.parentId }),
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
    createdAt: row.created_at,
  }
}
