/**
 * Auto-dialers ([000] 批量外呼, P10 [004] «автообзвоны … по проектам»): a dialer of one project
 * calls its list for the project's agents; outbound agents start and stop the dialers of their
 * projects, admins set them up.
 */
export const dialerModes = ['preview', 'progressive', 'predictive'] as const
export type DialerMode = (typeof dialerModes)[number]
export const dialerStates = ['idle', 'running'] as const
export type DialerState = (typeof dialerStates)[number]

/** An auto-dialer (the `dialer` type of the catalog). */
export interface Dialer {
  readonly id: string
  readonly projectId: string
  readonly name: string
  /** preview: the agent sees the number before the call; progressive: one call per free agent; predictive: more calls than agents. */
  readonly mode: DialerMode
  readonly state: DialerState
  /** When the dialer was last started (kept after a stop), and by whom (null: an API key). */
  readonly startedAt: Date | null
  readonly startedBy: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** What a create or an edit may set (the project only at creation). */
export interface DialerInput {
  readonly name?: string | undefined
  readonly mode?: DialerMode | undefined
}

export const dialerLimits = { name: 200 } as const
