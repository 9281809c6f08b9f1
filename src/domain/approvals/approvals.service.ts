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
 * open such a request instead (ask.service.ts), as does submitting a script for publication.
 *
 * W2, several steps: a company may configure per request type an ordered list of steps
 * (`approval_routes`, e.g. a team lead then an admin); a request keeps the steps resolved when
 * it was made. Each step is decided by its route's approvers with every check above, by a person
 * who decided no other step of it (403 `not_approver`); an approval of a step before the last
 * moves the request on (`approval.step_approved`), the last one applies it, a rejection at any
 * step closes it. Every decided step is a row of `approval_steps`, whose keys allow one decision
 * a step and one step a person. Two approvers of one step at the same moment: the second finds
 * the request moved on under its lock (or the `step` it named passed) and answers 409.
 */
import { decide, type Action, type Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { authorize, envOf, subjectOf } from '../access/index.js'
import { recordAudit, recordSystemAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { decodeCursor, pageOf, type Page, type PageRequest } from '../page.js'
import { scriptRecords, withdrawScriptIn } from '../scripts/index.js'
import { lockUsers } from '../users/index.js'
import {
  approvalTypes,
  MAX_APPROVAL_STEPS,
  type ApprovalEffect,
  type ApprovalPayload,
  type ApprovalRequestView,
  type ApprovalRoute,
  type ApprovalRouteConfig,
  type ApprovalStatus,
  type ApprovalStepView,
  type ApprovalType,
  type DataSupplementPayload,
  type NamedRoute,
  type EffectPayload,
  type ScriptChangePayload,
  type TemporaryGrantPayload,
} from './approvals.js'
import * as repo from './approvals.repo.js'
import type { ApprovalRequestRow, ApprovalRouteRow, ApprovalStepRow } from './approvals.table.js'
import {
  applyEffect,
  checkAuthority,
  effectPaths,
  maskedSupplement,
  prepareEffect,
  supplementSeenBy,
  withdrawEffect,
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

/**
 * The request as `viewerId` sees it: its steps from the decided ones; a supplement's secret
 * values masked for anyone but its requester (null: the audit log, always masked).
 */
export function requestView(
  row: ApprovalRequestRow,
  now: Date,
  decided: readonly ApprovalStepRow[],
  viewerId: string | null,
): ApprovalRequestView {
  const status = requestStatus(row, now)
  const open = status === 'pending'
  const steps = row.steps.map((route, i): ApprovalStepView => {
    const d = decided.find((x) => x.approval_id === row.id && x.step === i)
    if (d !== undefined)
      return {
        route: d.route,
        status: d.decision,
        decidedBy: d.decided_by,
        decidedAt: d.decided_at,
        reason: d.reason,
      }
    const waiting = !open ? 'skipped' : i === row.step ? 'pending' : 'waiting'
    return { route, status: waiting, decidedBy: null, decidedAt: null, reason: null }
  })
  const payload = row.payload as unknown as ApprovalPayload
  return {
    id: row.id,
    type: row.type,
    requesterId: row.requester_id,
    orgUnitId: row.org_unit_id,
    route: row.route,
    steps,
    step: open ? row.step + 1 : null,
    payload:
      row.type === 'dataSupplement' && viewerId !== row.requester_id
        ? maskedSupplement(payload as DataSupplementPayload)
        : payload,
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
  steps: v.steps.map((x) => ({ ...x, decidedAt: x.decidedAt?.toISOString() ?? null })),
  expiresAt: v.expiresAt.toISOString(),
  createdAt: v.createdAt.toISOString(),
  decidedAt: v.decidedAt?.toISOString() ?? null,
})

/** The requests as the caller sees them, with their decided steps (one query for all). */
async function viewsOf(
  tx: TenantCtx,
  rows: readonly ApprovalRequestRow[],
): Promise<ApprovalRequestView[]> {
  const decided = await repo.stepRows(
    tx.db,
    tx.actor.companyId,
    rows.map((r) => r.id),
  )
  const views = rows.map((r) => requestView(r, tx.now, decided, tx.actor.userId))
  // issue 11: a supplement's values as the caller's own field rules show them (not the requester)
  return Promise.all(
    views.map(async (v, i) => {
      const row = rows[i] as ApprovalRequestRow
      if (row.type !== 'dataSupplement' || row.requester_id === tx.actor.userId) return v
      const payload = row.payload as unknown as DataSupplementPayload
      return { ...v, payload: await supplementSeenBy(tx, payload) }
    }),
  )
}

const viewOf = async (tx: TenantCtx, row: ApprovalRequestRow) =>
  (await viewsOf(tx, [row]))[0] as ApprovalRequestView

/** The request as the audit log keeps it: steps included, secrets masked. */
async function auditOf(tx: TenantCtx, row: ApprovalRequestRow) {
  const decided = await repo.stepRows(tx.db, tx.actor.companyId, [row.id])
  return auditView(requestView(row, tx.now, decided, null))
}

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

/**
 * W2: the steps of a new request — the company's configured steps for its type (a `lead` step
 * resolved as below for this requester), or one step: `publisher` for a script, else by level.
 */
async function stepsFor(
  tx: TenantCtx,
  person: { id: string; level: string; org_unit_id: string | null },
  type: ApprovalType,
): Promise<ApprovalRoute[]> {
  const byLevel = await routeFor(tx, person)
  const configured = await repo.routeRow(tx.db, tx.actor.companyId, type)
  if (configured === undefined) return [type === 'scriptChange' ? 'publisher' : byLevel]
  return configured.steps.map((step) => (step === 'lead' ? byLevel : step))
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

/**
 * Is the caller one of the approvers of the request's current step (its route's), as they are
 * now? A `publisher` step's approvers are those who hold `script.approve` on the version.
 */
async function isApprover(tx: TenantCtx, row: ApprovalRequestRow): Promise<boolean> {
  const me = await repo.personRow(tx.db, tx.actor.companyId, tx.actor.userId)
  if (me === undefined || me.status !== 'active') return false
  if (row.route === 'publisher') {
    const { scriptId } = row.payload as unknown as ScriptChangePayload
    return (await scriptRecords.visible(tx, scriptId, 'script.approve')) !== undefined
  }
  // issue 11: a step naming a person or a role is theirs alone (no admin stands in)
  if (row.route.startsWith('user:')) return row.route === `user:${me.id}`
  if (row.route.startsWith('role:'))
    return (await repo.roleIdsOf(tx.db, tx.actor.companyId, me.id)).includes(row.route.slice(5))
  if (me.level === 'admin') return true
  return row.route === 'lead' && me.level === 'lead' && me.org_unit_id === row.org_unit_id
}

/** Issue 11: the named routes a person decides: themselves and each of their roles. */
async function namedRoutesOf(tx: TenantCtx, userId: string): Promise<NamedRoute[]> {
  const roles = await repo.roleIdsOf(tx.db, tx.actor.companyId, userId)
  return [`user:${userId}`, ...roles.map((r): NamedRoute => `role:${r}`)]
}

/** Has the caller decided a step of this request already (W2: never two)? */
async function decidedAStep(tx: TenantCtx, row: ApprovalRequestRow): Promise<boolean> {
  const decided = await repo.stepRows(tx.db, tx.actor.companyId, [row.id])
  return decided.some((d) => d.decided_by === tx.actor.userId)
}

/**
 * The requester, an approver of its current step, a decider of an earlier step, or
 * `approval.view` on it (a lead: their team's requests).
 */
async function visible(tx: TenantCtx, row: ApprovalRequestRow): Promise<boolean> {
  if (row.requester_id === tx.actor.userId) return true
  if (await isApprover(tx, row)) return true
  if (await decidedAStep(tx, row)) return true
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
      steps: await stepsFor(tx, person, request.type),
      payload: { ...request.payload } as unknown as Record<string, unknown>,
      reason: request.reason,
      expiresAt: new Date(tx.now.getTime() + ttl * 60_000),
    },
    tx.now,
  )
  await recordAudit(tx, {
    action: 'approval.requested',
    targetType: 'approval',
    targetId: row.id,
    before: null,
    after: await auditOf(tx, row),
  })
  return viewOf(tx, row)
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
    const draft = {
      id: 'new',
      requester_id: userId,
      org_unit_id: person.org_unit_id,
      status: 'pending',
      type: input.type,
    }
    // a grant and a data supplement are asked with `approval.create`; the other changes need
    // the action itself, checked by prepareEffect (the rule that sends them to approval)
    if (input.type === 'temporaryGrant' || input.type === 'dataSupplement')
      await authorize(tx, 'approval.create', approvalResource(draft), {
        recorded: true,
        reason: input.reason,
      })
    if (input.type !== 'temporaryGrant') {
      if (input.type === 'scriptChange') await closeStaleScriptRequests(tx, input.payload.scriptId)
      const payload = await prepareEffect(tx, input, effectPaths[input.type])
      return insertRequestIn(tx, person, { ...input, payload })
    }
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
  if (input.type === 'scriptChange') await closeStaleScriptRequests(tx, input.payload.scriptId)
  const payload = await prepareEffect(tx, input, paths)
  return insertRequestIn(tx, person, { type: input.type, payload, reason: input.reason })
}

/**
 * A script submitted again (edited back to a draft since its last submission) leaves no second
 * open request beside the new one: the old one is cancelled, audited, with the reason.
 */
async function closeStaleScriptRequests(tx: TenantCtx, scriptId: string): Promise<void> {
  for (const row of await repo.openScriptRequests(tx.db, tx.actor.companyId, scriptId))
    await closeScriptRequest(tx, row, 'the script version was submitted again')
}

/** Closes one script request as cancelled with `reason` (the version is left as it is). */
async function closeScriptRequest(
  tx: TenantCtx,
  row: ApprovalRequestRow,
  reason: string,
): Promise<void> {
  const closed = await repo.closeRequest(
    tx.db,
    tx.actor.companyId,
    row.id,
    { status: 'cancelled', decidedBy: null, decisionReason: reason, grantId: null },
    tx.now,
  )
  if (closed === undefined) return
  await recordAudit(tx, {
    action: 'approval.cancelled',
    targetType: 'approval',
    targetId: row.id,
    before: await auditOf(tx, row),
    after: await auditOf(tx, closed),
  })
}

/**
 * Issue 11: an edit of a pending version (back to a draft: the submission was of the old text)
 * closes its open request in the edit's transaction — cancelled, audited, with the reason — so
 * nobody approves a text that is no longer the one submitted.
 */
export async function closeEditedScriptRequests(tx: TenantCtx, scriptId: string): Promise<void> {
  for (const row of await repo.openScriptRequests(tx.db, tx.actor.companyId, scriptId))
    await closeScriptRequest(tx, row, 'the script version was edited')
}

/**
 * Issue 11: a `scriptChange` request that expired undecided takes its version back to a draft
 * (withdrawn, as a rejection would), the first time scripts are touched after it expired (by
 * anyone, in their transaction: registered with the scripts module, no job runs). Audited
 * `approval.expired` (the request) and `script.updated` (pending → draft) as the system's
 * events: no actor — the clock withdrew it, not the person whose request noticed — with that
 * request's id (`requestId`) and, on the script's, `how: "expired"` and the request. The
 * request stays `expired`; the version is submitted again as any draft is. A version submitted again since
 * (another submission time) is not touched.
 */
export async function settleExpiredScriptRequests(tx: TenantCtx): Promise<void> {
  for (const row of await repo.expiredScriptRequests(tx.db, tx.actor.companyId, tx.now)) {
    const { script_submitted_at: submittedAt, ...request } = row
    const payload = request.payload as unknown as ScriptChangePayload
    const submitted = payload.submittedAt ?? request.created_at.toISOString()
    if (submittedAt === null || submittedAt.toISOString() !== submitted) continue
    // withdrawn by the clock, not by whoever's request noticed it: the system's events
    if (!(await withdrawScriptIn(tx, payload.scriptId, { approvalId: request.id }))) continue
    const view = await auditOf(tx, request)
    await recordSystemAudit(tx, {
      action: 'approval.expired',
      targetType: 'approval',
      targetId: request.id,
      before: view,
      after: view,
    })
  }
}

/** The open `scriptChange` request of a script version, if any (the publish endpoint's). */
export async function openScriptRequestOf(
  tx: TenantCtx,
  scriptId: string,
): Promise<string | undefined> {
  const rows = await repo.openScriptRequests(tx.db, tx.actor.companyId, scriptId)
  return rows.find((r) => requestStatus(r, tx.now) === 'pending')?.id
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
      const page = pageOf(rows, request.limit, (r) => r)
      return { items: await viewsOf(tx, page.items), nextCursor: page.nextCursor }
    }
    const me = await repo.personRow(tx.db, companyId, userId)
    const admin = me?.status === 'active' && me.level === 'admin'
    const leadOf = me?.status === 'active' && me.level === 'lead' ? me.org_unit_id : null
    const rows = await repo.listRequestRows(
      tx.db,
      companyId,
      {
        kind: 'to-decide',
        deciderId: userId,
        leadOf,
        admin,
        publisher: me?.status === 'active',
        named: me?.status === 'active' ? await namedRoutesOf(tx, userId) : [],
        now: tx.now,
      },
      { after, limit: request.limit + 1 },
    )
    const page = pageOf(rows, request.limit, (r) => r)
    const subject = await subjectOf(tx)
    const env = envOf(tx)
    // a row the engine would not let me approve is not mine to decide, nor a script I may not
    // publish (the cursor still moves)
    const mine: ApprovalRequestRow[] = []
    for (const r of page.items) {
      if (!decide(subject, 'approval.approve', { ...approvalResource(r), companyId }, env).allowed)
        continue
      if (r.route === 'publisher' && !(await isApprover(tx, r))) continue
      mine.push(r)
    }
    return { items: await viewsOf(tx, mine), nextCursor: page.nextCursor }
  })
}

