/** A blacklisted number (P11): nobody of the company dials it. */
export interface BlacklistEntry {
  readonly id: string
  readonly companyId: string
  /** E.164. */
  readonly phone: string
  /** Why it is blacklisted (the customer asked, a complaint, a regulator's list). */
  readonly reason: string
  readonly createdBy: string | null
  readonly createdAt: Date
}
