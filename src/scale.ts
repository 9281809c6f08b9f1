/**
 * `npm run seed:scale`: one company at contact-center scale (issue 10, point 6) — by default
 * 1,000,000 tickets and 200,000 customers over 100 teams in two branches, each team a lead and
 * nine agents holding their preset roles, and an analyst who exports one branch's customers
 * with ID numbers and phones masked. The company, its Admin and the roles are made by sign-up
 * like any other; the bulk rows are written with `generate_series` in batches, as the owner of
 * the tables (outside any tenant binding), because a million service calls would take hours.
 * The database's own triggers move the company's counters as for any write.
 *
 * Ids are deterministic per company (`md5(company, kind, n)` shaped as a UUID), so the bench can
 * name a team, a lead or an agent without a lookup.
 */
import { sql, type Kysely } from 'kysely'
import { PolicyCache } from './domain/access/index.js'
import { hashPassword, signup } from './domain/accounts/index.js'
import { createRole } from './domain/roles/index.js'
import type { Database } from './domain/database.js'

export const scalePassword = 'Scale-Password-2026'

export interface ScaleOptions {
  readonly tickets: number
  readonly customers: number
  readonly teams: number
  /** Rows per INSERT statement. */
  readonly batch?: number
  readonly now?: Date
  /** Progress lines (stderr by default). */
  readonly log?: (line: string) => void
}

export interface ScaleCompany {
  readonly companyId: string
  readonly slug: string
  readonly adminEmail: string
  readonly leadEmail: string
  readonly agentEmail: string
  readonly analystEmail: string
  readonly password: string
  readonly teams: number
  readonly agentsPerTeam: number
  readonly tickets: number
  readonly customers: number
}

const agentsPerTeam = 9

/** The SQL of a deterministic id: `md5(company:kind:n)` as a UUID. */
const idOf = (companyId: string, kind: string, n: ReturnType<typeof sql>) =>
  sql<string>`md5(${companyId} || ':' || ${kind} || ':' || (${n})::text)::uuid::text`

