import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { REASON_HEADER } from '../../domain/access/index.js'
import { authenticateSession, csrfTokenFor, type AuthResult } from '../../domain/accounts/index.js'
import { API_KEY_PREFIX, authenticateApiKey } from '../../domain/api-keys/index.js'
import type { Actor, AnonymousCtx, RequestMeta, RequestTx } from '../../domain/context.js'
import { AppError } from '../../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in caller, or null; set once per request by the auth plugin. */
    actor: Actor | null
    /** The transaction the caller was read in, until the request's work adopts it. */
    requestTx: RequestTx | null
  }
  interface FastifyContextConfig {
    /** G10: reachable by a session that still owes its MFA enrolment. */
    mfaEnrolment?: boolean
    /** About a person's own session or second factor: no use for an API key. */
    session?: boolean
    /**
     * The route may need no database at all (the decision API on a warm cache): a caller kept in
     * memory is checked by one statement outside any transaction (on PGlite none while nothing
     * was sent since, db/local-epoch.ts), and the work opens its own transaction only if it
     * needs one (domain/context.ts resumeIn).
     */
    lazyTransaction?: boolean
    /**
     * G4: a state-changing method this route may take while the session has a preview open
     * (ending it, logging out, or a question that changes nothing such as /authz/check); every
     * other non-GET/HEAD request of a preview is refused with 403 `preview_read_only`.
     */
    inPreview?: boolean
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

/** Declares the request state the auth plugin sets. */
export function declareAuth(app: FastifyInstance): void {
  app.decorateRequest('actor', null)
  app.decorateRequest('requestTx', null)
}

/**
 * The authenticated scope's gate (register it inside that plugin scope only): resolves the
 * caller from `Authorization: Bearer <token>` or the HttpOnly session cookie, once the body is
 * in (so no transaction waits on a slow upload) and before validation. A bearer token starting
 * with `tsk_` is an API key (an actor whose engine subject is the key's role); anything else is
 * a session token. Either way the caller is read by one statement in a transaction that the
 * route's work then adopts (domain/context.ts inCompany), so an authorized read is BEGIN with
 * that statement (one round trip when it has no parameters, db/deferred-begin.ts), its own
 * queries and COMMIT.
 *
 * Then, per route `config`: 401 without a live session or key; 403 `mfa_enrolment_required` for
 * a session still owing its MFA enrolment (G10) unless the route says `mfaEnrolment: true`;
 * 403 `forbidden` for an API key on a route marked `session: true`. A cookie-authenticated
 * state-changing request must also carry `x-csrf-token` equal to the session's CSRF token
 * (readable by our page from the non-HttpOnly csrf cookie, unreadable and unguessable for
 * another site); bearer requests need none.
 */
export function installAuth(
  scope: FastifyInstance,
  deps: { anonymous(req: FastifyRequest): AnonymousCtx },
): void {
  scope.addHook('preValidation', async (req) => {
    const presented = presentedToken(req)
    if (presented !== null) {
      const ctx = deps.anonymous(req)
      const options = { lazy: req.routeOptions.config.lazyTransaction === true }
      const apiKey =
        presented.via === 'bearer' && presented.token.startsWith(API_KEY_PREFIX)
          ? await authenticateApiKey(ctx, presented.token, options)
          : null
      // A session token is random base64url and may (rarely) start with the key prefix too.
      const found = apiKey ?? (await authenticateSession(ctx, presented.token, options))
      if (found !== null) {
        req.requestTx = found.tx
        if (presented.via === 'cookie' && !SAFE_METHODS.has(req.method)) {
          if (req.headers[CSRF_HEADER] !== csrfTokenFor(presented.token)) {
            throw new AppError('forbidden', `missing or wrong ${CSRF_HEADER} header`)
          }
        }
        req.actor = found.actor
      }
    }
    admit(req)
  })
  // G4: every response of a session with a preview open says so (errors included).
  scope.addHook('onSend', async (req, reply) => {
    const header = previewHeader(req.actor)
    if (header !== undefined) reply.header(PREVIEW_HEADER, header)
  })
  // The transaction ends with the request even when no work adopted it (a 400, a 403 above).
  const release = async (req: FastifyRequest) => {
    const tx = req.requestTx
    if (tx === null) return
    req.requestTx = null
    await tx.release().catch((error: unknown) => {
      req.log.error({ err: error }, 'ending the request transaction failed')
    })
  }
  scope.addHook('onSend', async (req) => release(req))
  scope.addHook('onResponse', async (req) => release(req))
  scope.addHook('onRequestAbort', async (req) => release(req))
}

/** The route's own terms for the resolved caller (see installAuth). */
function admit(req: FastifyRequest): void {
  const actor = req.actor
  if (actor === null) throw new AppError('not_authenticated')
  const config = req.routeOptions.config
  if (actor.mfaEnrolmentRequired && config.mfaEnrolment !== true) {
    throw new AppError(
      'mfa_enrolment_required',
      'a role you hold requires MFA: enrol with POST /api/v1/auth/mfa/enrol, then confirm',
    )
  }
  if (actor.apiKeyId !== undefined && config.session === true) {
    throw new AppError('forbidden', 'API keys cannot use session and MFA routes')
  }
  if (actor.preview !== undefined && !READ_METHODS.has(req.method) && config.inPreview !== true) {
    throw new AppError(
      'preview_read_only',
      'a preview changes nothing: end it first (DELETE /api/v1/previews/current)',
    )
  }
}

/** What a preview may send besides `inPreview` routes (OPTIONS never reaches a route here). */
const READ_METHODS = new Set(['GET', 'HEAD'])

/** G4: the header marking every response of a session with a preview open. */
export const PREVIEW_HEADER = 'tessera-preview'

/** `role=<id>` or `user=<id>`, for a session with a preview open; undefined otherwise. */
export function previewHeader(actor: Actor | null): string | undefined {
  const preview = actor?.preview
  if (preview === undefined) return undefined
  return preview.roleId !== null ? `role=${preview.roleId}` : `user=${preview.userId ?? ''}`
}

/** The caller of a route in the authenticated scope (its gate has admitted them already). */
export function requireActor(req: FastifyRequest): Actor {
  if (req.actor === null) throw new AppError('not_authenticated')
  return req.actor
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
