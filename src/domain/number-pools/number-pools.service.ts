/**
 * Number pools (P8, P11), written the way docs/resources.md says: the read seam, the shared
 * write helpers, and only what is pool-specific here — one assignee at most, numbers in E.164,
 * a number added under `numberPool.addNumber` (whose per-day limit, the team lead's 5 a day, is
 * counted in the database by the obligations gate), and the pools a dial may use.
 */
import {
  masks,
  maskValue,
  type AttrOf,
  type Decision,
  type Projected,
  type Resource,
} from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { visibleOrgUnit } from '../org-units/index.js'
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../page.js'
import { normalisePhone } from '../phone.js'
import { projectRecords } from '../projects/projects.service.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  updateThrough,
  writeProblem,
  defineListFilter,
} from '../seam/index.js'
import { visibleUser } from '../users/index.js'
import type { NumberPool, NumberPoolInput, PoolNumber } from './number-pools.js'
import {
  assignedPoolsWith,
  deletePoolNumberRow,
  deletePoolRow,
  insertPool,
  insertPoolNumber,
  listPoolNumberRows,
  numberPoolRowToPool,
  phonesInPool,
  updatePoolRow,
} from './number-pools.repo.js'

export type NumberPoolView = Projected<NumberPool>

/** The number pools read seam: every attribute the catalog declares, read from its column. */
export const numberPoolRecords = defineResource({
  type: 'numberPool',
  table: 'number_pools',
  toItem: numberPoolRowToPool,
  columns: {
    id: 'id',
    userId: 'user_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
  },
  search: { name: 'name' },
})

/** A pool as the engine sees it: the same attributes the seam reads from the row. */
export function numberPoolResource(p: Pick<NumberPool, 'id' | AttrOf<'numberPool'>>): Resource {
  const attrs: Record<AttrOf<'numberPool'>, string | null> = {
    id: p.id,
    userId: p.userId,
    orgUnitId: p.orgUnitId,
    projectId: p.projectId,
  }
  return { type: 'numberPool', id: p.id, attrs }
}

const noSuchPool = () => new AppError('not_found', 'no such number pool')
const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the number pool is not valid', { errors })

/** A phone number of a request → E.164, or 400 on `path`. */
export function phoneOf(phone: string, country: string | undefined, path: string): string {
  const e164 = normalisePhone(phone, country)
  if (e164 === null) {
    throw new AppError('validation_failed', 'not a valid phone number', {
      errors: [
        {
          path,
          message: 'not a valid phone number (write it with its +country code, or send `country`)',
        },
      ],
    })
  }
  return e164
}

const assignees = ['userId', 'orgUnitId', 'projectId'] as const

function normalisePool(input: NumberPoolInput, before?: NumberPool): NumberPoolInput {
  const out: Record<string, unknown> = { ...input }
  if (typeof input.name === 'string') {
    out['name'] = input.name.trim()
    if (out['name'] === '') throw invalid([{ path: 'body/name', message: 'must not be blank' }])
  }
  const merged = { ...before, ...input }
  const set = assignees.filter((k) => merged[k] !== null && merged[k] !== undefined)
  if (set.length > 1) {
    throw invalid(
      set.map((k) => ({
        path: `body/${k}`,
        message: 'a pool is assigned to one person, team or project: set the others to null',
      })),
    )
  }
  return out as NumberPoolInput
}

/** The person, unit and project a write names must exist and be visible (404 with the path). */
async function checkReferences(tx: TenantCtx, input: NumberPoolInput): Promise<void> {
  if (typeof input.userId === 'string') await visibleUser(tx, input.userId, 'body/userId')
  if (typeof input.orgUnitId === 'string') {
    await visibleOrgUnit(tx, input.orgUnitId, 'body/orgUnitId')
  }
  if (typeof input.projectId === 'string') {
    if ((await projectRecords.visible(tx, input.projectId, 'project.view')) === undefined) {
      throw new AppError('not_found', 'no such project', {
        errors: [{ path: 'body/projectId', message: 'no such project' }],
      })
    }
  }
}
const referencePaths = ['body/userId', 'body/orgUnitId', 'body/projectId']

function writeError(error: unknown): unknown {
  const code = (error as { code?: string }).code
  if (code === '23505') {
    return new AppError('conflict', 'a number pool with this name exists', {
      errors: [{ path: 'body/name', message: 'taken' }],
    })
  }
  return writeProblem(error, 'a person, unit or project named', referencePaths)
}

// --- reads -------------------------------------------------------------------------------------

