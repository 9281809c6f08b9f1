/**
 * W1–W3: access requests and their approval. A person asks (`approval.create`) for a temporary
 * grant for themselves — a senior agent asking for one customer's full record to settle a
 * dispute — with a reason and a duration. The request is routed by the requester's level when it
 * is made: an agent's to the team lead of their org unit (to an admin when the unit has no
 * other active lead), a lead's or an admin's to a company admin (a person of level `admin`).
 *
 * Deciding (approve or reject) needs all of: being one of the request's approvers (403
 * `not_approver`), not being its requester (403 `own_request`), `approval.approve` /
 * `approval.reject` on it (the presets: a lead on their team's requests, never their own), and
 * being able to give the grant it asks for to the requester (canDelegate, 403 `cannot_grant`).
 * A request nobody decides expires at `expiresAt`: the clock is compared wherever it matters, no
 * job runs. Approving locks the request row, creates the grant and closes the request with one
 * conditional update, in one transaction; the grant names its request and a unique index allows
 * one grant per request, so two approvers at the same moment (on two processes) apply it once:
 * the second answers 409.
 *
 * W3: a request may instead ask for a change that needed approval — a customer's tags, numbers
 * added to a pool beyond the day's quota (effects.ts). Deciding one needs the power to make that
 * change oneself (403 `cannot_grant`); approving applies it, as the approver, in the same
 * transaction, exactly once (the same row lock and conditional update), and keeps what it did in
 * `effect`. The routes whose direct write meets `approval_required` or a daily `quota_exceeded`
 * open such a request instead (ask.service.ts).
 */
