import { randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Kysely } from 'kysely'
import { afterAll, expect } from 'vitest'
import type { Clock } from '../src/clock.js'
import { loadConfig } from '../src/config.js'
import { withCompany } from '../src/db/index.js'
import type { Database } from '../src/domain/database.js'
import { createSignupLimiter, hashPassword } from '../src/domain/accounts/index.js'
import { assignRoleUnchecked, builtinRoleId } from '../src/domain/roles/index.js'
import { addUser as addUserRecord } from '../src/domain/users/index.js'
import { buildApp, type AppDeps } from '../src/http/app.js'
import { createTestDb, destroyTestDb } from './helpers.js'

/** A clock the test moves by hand. */
export interface TestClock extends Clock {
  advance(ms: number): void
  set(at: Date | string): void
}

export function createTestClock(start: Date | string = '2026-11-23T09:30:00.000Z'): TestClock {
  let t = new Date(start).getTime()
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms
    },
    set: (at) => {
      t = new Date(at).getTime()
    },
  }
}

export interface TestApp {
  app: FastifyInstance
  db: Kysely<Database>
  clock: TestClock
}

/** S15: the key sealing TOTP secrets; every server of one test file shares it, as they must. */
export const testSecretKey = randomBytes(32)

/**
 * Test files sign many companies up from one address: their apps lift S12's sign-up limit unless
 * a test passes its own `signupLimiter` (test/signup.test.ts tests the default one).
 */
export const unlimitedSignups = createSignupLimiter({ perAddress: 1e9, total: 1e9 })

/** The real app on a fresh migrated database, closed after the file's tests. */
export async function createTestApp(options: Partial<AppDeps> = {}): Promise<TestApp> {
  const db = await createTestDb()
  const clock = createTestClock()
  const app = await buildApp({
    config: loadConfig({}),
    db,
    clock,
    secretKey: testSecretKey,
    signupLimiter: unlimitedSignups,
    ...options,
  })
  afterAll(async () => {
    await app.close()
    await destroyTestDb(db)
  })
  return { app, db, clock }
}

export const strongPassword = 'Correct-Horse-42'

export interface SignedUp {
  companyId: string
  slug: string
  userId: string
  email: string
  token: string
}

let counter = 0

/** Signs a company up through the API and returns its Admin's bearer token. */
export async function signUp(
  app: FastifyInstance,
  overrides: Record<string, unknown> = {},
): Promise<SignedUp> {
  counter += 1
  const body = {
    companyName: `Company ${counter}`,
    name: 'Ada Admin',
    email: `admin${counter}@example.com`,
    password: strongPassword,
    ...overrides,
  }
  const res = await app.inject({ method: 'POST', url: '/api/v1/signup', payload: body })
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`)
  const json = res.json()
  return {
    companyId: json.company.id,
    slug: json.company.slug,
    userId: json.user.id,
    email: json.user.email,
    token: json.token,
  }
}

/** Adds a user straight to the database (no users API yet), optionally with a built-in role. */
export async function addUser(
  db: Kysely<Database>,
  companyId: string,
  user: { email: string; password?: string; role?: 'Admin' | 'Supervisor' | 'Operator' },
): Promise<string> {
  const passwordHash = await hashPassword(user.password ?? strongPassword)
  return withCompany(db, companyId, async (trx) => {
    const now = new Date('2026-11-23T09:00:00.000Z')
    const created = await addUserRecord(
      trx,
      companyId,
      { email: user.email, name: 'U', passwordHash },
      now,
    )
    if (user.role !== undefined) {
      const roleId = await builtinRoleId(trx, companyId, user.role)
      if (roleId === undefined) throw new Error(`no built-in role ${user.role}`)
      await assignRoleUnchecked(trx, companyId, created.id, roleId, now)
    }
    return created.id
  })
}

export async function logIn(
  app: FastifyInstance,
  body: { company: string; email: string; password?: string; totp?: string },
  remoteAddress?: string,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { password: strongPassword, ...body },
    ...(remoteAddress !== undefined && { remoteAddress }),
  })
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** The company's policy document (GET /policy) as `token` sees it; 200 expected. */
export async function policyYaml(app: FastifyInstance, token: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/api/v1/policy', headers: bearer(token) })
  expect(res.statusCode, res.body).toBe(200)
  return res.body
}

/** POSTs a YAML document (a policy diff or import) as `token`. */
export const postYaml = (app: FastifyInstance, token: string, url: string, payload: string) =>
  app.inject({
    method: 'POST',
    url,
    headers: { ...bearer(token), 'content-type': 'application/yaml' },
    payload,
  })

/** Asserts an RFC 9457 answer with the given status and code, and returns its body. */
export function problem(res: LightMyRequestResponse, status: number, code: string) {
  const body = res.json()
  if (res.statusCode !== status || body.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.statusCode} ${res.body}`)
  }
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${res.headers['content-type']}`)
  }
  return body as { type: string; title: string; detail: string; errors?: unknown[] }
}

/** Audit events of a company, read as the superuser (what the chain holds, nothing filtered). */
export async function auditActions(db: Kysely<Database>, companyId: string) {
  const rows = await db
    .selectFrom('audit_events')
    .select(['action', 'after', 'actor_user_id', 'target_id', 'ip'])
    .where('company_id', '=', companyId)
    .orderBy('seq')
    .execute()
  return rows
}

/** The CSV as rows of cells (a small reader for what the exporter writes). */
export function parseCsv(body: string): string[][] {
  const rows: string[][] = []
  let cell = ''
  let row: string[] = []
  let quoted = false
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i]!
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        cell += '"'
        i += 1
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\r' && body[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i += 1
    } else cell += ch
  }
  return rows
}
/** An export's rows, each keyed by the header's column names. */
export const exported = (res: { body: string }) => {
  const [header, ...rows] = parseCsv(res.body)
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])))
}
