/** What a block of a person's schedule is for ([004] смены и расписание). */
export const shiftKinds = ['work', 'break', 'training'] as const
export type ShiftKind = (typeof shiftKinds)[number]

/**
 * One block of one person's schedule: the catalog's `schedule` record. Its owner is `userId`
 * (an agent sees their own), its team `orgUnitId` (a lead sees the team's), by default the
 * person's unit when the shift is made.
 */
export interface Shift {
  readonly id: string
  readonly userId: string
  readonly orgUnitId: string | null
  readonly kind: ShiftKind
  readonly startsAt: Date
  readonly endsAt: Date
  readonly note: string
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface ShiftInput {
  readonly userId?: string
  readonly orgUnitId?: string | null
  readonly kind?: ShiftKind
  readonly startsAt?: Date
  readonly endsAt?: Date
  readonly note?: string
}

export const shiftLimits = {
  /** The longest shift, in milliseconds (24 hours). */
  durationMs: 24 * 60 * 60_000,
  note: 500,
} as const
