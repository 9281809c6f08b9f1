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
import type { CompiledPolicy, Resource } from '../../authz/index.js'
import {
  decisionOfUser,
  decisionUnder,
  loadSubject,
  policyInTransaction,
  subjectOf,
} from '../access/index.js'
import { recordAudit, recordSystemAudit } from '../audit/index.js'
import type { RightsChanged, TenantCtx } from '../context.js'
import { membersOf, queuesOfMember, type Queue } from '../queues/index.js'
import { callResource } from './call-resource.js'
import type { Call } from './calls.js'
import {
  anyWaitingIn,
  claimOldestWaiting,
  insertCall,
  liveCalls,
  lockAgent,
  lockFreeAgents,
  memberLoads,
  queuesWithWaiting,
  type WaitingKind,
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

/**
 * How a waiting call is handed on when it is not the caller's own routing: `policy`, the policy
 * the takers' decisions are made under (a transaction that changed it: as it sees it; the queue
 * sweep, no person: the company's) instead of the caller's; `system`, the hand-on is audited as
 * the system's (the sweep: nobody did it).
 */
export interface HandOnAs {
  readonly policy?: CompiledPolicy
  readonly system?: boolean
}

async function takerOf(
  tx: TenantCtx,
  subject: Subject,
  agentId: string,
  projectId: string,
  blacklisted: boolean,
  as: HandOnAs = {},
): Promise<Taker | undefined> {
  if (subject === undefined || !(subject.projectIds ?? []).includes(projectId)) return undefined
  const orgUnitId = subject.orgUnitId ?? null
  const call = inboundFor(agentId, orgUnitId, projectId, blacklisted)
  const decide = async (action: 'call.view' | 'call.dial') =>
    as.policy === undefined
      ? decisionOfUser(tx, subject, action, call)
      : decisionUnder(tx, as.policy, subject, action, call)
  const sees = await decide('call.view')
  if (sees === undefined || !sees.allowed) return undefined
  await lockAgent(tx.db, tx.actor.companyId, agentId)
  const dial = await decide('call.dial')
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

/**
 * Rings the taker: the call (keeping the inbound call's id) is theirs, audited `call.routed`
 * (the system's when `system`: the queue sweep).
 */
export async function ringFromQueue(
  tx: TenantCtx,
  call: QueueCall,
  taker: Taker,
  waitedSince?: Date,
  system = false,
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
  await (system ? recordSystemAudit : recordAudit)(tx, {
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

/**
 * An agent may take more calls (a line of theirs freed, they were reactivated, or a queue gained
 * them): the oldest call waiting in one of their queues (`onlyQueueIds`: in these only) that they
 * may take rings them, taken out of its queue once (its row locked, skipping one a concurrent
 * hand-on holds, so two hand-ons at once never give one call to two agents). Calls of projects
 * they are not a member of are not looked at; among the others, whether they may take a call is
 * decided once per kind of call (its project, blacklisted or not), and the oldest call of a kind
 * they may take is selected in SQL, however many calls they may not take wait before it.
 * Undefined when none: the calls keep waiting.
 *
 * The lock order of queue routing, kept by every path here so that none waits on another in a
 * circle (two queues sharing members in different orders included): a queue's row (an arrival,
 * a member change: `lockQueue`), then people's user rows (several at once in the order of their
 * ids: `lockUsers`; an arrival one member at a time, each released under a savepoint unless it
 * rings them, so it never holds two; a hang-up locks its agent before it ends the call; a
 * project join, a role, a group or a grant locks its person first), then the company's audit
 * chain (the first audit event of the transaction). Handing a call on from a queue does not lock
 * the queue's row (its key is checked FOR KEY SHARE, which the queue's lock lets through).
 */
export async function handOnWaiting(
  tx: TenantCtx,
  agentId: string,
  onlyQueueIds?: readonly string[],
  as: HandOnAs = {},
): Promise<Call | undefined> {
  const { companyId } = tx.actor
  const queues = (await queuesOfMember(tx, agentId)).filter(
    (q) => onlyQueueIds === undefined || onlyQueueIds.includes(q.id),
  )
  if (queues.length === 0) return undefined
  const subject = await loadSubject(tx.db, companyId, agentId, tx.now)
  const memberOf = subject?.status === 'active' ? (subject.projectIds ?? []) : []
  const mine = queues.filter((q) => memberOf.includes(q.projectId))
  const queueIds = mine.map((q) => q.id)
  const projectIds = [...new Set(mine.map((q) => q.projectId))]
  if (!(await anyWaitingIn(tx.db, companyId, queueIds, projectIds))) return undefined
  const kinds: (WaitingKind & { taker: Taker })[] = []
  for (const projectId of projectIds) {
    for (const blacklisted of [false, true]) {
      const taker = await takerOf(tx, subject, agentId, projectId, blacklisted, as)
      if (taker !== undefined) kinds.push({ projectId, blacklisted, taker })
    }
  }
  const claimed = await claimOldestWaiting(tx.db, companyId, queueIds, kinds)
  if (claimed === undefined) return undefined
  const { taker } = kinds.find(
    (k) => k.projectId === claimed.project_id && k.blacklisted === claimed.blacklisted,
  ) as { taker: Taker }
  const call = {
    id: claimed.id,
    queueId: claimed.queue_id,
    projectId: claimed.project_id,
    phone: claimed.phone,
    blacklisted: claimed.blacklisted,
  }
  return ringFromQueue(tx, call, taker, claimed.created_at, as.system)
}

/**
 * A person may take more calls (a line of theirs freed): calls waiting in their queues ring them,
 * oldest first, while they may take them (each line they have free takes one). Their user row
 * must be locked already (before the transaction's first audit event: the lock order above).
 */
export async function offerWaitingCalls(
  tx: TenantCtx,
  agentId: string,
  as: HandOnAs = {},
): Promise<Call[]> {
  const rung: Call[] = []
  for (let c = await handOnWaiting(tx, agentId, undefined, as); c !== undefined;) {
    rung.push(c)
    c = await handOnWaiting(tx, agentId, undefined, as)
  }
  return rung
}

/** Each of `ids` in turn is handed one call by `next`, round after round, while any takes one. */
async function inTurns(
  ids: readonly string[],
  next: (id: string) => Promise<Call | undefined>,
): Promise<Call[]> {
  const rung: Call[] = []
  let free = [...ids]
  while (free.length > 0) {
    const again: string[] = []
    for (const id of free) {
      const c = await next(id)
      if (c === undefined) continue
      rung.push(c)
      again.push(id)
    }
    free = again
  }
  return rung
}

/**
 * A queue gained members (`updateQueue`'s `onMembersAdded`): its waiting calls, oldest first,
 * ring them, one call to each new member in turn (in the queue's order) while any of them may
 * take one. Their user rows are locked already, by id, under the queue's row lock.
 */
export async function offerQueueCalls(
  tx: TenantCtx,
  queue: Queue,
  added: readonly string[],
): Promise<Call[]> {
  const free = queue.memberIds.filter((m) => added.includes(m))
  return inTurns(free, (memberId) => handOnWaiting(tx, memberId, [queue.id]))
}

/**
 * A transaction changed people's rights (inCompany's `onRightsChanged`, whatever the path: a
 * project joined, a role or a permission group given or taken, a grant, a person reactivated or
 * transferred, a role edited, a policy imported): before it commits, the calls waiting in the
 * company's queues ring those members of them whose rights changed (`who`; everyone: every
 * member of a queue with a call waiting) and who may take them now — the same checks as a
 * hang-up's hand-on, decided under the policy as this transaction sees it — one call to each in
 * turn, in the order of their ids, while any may take one.
 *
 * The transaction may hold the company's audit chain already (its change was audited), which
 * comes after people's rows in the lock order: so the people are locked here only when no other
 * transaction holds their row (`lockFreeAgents`, SKIP LOCKED), never waited for; one whose row is
 * held at that moment (a call of theirs starting or ending, a change of theirs in progress) is
 * left to the queue sweep (sweep.ts) or their next hang-up. The paths that give one person work
 * (a project join, a role, a group, a grant, a reactivation) lock that person first thing, so
 * they are never skipped.
 */
export async function offerWidened(tx: TenantCtx, who: RightsChanged): Promise<Call[]> {
  const { companyId } = tx.actor
  const queueIds = await queuesWithWaiting(tx.db, companyId)
  if (queueIds.length === 0) return []
  const members = await membersOf(tx, queueIds)
  const changed = who === 'everyone' ? members : members.filter((m) => who.includes(m))
  const free = await lockFreeAgents(tx.db, companyId, changed)
  if (free.length === 0) return []
  const policy = await policyInTransaction(tx, who === 'everyone')
  return inTurns(free, (id) => handOnWaiting(tx, id, undefined, { policy }))
}
