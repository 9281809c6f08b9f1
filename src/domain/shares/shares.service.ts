/**
 * W5 (issue 10): a ticket or a customer shared with another team, limited to chosen fields
 * ([002] 跨部门协作视图: "share only the necessary fields, hide the sensitive ones").
 *
 * A share is, for the engine, one more temporary grant of every member of the team: `<type>.view`
 * on that one record (scope `{ record }`), its field rules hiding every field not chosen and
 * showing each chosen one at most as the sharer sees it (masked stays masked), in force from its
 * creation until `until` (or its revocation). `subjectColumns` (access/policy.repo.ts) reads the
 * shares of the person's unit with the person, so the decision, the list plan and the projection
 * of every read path (the seam's list, search, count and single read) handle it unchanged; the
 * clock ends it (the engine compares the window with the request's time: no job), and a
 * revocation or a new share moves the subject counter (migration 0037's trigger), so callers
 * kept in memory are read again at once. The team is the unit itself, not the units under it
 * (as team watchers, W6). A share opens reading and nothing else: it grants no other action, and
 * the paths that would do more with a record than show it (watch it, read its replies, copy from
 * it into another record) refuse a record seen only through shares (`allowedOnlyByShares`).
 *
 * Sharing is a delegation (authz/delegate.ts): the sharer needs `<type>.share` on the record
 * (the Team lead preset: the team's; Admin and Supervisor: every record), must view it through
 * their own access (`withoutShares`: what a share with their own team shows them is neither
 * passed on nor counted), must see every chosen field (a field hidden from them
 * is refused, 403 `cannot_grant`), and `canDelegate` must find the grant within what they hold,
 * given to a member of the team who holds nothing else (their own restrictions still bind them
 * when they read). Creating and revoking are audited (`share.created`, `share.revoked`).
 */
import {
  bindSubject,
  canDelegate,
  catalog,
  decide,
  PolicyError,
  type Action,
  type BoundSubject,
  type Decision,
  type FieldLevel,
  type Grant,
  type Resource,
  type TemporaryGrant,
} from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { envOf, subjectOf, withoutShares } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { customerRecords } from '../customers/index.js'
import { existingOrgUnit } from '../org-units/index.js'
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../page.js'
import { ticketRecords } from '../tickets/index.js'
import type { Share, ShareableType, ShareInput, ShareState } from './shares.js'
import * as repo from './shares.repo.js'
import type { ShareRow } from './shares.table.js'

/** The longest list of fields a share names (every field of a customer, twice over). */
export const MAX_SHARE_FIELDS = 50

const missing = (type: ShareableType) => () =>
  new AppError('not_found', type === 'ticket' ? 'no such ticket' : 'no such customer')

const noSuchShare = () =>
  new AppError('not_found', 'no such share', {
    errors: [{ path: 'params/shareId', message: 'no such share' }],
  })

/**
 * The record, for `action`, as the seam decides it: 404 when the caller may not view it (or
 * views it only through a share with their team: a share is read-only and not passed on), 403
 * when they may view it but not `action` it.
 */
async function recordFor(
  tx: TenantCtx,
  type: ShareableType,
  id: string,
  action: Action,
): Promise<{ resource: Resource; view: Decision; own: BoundSubject }> {
  const seam = type === 'ticket' ? ticketRecords : customerRecords
  const viewAction = `${type}.view` as Action
  const seen = await seam.visible(tx, id, viewAction)
  if (seen === undefined) throw missing(type)()
  // the caller's own view of it: what shares with their team add is neither shown nor passed on
  const own = withoutShares(await subjectOf(tx))
  const resource = { ...seen.resource, companyId: tx.actor.companyId }
  const view = decide(own, viewAction, resource, envOf(tx))
  if (!view.allowed) throw missing(type)()
  if (action !== viewAction) await seam.get(tx, id, action, missing(type), { recorded: true })
  return { resource, view, own }
}

function stateOf(row: ShareRow, now: Date): ShareState {
  if (row.revoked_at !== null) return 'revoked'
  if (row.valid_until !== null && row.valid_until.getTime() <= now.getTime()) return 'ended'
  return 'active'
}

