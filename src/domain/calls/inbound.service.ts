/**
 * Inbound calls (issue 10, workspace item 3), kept lean: the telephony side (the simulator's
 * `POST /queues/{id}/inbound`, the Admin or an API key of the telephony adapter, `queue.edit` on
 * the queue) hands a call to a queue; it rings at the first member, in the order the queue's
 * strategy gives (ring.ts `orderedMembers`), who may take it (ring.ts: active, a member of the
 * queue's project (P10), may view the call as it would be theirs, and has a free line — their
 * `call.dial` concurrent limit against their calls not ended, counted under their user row lock
 * as a dial counts it). The call is then theirs (inbound, ringing) and in their call log. With
 * nobody free it waits in the queue (`queued_calls`), listed oldest first by
 * `GET /queues/{id}/waiting`, until a member may take it: a member's hang-up frees a line, a
 * member is reactivated, the queue gains a member, or a member joins its project or is given a
 * role, group or grant that lets them take it (ring.ts `handOnWaiting`).
 */
import { randomUUID } from 'node:crypto'
import { keptIfAnswered } from '../../db/index.js'
import { AppError } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { isBlacklisted } from '../blacklist/index.js'
import { inCompany, type Ctx } from '../context.js'
import { phoneOf } from '../number-pools/index.js'
import { lockQueue, noteRung, queueRecords } from '../queues/index.js'
import { callResource } from './call-resource.js'
import { insertQueuedCall, queuedCallsOf } from './calls.repo.js'
import { callRecords, type CallView } from './calls.service.js'
import { inboundFor, mayTake, orderedMembers, ringFromQueue, type Taker } from './ring.js'

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

/** Hands an inbound call to the queue: ringing at a free member, or waiting in the queue. */
export async function routeInbound(
  ctx: Ctx,
  queueId: string,
  request: { phone: string; country?: string | undefined },
): Promise<InboundOutcome> {
  const phone = phoneOf(request.phone, request.country, 'body/phone')
  return inCompany(ctx, async (tx) => {
    // one routing decision of a queue at a time (round-robin and fewest-calls read the last
    // ones), its members and strategy read under the lock (a member change waits, or is seen)
    const lastRung = await lockQueue(tx, queueId)
    const { item: queue } = await queueRecords.get(tx, queueId, 'queue.edit', noSuchQueue)
    const blacklisted = await isBlacklisted(tx, phone)
    // then the members one at a time, in the strategy's order: each one's row is locked while
    // their free lines are counted, and released again (the savepoint undone) when they cannot
    // take the call, so the arrival holds only the row of the one it rings (ring.ts: the lock
    // order) and waits, as a dial does, for a member whose line is changing right now
    let member: Taker | undefined
    for (const memberId of await orderedMembers(tx, queue, lastRung)) {
      member = await keptIfAnswered(tx.db, () =>
        mayTake(tx, memberId, queue.projectId, blacklisted),
      )
      if (member !== undefined) break
    }
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
    const call = { id, queueId, projectId: queue.projectId, phone, blacklisted }
    const created = await ringFromQueue(tx, call, member)
    await noteRung(tx, queueId, member.id)
    const decision = await decisionFor(tx, 'call.view', callResource(created))
    return {
      routed: true,
      call: decision.allowed ? callRecords.view({ item: created, decision }) : { id },
    }
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
