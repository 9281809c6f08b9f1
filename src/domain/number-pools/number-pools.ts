/**
 * Number pools (P8, P11): the numbers an agent may dial, assigned to at most one of a person
 * (`userId`), a team (`orgUnitId`) or a project (`projectId`); unassigned, nobody dials from it.
 */
export interface NumberPool {
  readonly id: string
  readonly companyId: string
  readonly name: string
  /** The person the pool is assigned to: the `own` scope reads it. */
  readonly userId: string | null
  /** The team the pool is assigned to: `team` / `subtree` scopes read it. */
  readonly orgUnitId: string | null
  readonly projectId: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** What a create or an update sets. */
export interface NumberPoolInput {
  readonly name?: string
  readonly userId?: string | null
  readonly orgUnitId?: string | null
  readonly projectId?: string | null
}

/** One number of a pool, in E.164. */
export interface PoolNumber {
  readonly id: string
  readonly poolId: string
  readonly phone: string
  readonly addedBy: string | null
  readonly createdAt: Date
}