export async function seedScale(
  db: Kysely<Database>,
  options: ScaleOptions,
): Promise<ScaleCompany> {
  const now = options.now ?? new Date()
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const batch = options.batch ?? 50_000
  const { teams } = options
  if (!Number.isInteger(teams) || teams < 2 || teams % 2 !== 0) {
    throw new Error('teams: an even number, at least 2 (they are split over two branches)')
  }
  const started = Date.now()
  const stamp = now.getTime().toString(36)
  const admin = await signup(
    {
      db,
      now,
      meta: { ip: null, userAgent: 'tessera-seed-scale', requestId: null },
      policies: new PolicyCache(),
    },
    {
      companyName: `Scale ${stamp}`,
      name: 'Scale Admin',
      email: 'admin@scale.test',
      password: scalePassword,
      timezone: 'Asia/Shanghai',
    },
  )
  const companyId = admin.company.id
  const hash = await hashPassword(scalePassword)
  const g = sql.ref('g')
  const half = teams / 2

  // two branches under one region, teams 0 … n/2-1 in the first, the rest in the second
  await sql`insert into org_units (id, company_id, parent_id, kind, name, created_at)
    values (${idOf(companyId, 'unit', sql.lit('region'))}, ${companyId}, null, 'region', 'Region', ${now})`.execute(
    db,
  )
  await sql`insert into org_units (id, company_id, parent_id, kind, name, created_at)
    select ${idOf(companyId, 'unit', sql`'branch-' || g`)}, ${companyId},
      ${idOf(companyId, 'unit', sql.lit('region'))}, 'branch', 'Branch ' || g, ${now}
    from generate_series(1, 2) g`.execute(db)
  await sql`insert into org_units (id, company_id, parent_id, kind, name, created_at)
    select ${idOf(companyId, 'team', g)}, ${companyId},
      ${idOf(companyId, 'unit', sql`'branch-' || (case when g < ${sql.lit(half)} then 1 else 2 end)`)},
      'team', 'Team ' || g, ${now}
    from generate_series(0, ${sql.lit(teams - 1)}) g`.execute(db)

  // a lead and nine agents per team; an analyst in branch 1 (positions: the company's presets)
  const positionId = (name: string) =>
    sql`(select id from positions where company_id = ${companyId} and name = ${name})`
  await sql`insert into users (id, company_id, email, name, position_id, level, org_unit_id,
      password_hash, created_at, updated_at)
    select ${idOf(companyId, 'lead', g)}, ${companyId}, 'lead-' || g || '@scale.test',
      'Lead ' || g, ${positionId('team-lead')}, 'lead', ${idOf(companyId, 'team', g)}, ${hash}, ${now}, ${now}
    from generate_series(0, ${sql.lit(teams - 1)}) g`.execute(db)
  await sql`insert into users (id, company_id, email, name, position_id, level, org_unit_id,
      password_hash, created_at, updated_at)
    select ${idOf(companyId, 'agent', g)}, ${companyId}, 'agent-' || g || '@scale.test',
      'Agent ' || g, ${positionId('novice-agent')}, 'novice', ${idOf(companyId, 'team', sql`g / ${sql.lit(agentsPerTeam)}`)},
      ${hash}, ${now}, ${now}
    from generate_series(0, ${sql.lit(teams * agentsPerTeam - 1)}) g`.execute(db)
  await sql`insert into users (id, company_id, email, name, position_id, level, org_unit_id,
      password_hash, created_at, updated_at)
    values (${idOf(companyId, 'analyst', sql.lit(0))}, ${companyId}, 'analyst@scale.test',
      'Analyst', null, 'senior', ${idOf(companyId, 'unit', sql.lit('branch-1'))}, ${hash},
      ${now}, ${now})`.execute(db)
  // the positions' default roles (R8)
  await sql`insert into user_roles (company_id, user_id, role_id, created_at)
    select ${companyId}, u.id, pr.role_id, ${now} from users u
    join position_roles pr on pr.company_id = u.company_id and pr.position_id = u.position_id
    where u.company_id = ${companyId}`.execute(db)
  // the analyst: view and export the customers of their branch and below, identity data masked;
  // a role made through the service like an Admin would (validated, compiled, audited)
  const asAdmin = {
    db,
    now,
    meta: { ip: null, userAgent: 'tessera-seed-scale', requestId: null },
    policies: new PolicyCache(),
    actor: {
      userId: admin.user.id,
      companyId,
      sessionId: admin.sessionId,
      roleIds: [],
    },
  }
  const exporter = await createRole(asAdmin, {
    name: 'Customer exporter',
    description: 'exports the customers of their branch, ID number and phone masked',
    grants: [
      {
        actions: ['customer.view', 'customer.export'],
        scope: 'subtree',
        fields: { idNumber: 'masked', phone: 'masked', bankCard: 'masked' },
      },
    ],
  })
  await sql`insert into user_roles (company_id, user_id, role_id, created_at)
    values (${companyId}, ${idOf(companyId, 'analyst', sql.lit(0))}, ${exporter.id},
      ${now})`.execute(db)
  log(
    `seed:scale: company ${admin.company.slug}, ${teams} teams, ${teams * (agentsPerTeam + 1) + 2} people`,
  )

  const statuses = sql`(array['new','processing','escalated','resolved','closed','reopened'])`
  const levels = sql`(array['regular','regular','regular','silver','gold','vip'])`
  for (let from = 0; from < options.customers; from += batch) {
    const to = Math.min(options.customers, from + batch) - 1
    // customer g belongs to team g % teams, owned by one of its agents
    await sql`insert into customers (id, company_id, name, phone, email, id_number, bank_card,
        org_unit_id, level, tags, owner_id, created_at, updated_at)
      select ${idOf(companyId, 'customer', g)}, ${companyId}, 'Customer ' || g,
        '+86138' || lpad(g::text, 8, '0'), 'c' || g || '@example.cn',
        '1101011990' || lpad(g::text, 8, '0'), null,
        ${idOf(companyId, 'team', sql`g % ${sql.lit(teams)}`)}, ${levels}[1 + g % 6], '{}',
        ${idOf(companyId, 'agent', sql`(g % ${sql.lit(teams)}) * ${sql.lit(agentsPerTeam)} + (g / ${sql.lit(teams)}) % ${sql.lit(agentsPerTeam)}`)},
        ${now}, ${now}
      from generate_series(${sql.lit(from)}, ${sql.lit(to)}) g`.execute(db)
    log(`seed:scale: customers ${to + 1}/${options.customers}`)
  }
  for (let from = 0; from < options.tickets; from += batch) {
    const to = Math.min(options.tickets, from + batch) - 1
    // ticket g belongs to team g % teams, assigned to one of its agents; a customer of that team
    // when there are customers
    const customer =
      options.customers >= teams
        ? idOf(
            companyId,
            'customer',
            sql`(g % ${sql.lit(Math.floor(options.customers / teams))}) * ${sql.lit(teams)} + g % ${sql.lit(teams)}`,
          )
        : sql`null`
    await sql`insert into tickets (id, company_id, title, description, status, category, priority,
        customer_level, escalated, assignee_id, customer_id, org_unit_id, created_at, updated_at)
      select ${idOf(companyId, 'ticket', g)}, ${companyId}, 'Ticket ' || g, '',
        ${statuses}[1 + g % 6], 'general', 1 + g % 4, null, (g % 6) = 2,
        ${idOf(companyId, 'agent', sql`(g % ${sql.lit(teams)}) * ${sql.lit(agentsPerTeam)} + (g / ${sql.lit(teams)}) % ${sql.lit(agentsPerTeam)}`)},
        ${customer}, ${idOf(companyId, 'team', sql`g % ${sql.lit(teams)}`)}, ${now}, ${now}
      from generate_series(${sql.lit(from)}, ${sql.lit(to)}) g`.execute(db)
    log(`seed:scale: tickets ${to + 1}/${options.tickets}`)
  }
  await sql`analyze tickets`.execute(db)
  await sql`analyze customers`.execute(db)
  log(`seed:scale: done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return scaleCompany(companyId, admin.company.slug, { ...options, teams })
}

function scaleCompany(
  companyId: string,
  slug: string,
  size: Pick<ScaleOptions, 'tickets' | 'customers' | 'teams'>,
): ScaleCompany {
  return {
    companyId,
    slug,
    adminEmail: 'admin@scale.test',
    leadEmail: 'lead-0@scale.test',
    agentEmail: 'agent-0@scale.test',
    analystEmail: 'analyst@scale.test',
    password: scalePassword,
    teams: size.teams,
    agentsPerTeam,
    tickets: size.tickets,
    customers: size.customers,
  }
}

/**
 * The company `seedScale` made earlier in this database with exactly this size (its lead, its
 * teams, its tickets and customers counted), or undefined: a bench reuses it instead of seeding
 * again. Read as the tables' owner, outside any tenant binding, like the seeding itself.
 */
export async function findScale(
  db: Kysely<Database>,
  size: Pick<ScaleOptions, 'tickets' | 'customers' | 'teams'>,
): Promise<ScaleCompany | undefined> {
  const lead = await db
    .selectFrom('users')
    .innerJoin('companies', 'companies.id', 'users.company_id')
    .select(['users.company_id as companyId', 'companies.slug as slug'])
    .where('users.email', '=', 'lead-0@scale.test')
    .execute()
  if (lead.length !== 1) return undefined
  const { companyId, slug } = lead[0] as { companyId: string; slug: string }
  const { rows } = await sql<{ tickets: string; customers: string; leads: string }>`select
      (select count(*) from tickets where company_id = ${companyId}) as tickets,
      (select count(*) from customers where company_id = ${companyId}) as customers,
      (select count(*) from users where company_id = ${companyId}
        and email like 'lead-%@scale.test') as leads`.execute(db)
  const counted = rows[0]
  const same =
    counted !== undefined &&
    Number(counted.tickets) === size.tickets &&
    Number(counted.customers) === size.customers &&
    Number(counted.leads) === size.teams
  return same ? scaleCompany(companyId, slug, size) : undefined
}