export interface NumberPoolListFilter {
  readonly q?: string | undefined
  readonly userId?: string | undefined
  readonly orgUnitId?: string | undefined
  readonly projectId?: string | undefined
}

const listFilter = defineListFilter<
  'number_pools',
  ReturnType<typeof numberPoolRowToPool>,
  NumberPoolListFilter
>('number_pools', {
  userId: { column: 'user_id', field: 'userId' },
  orgUnitId: 'org_unit_id',
  projectId: 'project_id',
})

export async function listNumberPools(
  ctx: Ctx,
  filter: NumberPoolListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<NumberPoolView>> {
  return inCompany(ctx, (tx) =>
    numberPoolRecords.list(tx, 'numberPool.view', {
      limit: page.limit,
      cursor: page.cursor,
      ...listFilter(filter),
    }),
  )
}

export async function getNumberPool(ctx: Ctx, id: string): Promise<NumberPoolView> {
  return inCompany(ctx, async (tx) =>
    numberPoolRecords.view(await numberPoolRecords.get(tx, id, 'numberPool.view', noSuchPool)),
  )
}

async function viewNow(tx: TenantCtx, pool: NumberPool): Promise<NumberPoolView> {
  const decision: Decision = await decisionFor(tx, 'numberPool.view', numberPoolResource(pool))
  return decision.allowed ? numberPoolRecords.view({ item: pool, decision }) : { id: pool.id }
}

// --- writes ------------------------------------------------------------------------------------

/** Creates a pool: `numberPool.create` decided on the pool as it would be (P11: admin-managed). */
export async function createNumberPool(
  ctx: Ctx,
  request: NumberPoolInput & { name: string },
): Promise<NumberPoolView> {
  return inCompany(ctx, async (tx) => {
    const input = normalisePool(request) as NumberPoolInput & { name: string }
    const wouldBe = numberPoolResource({
      id: '',
      userId: input.userId ?? null,
      orgUnitId: input.orgUnitId ?? null,
      projectId: input.projectId ?? null,
    })
    const created = await createThrough(tx, {
      type: 'numberPool',
      record: { type: 'numberPool', attrs: { ...wouldBe.attrs, id: null } },
      fields: Object.keys(input),
      checkReferences: () => checkReferences(tx, input),
      insert: async () => {
        try {
          return await insertPool(tx.db, tx.actor.companyId, input, tx.now)
        } catch (error) {
          throw writeError(error)
        }
      },
    })
    return viewNow(tx, created)
  })
}

/** Renames or reassigns a pool (`numberPool.edit` on the pool as it is and as it would be). */
export async function updateNumberPool(
  ctx: Ctx,
  id: string,
  request: NumberPoolInput,
): Promise<NumberPoolView> {
  return inCompany(ctx, async (tx) => {
    const before = await numberPoolRecords.visible(tx, id, 'numberPool.view')
    if (before === undefined) throw noSuchPool()
    const patch = normalisePool(request, before.item)
    const { after } = await updateThrough(tx, {
      seam: numberPoolRecords,
      id,
      missing: noSuchPool,
      patch: patch as Readonly<Record<string, unknown>>,
      actionFor: () => 'numberPool.edit',
      resourceOf: numberPoolResource,
      checkReferences: (changes) => checkReferences(tx, changes as NumberPoolInput),
      update: async (changes) => {
        try {
          return await updatePoolRow(tx.db, tx.actor.companyId, id, changes, tx.now)
        } catch (error) {
          throw writeError(error)
        }
      },
    })
    return viewNow(tx, after)
  })
}

export async function deleteNumberPool(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: numberPoolRecords,
      id,
      missing: noSuchPool,
      remove: () => deletePoolRow(tx.db, tx.actor.companyId, id),
    }),
  )
}

// --- numbers -----------------------------------------------------------------------------------

/** The pool for `action`, and the caller's level on its `numbers` field (hidden → 403). */
async function poolNumbersFor(
  tx: TenantCtx,
  id: string,
  action: 'numberPool.view' | 'numberPool.addNumber' | 'numberPool.edit',
  gate?: { recorded?: boolean; count?: number },
) {
  const found = await numberPoolRecords.get(tx, id, action, noSuchPool, gate)
  const level = found.decision.obligations.fields['numbers']
  const writing = action !== 'numberPool.view'
  if (level === 'hidden' || (writing && level !== undefined && level !== 'edit')) {
    throw new AppError(
      'forbidden',
      writing
        ? "this pool's numbers are not editable by you"
        : "this pool's numbers are hidden from you",
    )
  }
  return found
}

