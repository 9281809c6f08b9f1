import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { csrfTokenFor, resolveSession, type AuthResult } from '../../domain/accounts/index.js'
import { REASON_HEADER } from '../../domain/access/index.js'
import { API_KEY_PREFIX, resolveApiKey } from '../../domain/api-keys/index.js'
import type { Actor, AnonymousCtx, RequestMeta } from '../../domain/context.js'
import { AppError } from '../../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in caller, or null; set once per request by the auth plugin. */
    actor: Actor | null
  }
}

export const SESSION_COOKIE = 'tessera_session'
export const CSRF_COOKIE = 'tessera_csrf'
export const CSRF_HEADER = 'x-csrf-token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export function requestMeta(req: FastifyRequest): RequestMeta {
  const agent = req.headers['user-agent']
  return {
    ip: req.ip ?? null,
    userAgent: agent ?? null,
    requestId: req.id,
    reason: reasonOf(req.headers[REASON_HEADER]),
  }
}

/**
 * The `x-tessera-reason` header: HTTP headers carry Latin-1, so a reason in Chinese or Russian
 * is sent percent-encoded (encodeURIComponent) and decoded here; a malformed one is kept as is.
 */
function reasonOf(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null
  try {
    return decodeURIComponent(header)
  } catch {
    return header
  }
}

/** The presented session token and how it came: bearer header first, then the cookie. */
function presentedToken(req: FastifyRequest): { token: string; via: 'bearer' | 'cookie' } | null {
  const header = req.headers.authorization
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    return match?.[1] ? { token: match[1], via: 'bearer' } : null
  }
  const cookie = req.cookies[SESSION_COOKIE]
  return cookie ? { token: cookie, via: 'cookie' } : null
}

/**
 * Resolves the caller on every request (`req.actor`), from `Authorization: Bearer <token>` or
 * the HttpOnly session cookie. A bearer token starting with `tsk_` is an API key (an actor
 * whose engine subject is the key's role); anything else is a session token. A
 * cookie-authenticated state-changing request must also carry `x-csrf-token` equal to the
 * session's CSRF token (readable by our page from the non-HttpOnly csrf cookie, unreadable and
 * unguessable for another site); bearer requests need none.
 */
export function installAuth(
  app: FastifyInstance,
  deps: { anonymous(req: FastifyRequest): AnonymousCtx },
): void {
  app.decorateRequest('actor', null)
  app.addHook('onRequest', async (req) => {
    const presented = presentedToken(req)
    if (presented === null) return
    const ctx = deps.anonymous(req)
    const apiKey =
      presented.via === 'bearer' && presented.token.startsWith(API_KEY_PREFIX)
        ? await resolveApiKey(ctx, presented.token)
        : null
    // A session token is random base64url and may (rarely) start with the key prefix too.
    const actor = apiKey ?? (await resolveSession(ctx, presented.token))
    if (actor === null) return
    if (presented.via === 'cookie' && !SAFE_METHODS.has(req.method)) {
      if (req.headers[CSRF_HEADER] !== csrfTokenFor(presented.token)) {
        throw new AppError('forbidden', `missing or wrong ${CSRF_HEADER} header`)
      }
    }
    req.actor = actor
  })
}

/**
 * G10: all a session may reach while a role requires MFA and the user has not enrolled: the
 * enrolment itself, logout and `me` (so a console can tell the person what to do).
 */
const mfaEnrolmentRoutes = new Set([
  'POST /api/v1/auth/mfa/enrol',
  'POST /api/v1/auth/mfa/confirm',
  'POST /api/v1/auth/logout',
  'GET /api/v1/me',
])

/** Routes about a person's own sessions and second factor: no use for an API key. */
const SESSION_ROUTES = '/api/v1/auth/'

/**
 * The caller of a route that needs one (every route's service context comes through here):
 * 401 without a session; 403 `mfa_enrolment_required` for a session still owing its MFA
 * enrolment (G10) outside the enrolment routes; 403 `forbidden` for an API key on the session
 * and MFA routes.
 */
export function requireActor(req: FastifyRequest): Actor {
  const actor = req.actor
  if (actor === null) throw new AppError('not_authenticated')
  const route = req.routeOptions.url ?? ''
  if (actor.mfaEnrolmentRequired && !mfaEnrolmentRoutes.has(`${req.method} ${route}`)) {
    throw new AppError(
      'mfa_enrolment_required',
      'a role you hold requires MFA: enrol with POST /api/v1/auth/mfa/enrol, then confirm',
    )
  }
  if (actor.apiKeyId !== undefined && route.startsWith(SESSION_ROUTES)) {
    throw new AppError('forbidden', 'API keys cannot use session and MFA routes')
  }
  return actor
}

/** Sets the session cookie (HttpOnly) and the CSRF cookie (readable by our own page). */
export function setSessionCookies(reply: FastifyReply, auth: AuthResult): void {
  const common = { path: '/', sameSite: 'lax', secure: 'auto', expires: auth.expiresAt } as const
  reply.setCookie(SESSION_COOKIE, auth.token, { ...common, httpOnly: true })
  reply.setCookie(CSRF_COOKIE, auth.csrfToken, { ...common, httpOnly: false })
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' })
  reply.clearCookie(CSRF_COOKIE, { path: '/' })
}
