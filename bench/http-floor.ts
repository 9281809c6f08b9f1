/**
 * The floor of `npm run bench:http`: the least a server can do to answer what
 * `GET /api/v1/users/{id}` answers, on the same database, with the same statements, and nothing
 * of Tessera's own work — no session, no authorization, no audit, no validation, no projection,
 * no logging. Fastify 5 and node-postgres (PGlite through its node-postgres adapter, as Tessera
 * reaches it), started by bench/http.ts in a child process on the data Tessera's server used.
 *
 *   GET /healthz        `select 1`, as Tessera's /healthz
 *   GET /users/:id      the user route's round trips: `begin; <counters and tenant binding>`,
 *                       `select * from users …` ($1, $2), `commit` — 3
 *   GET /users4/:id     the same with BEGIN sent alone — 4 round trips, as before
 *                       db/deferred-begin.ts
 *
 * Environment: PORT, COMPANY_ID, and DATABASE_URL (PostgreSQL) or TESSERA_DATA_DIR (PGlite).
 */
import { PGlite } from '@electric-sql/pglite'
import { createPgConfig } from '@electric-sql/pglite/node-postgres'
import Fastify from 'fastify'
import pg from 'pg'
import { pgliteExtensions } from '../src/db/index.js'

const port = Number(process.env['PORT'])
const companyId = process.env['COMPANY_ID'] ?? ''
if (!/^[A-Za-z0-9_-]+$/.test(companyId)) throw new Error('COMPANY_ID: a plain id is needed')
const databaseUrl = process.env['DATABASE_URL']

const pglite =
  databaseUrl === undefined
    ? await PGlite.create(process.env['TESSERA_DATA_DIR'] ?? './data', {
        extensions: pgliteExtensions,
      })
    : undefined
const pool =
  pglite === undefined
    ? new pg.Pool({ connectionString: databaseUrl })
    : new pg.Pool({ ...createPgConfig(pglite), max: 1 })

// The statements Tessera sends for the route (test/round-trips.test.ts shows them).
const BIND = `with c as materialized (
      select policy_version, subject_version from companies where id = '${companyId}'
    )
    select c.*, set_config('tessera.company_id', '${companyId}', true) as bound_company,
      set_config('role', 'tessera_app', true) as bound_role
    from c`
const USER = 'select * from "users" where "users"."company_id" = $1 and "users"."id" = $2'

async function readUser(id: string, beginAlone: boolean): Promise<Record<string, unknown>> {
  const client = await pool.connect()
  try {
    if (beginAlone) {
      await client.query('begin')
      await client.query(BIND)
    } else {
      await client.query(`begin;\n${BIND}`)
    }
    const found = await client.query(USER, [companyId, id])
    await client.query('commit')
    return found.rows[0] as Record<string, unknown>
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}

/** A few of the row's fields, as the real route answers a few (no password hash). */
function shown(row: Record<string, unknown>) {
  return {
    id: row['id'],
    email: row['email'],
    name: row['name'],
    status: row['status'],
    level: row['level'],
    orgUnitId: row['org_unit_id'],
  }
}

const app = Fastify({ logger: false })
app.get('/healthz', async () => {
  await pool.query('select 1')
  return { status: 'ok' }
})
app.get<{ Params: { id: string } }>('/users/:id', async (req) =>
  shown(await readUser(req.params.id, false)),
)
app.get<{ Params: { id: string } }>('/users4/:id', async (req) =>
  shown(await readUser(req.params.id, true)),
)

await app.listen({ port, host: '127.0.0.1' })
const stop = () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => pglite?.close())
    .finally(() => process.exit(0))
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
