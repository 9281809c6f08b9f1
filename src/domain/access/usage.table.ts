/** P8/P9: how often a person used a per-day-limited action on one local day. */
export interface UsageCountersTable {
  company_id: string
  subject_id: string
  action: string
  /** The company's local day, `YYYY-MM-DD`. */
  day: string
  used: number
}
