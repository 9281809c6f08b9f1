import type { AttrOf, Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import {
  authorize,
  bumpPolicyVersion,
  decisionFor,
  listPlan,
  policyChanged,
} from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { assertOrgUnitMove } from '../roles/index.js'
import type { Page, PageRequest } from '../page.js'
import { defineResource } from '../seam/index.js'
import type { OrgUnit, OrgUnitKind, OrgUnitPatch } from './org-units.js'
import {
  deleteOrgUnit as deleteOrgUnitRow,
  findOrgUnit,
  hasChildUnits,
  insertOrgUnit,
  listSubtree,
  orgUnitRowToOrgUnit,
  listSubtreeIds,
  updateOrgUnit as updateOrgUnitRow,
} from './org-units.repo.js'

// The org-unit catalog entry has no fields, so there is nothing to project: a unit the caller
// may view is shown whole. The tree is part of the compiled policy (subtree scopes), so every
// create, move and delete bumps the company's policy version in the same transaction.

/** The org units read seam (catalog attributes: id, parentId, kind). */
export const orgUnitRecords = defineResource({
  type: 'orgUnit',
  table: 'org_units',
  toItem: orgUnitRowToOrgUnit,
  columns: { id: 'id', parentId: 'parent_id', kind: 'kind' },
  search: { name: 'name' },
})

/** A unit as the engine sees it: the same attributes the seam reads from its row. */
export function orgUnitResource(unit: Pick<OrgUnit, 'id' | 'parentId' | 'kind'>): Resource {
  const attrs: Record<AttrOf<'orgUnit'>, string | null> = {
    id: unit.id,
    parentId: unit.parentId,
    kind: unit.kind,
  }
  return { type: 'orgUnit', id: unit.id, attrs }
}

/**
 * Where a unit would sit: under `parent` (a unit's scope attribute is its own id, so placing
 * under a unit is acting on that unit), or at the root, which only company-wide rules reach.
 */
function placement(parent: OrgUnit | null): Resource {
  return parent === null
    ? { type: 'orgUnit', attrs: { id: null, parentId: null, kind: null } }
    : orgUnitResource(parent)
}

const noSuchUnit = (path?: string) =>
  new AppError(
    'not_found',
    'no such org unit',
    path ? { errors: [{ path, message: 'no such org unit' }] } : {},
  )

/**
 * A unit named in a write (parent, a user's unit): it must exist in the caller's company and be
 * visible to the caller; otherwise 404 with `path`, exactly as for an id that never existed.
 */
export async function visibleOrgUnit(tx: TenantCtx, id: string, path: string): Promise<OrgUnit> {
  const found = await orgUnitRecords.visible(tx, id, 'orgUnit.view')
  if (found === undefined) throw noSuchUnit(path)
  return found.item
}

/** Whether the caller may view this unit (no error either way; for lists that hide what they may not). */
export async function orgUnitVisible(tx: TenantCtx, id: string): Promise<boolean> {
  return (await orgUnitRecords.visible(tx, id, 'orgUnit.view')) !== undefined
}

/** A unit named in a list filter: it must exist in the caller's company (404 with `path`). */
export async function existingOrgUnit(tx: TenantCtx, id: string, path: string): Promise<OrgUnit> {
  const unit = await findOrgUnit(tx.db, tx.actor.companyId, id)
  if (unit === undefined) throw noSuchUnit(path)
  return unit
}

async function unitForAction(tx: TenantCtx, id: string, action: 'view' | 'edit' | 'delete') {
  const found = await orgUnitRecords.get(tx, id, `orgUnit.${action}`, () => noSuchUnit(), {
    recorded: action !== 'view',
  })
  return found.item
}

/** Refuses placing a unit where the caller's `action` does not reach (403, on `path`). */
async function assertPlacement(
  tx: TenantCtx,
  action: 'orgUnit.create' | 'orgUnit.edit',
  parent: OrgUnit | null,
  path: string,
) {
  if ((await decisionFor(tx, action, placement(parent))).allowed) return
  const where = parent === null ? 'at the root' : 'under this org unit'
  throw new AppError('forbidden', `not allowed: ${action} ${where}`, {
    errors: [{ path, message: `you may not place an org unit ${where}` }],
  })
}

const keyTaken = (key: string, cause?: unknown) =>
  new AppError('conflict', `an org unit has the key "${key}"`, {
    cause,
    errors: [{ path: 'body/key', message: 'is taken' }],
  })

/** A unit's key must be the company's only one (409 on `body/key`); `id`: the unit keeping it. */
async function assertKeyFree(tx: TenantCtx, key: string, id: string | undefined): Promise<void> {
  const taken = await tx.db
    .selectFrom('org_units')
    .select('id')
    .where('company_id', '=', tx.actor.companyId)
    .where('key', '=', key)
    .executeTakeFirst()
  if (taken !== undefined && taken.id !== id) throw keyTaken(key)
}

/** A write that sets `key`: a unit written meanwhile with that key (unique index) is 409 too. */
async function keyed<T>(key: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (key !== undefined && (error as { code?: string }).code === '23505')
      throw keyTaken(key, error)
    throw error
  }
}

