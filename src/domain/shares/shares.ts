/** W5: a ticket or a customer shared with another team, limited to chosen fields. */

/** The resource types a record of which may be shared. */
export const shareableTypes = ['ticket', 'customer'] as const
export type ShareableType = (typeof shareableTypes)[number]

/** `active` until its end time (if any) or its revocation; then `ended` or `revoked`. */
export type ShareState = 'active' | 'ended' | 'revoked'

export interface Share {
  readonly id: string
  readonly resource: { readonly type: ShareableType; readonly id: string }
  /** The team: every member of this org unit (not of the units under it) sees the record. */
  readonly orgUnitId: string
  /** The fields the team sees; every other field of the record is hidden from them. */
  readonly fields: readonly string[]
  /** Those of `fields` the team sees masked (the sharer saw them masked). */
  readonly masked: readonly string[]
  /** When it ends by itself; null: only a revocation ends it. */
  readonly until: Date | null
  readonly state: ShareState
  readonly createdBy: string | null
  readonly createdAt: Date
  readonly revokedAt: Date | null
  readonly revokedBy: string | null
}

export interface ShareInput {
  readonly orgUnitId: string
  readonly fields: readonly string[]
  readonly until?: Date | undefined
}