export async function getApprovalRequest(ctx: Ctx, id: string): Promise<ApprovalRequestView> {
  return inCompany(ctx, async (tx) => {
    const row = await repo.findRequest(tx.db, tx.actor.companyId, id)
    if (row === undefined || !(await visible(tx, row))) throw noSuchRequest()
    return viewOf(tx, row)
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

const decidedMeanwhile = () =>
  new AppError('conflict', 'the request was decided meanwhile', {
    errors: [{ path: 'params/id', message: 'decided meanwhile: read it again' }],
  })

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
  expectedStep?: number,
): Promise<{ row: ApprovalRequestRow; apply: Apply }> {
  const { companyId, userId } = tx.actor
  // W2: the request as it was when this decision began, then as it is under the row lock: a
  // step decided by someone else in between makes this one 409, never a decision of the next
  const seen = await repo.findRequest(tx.db, companyId, id)
  const row = await repo.findRequest(tx.db, companyId, id, true)
  if (row === undefined || !(await visible(tx, row))) throw noSuchRequest()
  // a grant given is offered waiting calls (inCompany's onRightsChanged): the requester's row
  // before any audit (queue routing's lock order)
  if (row.type === 'temporaryGrant') await lockUsers(tx, [row.requester_id])
  if (row.requester_id === userId)
    throw new AppError('own_request', 'you asked for this: someone else decides it')
  // W2: the step this decision was for has passed: 409, whoever decides the next one
  if (seen !== undefined && (seen.step !== row.step || seen.status !== row.status))
    throw decidedMeanwhile()
  if (expectedStep !== undefined && expectedStep !== row.step + 1)
    throw new AppError('conflict', `the request is at step ${row.step + 1}, not ${expectedStep}`, {
      errors: [{ path: 'body/step', message: `the request is not at step ${expectedStep}` }],
    })
  if (!(await isApprover(tx, row)))
    throw new AppError('not_approver', notApproverMessage(row.route))
  await authorize(tx, `approval.${verb}` as Action, approvalResource(row), { recorded: true })
  assertPending(row, tx.now)
  if (await decidedAStep(tx, row))
    throw new AppError(
      'not_approver',
      'you decided a step of this request: someone else decides this one',
      {
        errors: [{ path: 'params/id', message: 'nobody decides two steps of one request' }],
      },
    )
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

function notApproverMessage(route: ApprovalRoute): string {
  if (route === 'admin') return 'this request is routed to a company admin'
  if (route === 'publisher') return 'this request is routed to those who may publish the script'
  if (route.startsWith('role:')) return 'this step is routed to the holders of a named role'
  if (route.startsWith('user:')) return 'this step is routed to a named person'
  return "this request is routed to the requester's team lead"
}

/** A decision as asked: a note, and the step it decides (1, 2, …; 409 once that one passed). */
export interface DecisionInput {
  readonly reason?: string | undefined
  readonly step?: number | undefined
}

/** W2: the decided step, kept; its keys make a second decision of it fail (409). */
async function recordStep(
  tx: TenantCtx,
  row: ApprovalRequestRow,
  decision: 'approved' | 'rejected',
  reason: string | null,
): Promise<void> {
  try {
    await repo.insertStep(tx.db, tx.actor.companyId, {
      approval_id: row.id,
      step: row.step,
      route: row.route,
      decision,
      decided_by: tx.actor.userId,
      decided_at: tx.now,
      reason,
    })
  } catch (error) {
    if ((error as { code?: unknown }).code === '23505') throw decidedMeanwhile()
    throw error
  }
}

/**
 * `POST /approvals/{id}/approve`: a step before the last moves the request on; the last one
 * creates the grant, or applies the change (W3, as the approver), in the same transaction,
 * exactly once.
 */
export async function approveRequest(
  ctx: Ctx,
  id: string,
  input: DecisionInput = {},
): Promise<ApprovalRequestView> {
  return inCompany(ctx, (tx) => approveRequestIn(tx, id, input))
}

/** approveRequest in the caller's transaction (the script publish endpoint's). */
export async function approveRequestIn(
  tx: TenantCtx,
  id: string,
  input: DecisionInput = {},
): Promise<ApprovalRequestView> {
  const { row, apply } = await decidable(tx, id, 'approve', input.step)
  const before = await auditOf(tx, row)
  await recordStep(tx, row, 'approved', input.reason ?? null)
  if (row.step < row.steps.length - 1) {
    const next = row.steps[row.step + 1] as ApprovalRoute
    const moved = await repo.advanceRequest(tx.db, tx.actor.companyId, id, row.step, next, tx.now)
    if (moved === undefined) throw decidedMeanwhile()
    await recordAudit(tx, {
      action: 'approval.step_approved',
      targetType: 'approval',
      targetId: id,
      before,
      after: await auditOf(tx, moved),
    })
    return viewOf(tx, moved)
  }
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
  await recordAudit(tx, {
    action: 'approval.approved',
    targetType: 'approval',
    targetId: id,
    before,
    after: await auditOf(tx, closed),
  })
  return viewOf(tx, closed)
}

/**
 * `POST /approvals/{id}/reject` `{ reason }`: at any step, closed with the reason; nothing is
 * granted or changed (a submitted script goes back to a draft).
 */
export async function rejectRequest(
  ctx: Ctx,
  id: string,
  input: { reason: string; step?: number | undefined },
): Promise<ApprovalRequestView> {
  return inCompany(ctx, async (tx) => {
    const { row } = await decidable(tx, id, 'reject', input.step)
    const before = await auditOf(tx, row)
    await recordStep(tx, row, 'rejected', input.reason)
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
    if (closed.type !== 'temporaryGrant')
      await withdrawEffect(tx, closed.type, closed.payload as unknown as EffectPayload)
    await recordAudit(tx, {
      action: 'approval.rejected',
      targetType: 'approval',
      targetId: id,
      before,
      after: await auditOf(tx, closed),
    })
    return viewOf(tx, closed)
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
    if (closed.type !== 'temporaryGrant')
      await withdrawEffect(tx, closed.type, closed.payload as unknown as EffectPayload)
    await recordAudit(tx, {
      action: 'approval.cancelled',
      targetType: 'approval',
      targetId: id,
      before: await auditOf(tx, row),
      after: await auditOf(tx, closed),
    })
    return viewOf(tx, closed)
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
    if (closed.type !== 'temporaryGrant')
      await withdrawEffect(tx, closed.type, closed.payload as unknown as EffectPayload)
    await recordAudit(tx, {
      action: 'approval.cancelled',
      targetType: 'approval',
      targetId: row.id,
      before: await auditOf(tx, row),
      after: await auditOf(tx, closed),
    })
  }
  return closedIds
}

// --- W2: the routes a company configures ------------------------------------------------------

function routeConfig(type: ApprovalType, row: ApprovalRouteRow | undefined): ApprovalRouteConfig {
  return {
    type,
    configured: row !== undefined,
    steps: row === undefined ? null : [...row.steps],
    updatedBy: row?.updated_by ?? null,
    updatedAt: row?.updated_at ?? null,
  }
}

const routeAudit = (c: ApprovalRouteConfig) => ({
  ...c,
  updatedAt: c.updatedAt?.toISOString() ?? null,
})

/** `GET /approval-routes`: every request type's steps (`securitySettings.view`: admins). */
export async function listApprovalRoutes(ctx: Ctx): Promise<ApprovalRouteConfig[]> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'securitySettings.view')
    const rows = await repo.routeRows(tx.db, tx.actor.companyId)
    return approvalTypes.map((t) =>
      routeConfig(
        t,
        rows.find((r) => r.type === t),
      ),
    )
  })
}