function shareOf(row: ShareRow, now: Date): Share {
  const def = row.definition as unknown as Grant
  const levels = Object.entries(def.fields ?? {}).filter(([f]) => f !== '*')
  return {
    id: row.id,
    resource:
      row.ticket_id !== null
        ? { type: 'ticket', id: row.ticket_id }
        : { type: 'customer', id: row.customer_id as string },
    orgUnitId: row.org_unit_id,
    fields: levels.map(([f]) => f),
    masked: levels.filter(([, l]) => l === 'masked').map(([f]) => f),
    until: row.valid_until,
    state: stateOf(row, now),
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  }
}

const auditView = (s: Share) => ({
  ...s,
  until: s.until?.toISOString() ?? null,
  createdAt: s.createdAt.toISOString(),
  revokedAt: s.revokedAt?.toISOString() ?? null,
})

/** The caller as a person, for `created_by` / `revoked_by` (an API key is nobody). */
const personOf = (tx: TenantCtx) => (tx.actor.apiKeyId === undefined ? tx.actor.userId : null)

/** The chosen fields, checked against the catalog: 400 naming each bad one. */
function checkInput(type: ShareableType, input: ShareInput, now: Date): void {
  const errors: ErrorDetail[] = []
  const known = catalog[type].fields as Readonly<Record<string, unknown>>
  if (input.fields.length === 0)
    errors.push({ path: 'body/fields', message: 'choose at least one field' })
  input.fields.forEach((f, i) => {
    if (!Object.hasOwn(known, f))
      errors.push({ path: `body/fields/${i}`, message: `not a field of a ${type}` })
    else if (input.fields.indexOf(f) !== i)
      errors.push({ path: `body/fields/${i}`, message: 'named twice' })
  })
  if (input.until !== undefined && Number.isNaN(input.until.getTime()))
    errors.push({ path: 'body/until', message: 'not a date and time' })
  else if (input.until !== undefined && input.until.getTime() <= now.getTime())
    errors.push({ path: 'body/until', message: 'must be in the future' })
  if (errors.length) throw new AppError('validation_failed', 'the share is not valid', { errors })
}

/** A member of the team who holds nothing of their own: whom `canDelegate` gives the share to. */
function teamMember(me: BoundSubject, orgUnitId: string): BoundSubject {
  return bindSubject(me.policy, {
    id: `team:${orgUnitId}`,
    companyId: me.companyId,
    orgUnitId,
    roles: [],
  })
}

/**
 * `POST /{tickets|customers}/{id}/shares`: shares the record with a team for the chosen fields,
 * until `until` (or until revoked). Nothing is written unless every check passes.
 */
export async function createShare(
  ctx: Ctx,
  type: ShareableType,
  recordId: string,
  input: ShareInput,
): Promise<Share> {
  return inCompany(ctx, async (tx) => {
    const { resource, view, own } = await recordFor(tx, type, recordId, `${type}.share` as Action)
    checkInput(type, input, tx.now)
    await existingOrgUnit(tx, input.orgUnitId, 'body/orgUnitId')
    // each chosen field at most as the sharer sees it now: hidden is refused, masked stays masked
    const fields: Record<string, FieldLevel> = { '*': 'hidden' }
    const hidden: ErrorDetail[] = []
    input.fields.forEach((f, i) => {
      const level = view.obligations.fields[f] ?? 'hidden'
      if (level === 'hidden') hidden.push({ path: `body/fields/${i}`, message: 'hidden from you' })
      fields[f] = level === 'masked' ? 'masked' : 'read'
    })
    if (hidden.length > 0)
      throw new AppError('cannot_grant', 'you may share only fields you see', { errors: hidden })
    const definition: Grant = {
      actions: [`${type}.view` as Action],
      scope: { record: recordId },
      fields,
      ...(view.obligations.audit ? { audit: true } : {}),
      ...(view.obligations.reasonRequired ? { reasonRequired: true } : {}),
    }
    const grant: TemporaryGrant = {
      ...definition,
      id: 'new-share',
      validFrom: tx.now.getTime(),
      validUntil: input.until?.getTime() ?? 8.64e15,
    }
    let violations: readonly { action: string; reason: string }[]
    try {
      violations = canDelegate(own, teamMember(own, input.orgUnitId), grant, {
        record: resource,
      }).violations
    } catch (error) {
      if (error instanceof PolicyError)
        throw new AppError('validation_failed', 'the share is not valid', {
          errors: error.problems.map((p) => ({ path: 'body', message: p.message })),
        })
      throw error
    }
    if (violations.length > 0)
      throw new AppError('cannot_grant', 'you may share only what you hold', {
        errors: violations.map((v) => ({ path: 'body', message: `${v.action}: ${v.reason}` })),
      })
    const row = await repo.insertShareRow(
      tx.db,
      tx.actor.companyId,
      {
        type,
        recordId,
        orgUnitId: input.orgUnitId,
        definition: definition as unknown as Record<string, unknown>,
        until: input.until ?? null,
        createdBy: personOf(tx),
      },
      tx.now,
    )
    const share = shareOf(row, tx.now)
    await recordAudit(tx, {
      action: 'share.created',
      targetType: 'share',
      targetId: row.id,
      before: null,
      after: auditView(share),
    })
    return share
  })
}

