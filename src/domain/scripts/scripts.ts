/**
 * Call scripts ([000] 话术, W3): what an agent reads during a call. Trainers and admins write
 * them; a version is used only once someone other than its writers has published it.
 */
export const scriptStatuses = ['draft', 'pending', 'published', 'archived'] as const
export type ScriptStatus = (typeof scriptStatuses)[number]

/** One version of a script (the `script` type of the catalog). */
export interface Script {
  readonly id: string
  /** The id of the series' first version: every version of one script shares it. */
  readonly seriesId: string
  /** 1, 2, …: the version within its series. */
  readonly version: number
  readonly title: string
  readonly body: string
  /** The project whose agents use it; null: the company's, for every project. */
  readonly projectId: string | null
  /** Who opened this version (the first draft, or the edit of a published version). */
  readonly authorId: string | null
  /** Everyone who wrote this version's text, the author first: none of them may publish it. */
  readonly editorIds: readonly string[]
  readonly status: ScriptStatus
  readonly submittedAt: Date | null
  readonly publishedAt: Date | null
  readonly publishedBy: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** What a create or an edit may set. */
export interface ScriptInput {
  readonly title?: string | undefined
  readonly body?: string | undefined
  readonly projectId?: string | null | undefined
}

/** Limits the table also checks. */
export const scriptLimits = { title: 200, body: 20_000 } as const
