import type { Kysely } from 'kysely'
import { positionDefaults } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { authorize } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { Database } from '../database.js'
import { decodeCursor, pageOf, type Page, type PageRequest } from '../page.js'
import { groupsByIds, presetRoleIds, rolesByIds, type PositionDefaults } from '../roles/index.js'
import type { Position, PositionInput } from './positions.js'
import * as repo from './positions.repo.js'

// R8 positions (issue 11, 12): a company's positions and what each gives by default. Managing
// them is part of managing roles: reading needs `role.view`, creating `role.create`, editing
// `role.edit`, deleting `role.delete`. Defining a default gives nobody anything: every transfer
// into a position (and every creation in one) is a delegation checked then, against the person
// (accounts/ updateUserAccount, createUser). Editing a position's defaults therefore changes
// only later transfers; its holders keep what they hold.

const noSuchPosition = (path?: string) =>
  new AppError(
    'not_found',
    'no such position',
    path === undefined ? {} : { errors: [{ path, message: 'no such position' }] },
  )

function duplicates(ids: readonly string[], path: string): ErrorDetail[] {
  return ids.flatMap((id, i) =>
    ids.indexOf(id) === i ? [] : [{ path: `${path}/${i}`, message: 'is listed twice' }],
  )
}

/** The defaults as given, checked: roles and groups of the company, no built-in role. */
async function checkedDefaults(tx: TenantCtx, input: Required<PositionInput>) {
  const problems = [
    ...duplicates(input.roleIds, 'body/roleIds'),
    ...duplicates(input.groupIds, 'body/groupIds'),
  ]
  if (problems.length > 0)
    throw new AppError('validation_failed', 'the position is not valid', { errors: problems })
  const roles = await rolesByIds(tx, input.roleIds, 'body/roleIds')
  const builtins = roles.flatMap((r, i) =>
    r.kind === 'builtin'
      ? [{ path: `body/roleIds/${i}`, message: `${r.name} is built in: never a position default` }]
      : [],
  )
  if (builtins.length > 0)
    throw new AppError('validation_failed', 'built-in roles are never a default', {
      errors: builtins,
    })
  await groupsByIds(tx, input.groupIds, 'body/groupIds')
}

function written(error: unknown, name: string): unknown {
  if ((error as { code?: string }).code === '23505')
    return new AppError('conflict', `a position named "${name}" exists`, {
      cause: error,
      errors: [{ path: 'body/name', message: 'is taken' }],
    })
  return error
}

async function found(tx: TenantCtx, id: string, lock = false): Promise<Position> {
  const position = await repo.findPosition(tx.db, tx.actor.companyId, id, lock)
  if (position === undefined) throw noSuchPosition()
  return position
}

/** One page of the positions by id; `q`: only those whose name holds it, any case. */
export async function listPositions(
  ctx: Ctx,
  page: PageRequest,
  filter: { q?: string | undefined } = {},
): Promise<Page<Position>> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'role.view')
    const after = decodeCursor(page.cursor)
    const rows = await repo.listPositions(tx.db, tx.actor.companyId, page.limit, after, filter.q)
    return pageOf(rows, page.limit, (p) => p)
  })
}

export async function getPosition(ctx: Ctx, id: string): Promise<Position> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'role.view')
    return found(tx, id)
  })
}

export async function createPosition(ctx: Ctx, input: PositionInput): Promise<Position> {
  return inCompany(ctx, (tx) => createPositionIn(tx, input))
}

/** `createPosition` inside a transaction the caller holds (policy import applies many at once). */
export async function createPositionIn(tx: TenantCtx, input: PositionInput): Promise<Position> {
  await authorize(tx, 'role.create')
  const full = {
    name: input.name,
    description: input.description ?? '',
    roleIds: input.roleIds ?? [],
    groupIds: input.groupIds ?? [],
  }
  await checkedDefaults(tx, full)
  let after: Position
  try {
    after = await repo.insertPosition(tx.db, tx.actor.companyId, full, tx.now)
  } catch (error) {
    throw written(error, full.name)
  }
  await recordAudit(tx, {
    action: 'position.created',
    targetType: 'position',
    targetId: after.id,
    after,
  })
  return after
}

export async function updatePosition(
  ctx: Ctx,
  id: string,
  patch: Partial<PositionInput>,
): Promise<Position> {
  return inCompany(ctx, (tx) => updatePositionIn(tx, id, patch))
}