import { decide, type Action, type Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { authorize, envOf, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { decodeCursor, pageOf, type Page, type PageRequest } from '../page.js'
import type {
  ApprovalEffect,
  ApprovalPayload,
  ApprovalRequestView,
  ApprovalRoute,
  ApprovalStatus,
  EffectPayload,
  TemporaryGrantPayload,
} from './approvals.js'
import * as repo from './approvals.repo.js'
import type { ApprovalRequestRow } from './approvals.table.js'
import {
  applyEffect,
  checkAuthority,
  prepareEffect,
  type EffectInput,
  type EffectPaths,
} from './effects.js'
import {
  assertCanGive,
  boundPerson,
  giveGrant,
  grantDefinition,
  grantRecord,
  MAX_GRANT_MS,
} from './grants.service.js'

/** An undecided request expires after this long unless it says otherwise (24 hours). */
export const DEFAULT_REQUEST_TTL_MINUTES = 24 * 60
/** The longest a request may wait for a decision: 7 days. */
export const MAX_REQUEST_TTL_MINUTES = 7 * 24 * 60

/** A request as asked: a temporary grant for oneself, or a change that needs approval (W3). */
export type NewApprovalRequest = (
  { readonly type: 'temporaryGrant'; readonly payload: TemporaryGrantPayload } | EffectInput
) & {
  readonly reason: string
  readonly expiresInMinutes?: number | undefined
}

export function requestStatus(row: ApprovalRequestRow, now: Date): ApprovalStatus {
  if (row.status === 'pending' && row.expires_at.getTime() <= now.getTime()) return 'expired'
  return row.status
}

export function requestView(row: ApprovalRequestRow, now: Date): ApprovalRequestView {
  return {
    id: row.id,
    type: row.type,
    requesterId: row.requester_id,
    orgUnitId: row.org_unit_id,
    route: row.route,
    payload: row.payload as unknown as ApprovalPayload,
    reason: row.reason,
    status: requestStatus(row, now),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    grantId: row.grant_id,
    effect: (row.effect ?? null) as ApprovalEffect | null,
  }
}

const auditView = (v: ApprovalRequestView) => ({
  ...v,
  expiresAt: v.expiresAt.toISOString(),
  createdAt: v.createdAt.toISOString(),
  decidedAt: v.decidedAt?.toISOString() ?? null,
})

/** The request as the engine sees it (`approval.*` actions decide on it). */
function approvalResource(row: {
  id: string
  requester_id: string
  org_unit_id: string | null
  status: string
  type: string
}): Resource {
  return {
    type: 'approval',
    id: row.id,
    attrs: {
      id: row.id,
      requesterId: row.requester_id,
      orgUnitId: row.org_unit_id,
      status: row.status,
      type: row.type,
    },
  }
}

/** W1 routing: by the requester's level, and whether their unit has a lead to decide. */
async function routeFor(
  tx: TenantCtx,
  person: { id: string; level: string; org_unit_id: string | null },
): Promise<ApprovalRoute> {
  if (person.level === 'lead' || person.level === 'admin') return 'admin'
  if (person.org_unit_id === null) return 'admin'
  const lead = await repo.unitHasLead(tx.db, tx.actor.companyId, person.org_unit_id, person.id)
  return lead ? 'lead' : 'admin'
}

/** Is the caller one of the request's approvers (its route's), as they are now? */
async function isApprover(tx: TenantCtx, row: ApprovalRequestRow): Promise<boolean> {
  const me = await repo.personRow(tx.db, tx.actor.companyId, tx.actor.userId)
  if (me === undefined || me.status !== 'active') return false
  if (me.level === 'admin') return true
  return row.route === 'lead' && me.level === 'lead' && me.org_unit_id === row.org_unit_id
}

/** The requester, an approver, or `approval.view` on it (a lead: their team's requests). */
async function visible(tx: TenantCtx, row: ApprovalRequestRow): Promise<boolean> {
  if (row.requester_id === tx.actor.userId) return true
  if (await isApprover(tx, row)) return true
  return decide(
    await subjectOf(tx),
    'approval.view',
    { ...approvalResource(row), companyId: tx.actor.companyId },
    envOf(tx),
  ).allowed
}

const noSuchRequest = () =>
  new AppError('not_found', 'no such request', {
    errors: [{ path: 'params/id', message: 'no such request' }],
  })

/** The requester as stored; undefined for an API key (nobody: it cannot ask). */
async function requesterOf(tx: TenantCtx) {
  return repo.personRow(tx.db, tx.actor.companyId, tx.actor.userId)
}

type Person = NonNullable<Awaited<ReturnType<typeof requesterOf>>>

/** Stores a checked request for `person`, routed by their level, and audits it. */
async function insertRequestIn(
  tx: TenantCtx,
  person: Person,
  request: {
    type: ApprovalRequestRow['type']
    payload: ApprovalPayload
    reason: string
    expiresInMinutes?: number | undefined
  },
): Promise<ApprovalRequestView> {
  const ttl = request.expiresInMinutes ?? DEFAULT_REQUEST_TTL_MINUTES
  const row = await repo.insertRequest(
    tx.db,
    tx.actor.companyId,
    {
      type: request.type,
      requesterId: person.id,
      orgUnitId: person.org_unit_id,
      route: await routeFor(tx, person),
      payload: { ...request.payload } as unknown as Record<string, unknown>,
      reason: request.reason,
      expiresAt: new Date(tx.now.getTime() + ttl * 60_000),
    },
    tx.now,
  )
  const view = requestView(row, tx.now)
  await recordAudit(tx, {
    action: 'approval.requested',
    targetType: 'approval',
    targetId: row.id,
    before: null,
    after: auditView(view),
  })
  return view
}

/**
 * `POST /approvals`: ask. A grant is checked now (`approval.create`; 400, 404 for a record I may
 * not view); a change (W3) as its direct write would be (prepareEffect: 400, 404, 403, 409).
 */
export async function createApprovalRequest(
  ctx: Ctx,
  input: NewApprovalRequest,
): Promise<ApprovalRequestView> {
  return inCompany(ctx, async (tx) => {
    const { userId } = tx.actor
    const person = await requesterOf(tx)
    // an API key is nobody: it cannot ask for a person's grant, nor a change
    if (person === undefined) throw new AppError('forbidden', 'only a person may ask for access')
    if (input.type !== 'temporaryGrant') {
      const field = input.type === 'customerTags' ? 'customerId' : 'poolId'
      const values = input.type === 'customerTags' ? 'tags' : 'numbers'
      const payload = await prepareEffect(tx, input, {
        record: `body/payload/${field}`,
        values: `body/payload/${values}`,
      })
      return insertRequestIn(tx, person, { ...input, payload })
    }
    const draft = {
      id: 'new',
      requester_id: userId,
      org_unit_id: person.org_unit_id,
      status: 'pending',
      type: input.type,
    }
    await authorize(tx, 'approval.create', approvalResource(draft), {
      recorded: true,
      reason: input.reason,
    })
    const { durationMinutes, ...spec } = input.payload
    grantDefinition(spec, 'body/payload')
    if (durationMinutes * 60_000 > MAX_GRANT_MS)
      throw new AppError('validation_failed', 'the grant would last too long', {
        errors: [{ path: 'body/payload/durationMinutes', message: 'at most 30 days (43200)' }],
      })
    if (spec.resource)
      await grantRecord(tx, await subjectOf(tx), spec.resource, 'body/payload/resource')
    return insertRequestIn(tx, person, input)
  })
}

/**
 * W3: opens a request for a change whose direct write met `approval_required` or a daily
 * `quota_exceeded`, in that write's transaction (ask.service.ts). Undefined when the caller is
 * no person (an API key): the write's own refusal stands then.
 */
export async function openEffectRequest(
  tx: TenantCtx,
  input: EffectInput & { readonly reason: string },
  paths: EffectPaths,
): Promise<ApprovalRequestView | undefined> {
  const person = await requesterOf(tx)
  if (person === undefined || person.status !== 'active') return undefined
  const payload = await prepareEffect(tx, input, paths)
  return insertRequestIn(tx, person, { type: input.type, payload, reason: input.reason })
}

export interface ApprovalListRequest extends PageRequest {
  readonly view: 'mine' | 'to-decide'
}

/**
 * `GET /approvals?view=mine|to-decide`: my requests (every status), or the pending ones I may
 * decide now (routed to me, not mine, `approval.approve` on them).
 */
export async function listApprovalRequests(
  ctx: Ctx,
  request: ApprovalListRequest,
): Promise<Page<ApprovalRequestView>> {
  const after = decodeCursor(request.cursor)
  return inCompany(ctx, async (tx) => {
    const { companyId, userId } = tx.actor
    if (request.view === 'mine') {
      const rows = await repo.listRequestRows(
        tx.db,
        companyId,
        { kind: 'mine', requesterId: userId },
        { after, limit: request.limit + 1 },
      )
      return pageOf(rows, request.limit, (r) => requestView(r, tx.now))
    }
    const me = await repo.personRow(tx.db, companyId, userId)
    const admin = me?.status === 'active' && me.level === 'admin'
    const leadOf = me?.status === 'active' && me.level === 'lead' ? me.org_unit_id : null
    const rows = await repo.listRequestRows(
      tx.db,
      companyId,
      { kind: 'to-decide', deciderId: userId, leadOf, admin, now: tx.now },
      { after, limit: request.limit + 1 },
    )
    const page = pageOf(rows, request.limit, (r) => r)
    const subject = await subjectOf(tx)
    const env = envOf(tx)
    // a row the engine would not let me approve is not mine to decide (the cursor still moves)
    const items = page.items
      .filter(
        (r) =>
          decide(subject, 'approval.approve', { ...approvalResource(r), companyId }, env).allowed,
      )
      .map((r) => requestView(r, tx.now))
    return { items, nextCursor: page.nextCursor }
  })
}

export async function getApprovalRequest(ctx: Ctx, id: string): Promise<ApprovalRequestView> {
  return inCompany(ctx, async (tx) => {
    const row = await repo.findRequest(tx.db, tx.actor.companyId, id)
    if (row === undefined || !(await visible(tx, row))) throw noSuchRequest()
    return requestView(row, tx.now)
  })
}

/** Refuses a request that is no longer pending (409), naming what it is. */
function assertPending(row: ApprovalRequestRow, now: Date): void {
  const status = requestStatus(row, now)
  if (status !== 'pending')
    throw new AppError('conflict', `the request is ${status}`, {
      errors: [{ path: 'params/id', message: `already ${status}` }],
    })
}

/** What approving a request does, once every check has passed: a grant or a change. */
type Apply = () => Promise<{ grantId: string | null; effect: ApprovalEffect | null }>

/**
 * The checks every decision passes, on the locked row: visible (404), routed to me (403
 * `not_approver`), not mine (403 `own_request`), the engine's `approval.<verb>` (403), still
 * pending (409), the requester still active (409), and the grant mine to give to the requester
 * or the change mine to make (403 `cannot_grant`).
 */
async function decidable(
  tx: TenantCtx,
  id: string,
  verb: 'approve' | 'reject',
): Promise<{ row: ApprovalRequestRow; apply: Apply }> {
  const { companyId, userId } = tx.actor
  const row = await repo.findRequest(tx.db, companyId, id, true)
  if (row === undefined || !(await visible(tx, row))) throw noSuchRequest()
  if (row.requester_id === userId)
    throw new AppError('own_request', 'you asked for this: someone else decides it')
  if (!(await isApprover(tx, row)))
    throw new AppError(
      'not_approver',
      row.route === 'admin'
        ? 'this request is routed to a company admin'
        : "this request is routed to the requester's team lead",
    )
  await authorize(tx, `approval.${verb}` as Action, approvalResource(row), { recorded: true })
  assertPending(row, tx.now)
  if (row.type !== 'temporaryGrant') {
    const requester = await repo.personRow(tx.db, companyId, row.requester_id)
    const status = requester?.status ?? 'offboarded'
    if (status !== 'active')
      throw new AppError('conflict', `the requester is ${status}`, {
        errors: [{ path: 'params/id', message: `the requester is ${status}` }],
      })
    const payload = row.payload as unknown as EffectPayload
    // deciding at all needs the power to make the change oneself (W2), checked writing nothing
    await checkAuthority(tx, row.type, payload, verb, 'params/id')
    const type = row.type
    return {
      row,
      apply: async () => ({
        grantId: null,
        effect: await applyEffect(tx, type, payload, 'params/id'),
      }),
    }
  }
  const { durationMinutes, ...spec } = row.payload as unknown as TemporaryGrantPayload
  const me = await subjectOf(tx)
  const { bound: requester, status } = await boundPerson(tx, row.requester_id, 'params/id')
  if (status !== 'active')
    throw new AppError('conflict', `the requester is ${status}`, {
      errors: [{ path: 'params/id', message: `the requester is ${status}` }],
    })
  const validFrom = tx.now
  const validUntil = new Date(tx.now.getTime() + durationMinutes * 60_000)
  const give = () =>
    giveGrant(tx, {
      granter: me,
      grantee: requester,
      spec,
      validFrom,
      validUntil,
      reason: row.reason,
      approvalId: row.id,
      path: 'params/id',
    })
  // deciding at all, approving or rejecting, needs the power to grant it (W2): checked here
  // without writing anything; approving then gives it through the same check
  const definition = grantDefinition(spec, 'params/id')
  const record = spec.resource
    ? await grantRecord(tx, me, spec.resource, 'params/id').catch(() => undefined)
    : undefined
  if (spec.resource && record === undefined)
    throw new AppError('cannot_grant', 'you may grant only what you hold', {
      errors: [{ path: 'params/id', message: 'the record is not one you may open' }],
    })
  assertCanGive(
    me,
    requester,
    { ...definition, id: 'new', validFrom: validFrom.getTime(), validUntil: validUntil.getTime() },
    record,
    'params/id',
  )
  return { row, apply: async () => ({ grantId: (await give()).id, effect: null }) }
}

/**
 * `POST /approvals/{id}/approve`: the grant is created, or the change applied (W3, as the
 * approver), in the same transaction, exactly once.
 */
export async function approveRequest(
  ctx: Ctx,
  id: string,
  input: { reason?: string | undefined } = {},
): Promise<ApprovalRequestView> {
  return inCompany(ctx, async (tx) => {
    const { row, apply } = await decidable(tx, id, 'approve')
    const { grantId, effect } = await apply()
    const closed = await repo.closeRequest(
      tx.db,
      tx.actor.companyId,
      id,
      {
        status: 'approved',
        decidedBy: tx.actor.userId,
        decisionReason: input.reason ?? null,
        grantId,
        effect,
      },
      tx.now,
    )
    // the row lock makes this unreachable; if it were reached, the grant or change rolls back
    if (closed === undefined) throw new AppError('conflict', 'the request was decided meanwhile')
    const after = requestView(closed, tx.now)
    await recordAudit(tx, {
      action: 'approval.approved',
      targetType: 'approval',
      targetId: id,
      before: auditView(requestView(row, tx.now)),
      after: auditView(after),
    })
    return after
  })
}

/** `POST /approvals/{id}/reject` `{ reason }`: closed with the reason; nothing is granted. */
export async function rejectRequest(
  ctx: Ctx,
  id: string,
  input: { reason: string },
): Promise<ApprovalRequestView> {
  return inCompany(ctx, async (tx) => {
    const { row } = await decidable(tx, id, 'reject')
    const closed = await repo.closeRequest(
      tx.db,
      tx.actor.companyId,
      id,
      {
        status: 'rejected',
        decidedBy: tx.actor.userId,
        decisionReason: input.reason,
        grantId: null,
      },
      tx.now,
    )
    if (closed === undefined) throw new AppError('conflict', 'the request was decided meanwhile')
    const after = requestView(closed, tx.now)
    await recordAudit(tx, {
      action: 'approval.rejected',
      targetType: 'approval',
      targetId: id,
      before: auditView(requestView(row, tx.now)),
      after: auditView(after),
    })
    return after
  })
}

/** `POST /approvals/{id}/cancel`: the requester withdraws a pending request. */
export async function cancelRequest(ctx: Ctx, id: string): Promise<ApprovalRequestView> {
  return inCompany(ctx, async (tx) => {
    const row = await repo.findRequest(tx.db, tx.actor.companyId, id, true)
    if (row === undefined || !(await visible(tx, row))) throw noSuchRequest()
    if (row.requester_id !== tx.actor.userId)
      throw new AppError('forbidden', 'only the requester withdraws a request')
    // the requester may always withdraw their own request, whatever their roles say
    assertPending(row, tx.now)
    const closed = await repo.closeRequest(
      tx.db,
      tx.actor.companyId,
      id,
      { status: 'cancelled', decidedBy: null, decisionReason: null, grantId: null },
      tx.now,
    )
    if (closed === undefined) throw new AppError('conflict', 'the request was decided meanwhile')
    const after = requestView(closed, tx.now)
    await recordAudit(tx, {
      action: 'approval.cancelled',
      targetType: 'approval',
      targetId: id,
      before: auditView(requestView(row, tx.now)),
      after: auditView(after),
    })
    return after
  })
}

/**
 * G6: cancels every open request of `requesterId` (offboarding: nobody is left to use what they
 * asked for), each audited `approval.cancelled` with `reason`. Answers the ids it closed.
 */
export async function cancelRequestsOf(
  tx: TenantCtx,
  requesterId: string,
  reason: string,
): Promise<string[]> {
  const { companyId } = tx.actor
  const closedIds: string[] = []
  for (const row of await repo.openRequestRowsOf(tx.db, companyId, requesterId, tx.now)) {
    const closed = await repo.closeRequest(
      tx.db,
      companyId,
      row.id,
      { status: 'cancelled', decidedBy: null, decisionReason: reason, grantId: null },
      tx.now,
    )
    if (closed === undefined) continue
    closedIds.push(row.id)
    await recordAudit(tx, {
      action: 'approval.cancelled',
      targetType: 'approval',
      targetId: row.id,
      before: auditView(requestView(row, tx.now)),
      after: auditView(requestView(closed, tx.now)),
    })
  }
  return closedIds
}
