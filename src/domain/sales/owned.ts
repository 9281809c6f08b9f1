/**
 * What the four sales types share, so each service holds only its own: the scope a record is
 * created in (owner, team, project: defaults and visible references), names and amounts, how a
 * caller reaches a record for an action (404 / 403), and the approval of a quote or a contract
 * (draft → approved once, never by its owner or creator: the four-eyes rule).
 */
import type { Action, Decision, Projected, Resource, ResourceType } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { allowedOnlyByShares, decisionFor, subjectOf } from '../access/index.js'
import type { TenantCtx } from '../context.js'
import { visibleOrgUnit } from '../org-units/index.js'
import { projectRecords } from '../projects/projects.service.js'
import { updateThrough, type Found } from '../seam/index.js'
import { unstorableText } from '../storable-text.js'
import { visibleUser } from '../users/index.js'
import { salesLimits, type ApprovalStatus, type OwnedInput } from './sales.js'
import { updateSalesRow, type SalesTable } from './sales.repo.js'

/** Who writes: a user's id or `apikey:<id>` (the four-eyes rule compares these). */
export const writerOf = (tx: TenantCtx) => tx.actor.userId
/** The writer as a user reference (an owner, an approver): null when an API key writes. */
export const personOf = (tx: TenantCtx) =>
  tx.actor.apiKeyId === undefined ? tx.actor.userId : null

/** A seam of one of the four types, as these helpers use it. */
export interface SalesSeam<Item extends { id: string }> {
  readonly spec: { readonly type: ResourceType }
  readonly get: (
    tx: TenantCtx,
    id: string,
    action: Action,
    missing: () => AppError,
    gate?: { recorded?: boolean },
  ) => Promise<Found<Item>>
  readonly visible: (tx: TenantCtx, id: string, action: Action) => Promise<Found<Item> | undefined>
  readonly view: (found: Pick<Found<Item>, 'item' | 'decision'>) => Projected<Item>
}

// --- input ---------------------------------------------------------------------------------------

/** A name trimmed, not blank, within its limit and storable; pushed to `errors` otherwise. */
export function normaliseName(name: string, errors: ErrorDetail[], path = 'body/name'): string {
  const out = name.trim()
  if (out === '') errors.push({ path, message: 'must not be blank' })
  else if (out.length > salesLimits.name) {
    errors.push({ path, message: `at most ${salesLimits.name} characters` })
  }
  const problem = unstorableText(name)
  if (problem !== null) errors.push({ path, message: problem })
  return out
}

/** An amount: finite, 0 or more, within numeric(14, 2), at most two decimals. */
export function checkAmount(amount: number, errors: ErrorDetail[]): number {
  const cents = amount * 100
  if (!Number.isFinite(amount) || amount < 0 || amount > salesLimits.amount) {
    errors.push({ path: 'body/amount', message: `0 to ${salesLimits.amount}` })
  } else if (Math.abs(cents - Math.round(cents)) > 1e-6) {
    errors.push({ path: 'body/amount', message: 'at most two decimals' })
  }
  return amount
}

export const invalid = (what: string, errors: ErrorDetail[]) =>
  new AppError('validation_failed', `the ${what} is not valid`, { errors })

// --- scope -----------------------------------------------------------------------------------------

/**
 * A new record's scope: unless the request says otherwise, owned by the writer (a person) and
 * in the writer's team, so a rep's opportunity is at once their own and their team's ([002]).
 */
export async function defaultScope(
  tx: TenantCtx,
  input: OwnedInput,
): Promise<{ ownerId: string | null; orgUnitId: string | null; projectId: string | null }> {
  const me = await subjectOf(tx)
  return {
    ownerId: input.ownerId === undefined ? personOf(tx) : input.ownerId,
    orgUnitId: input.orgUnitId === undefined ? (me.subject.orgUnitId ?? null) : input.orgUnitId,
    projectId: input.projectId ?? null,
  }
}

/**
 * The owner, unit and project a write names must be in the caller's company and visible to them
 * (404 on the body path otherwise, as an id never issued). The writer themselves and their own
 * team need no `user.view` / `orgUnit.view`.
 */
export async function checkScope(tx: TenantCtx, input: OwnedInput): Promise<void> {
  const me = await subjectOf(tx)
  if (typeof input.ownerId === 'string' && input.ownerId !== personOf(tx)) {
    await visibleUser(tx, input.ownerId, 'body/ownerId')
  }
  if (typeof input.orgUnitId === 'string' && input.orgUnitId !== me.subject.orgUnitId) {
    await visibleOrgUnit(tx, input.orgUnitId, 'body/orgUnitId')
  }
  if (typeof input.projectId === 'string') {
    const found = await projectRecords.visible(tx, input.projectId, 'project.view')
    if (found === undefined) throw notFoundAt('project', 'body/projectId')
  }
}

