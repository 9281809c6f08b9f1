import type { IncomingMessage } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Format } from 'typebox/format'
import { escapeUnstorable, unstorableText } from '../../domain/storable-text.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { problemBody } from './problem-details.js'

/**
 * S25: for the console, a same-origin React app (Vite build: script and style files, no inline
 * script); swagger-ui at /api/docs fits it too. Inline style attributes stay allowed, as UI
 * libraries set them; scripts come only from our origin; nobody may frame us.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ')

/** One year; without includeSubDomains, which is the deployment's call, not ours. */
const HSTS = 'max-age=31536000'

function setSecurityHeaders(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
  reply.header('x-content-type-options', 'nosniff')
  reply.header('x-frame-options', 'DENY')
  reply.header('referrer-policy', 'no-referrer')
  // Over plain HTTP the header is meaningless (browsers ignore it) and would be a lie.
  if (req.protocol === 'https') reply.header('strict-transport-security', HSTS)
}

/** `application/json; charset=…`: only UTF-8 (docs/api.md), the only charset we decode. */
function isUtf8OrUnset(contentType: string): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType)?.[1]
  return charset === undefined || /^utf-?8$/i.test(charset)
}

/** Enough to show what is wrong; a body with thousands of bad strings gets no longer an answer. */
const MAX_ERRORS = 20

/** A JSON pointer segment (RFC 6901), with unstorable characters shown as escapes. */
function segment(key: string): string {
  return escapeUnstorable(key.replaceAll('~', '~0').replaceAll('/', '~1'))
}

/**
 * Every string (and object key) in `value` PostgreSQL could not store, as `[{ path, message }]`
 * with `path` the request part then a JSON pointer, as schema errors have it. Walks with a
 * stack, not recursion: a deeply nested body must not overflow here.
 */
function unstorableStrings(value: unknown, part: string): ErrorDetail[] {
  const errors: ErrorDetail[] = []
  const stack: { value: unknown; path: string }[] = [{ value, path: part }]
  while (stack.length > 0 && errors.length < MAX_ERRORS) {
    const { value: v, path } = stack.pop() as { value: unknown; path: string }
    if (typeof v === 'string') {
      const message = unstorableText(v)
      if (message !== null) errors.push({ path, message })
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}/${i}` })
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v).reverse()) {
        const at = `${path}/${segment(key)}`
        const message = unstorableText(key)
        if (message !== null) errors.push({ path: at, message: `is a key that ${message}` })
        stack.push({ value: child, path: at })
      }
    }
  }
  return errors.slice(0, MAX_ERRORS) // one object can hold many bad keys
}

function refuseUnstorable(errors: ErrorDetail[]): void {
  if (errors.length === 0) return
  throw new AppError('validation_failed', 'the request holds text that cannot be stored', {
    errors,
  })
}

/**
 * S18: RFC 3339 allows a leap second (`23:59:60`) and TypeBox's `date-time` lets it through, as
 * it does RFC 9557 suffixes (`…Z[Europe/Paris]`), but `new Date()` reads neither. A date-time
 * is valid only if it is one JavaScript can read, so every such field is refused at validation.
 */
function isReadableDateTime(value: string): boolean {
  return Format.IsDateTime(value) && !Number.isNaN(Date.parse(value))
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * S22: the `x-request-id` a client sent, when well-formed; null otherwise. It is only ever the
 * client's word: the request's own id (`req.id`, in audit events as `requestId`) is always one
 * the server made up, and this one is logged and audited beside it as `clientRequestId`.
 */
export function clientRequestId(req: IncomingMessage | FastifyRequest): string | null {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : null
}

/**
 * HTTP-level hardening (issue 7), before any route or service sees the request:
 * - S9: a NUL byte or a lone surrogate anywhere (headers, path parameters, query, JSON body,
 *   keys included) answers 400 validation_failed naming the field; the database never sees it.
 * - S18: `format: 'date-time'` accepts only what `new Date()` can read.
 * - S25: security headers on every answer (HSTS only over TLS); a body in another charset than
 *   UTF-8 is refused with 415 (Fastify would decode it as UTF-8 anyway). Undecodable paths are
 *   answered by `answerFrameworkError`, which app.ts passes to Fastify.
 * - S22: every request's log lines carry the client's `x-request-id` as `clientRequestId`.
 */
export function installHardening(app: FastifyInstance): void {
  // TypeBox's format registry is process-wide and read when a route's schema is compiled, which
  // happens after this (routes are added later); setting it again is harmless.
  Format.Set('date-time', isReadableDateTime)
  app.setChildLoggerFactory((logger, bindings, options, raw) => {
    const given = clientRequestId(raw)
    return logger.child(
      given === null ? bindings : { ...bindings, clientRequestId: given },
      options,
    )
  })
  // Headers first, before authentication reads them; user-agent, for one, is stored.
  app.addHook('onRequest', async (req) => {
    const headers = Object.entries(req.headers).flatMap(([name, value]) =>
      value === undefined ? [] : unstorableStrings(value, `headers/${segment(name)}`),
    )
    refuseUnstorable(headers)
    const type = req.headers['content-type']
    if (type !== undefined && !isUtf8OrUnset(type)) {
      throw new AppError('unsupported_media_type', 'send the body as UTF-8 (charset=utf-8 or none)')
    }
  })
  app.addHook('onSend', async (req, reply, payload) => {
    setSecurityHeaders(req, reply)
    return payload
  })
  app.addHook('preValidation', async (req) => {
    refuseUnstorable([
      ...unstorableStrings(req.params, 'params'),
      ...unstorableStrings(req.query, 'querystring'),
      ...unstorableStrings(req.body, 'body'),
    ])
  })
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any hook runs (a path that does not
 * percent-decode, e.g. `/api/v1/users/%E0%A4%A`, or a path parameter over maxParamLength) gets
 * problem+json and the security headers like every other answer, not Fastify's bare JSON.
 */
export function answerFrameworkError(
  error: FastifyError,
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  setSecurityHeaders(req, reply)
  const body =
    error.code === 'FST_ERR_ASYNC_CONSTRAINT'
      ? problemBody('internal', 'internal error')
      : problemBody('validation_failed', 'the request path is not valid', [
          { path: 'url', message: 'is not a valid path (percent-encoding or length)' },
        ])
  if (body.status >= 500) req.log.error({ err: error }, 'router error')
  void reply
    .code(body.status)
    .header('x-request-id', req.id)
    .type('application/problem+json')
    .send(body)
}
