import { randomBytes } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bindSubject, compilePolicy, planFilter } from '../authz/index.js'
import { conformanceRows, runConformance, type FilterFn } from '../authz/conformance.case.js'
import { authzFilter } from './authz-filter.js'
import { createDb } from './create-db.js'

interface Row {
  id: string
  company_id: string
  assignee_id: string | null
  org_unit_id: string | null
  project_id: string | null
  status: string | null
  priority: number | null
  escalated: boolean | null
}

/** The conformance table's attributes → columns (what a resource's read seam declares). */
const columns = {
  id: 'id',
  assigneeId: 'assignee_id',
  orgUnitId: 'org_unit_id',
  projectId: 'project_id',
  status: 'status',
  priority: 'priority',
  escalated: 'escalated',
}

const schema = `conf_${randomBytes(4).toString('hex')}`
let db: Kysely<Record<string, Row>>

beforeAll(async () => {
  const base = await createDb({
    databaseUrl: process.env['TESSERA_TEST_DATABASE_URL'],
    dataDir: 'memory://',
  })
  await sql`create schema ${sql.id(schema)}`.execute(base)
  await sql`create table ${sql.id(schema, 'tickets')} (
    id text primary key, company_id text not null, assignee_id text, org_unit_id text,
    project_id text, status text, priority integer, escalated boolean)`.execute(base)
  db = base.withSchema(schema) as unknown as Kysely<Record<string, Row>>
  await db
    .insertInto('tickets')
    .values(
      conformanceRows.map((r) => ({
        id: r.id,
        company_id: r.companyId,
        assignee_id: r.assigneeId,
        org_unit_id: r.orgUnitId,
        project_id: r.projectId,
        status: r.status,
        priority: r.priority,
        escalated: r.escalated,
      })),
    )
    .execute()
})

afterAll(async () => {
  await sql`drop schema ${sql.id(schema)} cascade`.execute(db)
  await db.destroy()
})

const sqlFilter: FilterFn = async (plan, companyId) => {
  const rows = await db
    .selectFrom('tickets')
    .select('id')
    .where((eb) => authzFilter(eb, plan, { companyId, columns }))
    .execute()
  return rows.map((r) => r.id)
}

runConformance('SQL filter', () => sqlFilter, 150)

describe('authzFilter SQL', () => {
  const subject = { id: 'u1', companyId: 'c1', orgUnitId: 't1', projectIds: ['p1'], roles: ['r'] }
  const compiled = (grants: Parameters<typeof compilePolicy>[0]['roles'][number]['grants']) =>
    planFilter(
      bindSubject(
        compilePolicy({
          version: 1,
          timeZone: 'UTC',
          orgUnits: { t1: null },
          roles: [{ id: 'r', name: 'r', kind: 'custom', grants }],
        }),
        subject,
      ),
      'ticket.view',
      { now: 0 },
    )
  const compile = (plan: ReturnType<typeof compiled>) =>
    db
      .selectFrom('tickets')
      .select('id')
      .where((eb) => authzFilter(eb, plan, { companyId: 'c1', columns }))
      .compile()

  it('compiles none to false, so no grant selects no row', async () => {
    const plan = compiled([])
    expect(plan).toEqual({ kind: 'none' })
    expect(compile(plan).sql).toMatch(/where false$/)
    expect(await sqlFilter(plan, 'c1', conformanceRows)).toEqual([])
  })

  it('compiles all to the company filter only', () => {
    const q = compile(compiled([{ actions: ['ticket.view'], scope: 'company' }]))
    expect(q.sql).toMatch(/where "company_id" = \$1$/)
    expect(q.parameters).toEqual(['c1'])
  })

  it('compiles a team scope with a not-closed condition: indexable equality, null-safe ne', () => {
    const q = compile(
      compiled([
        {
          actions: ['ticket.view'],
          scope: 'team',
          when: { ne: [{ ref: 'resource.status' }, 'closed'] },
        },
      ]),
    )
    // outside any NOT a NULL unit excludes the row either way: the plain, indexable `=`
    expect(q.sql).toContain('"org_unit_id" = cast($2 as text)')
    expect(q.sql).toContain('"status" is distinct from cast($3 as text)')
    expect(q.parameters).toEqual(['c1', 't1', 'closed'])
  })

  it('keeps null-safe comparisons under a NOT, where a NULL would flip the answer', async () => {
    const plan = compiled([
      {
        actions: ['ticket.view'],
        scope: 'company',
        when: { not: { eq: [{ ref: 'resource.status' }, 'closed'] } },
      },
    ])
    const q = compile(plan)
    expect(q.sql).toContain('"status" is not distinct from cast($2 as text)')
    expect(q.sql).toMatch(/\bnot\b/)
  })
})