/**
 * `PUT /approval-routes/{type}` `{ steps }`: the ordered steps of new requests of this type
 * (`securitySettings.edit`: admins; audited `approvalRoute.updated`, before → after). Requests
 * made before keep their steps. `publisher` is a script's step only (400 elsewhere).
 */
export async function setApprovalRoute(
  ctx: Ctx,
  type: ApprovalType,
  steps: readonly ApprovalRoute[],
): Promise<ApprovalRouteConfig> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'securitySettings.edit', undefined, { recorded: true })
    if (steps.length < 1 || steps.length > MAX_APPROVAL_STEPS)
      throw new AppError('validation_failed', 'the route is not valid', {
        errors: [{ path: 'body/steps', message: `1 to ${MAX_APPROVAL_STEPS} steps` }],
      })
    const misplaced = steps.flatMap((s, i) =>
      s === 'publisher' && type !== 'scriptChange'
        ? [{ path: `body/steps/${i}`, message: 'publisher is a script change’s step only' }]
        : [],
    )
    if (misplaced.length > 0)
      throw new AppError('validation_failed', 'the route is not valid', { errors: misplaced })
    const { companyId, userId } = tx.actor
    // issue 11: a named role or person must be the company's (another company's id: 404)
    const unknown: { path: string; message: string }[] = []
    for (const [i, s] of steps.entries()) {
      const named = /^(role|user):(.+)$/.exec(s)
      if (named === null) continue
      const kind = named[1] as 'role' | 'user'
      if (!(await repo.namedExists(tx.db, companyId, kind, named[2] as string)))
        unknown.push({
          path: `body/steps/${i}`,
          message: `no such ${kind === 'role' ? 'role' : 'person'}`,
        })
    }
    if (unknown.length > 0)
      throw new AppError('not_found', 'a step names no role or person of the company', {
        errors: unknown,
      })
    const before = routeConfig(type, await repo.routeRow(tx.db, companyId, type, true))
    const person = await repo.personRow(tx.db, companyId, userId)
    const row = await repo.upsertRoute(tx.db, companyId, {
      type,
      steps: [...steps],
      updated_by: person === undefined ? null : userId,
      updated_at: tx.now,
    })
    const after = routeConfig(type, row)
    await recordAudit(tx, {
      action: 'approvalRoute.updated',
      targetType: 'approvalRoute',
      targetId: type,
      before: routeAudit(before),
      after: routeAudit(after),
    })
    return after
  })
}

/** `DELETE /approval-routes/{type}`: back to the default routing (audited); 404 when it is. */
export async function resetApprovalRoute(ctx: Ctx, type: ApprovalType): Promise<void> {
  await inCompany(ctx, async (tx) => {
    await authorize(tx, 'securitySettings.edit', undefined, { recorded: true })
    const { companyId } = tx.actor
    const row = await repo.routeRow(tx.db, companyId, type, true)
    if (row === undefined)
      throw new AppError('not_found', 'this type has the default routing', {
        errors: [{ path: 'params/type', message: 'not configured' }],
      })
    await repo.deleteRoute(tx.db, companyId, type)
    await recordAudit(tx, {
      action: 'approvalRoute.updated',
      targetType: 'approvalRoute',
      targetId: type,
      before: routeAudit(routeConfig(type, row)),
      after: routeAudit(routeConfig(type, undefined)),
    })
  })
}
