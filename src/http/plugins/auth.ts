import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { csrfTokenFor, resolveSession, type AuthResult } from '../../domain/accounts/index.js'
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
  return { ip: req.ip ?? null, userAgent: agent ?? null, requestId: req.id }
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
 * the HttpOnly session cookie. A cookie-authenticated state-changing request must also carry
 * `x-csrf-token` equal to the session's CSRF token (readable by our page from the non-HttpOnly
 * csrf cookie, unreadable and unguessable for another site); bearer requests need none.
 */
export function installAuth(
  app: FastifyInstance,
  deps: { anonymous(req: FastifyRequest): AnonymousCtx },
): void {
  app.decorateRequest('actor', null)
  app.addHook('onRequest', async (req) => {
    const presented = presentedToken(req)
    if (presented === null) return
    const actor = await resolveSession(deps.anonymous(req), presented.token)
    if (actor === null) return
    if (presented.via === 'cookie' && !SAFE_METHODS.has(req.method)) {
      if (req.headers[CSRF_HEADER] !== csrfTokenFor(presented.token)) {
        throw new AppError('forbidden', `missing or wrong ${CSRF_HEADER} header`)
      }
    }
    req.actor = actor
  })
}

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
