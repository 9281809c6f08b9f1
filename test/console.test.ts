import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import Fastify from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { CONSOLE_DIST, installConsole } from '../src/http/plugins/console.js'
import { SCHEMA_FILE, typesFor } from '../web/scripts/openapi-types.js'
import en from '../web/src/locales/en.json' with { type: 'json' }
import ru from '../web/src/locales/ru.json' with { type: 'json' }
import zh from '../web/src/locales/zh-CN.json' with { type: 'json' }
import { createTestApp } from './test-app.js'

// Issue 12: the server serves the web console (web/dist) at / beside the API.

const INDEX = '<!doctype html><html><body><div id="root"></div></body></html>'
const dist = await mkdtemp(join(tmpdir(), 'tessera-console-'))
await mkdir(join(dist, 'assets'))
await writeFile(join(dist, 'index.html'), INDEX)
await writeFile(join(dist, 'assets', 'index-Abc123.js'), 'console.log(1)')
await writeFile(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
await writeFile(join(tmpdir(), 'tessera-console-secret.txt'), 'secret')

const served = Fastify()
installConsole(served, dist)
const missing = Fastify()
installConsole(missing, join(dist, 'no-such-folder'))
afterAll(async () => {
  await served.close()
  await missing.close()
  await rm(dist, { recursive: true, force: true })
})

describe('the console plugin', () => {
  it('serves index.html at /, revalidated on every load', async () => {
    const res = await served.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['cache-control']).toBe('no-cache')
    expect(res.body).toBe(INDEX)
  })

  it('serves hashed assets for a year, immutable, with their type', async () => {
    const res = await served.inject({ method: 'GET', url: '/assets/index-Abc123.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(res.body).toBe('console.log(1)')
    const icon = await served.inject({ method: 'GET', url: '/favicon.svg' })
    expect(icon.headers['content-type']).toBe('image/svg+xml')
    expect(icon.headers['cache-control']).toBe('public, max-age=3600')
  })

  it("answers the app's own routes with index.html (SPA fallback), HEAD too", async () => {
    for (const url of ['/users', '/roles/0b1e7f3c-1111-4111-8111-111111111111', '/explain?x=1']) {
      const res = await served.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(200)
      expect(res.body, url).toBe(INDEX)
    }
    const head = await served.inject({ method: 'HEAD', url: '/users' })
    expect(head.statusCode).toBe(200)
  })

  it('never answers a missing asset or an /api path with the page', async () => {
    const asset = await served.inject({ method: 'GET', url: '/assets/gone-Xyz.js' })
    expect(asset.statusCode).toBe(404)
    for (const url of ['/api', '/api/v1/nothing-here', '/api/v2/x']) {
      const res = await served.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
      expect(res.body, url).not.toContain('<div id="root">')
    }
  })

  it('serves nothing outside its folder', async () => {
    for (const url of [
      '/../tessera-console-secret.txt',
      '/%2e%2e/tessera-console-secret.txt',
      '/assets/%2e%2e/%2e%2e/tessera-console-secret.txt',
      '/%E0%A4%A',
    ]) {
      const res = await served.inject({ method: 'GET', url })
      expect(res.body, url).not.toContain('secret')
    }
  })

  it('answers 503 with how to build it when web/dist is missing', async () => {
    for (const url of ['/', '/users']) {
      const res = await missing.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(503)
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.body).toContain('npm run build:web')
    }
  })
})

describe('the console in the real app', async () => {
  const { app } = await createTestApp()

  it('leaves the API as it was: JSON answers, problem+json 404s, the docs', async () => {
    const catalog = await app.inject({ method: 'GET', url: '/api/v1/permissions' })
    expect(catalog.statusCode).toBe(200)
    expect(catalog.headers['content-type']).toContain('application/json')
    const nothing = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' })
    expect(nothing.statusCode).toBe(404)
    expect(nothing.headers['content-type']).toContain('application/problem+json')
    expect(nothing.json()).toMatchObject({ code: 'not_found' })
    const me = await app.inject({ method: 'GET', url: '/api/v1/me' })
    expect(me.statusCode).toBe(401)
    const docs = await app.inject({ method: 'GET', url: '/api/docs/' })
    expect(docs.statusCode).toBe(200)
    expect(docs.body).not.toContain('<div id="root">')
    const post = await app.inject({ method: 'POST', url: '/users', payload: {} })
    expect(post.statusCode).toBe(404)
  })

  it('serves the built console at / with the security headers (no inline script)', async () => {
    const res = await app.inject({ method: 'GET', url: '/users' })
    expect(res.headers['content-security-policy']).toContain("script-src 'self'")
    expect(res.headers['x-frame-options']).toBe('DENY')
    if (!existsSync(join(CONSOLE_DIST, 'index.html'))) {
      expect(res.statusCode).toBe(503)
      return
    }
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<div id="root"></div>')
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
  })

  it('has a typed client that matches the API: web/src/api/schema.d.ts is up to date', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()
    const committed = await readFile(SCHEMA_FILE, 'utf8')
    expect(
      committed === (await typesFor(doc)),
      'web/src/api/schema.d.ts differs from the API: run `npm run gen:api` and commit it',
    ).toBe(true)
  })
})

describe('the console build', () => {
  type Strings = { [key: string]: string | Strings }
  const keys = (s: Strings, prefix = ''): string[] =>
    Object.entries(s).flatMap(([k, v]) =>
      typeof v === 'string' ? [prefix + k] : keys(v, `${prefix}${k}.`),
    )

  it('has every string in English, 中文 and Русский', () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort())
    expect(keys(ru).sort()).toEqual(keys(en).sort())
  })

  it('loads under 300 kB of JavaScript (gzip) before the first page, routes split', async () => {
    const manifestFile = join(CONSOLE_DIST, '.vite', 'manifest.json')
    expect(existsSync(manifestFile), 'web/dist is not built: npm run build:web').toBe(true)
    type Chunk = { file: string; imports?: string[]; dynamicImports?: string[]; isEntry?: boolean }
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Record<string, Chunk>
    /** A chunk and every chunk it imports statically: what loading it fetches. */
    const closure = (key: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(key)) return seen
      seen.add(key)
      for (const i of manifest[key]?.imports ?? []) closure(i, seen)
      return seen
    }
    const gzipKb = async (chunks: Set<string>) => {
      let bytes = 0
      for (const c of chunks) {
        const file = manifest[c]?.file
        if (file?.endsWith('.js')) {
          bytes += gzipSync(await readFile(join(CONSOLE_DIST, file))).length
        }
      }
      return bytes / 1024
    }
    const entry = Object.keys(manifest).find((k) => manifest[k]?.isEntry)
    expect(entry).toBe('index.html')
    const initial = closure('index.html')
    // the first page a visitor sees: the entry, the login route and English's antd strings
    const pageKeys = Object.keys(manifest).filter((k) => /pages\/Login|en_US/.test(k))
    const firstPage = new Set(initial)
    for (const k of pageKeys) closure(k, firstPage)
    const routes = Object.keys(manifest).filter((k) => k.includes('/pages/'))
    expect(routes.length, 'each page is its own chunk').toBeGreaterThanOrEqual(7)
    for (const r of routes) expect(initial.has(r), `${r} is not in the first load`).toBe(false)
    const initialKb = await gzipKb(initial)
    const firstPageKb = await gzipKb(firstPage)
    console.log(
      `console: initial JS ${initialKb.toFixed(1)} kB gzip; with the login page ${firstPageKb.toFixed(1)} kB`,
    )
    expect(initialKb).toBeLessThan(300)
    expect(firstPageKb).toBeLessThan(300)
  })
})
