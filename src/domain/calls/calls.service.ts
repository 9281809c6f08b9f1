/**
 * Calls (issue 10, point 3): the call log through the read seam, notes through the shared write
 * helpers, and what is the call's own — outbound dial through the telephony adapter (P11: only
 * numbers of a pool assigned to the caller, their team or project, never a blacklisted one; P9:
 * concurrent lines by level, counted under a row lock), and the simulator's answer and hang-up.
 */
import { randomUUID } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { Decision, Projected, Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { allowedOnlyByShares, authorize, decisionFor, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { isBlacklisted } from '../blacklist/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { customerRecords } from '../customers/index.js'
import { phoneOf, usablePoolFor } from '../number-pools/index.js'
import type { Page, PageRequest } from '../page.js'
import { phoneSearchTerm } from '../phone.js'
import {
  auditSafe,
  defineResource,
  exportCsv,
  updateThrough,
  defineListFilter,
} from '../seam/index.js'
import type { Call, CallDirection, CallStatus } from './calls.js'
import {
  callRowToCall,
  insertCall,
  insertRecording,
  liveCalls,
  lockAgent,
  markAnswered,
  markEnded,
  updateNotes,
} from './calls.repo.js'
import { callResource } from './call-resource.js'
import { handOnWaiting } from './ring.js'
import { telephony, telephonyIn } from './telephony.js'

export { callResource }

export type CallView = Projected<Call>

/** The calls read seam; `q` finds a number in any format, or words of the notes. */
export const callRecords = defineResource({
  type: 'call',
  table: 'calls',
  toItem: callRowToCall,
  columns: {
    id: 'id',
    agentId: 'agent_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    direction: 'direction',
    status: 'status',
    durationSec: 'duration_sec',
    customerId: 'customer_id',
    blacklisted: 'blacklisted',
  },
  search: { phone: { column: 'phone', term: phoneSearchTerm }, notes: 'notes' },
})

const noSuchCall = () => new AppError('not_found', 'no such call')

// --- reads -------------------------------------------------------------------------------------

export interface CallListFilter {
  /** A number in any format, or part of the notes; found only through a field read in clear. */
  readonly q?: string | undefined
  readonly status?: CallStatus | undefined
  readonly direction?: CallDirection | undefined
  readonly agentId?: string | undefined
  readonly orgUnitId?: string | undefined
  readonly projectId?: string | undefined
  readonly customerId?: string | undefined
  /** This number, in any format (with `country` for a national one). */
  readonly phone?: string | undefined
  readonly country?: string | undefined
}

/** Narrowings on catalog fields (direction, customer, phone) keep only what is read in clear. */
const listFilter = defineListFilter<'calls', ReturnType<typeof callRowToCall>, CallListFilter>(
  'calls',
  {
    status: 'status',
    agentId: 'agent_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    direction: { column: 'direction', field: 'direction' },
    customerId: { column: 'customer_id', field: 'customerId' },
    phone: { column: 'phone', field: 'phone', match: 'phone' },
  },
)

/** The call log the caller may view (scope in the query), one page by id, each projected. */
export async function listCalls(
  ctx: Ctx,
  filter: CallListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<CallView>> {
  return inCompany(ctx, (tx) =>
    callRecords.list(tx, 'call.view', {
      limit: page.limit,
      cursor: page.cursor,
      ...listFilter(filter),
    }),
  )
}

/** The columns of the call-log export, in order (a field the caller may not see: an empty cell). */
export const callExportColumns = [
  'id',
  'startedAt',
  'answeredAt',
  'endedAt',
  'direction',
  'status',
  'phone',
  'durationSec',
  'agentId',
  'orgUnitId',
  'projectId',
  'customerId',
  'blacklisted',
  'notes',
] as const satisfies readonly (keyof Call)[]

/**
 * The call log as CSV (G2, P2): `call.export` (high-risk; the Admin's by default) over the same
 * filters, scope and field rules as the list, each row projected (a masked phone exports masked),
 * audited before the first row and at the end (seam/export.ts).
 */
export async function exportCalls(
  ctx: Ctx,
  filter: CallListFilter = {},
  reason?: string,
): Promise<Readable> {
  return exportCsv(ctx, {
    seam: callRecords,
    action: 'call.export',
    filter: listFilter(filter),
    columns: callExportColumns,
    described: { ...filter },
    reason,
  })
}

/** How many calls `listCalls` would show with this filter, over all pages. */
export async function countCalls(ctx: Ctx, filter: CallListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) => callRecords.countMatching(tx, 'call.view', listFilter(filter)))
}

export async function getCall(ctx: Ctx, id: string): Promise<CallView> {
  return inCompany(ctx, async (tx) =>
    callRecords.view(await callRecords.get(tx, id, 'call.view', noSuchCall)),
  )
}

async function viewNow(tx: TenantCtx, c: Call): Promise<CallView> {
  const decision: Decision = await decisionFor(tx, 'call.view', callResource(c))
  return decision.allowed ? callRecords.view({ item: c, decision }) : { id: c.id }
}

// --- dial --------------------------------------------------------------------------------------

/**
 * Outbound dial (P9, P11). In this order, nothing written on a refusal:
 * 1. `call.dial` at all, and a person (not an API key) dialling: else 403 (a QA inspector);
 * 2. a customer named must be one the caller may view (404 on `body/customerId`);
 * 3. a pool holding the number, assigned to the caller, their team or one of their projects, and
 *    `numberPool.use` on it: else 403 `number_not_in_pool`;
 * 4. a blacklisted number: 403 `number_blacklisted`, whoever dials (asked only for a number of
 *    the caller's own pools, so the answer tells nothing about the blacklist beyond them);
 * 5. the caller's user row locked FOR UPDATE (parallel dials of one person, on any connection or
 *    server process, count one after another), `call.dial` decided on the call as it would be
 *    (theirs, their team, the pool's project, `blacklisted`), and its concurrent limit (P9: novice
 *    2, senior 5, from the caller's grants) against their calls not ended: 429
 *    `line_limit_reached` when every line is busy;
 * 6. the adapter places the call; the call is stored ringing and audited (`call.dialed`).
 */
export async function dial(
  ctx: Ctx,
  request: { phone: string; country?: string | undefined; customerId?: string | null | undefined },
): Promise<CallView> {
  const phone = phoneOf(request.phone, request.country, 'body/phone')
  return inCompany(ctx, async (tx) => viewNow(tx, await placeCall(tx, phone, request.customerId)))
}

/**
 * The dial itself, inside the caller's transaction (the rules above, in that order): a manual
 * dial, and each contact of a dialer run (domain/campaigns), go through it. Refusals are
 * AppErrors thrown before anything is written, so a run can report one and go on.
 */
export async function placeCall(
  tx: TenantCtx,
  phone: string,
  requestedCustomerId: string | null | undefined,
): Promise<Call> {
  const kind = await decisionFor(tx, 'call.dial')
  if (!kind.allowed) throw new AppError('forbidden', `not allowed: call.dial (${kind.reason})`)
  if (tx.actor.apiKeyId !== undefined) {
    throw new AppError('forbidden', 'a person dials from their own lines, not an API key')
  }
  const customerId = requestedCustomerId ?? null
  // W5: a customer seen only through a share with the caller's team is read-only to them
  const customer =
    customerId === null ? undefined : await customerRecords.visible(tx, customerId, 'customer.view')
  if (customerId !== null && (customer === undefined || allowedOnlyByShares(customer.decision))) {
    throw new AppError('not_found', 'no such customer', {
      errors: [{ path: 'body/customerId', message: 'no such customer' }],
    })
  }
  const pool = await usablePoolFor(tx, phone)
  if (pool === undefined) {
    throw new AppError(
      'number_not_in_pool',
      'this number is in no pool assigned to you, your team or your project',
      { errors: [{ path: 'body/phone', message: 'not in a pool you may dial from' }] },
    )
  }
  const blacklisted = await isBlacklisted(tx, phone)
  if (blacklisted) {
    throw new AppError('number_blacklisted', 'this number is blacklisted: nobody dials it', {
      errors: [{ path: 'body/phone', message: 'on the blacklist' }],
    })
  }
  const me = await subjectOf(tx)
  const agentId = tx.actor.userId
  const wouldBe = {
    id: '',
    agentId,
    orgUnitId: me.subject.orgUnitId ?? null,
    projectId: pool.projectId,
    direction: 'outbound' as const,
    status: 'ringing' as const,
    durationSec: 0,
    customerId,
    blacklisted,
  }
  const record: Resource = { type: 'call', attrs: { ...callResource(wouldBe).attrs, id: null } }
  await lockAgent(tx.db, tx.actor.companyId, agentId)
  const decision = await decisionFor(tx, 'call.dial', record)
  if (!decision.allowed) {
    throw new AppError('forbidden', `not allowed: call.dial (${decision.reason})`)
  }
  const inUse = () => liveCalls(tx.db, tx.actor.companyId, agentId)
  const lines = decision.obligations.limits?.concurrent
  if (lines !== undefined) {
    const busy = await inUse()
    if (busy >= lines) {
      throw new AppError(
        'line_limit_reached',
        `all your ${lines} outbound line${lines === 1 ? ' is' : 's are'} busy: hang up a call first`,
      )
    }
  }
  await authorize(tx, 'call.dial', record, { recorded: true, inUse })
  const id = randomUUID()
  const placed = await telephonyIn(tx).dial({ callId: id, phone, agentId })
  const created = await insertCall(
    tx.db,
    tx.actor.companyId,
    { ...wouldBe, id, poolId: pool.id, phone, providerRef: placed.providerRef },
    tx.now,
  )
  await recordAudit(tx, {
    action: 'call.dialed',
    targetType: 'call',
    targetId: created.id,
    after: auditSafe('call', { phone, poolId: pool.id, customerId }),
  })
  return created
}

/** The caller's own lines: how many hold a call now, and how many they may hold. */
export interface MyLines {
  /** My calls not ended (ringing or answered). */
  readonly inUse: number
  /** My concurrent-line limit (P9, from my grants); null when none applies. */
  readonly limit: number | null
  /** Whether I may dial at all (`call.dial` at type level, and a person, not an API key). */
  readonly mayDial: boolean
}

/**
 * The line counter (read-only): my calls holding a line and my limit, decided as `dial` decides
 * it on an outbound call of mine, in my team, of no project (a pool's project may set another
 * limit; the dial itself decides again). Without `call.dial`, no limit: `mayDial` false.
 */
export async function myLines(ctx: Ctx): Promise<MyLines> {
  return inCompany(ctx, async (tx) => {
    const agentId = tx.actor.userId
    const inUse = await liveCalls(tx.db, tx.actor.companyId, agentId)
    const kind = await decisionFor(tx, 'call.dial')
    if (!kind.allowed || tx.actor.apiKeyId !== undefined) {
      return { inUse, limit: null, mayDial: false }
    }
    const me = await subjectOf(tx)
    const wouldBe = callResource({
      id: '',
      agentId,
      orgUnitId: me.subject.orgUnitId ?? null,
      projectId: null,
      direction: 'outbound',
      status: 'ringing',
      durationSec: 0,
      customerId: null,
      blacklisted: false,
    })
    const onCall = await decisionFor(tx, 'call.dial', {
      ...wouldBe,
      attrs: { ...wouldBe.attrs, id: null },
    })
    // dialling only from a project's pools: the type-level answer's limit
    const limits = (onCall.allowed ? onCall : kind).obligations.limits
    return { inUse, limit: limits?.concurrent ?? null, mayDial: true }
  })
}

/**
 * The call for a telephony event on it (answer, hang-up): the caller's own line (whatever else
 * they may do: a line is always theirs to free), or a call they may view (404 otherwise) and
 * `call.edit` (a supervisor ending someone's call; 403 otherwise).
 */
async function lineOf(tx: TenantCtx, id: string): Promise<Call> {
  const row = await callRecords.findRow(tx, id)
  if (row !== undefined && row.agent_id === tx.actor.userId) return callRowToCall(row)
  const found = await callRecords.get(tx, id, 'call.view', noSuchCall)
  await authorize(tx, 'call.edit', found.resource, { recorded: true })
  return found.item
}

const notNow = (c: Call, what: string) =>
  new AppError('conflict', `the call is ${c.status}: it cannot be ${what}`)

/** Simulator: the far end answers (ringing → answered); 409 from any other status. Audited. */
export async function answerCall(ctx: Ctx, id: string): Promise<CallView> {
  return inCompany(ctx, async (tx) => {
    const before = await lineOf(tx, id)
    const after = await markAnswered(tx.db, tx.actor.companyId, id, tx.now)
    if (after === undefined) throw notNow(before, 'answered')
    await recordAudit(tx, { action: 'call.answered', targetType: 'call', targetId: id })
    return viewNow(tx, after)
  })
}

/**
 * Hang-up (ringing | answered → ended): frees the line; an answered call leaves a recording
 * (metadata: its duration and the provider's storage key). 409 once ended. Audited. In the same
 * transaction, the freed line takes the oldest call waiting in one of the agent's queues that
 * they may take (ring.ts `handOnWaiting`: it rings them, audited `call.routed`).
 */
export async function hangUpCall(ctx: Ctx, id: string): Promise<CallView> {
  return inCompany(ctx, async (tx) => {
    const before = await lineOf(tx, id)
    // the agent's row before anything else: a line changes under it, as a dial counts them, and
    // before the audit chain (ring.ts: the lock order of queue routing)
    await lockAgent(tx.db, tx.actor.companyId, before.agentId)
    const ended = await markEnded(tx.db, tx.actor.companyId, id, tx.now)
    if (ended === undefined) throw notNow(before, 'hung up')
    const after = ended.call
    if (ended.providerRef !== null) await telephonyIn(tx).hangup(ended.providerRef)
    let recordingId: string | null = null
    if (after.answeredAt !== null) {
      const key = telephony().storageKey({ callId: id })
      recordingId = (await insertRecording(tx.db, tx.actor.companyId, after, key, tx.now)).id
    }
    await recordAudit(tx, {
      action: 'call.ended',
      targetType: 'call',
      targetId: id,
      after: { durationSec: after.durationSec, recordingId },
    })
    // the line freed: the oldest call waiting in one of the agent's queues rings them (ring.ts)
    await handOnWaiting(tx, after.agentId)
    return viewNow(tx, after)
  })
}

/** Writes a call's notes (`call.note`, with `notes` editable), audited before → after. */
export async function setCallNotes(ctx: Ctx, id: string, notes: string): Promise<CallView> {
  return inCompany(ctx, async (tx) => {
    const { after } = await updateThrough(tx, {
      seam: callRecords,
      id,
      missing: noSuchCall,
      patch: { notes: notes.trim() },
      actionFor: () => 'call.note',
      resourceOf: callResource,
      update: (changes) =>
        updateNotes(tx.db, tx.actor.companyId, id, changes['notes'] as string, tx.now),
    })
    return viewNow(tx, after)
  })
}
