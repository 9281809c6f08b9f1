/** Session and lockout limits; the clock they are measured with is injected. */
export const securityPolicy = {
  /** A session unused this long ends. */
  sessionIdleMs: 30 * 60_000,
  /** A session ends this long after login, used or not. */
  sessionAbsoluteMs: 12 * 60 * 60_000,
  /** last_seen_at is written at most this often, so reads stay reads. */
  sessionTouchMs: 60_000,
  /** Failed logins in a row that lock an account… */
  maxFailedLogins: 5,
  /** …for this long. */
  lockoutMs: 15 * 60_000,
} as const
