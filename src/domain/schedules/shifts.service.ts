/**
 * Schedules and shifts ([004] «супервайзеру необходимо иметь доступ к сменам и расписанию», P1,
 * issue 10 item 4), written the way docs/resources.md says: the read seam (owner `userId`, team
 * `orgUnitId`), the shared write helpers, and here only what is the shift's own — its interval
 * (end after start, at most 24 hours) and the rule that one person's shifts never overlap, which
 * the database holds (exclusion constraint `shifts_no_overlap`, migration 0043): of two
 * concurrent overlapping writes one commits and the other answers 409, on PostgreSQL as on PGlite.
 *
 * Among the presets an agent views their own shifts, a team lead the team's, management every
 * one; Admin and Supervisor plan them (create, edit, delete).
 */
import type { AttrOf, Decision, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { visibleOrgUnit } from '../org-units/index.js'
import type { Page, PageRequest } from '../page.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  updateThrough,
  type Narrow,
} from '../seam/index.js'
import { unstorableText } from '../storable-text.js'
import { visibleUser } from '../users/index.js'
import { shiftLimits, type Shift, type ShiftInput, type ShiftKind } from './shifts.js'
import { deleteShiftRow, insertShift, shiftRowToShift, updateShiftRow } from './shifts.repo.js'

export type ShiftView = Projected<Shift>

/** The shifts read seam (type `schedule`): the catalog's attributes from their columns. */
export const shiftRecords = defineResource({
  type: 'schedule',
  table: 'shifts',
  toItem: shiftRowToShift,
  columns: { id: 'id', userId: 'user_id', orgUnitId: 'org_unit_id' },
  search: { note: 'note' },
})

/** A shift as the engine sees one: the same attributes the seam reads from the row. */
export function shiftResource(s: Pick<Shift, 'id' | AttrOf<'schedule'>>): Resource {
  const attrs: Record<AttrOf<'schedule'>, string | null> = {
    id: s.id,
    userId: s.userId,
    orgUnitId: s.orgUnitId,
  }
  return { type: 'schedule', id: s.id, attrs }
}

const noSuchShift = () => new AppError('not_found', 'no such shift')
const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the shift is not valid', { errors })

/** What is wrong with an interval (empty: nothing). */
function intervalErrors(startsAt: Date, endsAt: Date): ErrorDetail[] {
  if (endsAt.getTime() <= startsAt.getTime()) {
    return [{ path: 'body/endsAt', message: 'must be after startsAt' }]
  }
  if (endsAt.getTime() - startsAt.getTime() > shiftLimits.durationMs) {
    return [{ path: 'body/endsAt', message: 'a shift lasts at most 24 hours' }]
  }
  return []
}

/** The note trimmed, storable and bounded; 400 otherwise. */
function normaliseNote(note: string | undefined): string | undefined {
  if (note === undefined) return undefined
  const problem = unstorableText(note)
  if (problem !== null) throw invalid([{ path: 'body/note', message: problem }])
  const trimmed = note.trim()
  if (trimmed.length > shiftLimits.note) {
    throw invalid([{ path: 'body/note', message: `at most ${shiftLimits.note} characters` }])
  }
  return trimmed
}

/** The database's refusals as problems: an overlap 409, a person or unit gone meanwhile 404. */
function writeError(error: unknown): unknown {
  const code = (error as { code?: string }).code
  if (code === '23P01') {
    return new AppError('conflict', 'this person has a shift at that time already', {
      errors: [{ path: 'body/startsAt', message: 'overlaps another shift of this person' }],
    })
  }
  if (code === '23514') return invalid([{ path: 'body/endsAt', message: 'not a valid interval' }])
  if (code === '23503') {
    return new AppError('not_found', 'a person or unit named does not exist', {
      errors: [
        { path: 'body/userId', message: 'does not exist' },
        { path: 'body/orgUnitId', message: 'does not exist' },
      ],
    })
  }
  return error
}

// --- reads ---------------------------------------------------------------------------------------

export interface ShiftListFilter {
  /** Shifts that end after this instant. */
  readonly from?: Date | undefined
  /** Shifts that start before this instant. */
  readonly to?: Date | undefined
  readonly userId?: string | undefined
  readonly orgUnitId?: string | undefined
  readonly kind?: ShiftKind | undefined
  /** Part of the note. */
  readonly q?: string | undefined
}

function listWhere(filter: ShiftListFilter): Narrow<'shifts'> | undefined {
  const { from, to, userId, orgUnitId, kind } = filter
  if (from !== undefined && to !== undefined && to.getTime() <= from.getTime()) {
    throw invalid([{ path: 'querystring/to', message: 'must be after from' }])
  }
  const parts: Narrow<'shifts'>[] = []
  if (from !== undefined) parts.push((eb) => eb('shifts.ends_at', '>', from))
  if (to !== undefined) parts.push((eb) => eb('shifts.starts_at', '<', to))
  if (userId !== undefined) parts.push((eb) => eb('shifts.user_id', '=', userId))
  if (orgUnitId !== undefined) parts.push((eb) => eb('shifts.org_unit_id', '=', orgUnitId))
  if (kind !== undefined) parts.push((eb) => eb('shifts.kind', '=', kind))
  return parts.length === 0 ? undefined : (eb) => eb.and(parts.map((p) => p(eb)))
}

