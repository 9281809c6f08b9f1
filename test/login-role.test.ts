import { randomBytes } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig, loadTestDatabaseUrl } from '../src/config.js'
import { createDb, withCompany } from '../src/db/index.js'
import type { Database } from '../src/domain/database.js'
import { buildApp } from '../src/http/app.js'
import { caller } from './fixtures.js'
import { createTestDb, databaseUrlOf, destroyTestDb } from './helpers.js'
import { logIn, signUp, testSecretKey, unlimitedSignups } from './test-app.js'

// S21 (PostgreSQL only): the server runs under a login role that is neither superuser nor
// BYPASSRLS nor the tables' owner, set up as docs/security.md says. Migrations ran as the owner
// (here the test database's superuser). Companies stay isolated, and a RESET ROLE inside a
// tenant transaction (back to the login role) does not reach another company's rows.

const onPostgres = loadTestDatabaseUrl() !== undefined

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

describe.skipIf(!onPostgres)('a non-superuser login role (S21)', async () => {
  // the collector runs even when skipped: set nothing up without PostgreSQL
  if (!onPostgres) {
    it.skip('runs on PostgreSQL only', () => {})
    return
  }
  const owner = await createTestDb()
  const ownerUrl = databaseUrlOf(owner) as string
  const login = `tessera_login_${randomBytes(4).toString('hex')}`
  const database = new URL(ownerUrl).pathname.slice(1)
  // docs/security.md, "Database login": exactly these statements, as the owner
  for (const statement of [
    `CREATE ROLE ${login} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`,
    `GRANT CONNECT ON DATABASE "${database}" TO ${login}`,
    `GRANT tessera_app TO ${login}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON login_attempts, signup_attempts TO ${login}`,
  ])
    await adminQuery(ownerUrl, statement)
  const url = new URL(ownerUrl)
  url.username = login
  url.password = ''
  const db: Kysely<Database> = await createDb<Database>({
    databaseUrl: url.toString(),
    dataDir: 'memory://',
  })
  const app = await buildApp({
    config: loadConfig({}),
    db,
    secretKey: testSecretKey,
    signupLimiter: unlimitedSignups,
  })
  afterAll(async () => {
    await app.close()
    await db.destroy()
    await destroyTestDb(owner)
    await adminQuery(loadTestDatabaseUrl() as string, `DROP ROLE IF EXISTS ${login}`)
  })
  const call = caller(app)
  const a = await signUp(app, { companyName: 'Login Role A' })
  const b = await signUp(app, { companyName: 'Login Role B' })

  it('connects as a role that is neither superuser, BYPASSRLS nor owner of any table', async () => {
    const { rows } = await sql<{ super: boolean; bypass: boolean; owned: number }>`
      select r.rolsuper as super, r.rolbypassrls as bypass,
        (select count(*)::int from pg_tables t where t.tableowner = current_user) as owned
      from pg_roles r where r.rolname = current_user`.execute(db)
    expect(rows).toEqual([{ super: false, bypass: false, owned: 0 }])
  })

  it('serves sign-up, login and requests, each company seeing only its own', async () => {
    expect((await logIn(app, { company: a.slug, email: a.email })).statusCode).toBe(200)
    const users = await call(a.token)('GET', '/api/v1/users')
    expect(users.statusCode).toBe(200)
    expect((users.json().items as { id: string }[]).map((u) => u.id)).toEqual([a.userId])
    expect((await call(a.token)('GET', `/api/v1/users/${b.userId}`)).statusCode).toBe(404)
  })

  it('a RESET ROLE inside a tenant transaction does not reach another company', async () => {
    const seen = await withCompany(db, a.companyId, async (trx) => {
      await sql`reset role`.execute(trx)
      const who = await sql<{ who: string }>`select current_user as who`.execute(trx)
      const users = await sql<{ company_id: string }>`select company_id from users`.execute(trx)
      const companies = await sql<{ id: string }>`select id from companies`.execute(trx)
      const sessions = await sql<{ company_id: string }>`
        select company_id from sessions where company_id = ${b.companyId}`.execute(trx)
      return {
        who: who.rows[0]?.who,
        userCompanies: [...new Set(users.rows.map((r) => r.company_id))],
        companies: companies.rows.map((r) => r.id),
        otherSessions: sessions.rows.length,
      }
    })
    expect(seen).toEqual({
      who: login,
      userCompanies: [a.companyId],
      companies: [a.companyId],
      otherSessions: 0,
    })
  })

  it('nor can the login role become a superuser or the owner', async () => {
    await expect(
      withCompany(db, a.companyId, (trx) => sql`set role postgres`.execute(trx)),
    ).rejects.toThrow(/permission denied/)
    await expect(sql`update audit_events set action = 'x'`.execute(db)).rejects.toThrow(
      /permission denied/,
    )
  })
})
