/** A key for an integration: it acts with exactly one role. The key itself is never stored. */
export interface ApiKey {
  readonly id: string
  readonly companyId: string
  readonly name: string
  readonly roleId: string
  readonly createdBy: string | null
  readonly createdAt: Date
  readonly lastUsedAt: Date | null
  readonly expiresAt: Date | null
  readonly revokedAt: Date | null
}
