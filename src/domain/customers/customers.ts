/** P4 / D: a customer of the company, as the workspace shows one (before projection). */
export const customerLevels = ['regular', 'silver', 'gold', 'vip'] as const
export type CustomerLevel = (typeof customerLevels)[number]

export interface Customer {
  readonly id: string
  readonly companyId: string
  readonly name: string
  /** E.164 (`+8613812345678`). */
  readonly phone: string | null
  /** Lower-cased. */
  readonly email: string | null
  readonly idNumber: string | null
  /** Digits only. */
  readonly bankCard: string | null
  /** Org unit ids: the region and the branch the customer belongs to. */
  readonly region: string | null
  readonly branch: string | null
  /** The team (org unit) that serves the customer: the `team` / `subtree` scopes read it. */
  readonly orgUnitId: string | null
  readonly level: CustomerLevel
  readonly tags: readonly string[]
  /** The user who owns the customer: the `own` scope reads it. */
  readonly ownerId: string | null
  readonly projectId: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** What a create or an update sets (already validated and normalised by the service). */
export interface CustomerInput {
  readonly name?: string
  readonly phone?: string | null
  readonly email?: string | null
  readonly idNumber?: string | null
  readonly bankCard?: string | null
  readonly region?: string | null
  readonly branch?: string | null
  readonly orgUnitId?: string | null
  readonly level?: CustomerLevel
  readonly tags?: readonly string[]
  readonly ownerId?: string | null
  readonly projectId?: string | null
}

/** The fields a caller may ask to see in clear once (`customer.unmask`). */
export const unmaskableFields = ['phone', 'email', 'idNumber', 'bankCard'] as const
export type UnmaskableField = (typeof unmaskableFields)[number]

/** A complaint on record (the customer's `complaints` field, P4: confidential). */
export interface CustomerComplaint {
  readonly id: string
  readonly customerId: string
  readonly summary: string
  readonly status: 'open' | 'resolved'
  readonly createdBy: string | null
  readonly createdAt: Date
}

export const orderStatuses = ['placed', 'paid', 'shipped', 'cancelled', 'returned'] as const

/** An order in the customer's history (the `orderHistory` field). */
export interface CustomerOrder {
  readonly id: string
  readonly customerId: string
  readonly orderNo: string
  /** In the currency's minor unit (cents, fen, kopecks). */
  readonly amountMinor: number
  /** ISO 4217, upper case. */
  readonly currency: string
  readonly status: (typeof orderStatuses)[number]
  readonly orderedAt: Date
  readonly createdBy: string | null
  readonly createdAt: Date
}
