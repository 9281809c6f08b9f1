/**
 * Inbound calls (issue 10, workspace item 3), kept lean: the telephony side (the simulator's
 * `POST /queues/{id}/inbound`, the Admin or an API key of the telephony adapter, `queue.edit` on
 * the queue) hands a call to a queue; it rings at the first member of the queue, in the queue's
 * order, who is active, a member of the queue's project (P10), may view the call as it would be
 * theirs, and has a free line — their `call.dial` concurrent limit (novice 2, senior 5; one line
 * without a limit) against their calls not ended, counted under their user row lock as a dial
 * counts it. The call is then theirs (inbound, ringing) and in their call log. With nobody free
 * it waits in the queue (`queued_calls`), listed oldest first by `GET /queues/{id}/waiting`.
 */
import { randomUUID } from 'node:crypto'
import type { Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { decisionFor, decisionOfUser, loadSubject } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { isBlacklisted } from '../blacklist/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { phoneOf } from '../number-pools/index.js'
import { queueRecords } from '../queues/index.js'
import type { Call } from './calls.js'
import { insertCall, insertQueuedCall, liveCalls, lockAgent, queuedCallsOf } from './calls.repo.js'
import { callRecords, callResource, type CallView } from './calls.service.js'
import { telephony } from './telephony.js'

const noSuchQueue = () => new AppError('not_found', 'no such queue')

export interface QueuedCall {
  readonly id: string
  readonly queueId: string
  /** Absent unless the caller reads an inbound call's number of this project in clear. */
  readonly phone?: string
  readonly createdAt: Date
}

export type InboundOutcome =
  | { readonly routed: true; readonly call: CallView }
  | { readonly routed: false; readonly queued: QueuedCall }

/** The inbound call as it would be if `agentId` took it. */
function inboundFor(
  agentId: string,
  orgUnitId: string | null,
  projectId: string,
  blacklisted: boolean,
): Resource {
  const attrs = callResource({
    id: '',
    agentId,
    orgUnitId,
    projectId,
    direction: 'inbound',
    status: 'ringing',
    durationSec: 0,
    customerId: null,
    blacklisted,
  }).attrs
  return { type: 'call', attrs: { ...attrs, id: null } }
}

/** The first member of the queue free to take the call, locked; undefined when nobody is. */
async function freeMember(
  tx: TenantCtx,
  memberIds: readonly string[],
  projectId: string,
  blacklisted: boolean,
): Promise<{ id: string; orgUnitId: string | null } | undefined> {
  for (const id of memberIds) {
    const subject = await loadSubject(tx.db, tx.actor.companyId, id, tx.now)
    if (subject === undefined || !(subject.projectIds ?? []).includes(projectId)) continue
    const orgUnitId = subject.orgUnitId ?? null
    const call = inboundFor(id, orgUnitId, projectId, blacklisted)
    const sees = await decisionOfUser(tx, subject, 'call.view', call)
    if (sees === undefined || !sees.allowed) continue
    await lockAgent(tx.db, tx.actor.companyId, id)
    const dial = await decisionOfUser(tx, subject, 'call.dial', call)
    const lines = (dial?.allowed === true ? dial.obligations.limits?.concurrent : undefined) ?? 1
    if ((await liveCalls(tx.db, tx.actor.companyId, id)) < lines) return { id, orgUnitId }
  }
  return undefined
}

/** Hands an inbound call to the queue: ringing at a free member, or waiting in the queue. */
export async function routeInbound(
  ctx: Ctx,
  queueId: string,
  request: { phone: string; country?: string | undefined },
): Promise<InboundOutcome> {
  const phone = phoneOf(request.phone, request.country, 'body/phone')
  return inCompany(ctx, async (tx) => {
    const { item: queue } = await queueRecords.get(tx, queueId, 'queue.edit', noSuchQueue)
    const blacklisted = await isBlacklisted(tx, phone)
    const member = await freeMember(tx, queue.memberIds, queue.projectId, blacklisted)
    const id = randomUUID()
    if (member === undefined) {
      const row = await insertQueuedCall(
        tx.db,
        tx.actor.companyId,
        { id, queueId, projectId: queue.projectId, phone, blacklisted },
        tx.now,
      )
      await recordAudit(tx, {
        action: 'call.queued',
        targetType: 'queue',
        targetId: queueId,
        after: { queuedCallId: id },
      })
      return { routed: false, queued: { id: row.id, queueId, createdAt: row.created_at } }
    }
    const created: Call = await insertCall(
      tx.db,
      tx.actor.companyId,
      {
        id,
        direction: 'inbound',
        agentId: member.id,
        orgUnitId: member.orgUnitId,
        projectId: queue.projectId,
        poolId: null,
        customerId: null,
        phone,
        blacklisted,
        providerRef: `${telephony().name}-in-${id}`,
      },
      tx.now,
    )
    await recordAudit(tx, {
      action: 'call.routed',
      targetType: 'call',
      targetId: id,
      after: { queueId, agentId: member.id },
    })
    const decision = await decisionFor(tx, 'call.view', callResource(created))
    const call = decision.allowed ? callRecords.view({ item: created, decision }) : { id }
    return { routed: true, call }
  })
}

/** The calls waiting in a queue the caller may view (404 otherwise), oldest first. */
export async function listQueuedCalls(
  ctx: Ctx,
  queueId: string,
  limit = 50,
): Promise<QueuedCall[]> {
  return inCompany(ctx, async (tx) => {
    const { item: queue } = await queueRecords.get(tx, queueId, 'queue.view', noSuchQueue)
    const rows = await queuedCallsOf(tx.db, tx.actor.companyId, queueId, limit)
    // the number only to a caller who reads an inbound call's number of this project in clear
    const d = await decisionFor(tx, 'call.view', {
      type: 'call',
      attrs: {
        ...inboundFor('', null, queue.projectId, false).attrs,
        agentId: null,
        blacklisted: null,
      },
    })
    const level = d.allowed ? (d.obligations.fields['phone'] ?? 'read') : 'hidden'
    const clear = level === 'read' || level === 'edit'
    return rows.map((r) => ({
      id: r.id,
      queueId: r.queue_id,
      ...(clear && { phone: r.phone }),
      createdAt: r.created_at,
    }))
  })
}