/** The shifts the caller may view that meet `from`–`to` (overlap), one page by id. */
export async function listShifts(
  ctx: Ctx,
  filter: ShiftListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<ShiftView>> {
  const where = listWhere(filter)
  return inCompany(ctx, (tx) =>
    shiftRecords.list(tx, 'schedule.view', {
      limit: page.limit,
      cursor: page.cursor,
      q: filter.q,
      where,
    }),
  )
}

export async function getShift(ctx: Ctx, id: string): Promise<ShiftView> {
  return inCompany(ctx, async (tx) =>
    shiftRecords.view(await shiftRecords.get(tx, id, 'schedule.view', noSuchShift)),
  )
}

async function viewNow(tx: TenantCtx, shift: Shift): Promise<ShiftView> {
  const decision: Decision = await decisionFor(tx, 'schedule.view', shiftResource(shift))
  return decision.allowed ? shiftRecords.view({ item: shift, decision }) : { id: shift.id }
}

// --- writes --------------------------------------------------------------------------------------

export interface NewShift {
  readonly userId: string
  /** Unset: the person's unit now. */
  readonly orgUnitId?: string | null | undefined
  readonly kind?: ShiftKind | undefined
  readonly startsAt: Date
  readonly endsAt: Date
  readonly note?: string | undefined
}

/**
 * A shift for a person the caller may view, in a unit the caller may view (404 on the path
 * otherwise); `schedule.create` decided on the shift as it would be (its person and unit).
 * Overlapping one of the person's shifts: 409. Audited.
 */
export async function createShift(ctx: Ctx, request: NewShift): Promise<ShiftView> {
  return inCompany(ctx, async (tx) => {
    const errors = intervalErrors(request.startsAt, request.endsAt)
    if (errors.length > 0) throw invalid(errors)
    const note = normaliseNote(request.note) ?? ''
    const kind = request.kind ?? 'work'
    // the person's unit is read only once the caller may create shifts at all: nobody learns
    // of a person through the default (createThrough then decides on the shift as it would be)
    const may = await decisionFor(tx, 'schedule.create')
    if (!may.allowed)
      throw new AppError('forbidden', `not allowed: schedule.create (${may.reason})`)
    const person = await visibleUser(tx, request.userId, 'body/userId')
    if (typeof request.orgUnitId === 'string') {
      await visibleOrgUnit(tx, request.orgUnitId, 'body/orgUnitId')
    }
    const orgUnitId = request.orgUnitId === undefined ? person.orgUnitId : request.orgUnitId
    const shift = await createThrough(tx, {
      type: 'schedule',
      record: { type: 'schedule', attrs: { id: null, userId: request.userId, orgUnitId } },
      fields: ['userId', 'startsAt', 'endsAt', 'kind', 'orgUnitId', 'note'],
      insert: () =>
        insertShift(
          tx.db,
          tx.actor.companyId,
          {
            userId: request.userId,
            orgUnitId,
            kind,
            startsAt: request.startsAt,
            endsAt: request.endsAt,
            note,
          },
          tx.now,
        ).catch((error: unknown) => {
          throw writeError(error)
        }),
    })
    return viewNow(tx, shift)
  })
}

/**
 * Changes a shift (`schedule.edit` on it as it is and as it would be: giving it to a person or
 * unit outside the writer's reach is refused). The interval as it would be must be valid and
 * must not overlap another of the person's shifts (409). Audited before → after.
 */
export async function updateShift(ctx: Ctx, id: string, patch: ShiftInput): Promise<ShiftView> {
  return inCompany(ctx, async (tx) => {
    const note = normaliseNote(patch.note)
    const current = await shiftRecords.visible(tx, id, 'schedule.view')
    if (current === undefined) throw noSuchShift()
    const errors = intervalErrors(
      patch.startsAt ?? current.item.startsAt,
      patch.endsAt ?? current.item.endsAt,
    )
    if (errors.length > 0) throw invalid(errors)
    const input: ShiftInput = { ...patch, ...(note !== undefined && { note }) }
    const { after } = await updateThrough(tx, {
      seam: shiftRecords,
      id,
      missing: noSuchShift,
      patch: input as Readonly<Record<string, unknown>>,
      actionFor: () => 'schedule.edit',
      resourceOf: shiftResource,
      checkReferences: async (changes) => {
        if (typeof changes['userId'] === 'string') {
          await visibleUser(tx, changes['userId'], 'body/userId')
        }
        if (typeof changes['orgUnitId'] === 'string') {
          await visibleOrgUnit(tx, changes['orgUnitId'], 'body/orgUnitId')
        }
      },
      update: (changes) =>
        updateShiftRow(tx.db, tx.actor.companyId, id, changes as ShiftInput, tx.now).catch(
          (error: unknown) => {
            throw writeError(error)
          },
        ),
    })
    return viewNow(tx, after)
  })
}

export async function deleteShift(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: shiftRecords,
      id,
      missing: noSuchShift,
      remove: () => deleteShiftRow(tx.db, tx.actor.companyId, id),
    }),
  )
}
