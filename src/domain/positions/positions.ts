/** R8: a position and what a person placed in it holds by default. */
export interface Position {
  readonly id: string
  readonly companyId: string
  readonly name: string
  readonly description: string
  /** Roles a transfer into (or creation in) this position gives, sorted by id. */
  readonly roleIds: readonly string[]
  /** Permission groups a transfer into (or creation in) this position gives, sorted by id. */
  readonly groupIds: readonly string[]
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface PositionInput {
  readonly name: string
  readonly description?: string | undefined
  readonly roleIds?: readonly string[] | undefined
  readonly groupIds?: readonly string[] | undefined
}
