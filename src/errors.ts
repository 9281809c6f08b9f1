/**
 * The one error-code registry (docs/api.md). Every problem+json `code` comes from here;
 * the HTTP layer renders an AppError once, routes never pick a status by hand.
 */
export const errorCodes = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  not_authenticated: { status: 401, title: 'Not logged in' },
  mfa_required: { status: 401, title: 'A one-time code is required' },
  // G10: logged in, but a role requires MFA and it is not set up yet: 403, not 401 (the session
  // is valid and must be used to enrol); distinct from mfa_required (a login missing its code).
  mfa_enrolment_required: { status: 403, title: 'Set up multi-factor authentication first' },
  forbidden: { status: 403, title: 'Not allowed' },
  // G4: a session with a preview open changes nothing (it may end the preview, or log out)
  preview_read_only: { status: 403, title: 'A preview is read-only' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  approval_required: { status: 409, title: 'Approval required' },
  // W1–W3: deciding an access request or giving a grant is a delegation (authz/delegate.ts)
  cannot_grant: { status: 403, title: 'You may grant only what you hold' },
  own_request: { status: 403, title: 'Nobody decides their own request' },
  not_approver: { status: 403, title: 'This request is routed to someone else' },
  reason_required: { status: 400, title: 'Give a reason for this access' },
  quota_exceeded: { status: 429, title: 'Quota exceeded' },
  // P9: every outbound line the caller's level allows is busy (a hang-up frees one)
  line_limit_reached: { status: 429, title: 'All your outbound lines are busy' },
  // P11: a number outside every pool assigned to the caller, their team or project
  number_not_in_pool: { status: 403, title: 'The number is not in a pool assigned to you' },
  // P11: nobody dials a blacklisted number
  number_blacklisted: { status: 403, title: 'The number is blacklisted' },
  rate_limited: { status: 429, title: 'Too many requests' },
  locked: { status: 423, title: 'Account locked' },
  login_restricted: { status: 403, title: 'Login not allowed at this time or from this address' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Send JSON (application/json)' },
  invalid_policy: { status: 400, title: 'The policy is not valid' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>

export type ErrorCode = keyof typeof errorCodes

export interface ErrorDetail {
  path: string
  message: string
}

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly errors: readonly ErrorDetail[] | undefined
  /** For a 429: the seconds after which trying again can succeed (the `Retry-After` header). */
  readonly retryAfter: number | undefined

  constructor(
    code: ErrorCode,
    detail?: string,
    options: { cause?: unknown; errors?: readonly ErrorDetail[]; retryAfter?: number } = {},
  ) {
    super(detail ?? errorCodes[code].title, { cause: options.cause })
    this.name = 'AppError'
    this.code = code
    this.status = errorCodes[code].status
    this.errors = options.errors
    this.retryAfter = options.retryAfter
  }
}
