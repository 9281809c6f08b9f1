import type { FastifyInstance } from 'fastify'
import { Format } from 'typebox/format'
import { escapeUnstorable, unstorableText } from '../../domain/storable-text.js'
import { AppError, type ErrorDetail } from '../../errors.js'

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
  return errors.slice(0, MAX_ERRORS)
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

/**
 * HTTP-level hardening (issue 7), before any route or service sees the request:
 * - S9: a NUL byte or a lone surrogate anywhere (headers, path parameters, query, JSON body,
 *   keys included) answers 400 validation_failed naming the field; the database never sees it.
 * - S18: `format: 'date-time'` accepts only what `new Date()` can read.
 */
export function installHardening(app: FastifyInstance): void {
  // TypeBox's format registry is process-wide and read when a route's schema is compiled, which
  // happens after this (routes are added later); setting it again is harmless.
  Format.Set('date-time', isReadableDateTime)
  // Headers first, before authentication reads them; user-agent, for one, is stored.
  app.addHook('onRequest', async (req) => {
    const headers = Object.entries(req.headers).flatMap(([name, value]) =>
      value === undefined ? [] : unstorableStrings(value, `headers/${segment(name)}`),
    )
    refuseUnstorable(headers)
  })
  app.addHook('preValidation', async (req) => {
    refuseUnstorable([
      ...unstorableStrings(req.params, 'params'),
      ...unstorableStrings(req.query, 'querystring'),
      ...unstorableStrings(req.body, 'body'),
    ])
  })
}