export const scopePaths = ['body/ownerId', 'body/orgUnitId', 'body/projectId']

export const notFoundAt = (what: string, path: string) =>
  new AppError('not_found', `no such ${what}`, { errors: [{ path, message: `no such ${what}` }] })

/**
 * A record another one names (a quote's opportunity): visible to the caller for `action`, and
 * not only through a share (a share shows a record, it does not lend it to a write: W5), else
 * 404 on `path`.
 */
export async function visibleReference<Item extends { id: string }>(
  tx: TenantCtx,
  seam: Pick<SalesSeam<Item>, 'spec' | 'visible'>,
  id: string,
  path: string,
): Promise<Item> {
  const found = await seam.visible(tx, id, `${seam.spec.type}.view` as Action)
  if (found === undefined || allowedOnlyByShares(found.decision)) {
    throw notFoundAt(seam.spec.type, path)
  }
  return found.item
}

// --- reads -----------------------------------------------------------------------------------------

/**
 * The record if the caller may `action` on it (no obligations yet: the write that follows
 * enforces them once), else 404 when they may not even view it, 403 when they may.
 */
export async function reach<Item extends { id: string }>(
  tx: TenantCtx,
  seam: SalesSeam<Item>,
  id: string,
  action: Action,
  missing: () => AppError,
): Promise<Found<Item>> {
  const found = await seam.visible(tx, id, action)
  if (found !== undefined) return found
  const viewAction = `${seam.spec.type}.view` as Action
  if ((await seam.visible(tx, id, viewAction)) === undefined) throw missing()
  const d = await decisionFor(tx, action)
  throw new AppError('forbidden', `not allowed: ${action} (${d.allowed ? 'denied' : d.reason})`)
}

/** The record as the caller may view it now (after a write): projected, or only its id. */
export async function viewNow<Item extends { id: string }>(
  tx: TenantCtx,
  seam: SalesSeam<Item>,
  item: Item,
  resourceOf: (item: Item) => Resource,
): Promise<Projected<Item>> {
  const action = `${seam.spec.type}.view` as Action
  const decision: Decision = await decisionFor(tx, action, resourceOf(item))
  return decision.allowed ? seam.view({ item, decision }) : ({ id: item.id } as Projected<Item>)
}

/** An approved quote or contract never changes (409). */
export function refuseApproved(type: string, status: ApprovalStatus): void {
  if (status === 'approved') {
    throw new AppError('conflict', `an approved ${type} does not change`, {
      errors: [{ path: 'status', message: 'approved' }],
    })
  }
}

export const raced = (type: string) => (): never => {
  throw new AppError('conflict', `the ${type} changed meanwhile; read it and try again`)
}

// --- approval ------------------------------------------------------------------------------------

interface Approvable {
  readonly id: string
  readonly status: ApprovalStatus
  readonly ownerId: string | null
  readonly createdBy: string
}

/**
 * Approves a draft quote or contract: `<type>.approve` on it (the engine decides: 404 when the
 * caller may not view it, 403 when they may view but not approve); then the four-eyes rule, a
 * check the engine cannot express: nobody approves a record they own or created (403
 * `own_request`); anything but a draft is 409. The UPDATE is conditional on the draft status,
 * so of two approvals at once one wins and the other answers 409. Audited before → after.
 */
export async function approveRecord<Item extends Approvable>(
  tx: TenantCtx,
  spec: {
    readonly seam: SalesSeam<Item>
    readonly table: SalesTable
    readonly id: string
    readonly missing: () => AppError
    readonly resourceOf: (item: Item) => Resource
  },
): Promise<Projected<Item>> {
  const type = spec.seam.spec.type
  const action = `${type}.approve` as Action
  const { item } = await reach(tx, spec.seam, spec.id, action, spec.missing)
  if (item.status !== 'draft') {
    throw new AppError('conflict', `this ${type} is approved already`, {
      errors: [{ path: 'status', message: 'only a draft is approved' }],
    })
  }
  const me = writerOf(tx)
  if (item.ownerId === me || item.createdBy === me) {
    throw new AppError(
      'own_request',
      `you own or wrote this ${type}: someone else approves it (four-eyes rule)`,
    )
  }
  const { after } = await updateThrough(tx, {
    seam: spec.seam,
    id: spec.id,
    missing: spec.missing,
    patch: { status: 'approved', approvedBy: personOf(tx), approvedAt: tx.now },
    actionFor: () => action,
    resourceOf: spec.resourceOf,
    workflow: ['status'],
    expect: (now) => {
      if (now.status !== 'draft') raced(type)()
    },
    update: async (changes) =>
      ((await updateSalesRow(
        tx.db,
        spec.table,
        tx.actor.companyId,
        spec.id,
        changes,
        tx.now,
        'draft',
      )) as Item | undefined) ?? raced(type)(),
  })
  return viewNow(tx, spec.seam, after, spec.resourceOf)
}