export interface ShareListRequest extends PageRequest {
  /** `current` (default): neither revoked nor ended; `all`: the history too. */
  readonly state?: 'current' | 'all' | undefined
}

/**
 * `GET /{tickets|customers}/{id}/shares`: the teams the record is shared with, for whoever may
 * view it through their own access (404 otherwise, a team it is shared with included).
 */
export async function listShares(
  ctx: Ctx,
  type: ShareableType,
  recordId: string,
  request: ShareListRequest,
): Promise<Page<Share>> {
  const after = decodeCursor(request.cursor)
  return inCompany(ctx, async (tx) => {
    await recordFor(tx, type, recordId, `${type}.view` as Action)
    const rows = await repo.listShareRows(tx.db, tx.actor.companyId, type, recordId, {
      current: (request.state ?? 'current') === 'current',
      now: tx.now,
      after,
      limit: request.limit + 1,
    })
    const items = rows.slice(0, request.limit).map((r) => shareOf(r, tx.now))
    const last = items.at(-1)
    return {
      items,
      nextCursor: rows.length > request.limit && last ? encodeCursor(last.id) : null,
    }
  })
}

/**
 * `DELETE /{tickets|customers}/{id}/shares/{shareId}`: ends a share now, for whoever may share
 * the record (`<type>.share` on it: 404 when they may not view it, 403 when they may but not
 * share it). 409 when it has already ended or been revoked.
 */
export async function revokeShare(
  ctx: Ctx,
  type: ShareableType,
  recordId: string,
  shareId: string,
): Promise<Share> {
  return inCompany(ctx, async (tx) => {
    await recordFor(tx, type, recordId, `${type}.share` as Action)
    const { companyId } = tx.actor
    const row = await repo.findShareRow(tx.db, companyId, type, recordId, shareId, true)
    if (row === undefined) throw noSuchShare()
    const before = shareOf(row, tx.now)
    if (before.state !== 'active')
      throw new AppError(
        'conflict',
        `the share has ${before.state === 'ended' ? 'ended' : 'been revoked'}`,
      )
    const revoked = await repo.revokeShareRow(tx.db, companyId, shareId, personOf(tx), tx.now)
    if (revoked === undefined) throw new AppError('conflict', 'the share has been revoked')
    const after = shareOf(revoked, tx.now)
    await recordAudit(tx, {
      action: 'share.revoked',
      targetType: 'share',
      targetId: shareId,
      before: auditView(before),
      after: auditView(after),
    })
    return after
  })
}

/**
 * Offboarding (G6): the shares a departing person made end with their access. A share passes on
 * what its maker could see (a delegation); once they can see nothing, nothing is theirs to pass
 * on, so each share they made that is still in force is revoked in the offboarding transaction
 * and audited (`share.revoked`, `endedBy`). The caller decided `user.offboard`; this decides
 * nothing of its own.
 */
export async function revokeSharesMadeBy(
  tx: TenantCtx,
  userId: string,
  reason: string,
): Promise<string[]> {
  const rows = await repo.revokeSharesMadeBy(
    tx.db,
    tx.actor.companyId,
    userId,
    personOf(tx),
    tx.now,
  )
  for (const row of rows) {
    const after = shareOf(row, tx.now)
    await recordAudit(tx, {
      action: 'share.revoked',
      targetType: 'share',
      targetId: row.id,
      before: auditView({ ...after, state: 'active' }),
      after: { ...auditView(after), endedBy: reason },
    })
  }
  return rows.map((r) => r.id)
}