/** `updatePosition` inside a transaction the caller holds. Holders keep what they hold. */
export async function updatePositionIn(
  tx: TenantCtx,
  id: string,
  patch: Partial<PositionInput>,
): Promise<Position> {
  await authorize(tx, 'role.view')
  const before = await found(tx, id, true)
  await authorize(tx, 'role.edit')
  const full = {
    name: patch.name ?? before.name,
    description: patch.description ?? before.description,
    roleIds: patch.roleIds ?? before.roleIds,
    groupIds: patch.groupIds ?? before.groupIds,
  }
  await checkedDefaults(tx, full)
  let after: Position | undefined
  try {
    after = await repo.updatePosition(tx.db, tx.actor.companyId, id, full, tx.now)
  } catch (error) {
    throw written(error, full.name)
  }
  if (after === undefined) throw noSuchPosition()
  await recordAudit(tx, {
    action: 'position.updated',
    targetType: 'position',
    targetId: id,
    before,
    after,
  })
  return after
}

export async function deletePosition(ctx: Ctx, id: string): Promise<void> {
  return inCompany(ctx, (tx) => deletePositionIn(tx, id))
}

/** `deletePosition` in the caller's transaction: 409 while anyone holds the position. */
export async function deletePositionIn(tx: TenantCtx, id: string): Promise<void> {
  await authorize(tx, 'role.view')
  const before = await found(tx, id, true)
  await authorize(tx, 'role.delete')
  const holders = await repo.countHolders(tx.db, tx.actor.companyId, id)
  if (holders > 0)
    throw new AppError('conflict', `the position is held by ${holders} person(s); move them first`)
  try {
    await repo.deletePosition(tx.db, tx.actor.companyId, id)
  } catch (error) {
    // someone was placed in it meanwhile: the foreign key refuses, as the count above would
    if ((error as { code?: string }).code === '23503')
      throw new AppError('conflict', 'the position is held; move its people first', {
        cause: error,
      })
    throw error
  }
  await recordAudit(tx, {
    action: 'position.deleted',
    targetType: 'position',
    targetId: id,
    before,
  })
}

// Reads and writes with no decision of their own, for callers that made theirs (accounts:
// createUser and transfers decide on the person and delegate the defaults; policy as code) and
// for seeds (sign-up, the demo, tests).

/** The position a request names, by id or by name; 404 at `path` when not of the company. */
export async function positionNamed(
  tx: TenantCtx,
  by: { id: string } | { name: string },
  path: string,
): Promise<Position> {
  const p =
    'id' in by
      ? await repo.findPosition(tx.db, tx.actor.companyId, by.id)
      : await repo.findPositionByName(tx.db, tx.actor.companyId, by.name)
  if (p === undefined) throw noSuchPosition(path)
  return p
}

/** What a position gives by default, as roles/ resetToPositionDefaults takes it. */
export function defaultsOf(p: Position): PositionDefaults {
  return { positionId: p.id, name: p.name, roleIds: p.roleIds, groupIds: p.groupIds }
}

/** Every position of the caller's company, by name, with no decision. */
export async function companyPositions(tx: TenantCtx): Promise<Position[]> {
  return repo.allPositions(tx.db, tx.actor.companyId)
}

/**
 * R2/R8 at sign-up, in the new company's transaction: one position per preset (`team-lead`,
 * …) with the company's preset roles as its defaults (authz `positionDefaults`).
 */
export async function setUpCompanyPositions(
  db: Kysely<Database>,
  companyId: string,
  now: Date,
): Promise<void> {
  const presets = await presetRoleIds(db, companyId)
  for (const [name, keys] of Object.entries(positionDefaults)) {
    const roleIds = keys.flatMap((k) => presets.get(k) ?? [])
    await repo.insertPosition(db, companyId, { name, description: '', roleIds, groupIds: [] }, now)
  }
}

/** The id of the company's position `name`, created when missing: for seeds only. */
export async function ensurePosition(
  db: Kysely<Database>,
  companyId: string,
  name: string,
  now: Date,
): Promise<string> {
  const have = await repo.findPositionByName(db, companyId, name)
  if (have !== undefined) return have.id
  return (
    await repo.insertPosition(
      db,
      companyId,
      { name, description: '', roleIds: [], groupIds: [] },
      now,
    )
  ).id
}
