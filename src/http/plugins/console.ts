import { readFile, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** Where `npm install` (the root package's `prepare` script) puts the built console. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/** Vite names everything under assets/ by its content hash: it never changes under that name. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
/** index.html names the current hashes: the browser asks again every time (a 304 is cheap). */
const REVALIDATE = 'no-cache'
/** Other files in dist (the icon): an hour. */
const SHORT = 'public, max-age=3600'

const NOT_BUILT =
  'The Tessera console is not built yet (web/dist/index.html is missing).\n' +
  'Run `npm install` (its prepare script builds it) or `npm run build:web`, then reload.\n' +
  'The API works without it: /api/v1, documentation at /api/docs.\n'

/** A file under `root` for a URL path, or null when the path leaves `root` or names none. */
async function fileFor(root: string, urlPath: string): Promise<string | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  const file = resolve(root, `.${decoded}`)
  if (!file.startsWith(root + sep)) return null
  const info = await stat(file).catch(() => null)
  return info?.isFile() ? file : null
}

function isApiPath(urlPath: string): boolean {
  return urlPath === '/api' || urlPath.startsWith('/api/')
}

/**
 * Serves the web console (web/, built by Vite into web/dist) on the API's own origin, so its
 * cookie session and CSRF header work as they do for any same-origin page:
 * - files under dist as they are; `assets/*` (hashed names) cached for a year, immutable;
 * - every other GET/HEAD outside `/api` answers index.html (the app's own routes, `/users/…`),
 *   revalidated on each load so a new build is picked up at once;
 * - `/api/…` paths no route took keep the API's 404 problem+json;
 * - without a build, 503 with how to build it (the API itself keeps working).
 */
export function installConsole(app: FastifyInstance, root: string = CONSOLE_DIST): void {
  const dist = resolve(root)
  const index = join(dist, 'index.html')

  const send = async (reply: FastifyReply, file: string, cache: string) => {
    const body = await readFile(file)
    return reply
      .header('cache-control', cache)
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .send(body)
  }

  const sendIndex = async (reply: FastifyReply) => {
    const found = await stat(index).catch(() => null)
    if (!found?.isFile()) {
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .header('retry-after', '30')
        .type('text/plain; charset=utf-8')
        .send(NOT_BUILT)
    }
    return send(reply, index, REVALIDATE)
  }

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const urlPath = req.url.split('?')[0] ?? '/'
    if (isApiPath(urlPath)) return reply.callNotFound()
    if (urlPath === '/' || urlPath === '/index.html') return sendIndex(reply)
    const file = await fileFor(dist, urlPath)
    if (file !== null) return send(reply, file, urlPath.startsWith('/assets/') ? IMMUTABLE : SHORT)
    // A missing hashed asset is a 404, not the page: a script tag must not get HTML.
    if (urlPath.startsWith('/assets/')) return reply.callNotFound()
    return sendIndex(reply)
  }

  // The catch-all must not match under /api at all: there the router's own answers stand (a 404
  // problem, or 400 for a path parameter over maxParamLength, which a matching wildcard would
  // swallow by backtracking to it). A route constraint keeps it to the console's paths.
  app.addConstraintStrategy({
    name: CONSTRAINT,
    storage() {
      const handlers = new Map<string, unknown>()
      return {
        get: (value: string) => (handlers.get(value) ?? null) as never,
        set: (value: string, handler: unknown) => void handlers.set(value, handler),
      }
    },
    deriveConstraint: (req: { url?: string }) =>
      isApiPath((req.url ?? '/').split('?')[0] ?? '/') ? 'api' : 'page',
    mustMatchWhenDerived: false,
  })
  app.get('/', { schema: { hide: true } }, handler)
  app.get('/*', { schema: { hide: true }, constraints: { [CONSTRAINT]: 'page' } }, handler)
}

const CONSTRAINT = 'tesseraConsolePath'
