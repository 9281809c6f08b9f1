/** Calls (issue 10, point 3): the call log, outbound dial (P9, P11) and recordings (G2). */

/** ringing → answered → ended, or ringing → ended (no answer); an ended call frees its line. */
export const callStatuses = ['ringing', 'answered', 'ended'] as const
export type CallStatus = (typeof callStatuses)[number]

export const callDirections = ['outbound', 'inbound'] as const
export type CallDirection = (typeof callDirections)[number]

export interface Call {
  readonly id: string
  readonly companyId: string
  /** The agent whose line it is: the `own` scope reads it. */
  readonly agentId: string
  /** The agent's team when the call was placed: `team` / `subtree` scopes read it. */
  readonly orgUnitId: string | null
  /** The project of the pool it was dialled from. */
  readonly projectId: string | null
  /** The number pool the dialled number was found in (P11). */
  readonly poolId: string | null
  readonly customerId: string | null
  readonly direction: CallDirection
  /** E.164. */
  readonly phone: string
  readonly status: CallStatus
  /** Whether the number was blacklisted when the call was placed. */
  readonly blacklisted: boolean
  /** Seconds from answer to hang-up (0 for a call never answered). */
  readonly durationSec: number
  readonly notes: string
  readonly startedAt: Date
  readonly answeredAt: Date | null
  readonly endedAt: Date | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** A recording's metadata (the audio stays with the telephony provider). */
export interface Recording {
  readonly id: string
  readonly companyId: string
  readonly callId: string
  readonly agentId: string
  readonly orgUnitId: string | null
  readonly projectId: string | null
  readonly durationSec: number
  readonly createdAt: Date
}
