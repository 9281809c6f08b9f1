import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { AppError, errorCodes, type ErrorCode, type ErrorDetail } from '../../errors.js'

/** RFC 9457 body; `code` is the stable machine word from errors.ts. */
export function problemBody(code: ErrorCode, detail: string, errors?: readonly ErrorDetail[]) {
  const { status, title } = errorCodes[code]
  return {
    type: `urn:tessera:problem:${code}`,
    title,
    status,
    detail,
    code,
    ...(errors && { errors }),
  }
}

/** A 429 whose cause names no time to wait: the login rate limit's window, the longest wait. */
export const DEFAULT_RETRY_AFTER_SECONDS = 60

function sendProblem(
  reply: FastifyReply,
  code: ErrorCode,
  detail: string,
  errors?: readonly ErrorDetail[],
  retryAfter?: number,
) {
  // Every 429 says when to try again (RFC 9110, Retry-After in seconds).
  if (errorCodes[code].status === 429) {
    reply.header(
      'retry-after',
      String(Math.max(1, Math.ceil(retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS))),
    )
  }
  return reply
    .code(errorCodes[code].status)
    .type('application/problem+json')
    .send(problemBody(code, detail, errors))
}

interface SchemaError {
  keyword?: string
  instancePath?: string
  message?: string
  params?: Record<string, unknown>
}

/** Schema failures as `[{ path, message }]`; path is the request part then a JSON pointer. */
function validationErrors(error: FastifyError): ErrorDetail[] {
  const part = error.validationContext ?? 'body'
  return (error.validation ?? []).flatMap((e: SchemaError): ErrorDetail[] => {
    const at = `${part}${e.instancePath ?? ''}`
    const names = (key: string) => (e.params?.[key] as string[] | undefined) ?? []
    switch (e.keyword) {
      case 'required':
        return names('requiredProperties').map((p) => ({
          path: `${at}/${p}`,
          message: 'is required',
        }))
      case 'additionalProperties':
        return names('additionalProperties').map((p) => ({
          path: `${at}/${p}`,
          message: 'is not a known field',
        }))
      case 'boolean': // the per-field echo of additionalProperties: false
        return []
      default:
        return [{ path: at, message: e.message ?? 'is not valid' }]
    }
  })
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
}

/**
 * The one translation of errors to HTTP: AppError → its registry status; schema failures →
 * 400 validation_failed with errors[]; Fastify's own client errors → their status; anything
 * else is logged with its cause and answered with a bare 500.
 */
export function installProblemDetails(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error instanceof AppError) {
      if (error.status >= 500) req.log.error({ err: error }, 'internal error')
      return sendProblem(reply, error.code, error.message, error.errors, error.retryAfter)
    }
    if (error.validation) {
      return sendProblem(
        reply,
        'validation_failed',
        'the request is not valid',
        validationErrors(error),
      )
    }
    // R1: the database's last-admin guard (db/migrations/0006) fires at commit, on any path.
    if ((error as { hint?: string }).hint === 'last_admin') {
      return sendProblem(reply, 'conflict', 'the company would lose its last active Admin')
    }
    const mapped = fastifyCodes[error.code]
    if (mapped) return sendProblem(reply, mapped, error.message)
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, 'validation_failed', error.message, [
        { path: '', message: error.message },
      ])
    }
    req.log.error({ err: error }, 'unhandled error')
    return sendProblem(reply, 'internal', 'internal error')
  })
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, 'not_found', `no route ${req.method} ${req.url.split('?')[0]}`),
  )
}
