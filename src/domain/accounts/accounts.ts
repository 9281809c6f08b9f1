import type { Company } from '../companies/index.js'
import type { User } from '../users/index.js'

/** What the HTTP layer needs to answer a login or sign-up and set the cookies. */
export interface AuthResult {
  /** The opaque bearer token; shown once, stored only as a hash. */
  readonly token: string
  readonly csrfToken: string
  readonly sessionId: string
  readonly expiresAt: Date
  readonly user: User
  /** G10: a role of the user requires MFA and the user has not enrolled yet. */
  readonly mfaEnrolmentRequired: boolean
}

export interface SignupResult extends AuthResult {
  readonly company: Company
}

/** One of my sessions, as `GET /api/v1/auth/sessions` lists it. */
export interface SessionInfo {
  readonly id: string
  readonly createdAt: Date
  readonly lastSeenAt: Date
  readonly expiresAt: Date
  readonly ip: string | null
  readonly userAgent: string | null
  readonly current: boolean
}
