/**
 * Ringing an agent from a queue (issue 10, workspace item 3), for both ways a queue hands a call
 * on: an inbound call as it arrives (inbound.service.ts), and a waiting call when a member's line
 * frees (the hang-up, calls.service.ts). Who may take the call is decided for that member
 * (`decisionOfUser`), never widening what the caller may do:
 * - active, and a member of the call's project (P10);
 * - `call.view` on the call as it would be theirs (inbound, ringing, their team, the project,
 *   `blacklisted`);
 * - a free line: their `call.dial` concurrent limit on that call (novice 2, senior 5; one line
 *   without a limit) against their calls not ended, counted under their user row lock as a dial
 *   counts it (P9: the limit holds across connections and server processes).
 * The queue's strategy orders the members an arriving call is offered to (`orderedMembers`).
 */
import type { Resource } from '../../authz/index.js'
import { decisionOfUser, loadSubject, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import type { TenantCtx } from '../context.js'
import { queuesOfMember, type Queue } from '../queues/index.js'
import { callResource } from './call-resource.js'
import type { Call } from './calls.js'
import {
  claimQueuedCall,
  insertCall,
  liveCalls,
  lockAgent,
  memberLoads,
  waitingIn,
} from './calls.repo.js'
import { telephony } from './telephony.js'

/** The inbound call as it would be if `agentId` took it. */
export function inboundFor(
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

/** The member who takes a call, with the team the call is then of. */
export interface Taker {
  readonly id: string
  readonly orgUnitId: string | null
}

type Subject = Awaited<ReturnType<typeof loadSubject>>

async function takerOf(
  tx: TenantCtx,
  subject: Subject,
  agentId: string,
  projectId: string,
  blacklisted: boolean,
): Promise<Taker | undefined> {
  if (subject === undefined || !(subject.projectIds ?? []).includes(projectId)) return undefined
  const orgUnitId = subject.orgUnitId ?? null
  const call = inboundFor(agentId, orgUnitId, projectId, blacklisted)
  const sees = await decisionOfUser(tx, subject, 'call.view', call)
  if (sees === undefined || !sees.allowed) return undefined
  await lockAgent(tx.db, tx.actor.companyId, agentId)
  const dial = await decisionOfUser(tx, subject, 'call.dial', call)
  const lines = (dial?.allowed === true ? dial.obligations.limits?.concurrent : undefined) ?? 1
  const busy = await liveCalls(tx.db, tx.actor.companyId, agentId)
  return busy < lines ? { id: agentId, orgUnitId } : undefined
}

/**
 * Whether the person may take an inbound call of the project now (the rules above); their user
 * row stays locked to the end of the transaction once they may view the call.
 */
export async function mayTake(
  tx: TenantCtx,
  agentId: string,
  projectId: string,
  blacklisted: boolean,
): Promise<Taker | undefined> {
  const subject = await loadSubject(tx.db, tx.actor.companyId, agentId, tx.now)
  return takerOf(tx, subject, agentId, projectId, blacklisted)
}

/**
 * The queue's members in the order an arriving call is offered to them (the first who may take
 * it rings), by the queue's strategy; ties keep the queue's order:
 * - `longest-idle`: members holding no call first, then by their last call's end, oldest first
 *   (one who never had a call before anyone);
 * - `fewest-calls`: fewest calls taken from this queue today (the company's day) first;
 * - `round-robin`: the queue's order, starting after the member it last rang on an arrival;
 * - `ring-all`: the queue's order (a call rings one agent here: the first free member takes it).
 */
export async function orderedMembers(
  tx: TenantCtx,
  queue: Queue,
  lastRung: string | null,
): Promise<string[]> {
  const members = [...queue.memberIds]
  const { companyId } = tx.actor
  switch (queue.strategy) {
    case 'ring-all':
      return members
    case 'round-robin': {
      const i = lastRung === null ? -1 : members.indexOf(lastRung)
      return [...members.slice(i + 1), ...members.slice(0, i + 1)]
    }
    case 'longest-idle':
    case 'fewest-calls': {
      const { timeZone } = (await subjectOf(tx)).policy
      const loads = await memberLoads(tx.db, companyId, queue.id, members, tx.now, timeZone)
      const none = { live: 0, lastEndedAt: null, fromQueueToday: 0 }
      const load = (id: string) => loads.get(id) ?? none
      if (queue.strategy === 'fewest-calls') {
        return members.sort((a, b) => load(a).fromQueueToday - load(b).fromQueueToday)
      }
      const idleSince = (id: string) => load(id).lastEndedAt?.getTime() ?? -Infinity
      return members.sort(
        (a, b) =>
          Number(load(a).live > 0) - Number(load(b).live > 0) ||
          (idleSince(a) === idleSince(b) ? 0 : idleSince(a) < idleSince(b) ? -1 : 1),
      )
    }
  }
}

/** An inbound call of a queue to be rung (arriving, or waiting until now). */
export interface QueueCall {
  readonly id: string
  readonly queueId: string
  readonly projectId: string
  readonly phone: string
  readonly blacklisted: boolean
}

/** Rings the taker: the call (keeping the inbound call's id) is theirs, audited `call.routed`. */
export async function ringFromQueue(
  tx: TenantCtx,
  call: QueueCall,
  taker: Taker,
  waitedSince?: Date,
): Promise<Call> {
  const created = await insertCall(
    tx.db,
    tx.actor.companyId,
    {
      id: call.id,
      direction: 'inbound',
      agentId: taker.id,
      orgUnitId: taker.orgUnitId,
      projectId: call.projectId,
      poolId: null,
      customerId: null,
      phone: call.phone,
      blacklisted: call.blacklisted,
      providerRef: `${telephony().name}-in-${call.id}`,
      queueId: call.queueId,
    },
    tx.now,
  )
  await recordAudit(tx, {
    action: 'call.routed',
    targetType: 'call',
    targetId: call.id,
    after: {
      queueId: call.queueId,
      agentId: taker.id,
      ...(waitedSince !== undefined && { waitedSince: waitedSince.toISOString() }),
    },
  })
  return created
}

/** How many of the oldest waiting calls of their queues a freed agent is offered. */
const HAND_ON_WINDOW = 100

/**
 * A line of `agentId` has just freed (their call ended, in this transaction): the oldest call
 * waiting in one of their queues that they may take rings them, taken out of its queue once
 * (its row locked, skipping one a concurrent hand-on holds, so two hang-ups at once never hand
 * one call to two agents). Calls of projects they are not a member of are not looked at; among
 * the others, the oldest `HAND_ON_WINDOW`. Undefined when none: the calls keep waiting.
 */
export async function handOnWaiting(tx: TenantCtx, agentId: string): Promise<Call | undefined> {
  const { companyId } = tx.actor
  const queueIds = await queuesOfMember(tx, agentId)
  if (queueIds.length === 0) return undefined
  const subject = await loadSubject(tx.db, companyId, agentId, tx.now)
  const projectIds = subject?.status === 'active' ? (subject.projectIds ?? []) : []
  if (projectIds.length === 0) return undefined
  const waiting = await waitingIn(tx.db, companyId, queueIds, projectIds, HAND_ON_WINDOW)
  const takers = new Map<string, Taker | undefined>()
  for (const w of waiting) {
    const key = `${w.project_id}\u0000${w.blacklisted}`
    if (!takers.has(key)) {
      takers.set(key, await takerOf(tx, subject, agentId, w.project_id, w.blacklisted))
    }
    const taker = takers.get(key)
    if (taker === undefined) continue
    const claimed = await claimQueuedCall(tx.db, companyId, w.id)
    if (claimed === undefined) continue
    const call = {
      id: claimed.id,
      queueId: claimed.queue_id,
      projectId: claimed.project_id,
      phone: claimed.phone,
      blacklisted: claimed.blacklisted,
    }
    return ringFromQueue(tx, call, taker, claimed.created_at)
  }
  return undefined
}