/** One page of a pool's numbers (`numberPool.view` on the pool). */
export async function listPoolNumbers(
  ctx: Ctx,
  id: string,
  page: PageRequest,
): Promise<Page<PoolNumber>> {
  return inCompany(ctx, async (tx) => {
    await poolNumbersFor(tx, id, 'numberPool.view')
    const rows = await listPoolNumberRows(
      tx.db,
      tx.actor.companyId,
      id,
      decodeCursor(page.cursor),
      page.limit + 1,
    )
    const items = rows.slice(0, page.limit)
    const last = items.at(-1)
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last.id) : null }
  })
}

/**
 * Adds a number to a pool: `numberPool.addNumber` on the pool (404 / 403). Its per-day limit
 * (P8: a team lead's 5 a day) is counted atomically in the database by the obligations gate, in
 * this transaction: a refused or failed addition (a number already in the pool: 409) spends
 * nothing. Beyond the limit: 429 `quota_exceeded` until the company-local midnight (the route
 * opens an approval request instead, W3). Audited.
 */
export async function addPoolNumber(
  ctx: Ctx,
  id: string,
  request: { phone: string; country?: string | undefined },
): Promise<PoolNumber> {
  return inCompany(ctx, async (tx) => {
    const phone = phoneOf(request.phone, request.country, 'body/phone')
    const [added] = await addPoolNumbersIn(tx, id, [phone])
    return added as PoolNumber
  })
}

/**
 * Adds numbers (E.164) to a pool in the caller's transaction, all or none: `numberPool.addNumber`
 * on the pool, its per-day limit spending one use per number (W3: an approved `poolNumbers`
 * request is applied here, as the approver). A number in the pool already is 409. Each audited.
 */
export async function addPoolNumbersIn(
  tx: TenantCtx,
  id: string,
  phones: readonly string[],
  path = 'body/phone',
): Promise<PoolNumber[]> {
  await poolNumbersFor(tx, id, 'numberPool.addNumber', { recorded: true, count: phones.length })
  const out: PoolNumber[] = []
  for (const phone of phones) {
    const added = await insertPoolNumber(
      tx.db,
      tx.actor.companyId,
      id,
      phone,
      tx.actor.userId,
      tx.now,
    ).catch((error: unknown) => {
      if ((error as { code?: string }).code === '23505') {
        throw new AppError('conflict', 'this number is in the pool already', {
          errors: [{ path, message: 'in the pool already' }],
        })
      }
      throw writeProblem(error, 'the pool', [])
    })
    await recordAudit(tx, {
      action: 'numberPool.number_added',
      targetType: 'numberPool',
      targetId: id,
      // a dialled number is a person's: the log keeps it masked, as it does a customer's phone
      after: { numberId: added.id, phone: maskValue(phone, masks.phone) },
    })
    out.push(added)
  }
  return out
}

/** Which of `phones` (E.164) the pool holds already, unauthorized (for a service's own checks). */
export async function poolPhonesAmong(
  tx: TenantCtx,
  id: string,
  phones: readonly string[],
): Promise<string[]> {
  return phonesInPool(tx.db, tx.actor.companyId, id, phones)
}

/** Removes a number from a pool (`numberPool.edit` on the pool). Audited. */
export async function removePoolNumber(ctx: Ctx, id: string, numberId: string): Promise<void> {
  await inCompany(ctx, async (tx) => {
    await poolNumbersFor(tx, id, 'numberPool.edit', { recorded: true })
    const removed = await deletePoolNumberRow(tx.db, tx.actor.companyId, id, numberId)
    if (removed === undefined) throw new AppError('not_found', 'no such number in this pool')
    await recordAudit(tx, {
      action: 'numberPool.number_removed',
      targetType: 'numberPool',
      targetId: id,
      before: { numberId, phone: maskValue(removed.phone, masks.phone) },
    })
  })
}

/**
 * P11: a pool holding `phone` that is assigned to the caller, their team or one of their
 * projects AND that the caller may `numberPool.use`; undefined when there is none.
 */
export async function usablePoolFor(tx: TenantCtx, phone: string): Promise<NumberPool | undefined> {
  const me = await subjectOf(tx)
  const rows = await assignedPoolsWith(tx.db, tx.actor.companyId, phone, {
    userId: tx.actor.userId,
    orgUnitId: me.subject.orgUnitId ?? null,
    projectIds: me.subject.projectIds ?? [],
  })
  const kept = await numberPoolRecords.keepAllowed(tx, 'numberPool.use', rows)
  return kept[0]?.item
}
