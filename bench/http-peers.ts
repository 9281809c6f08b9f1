/**
 * The peers `npm run bench:http` puts beside Tessera's decision API (issue 8, point 4): Cerbos
 * PDP (the binary of the `@cerbos/cerbos-linux-x64` package, a devDependency) with a policy of
 * the same shape as the Tessera role the bench asks about, and a trivial Node HTTP server that
 * answers every request with a fixed decision: the floor of an HTTP round trip on loopback.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The question every service is asked: may this caller view user `id`? */
export const CHECK_ACTION = 'user.view'

/** The Tessera role the bench's API key holds: `user.view`, company-wide, nothing else. */
export const TESSERA_ROLE = {
  name: 'Bench checker',
  grants: [{ actions: [CHECK_ACTION], scope: 'company' }],
}

/**
 * The same role as a Cerbos resource policy: principals with role `checker` may `view` any
 * `user` (Cerbos has no tenants or data scopes here: one company, company-wide, is the same).
 */
const CERBOS_POLICY = `apiVersion: api.cerbos.dev/v1
resourcePolicy:
  version: default
  resource: user
  rules:
    - actions: ["view"]
      effect: EFFECT_ALLOW
      roles: ["checker"]
`

/** The body of Cerbos's `POST /api/check/resources` for the same question. */
export function cerbosCheckBody(userId: string): string {
  return JSON.stringify({
    requestId: 'bench',
    principal: { id: 'bench-key', roles: ['checker'] },
    resources: [{ actions: ['view'], resource: { kind: 'user', id: userId, attr: {} } }],
  })
}

/** The path of the Cerbos binary, or undefined when the package is not installed (not Linux x64). */
export function cerbosBinary(): string | undefined {
  try {
    const require = createRequire(import.meta.url)
    return join(
      dirname(require.resolve('@cerbos/cerbos-linux-x64/package.json')),
      'cerbos-linux-x64',
    )
  } catch {
    return undefined
  }
}

/** Cerbos's version, from its package. */
export function cerbosVersion(): string {
  try {
    const require = createRequire(import.meta.url)
    return (require('@cerbos/cerbos-linux-x64/package.json') as { version: string }).version
  } catch {
    return 'not installed'
  }
}

/** Writes Cerbos's policy and configuration into `dir`; returns the arguments to start it. */
export function cerbosArgs(dir: string, httpPort: number, grpcPort: number): string[] {
  const policies = join(dir, 'policies')
  mkdirSync(policies, { recursive: true })
  writeFileSync(join(policies, 'user.yaml'), CERBOS_POLICY)
  const config = join(dir, 'cerbos.yaml')
  writeFileSync(
    config,
    [
      'server:',
      `  httpListenAddr: "127.0.0.1:${httpPort}"`,
      `  grpcListenAddr: "127.0.0.1:${grpcPort}"`,
      'storage:',
      '  driver: disk',
      '  disk:',
      `    directory: ${JSON.stringify(policies)}`,
      'audit:',
      '  enabled: false',
      '',
    ].join('\n'),
  )
  return ['server', `--config=${config}`, '--log-level=error']
}

/** A Node HTTP server that reads the body and answers a fixed decision: the floor. */
export const FLOOR_SCRIPT = `
const http = require('node:http')
const body = JSON.stringify({ allowed: true, reason: 'granted' })
http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
    res.end(body)
  })
}).listen(Number(process.env.PORT), '127.0.0.1')
`