/** P3: creates a unit at the root or under a visible unit where the caller may create units. */
export async function createOrgUnit(
  ctx: Ctx,
  input: { parentId: string | null; kind: OrgUnitKind; name: string; key?: string | undefined },
): Promise<OrgUnit> {
  return inCompany(ctx, (tx) => createOrgUnitIn(tx, input))
}

/**
 * createOrgUnit in the caller's transaction (policy import: all or nothing). `key`: the unit's
 * stable key (a policy document's; absent: a random one); one the company has is 409 on
 * `body/key`.
 */
export async function createOrgUnitIn(
  tx: TenantCtx,
  input: { parentId: string | null; kind: OrgUnitKind; name: string; key?: string | undefined },
): Promise<OrgUnit> {
  await authorize(tx, 'orgUnit.create')
  const parent =
    input.parentId === null ? null : await visibleOrgUnit(tx, input.parentId, 'body/parentId')
  await assertPlacement(tx, 'orgUnit.create', parent, 'body/parentId')
  if (input.key !== undefined) await assertKeyFree(tx, input.key, undefined)
  const unit = await keyed(input.key, () => insertOrgUnit(tx.db, tx.actor.companyId, input, tx.now))
  await bumpPolicyVersion(tx.db, tx.actor.companyId)
  await recordAudit(tx, {
    action: 'org_unit.created',
    targetType: 'org_unit',
    targetId: unit.id,
    after: unit,
  })
  return unit
}

export async function getOrgUnit(ctx: Ctx, id: string): Promise<OrgUnit> {
  return inCompany(ctx, (tx) => unitForAction(tx, id, 'view'))
}

