/**
 * Queues (P10 [004] «очереди … по проектам»): where inbound calls wait for an agent of the
 * queue. A queue belongs to one project for good; a non-member of it never learns it exists.
 */
export const queueStrategies = ['longest-idle', 'round-robin', 'ring-all', 'fewest-calls'] as const
export type QueueStrategy = (typeof queueStrategies)[number]

/** A queue (the `queue` type of the catalog). */
export interface Queue {
  readonly id: string
  readonly projectId: string
  readonly name: string
  /** How the next call picks an agent among the members. */
  readonly strategy: QueueStrategy
  /** The agents the queue hands calls to, in order. */
  readonly memberIds: readonly string[]
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** What a create or an edit may set (the project only at creation). */
export interface QueueInput {
  readonly name?: string | undefined
  readonly strategy?: QueueStrategy | undefined
  readonly memberIds?: readonly string[] | undefined
}

/** Limits the table also checks (the member count is the service's). */
export const queueLimits = { name: 200, members: 200 } as const
