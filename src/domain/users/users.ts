export const userStatuses = ['active', 'suspended', 'offboarded'] as const
export type UserStatus = (typeof userStatuses)[number]

/** R6: each level's defaults contain the one below. */
export const userLevels = ['novice', 'senior', 'lead', 'admin'] as const
export type UserLevel = (typeof userLevels)[number]

/** A user as the rest of the system sees one: no credentials. */
export interface User {
  readonly id: string
  readonly companyId: string
  readonly email: string
  readonly name: string
  readonly status: UserStatus
  /** R8: the person's position (positions/), or null. */
  readonly positionId: string | null
  /** The position's name, kept by the database from `positionId` (what conditions read). */
  readonly position: string | null
  readonly level: UserLevel
  readonly orgUnitId: string | null
  readonly managerId: string | null
  readonly mfaEnabled: boolean
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface NewUser {
  readonly email: string
  readonly name: string
  readonly passwordHash: string
  readonly status?: UserStatus
  readonly positionId?: string | null
  readonly level?: UserLevel
  readonly orgUnitId?: string | null
  readonly managerId?: string | null
}

/**
 * A change of a person. `position` never is written: it is the name of `positionId`'s position,
 * given by the caller that resolved it so that the checks see the person as they will be.
 */
export type UserPatch = Partial<
  Pick<User, 'name' | 'status' | 'positionId' | 'position' | 'level' | 'orgUnitId' | 'managerId'>
>
