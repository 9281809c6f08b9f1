/**
 * The queue sweep (issue 10): what no transaction's change hands on, because time did it — a
 * temporary grant whose start has come, a condition on the hour that now holds — or because a
 * member's row was held when their rights changed (ring.ts `offerWidened`), is handed on here,
 * every few seconds in each server process (`TESSERA_QUEUE_SWEEP_MS`). For each company with calls
 * waiting, each member of a queue with a call waiting is offered its calls as a hang-up offers
 * them (the same checks, their line limit under their row lock), one short transaction per
 * member so that nobody's row is held for the whole sweep, decided under the company's policy and
 * audited `call.routed` as the system's (no person did it).
 *
 * Locks: a member's row (skipped when another transaction holds it: the next sweep tries again),
 * then the calls (skipping those a concurrent hand-on holds), then the audit chain — the lock
 * order of queue routing. Two processes sweeping at once never hand one call to two agents.
 */
import { inCompany, type Actor, type Ctx } from '../context.js'
import { policyInTransaction } from '../access/index.js'
import { membersOf } from '../queues/index.js'
import { companiesWithWaiting, lockFreeAgents, queuesWithWaiting } from './calls.repo.js'
import { offerWaitingCalls } from './ring.js'

/** What a sweep runs with: a request's context without a caller (the time it runs at: `now`). */
export type SweepCtx = Omit<Ctx, 'actor' | 'requestTx' | 'onRightsChanged'>

/** The sweep's caller in a company: nobody (its audit events are the system's). */
function sweeper(companyId: string): Actor {
  return { userId: 'system:queue-sweep', companyId, sessionId: 'queue-sweep', roleIds: [] }
}

/**
 * One sweep of every company with calls waiting; answers how many calls it handed on. A
 * company whose sweep fails is told to `onError` and the others are still swept.
 */
export async function sweepWaitingCalls(
  base: SweepCtx,
  onError: (error: unknown, companyId: string) => void = () => {},
): Promise<number> {
  let rung = 0
  for (const companyId of await companiesWithWaiting(base.db)) {
    const ctx: Ctx = { ...base, actor: sweeper(companyId) }
    try {
      const members = await inCompany(ctx, async (tx) =>
        membersOf(tx, await queuesWithWaiting(tx.db, companyId)),
      )
      for (const memberId of members) {
        const calls = await inCompany(ctx, async (tx) => {
          if ((await lockFreeAgents(tx.db, companyId, [memberId])).length === 0) return []
          const policy = await policyInTransaction(tx, false)
          return offerWaitingCalls(tx, memberId, { policy, system: true })
        })
        rung += calls.length
      }
    } catch (error) {
      onError(error, companyId)
    }
  }
  return rung
}

/** A sweep running every `everyMs`, stopped with the server. */
export interface QueueSweep {
  /** Stops the timer and waits for a sweep in progress to end. */
  stop(): Promise<void>
}

/**
 * Sweeps every `everyMs` (the next sweep `everyMs` after the last one ended: never two at once
 * in one process), each with a context from `ctx()` (its `now`).
 */
export function startQueueSweep(
  everyMs: number,
  ctx: () => SweepCtx,
  onError: (error: unknown, companyId?: string) => void,
): QueueSweep {
  let stopped = false
  let running: Promise<unknown> = Promise.resolve()
  let timer: NodeJS.Timeout | undefined
  const tick = () => {
    running = sweepWaitingCalls(ctx(), onError)
      .catch((error: unknown) => onError(error))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, everyMs).unref()
      })
  }
  timer = setTimeout(tick, everyMs).unref()
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
