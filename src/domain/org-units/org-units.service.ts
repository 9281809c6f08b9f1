import { AppError } from '../../errors.js'
import { authorize } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { OrgUnit, OrgUnitKind } from './org-units.js'
import {
  findOrgUnit,
  insertOrgUnit,
  listOrgUnits as listOrgUnitRows,
  listSubtreeIds,
  updateOrgUnit as updateOrgUnitRow,
} from './org-units.repo.js'

async function existingUnit(tx: TenantCtx, id: string, path?: string): Promise<OrgUnit> {
  const unit = await findOrgUnit(tx.db, tx.actor.companyId, id)
  if (unit === undefined) {
    throw new AppError(
      'not_found',
      'no such org unit',
      path ? { errors: [{ path, message: 'no such org unit' }] } : {},
    )
  }
  return unit
}

export async function createOrgUnit(
  ctx: Ctx,
  input: { parentId: string | null; kind: OrgUnitKind; name: string },
): Promise<OrgUnit> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'orgUnit.create')
    if (input.parentId !== null) await existingUnit(tx, input.parentId, 'body/parentId')
    const unit = await insertOrgUnit(tx.db, tx.actor.companyId, input, tx.now)
    await recordAudit(tx, {
      action: 'org_unit.created',
      targetType: 'org_unit',
      targetId: unit.id,
      after: unit,
    })
    return unit
  })
}

export async function listOrgUnits(ctx: Ctx): Promise<OrgUnit[]> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'orgUnit.view')
    return listOrgUnitRows(tx.db, tx.actor.companyId)
  })
}

/** P3: the ids of a unit and everything under it. */
export async function orgUnitSubtree(ctx: Ctx, id: string): Promise<string[]> {
  return inCompany(ctx, async (tx) => {
    await existingUnit(tx, id)
    await authorize(tx, 'orgUnit.view', { type: 'orgUnit', id })
    return listSubtreeIds(tx.db, tx.actor.companyId, id)
  })
}

/** Renames and/or moves a unit; never under itself or one of its descendants. */
export async function updateOrgUnit(
  ctx: Ctx,
  id: string,
  patch: { name?: string; parentId?: string | null },
): Promise<OrgUnit> {
  return inCompany(ctx, async (tx) => {
    const before = await existingUnit(tx, id)
    await authorize(tx, 'orgUnit.edit', { type: 'orgUnit', id })
    if (patch.parentId !== undefined && patch.parentId !== null) {
      await existingUnit(tx, patch.parentId, 'body/parentId')
      const subtree = await listSubtreeIds(tx.db, tx.actor.companyId, id)
      if (subtree.includes(patch.parentId)) {
        throw new AppError('conflict', 'an org unit cannot move under itself or its descendants')
      }
    }
    const after = await updateOrgUnitRow(tx.db, tx.actor.companyId, id, patch)
    if (after === undefined) throw new AppError('not_found', 'no such org unit')
    await recordAudit(tx, {
      action: 'org_unit.updated',
      targetType: 'org_unit',
      targetId: id,
      before,
      after,
    })
    return after
  })
}
