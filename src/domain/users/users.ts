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
  readonly position?: string | null
  readonly level?: UserLevel
  readonly orgUnitId?: string | null
  readonly managerId?: string | null
}

export type UserPatch = Partial<
  Pick<User, 'name' | 'status' | 'position' | 'level' | 'orgUnitId' | 'managerId'>
>
