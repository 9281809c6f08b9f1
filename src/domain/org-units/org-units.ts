export const orgUnitKinds = ['region', 'branch', 'department', 'team'] as const
export type OrgUnitKind = (typeof orgUnitKinds)[number]

export interface OrgUnit {
  readonly id: string
  readonly companyId: string
  readonly parentId: string | null
  readonly kind: OrgUnitKind
  readonly name: string
  /** Its stable key, unique in the company (migration 0054): a move or a rename keeps it. */
  readonly key: string
  readonly createdAt: Date
}

/** What a unit's edit may change; a new `parentId` moves it with its whole subtree. */
export interface OrgUnitPatch {
  readonly name?: string | undefined
  readonly kind?: OrgUnitKind | undefined
  readonly parentId?: string | null | undefined
  readonly key?: string | undefined
}