/** The units the caller may view, through the seam, by id, one page. */
export async function listOrgUnits(
  ctx: Ctx,
  filter: {
    parentId?: string | undefined
    kind?: OrgUnitKind | undefined
    /** Part of the name. */
    q?: string | undefined
  } = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<OrgUnit>> {
  return inCompany(ctx, async (tx) => {
    if (filter.parentId !== undefined) {
      await existingOrgUnit(tx, filter.parentId, 'querystring/parentId')
    }
    // The orgUnit type has no catalog fields: a projection leaves a unit whole.
    return (await orgUnitRecords.list(tx, 'orgUnit.view', {
      limit: page.limit,
      cursor: page.cursor,
      q: filter.q,
      where: (eb) =>
        eb.and([
          ...(filter.parentId !== undefined
            ? [eb('org_units.parent_id', '=', filter.parentId)]
            : []),
          ...(filter.kind !== undefined ? [eb('org_units.kind', '=', filter.kind)] : []),
        ]),
    })) as Page<OrgUnit>
  })
}

/** P3: a unit and the units under it the caller may view, root first, with their depth. */
export async function orgUnitSubtree(
  ctx: Ctx,
  id: string,
): Promise<(OrgUnit & { depth: number })[]> {
  return inCompany(ctx, async (tx) => {
    await unitForAction(tx, id, 'view')
    const rows = await listSubtree(
      tx.db,
      tx.actor.companyId,
      id,
      await listPlan(tx, 'orgUnit.view'),
      orgUnitRecords.columnMap('org_units'),
    )
    const kept = await orgUnitRecords.keepAllowed(tx, 'orgUnit.view', rows)
    return kept.map(({ item, row }) => ({ ...item, depth: Number(row.depth) }))
  })
}

/**
 * Renames, re-kinds and/or moves a unit (with its subtree); never under itself or one of its
 * descendants. A move needs `orgUnit.edit` on the unit and where it goes (the new parent, or the
 * root for company-wide editors), and is a delegation of what it changes (assertOrgUnitMove).
 */
export async function updateOrgUnit(ctx: Ctx, id: string, patch: OrgUnitPatch): Promise<OrgUnit> {
  return inCompany(ctx, (tx) => updateOrgUnitIn(tx, id, patch))
}

/** updateOrgUnit in the caller's transaction (policy import). */
export async function updateOrgUnitIn(
  tx: TenantCtx,
  id: string,
  patch: OrgUnitPatch,
): Promise<OrgUnit> {
  const before = await unitForAction(tx, id, 'edit')
  const moves = patch.parentId !== undefined && patch.parentId !== before.parentId
  if (moves && patch.parentId !== undefined) {
    let parent: OrgUnit | null = null
    if (patch.parentId !== null) {
      parent = await visibleOrgUnit(tx, patch.parentId, 'body/parentId')
      const subtree = await listSubtreeIds(tx.db, tx.actor.companyId, id)
      if (subtree.includes(patch.parentId)) {
        throw new AppError('conflict', 'an org unit cannot move under itself or its descendants', {
          errors: [{ path: 'body/parentId', message: 'is the unit itself or one below it' }],
        })
      }
    }
    await assertPlacement(tx, 'orgUnit.edit', parent, 'body/parentId')
    // S17: who reaches the unit through subtree scopes changes; a delegation both ways.
    await assertOrgUnitMove(tx, before.parentId, parent?.id ?? null, 'body/parentId')
  }
  if (patch.key !== undefined) await assertKeyFree(tx, patch.key, id)
  const after = await keyed(patch.key, () => updateOrgUnitRow(tx.db, tx.actor.companyId, id, patch))
  if (after === undefined) throw noSuchUnit()
  if (moves) await bumpPolicyVersion(tx.db, tx.actor.companyId)
  await recordAudit(tx, {
    action: moves ? 'org_unit.moved' : 'org_unit.updated',
    targetType: 'org_unit',
    targetId: id,
    before,
    after,
  })
  return after
}

/** Deletes an empty unit: no units under it and nothing (users, records) placed in it. */
export async function deleteOrgUnit(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) => deleteOrgUnitIn(tx, id))
}

/** deleteOrgUnit in the caller's transaction (policy import). */
export async function deleteOrgUnitIn(tx: TenantCtx, id: string): Promise<void> {
  const before = await unitForAction(tx, id, 'delete')
  if (await hasChildUnits(tx.db, tx.actor.companyId, id)) {
    throw new AppError('conflict', 'the org unit has units under it; move or delete them first')
  }
  try {
    await deleteOrgUnitRow(tx.db, tx.actor.companyId, id)
  } catch (error) {
    // The composite foreign keys of users (and later records) refuse a unit still in use.
    if ((error as { code?: string }).code === '23503') {
      throw new AppError('conflict', 'the org unit still has users or records in it', {
        cause: error,
      })
    }
    throw error
  }
  // A role, group or restriction scoped to this unit (`{ subtree: id }`) would no longer
  // compile: the company's every decision would fail. Refuse; nothing is deleted.
  try {
    await policyChanged(tx)
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error
    throw new AppError(
      'conflict',
      'roles, permission groups or restrictions are scoped to this org unit; change them first',
      { errors: error.errors ?? [], cause: error },
    )
  }
  await recordAudit(tx, {
    action: 'org_unit.deleted',
    targetType: 'org_unit',
    targetId: id,
    before,
  })
}
