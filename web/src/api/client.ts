import createClient, { type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema'

export type Schemas = components['schemas']

/** The CSRF cookie the server sets beside its HttpOnly session cookie (plugins/auth.ts). */
const CSRF_COOKIE = 'tessera_csrf'
const CSRF_HEADER = 'x-csrf-token'
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join('='))
  }
  return undefined
}

/**
 * The session lives in the HttpOnly cookie only (never in storage); a state-changing request
 * repeats the CSRF cookie's value in the header, which another site cannot read.
 */
const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method)) {
      const token = csrfToken()
      if (token !== undefined) request.headers.set(CSRF_HEADER, token)
    }
    return request
  },
}

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  credentials: 'same-origin',
})
api.use(csrf)

/** A problem+json answer (docs/api.md): `code` is the stable word, `detail` the server's why. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly errors: readonly { path: string; message: string }[]

  constructor(status: number, body: unknown) {
    const problem = (typeof body === 'object' && body !== null ? body : {}) as Partial<{
      code: string
      detail: string
      errors: { path: string; message: string }[]
    }>
    super(problem.detail ?? `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.code = problem.code ?? 'internal'
    this.detail = problem.detail ?? ''
    this.errors = problem.errors ?? []
  }
}

/** The data of a successful answer, or the problem thrown as an ApiError. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, result.error)
  }
  return result.data as T
}
