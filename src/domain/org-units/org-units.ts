export const orgUnitKinds = ['region', 'branch', 'department', 'team'] as const
export type OrgUnitKind = (typeof orgUnitKinds)[number]

export interface OrgUnit {
  readonly id: string
  readonly companyId: string
  readonly parentId: string | null
  readonly kind: OrgUnitKind
  readonly name: string
  readonly createdAt: Date
}
