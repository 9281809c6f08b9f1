import type { Kysely } from 'kysely'
import { positionDefaults } from './authz/index.js'
import { withCompany } from './db/index.js'
import type { Database } from './domain/database.js'
import { PolicyCache } from './domain/access/index.js'
import { hashPassword, signup } from './domain/accounts/index.js'
import { createOrgUnit } from './domain/org-units/index.js'
import { createProject, setProjectMember } from './domain/projects/index.js'
import { assignRole } from './domain/roles/index.js'
import { insertUser } from './domain/users/index.js'

export const demoPassword = 'Demo-Password-2026'
const demoCompany = 'Demo Contact Center'

/** One demo login: who it is, where it sits, and what it should see (printed by `npm run demo`). */
export interface DemoLogin {
  readonly email: string
  /** A preset position (R2), or a built-in role's name (R1) for admin, supervisor, operator. */
  readonly role: string
  /** Its org unit, or `company` for the first Admin (no unit). */
  readonly unit: string
  readonly sees: string
}

type Unit = 'Beijing' | 'Team A' | 'Team B'

interface Person {
  readonly email: string
  readonly name: string
  /** A preset position (its default roles, R8) or a built-in role. */
  readonly position?: string
  readonly builtin?: 'Supervisor' | 'Operator'
  readonly level: 'novice' | 'senior' | 'lead' | 'admin'
  readonly unit: Unit
  readonly project?: 'Bank hotline' | 'Telecom sales'
  readonly sees: string
}

/**
 * The demo's people: two teams under one branch, each with its own lead and agents and its own
 * project, a Supervisor over the branch and an Operator in Team A, and every other preset
 * position once, so that logging in as two of them shows scope differences at once.
 */
const people: readonly Person[] = [
  {
    email: 'supervisor@demo.test',
    name: 'Sam Supervisor',
    builtin: 'Supervisor',
    level: 'admin',
    unit: 'Beijing',
    sees: 'everyone (all 17) and everything, but finance, KPI, security settings',
  },
  {
    email: 'team-lead@demo.test',
    name: 'Lena Lead (A)',
    position: 'team-lead',
    level: 'lead',
    unit: 'Team A',
    project: 'Bank hotline',
    sees: "Team A's 6 people, calls, tickets, reports; nothing of Team B",
  },
  {
    email: 'team-lead-b@demo.test',
    name: 'Boris Lead (B)',
    position: 'team-lead',
    level: 'lead',
    unit: 'Team B',
    project: 'Telecom sales',
    sees: "Team B's 4 people, calls, tickets, reports; nothing of Team A",
  },
  {
    email: 'operator@demo.test',
    name: 'Olga Operator',
    builtin: 'Operator',
    level: 'novice',
    unit: 'Team A',
    project: 'Bank hotline',
    sees: 'own calls and tickets only; people list: 403',
  },
  {
    email: 'novice-agent@demo.test',
    name: 'Nina Novice (A)',
    position: 'novice-agent',
    level: 'novice',
    unit: 'Team A',
    project: 'Bank hotline',
    sees: 'own customers, calls, tickets; ID number, bank card masked; people: 403',
  },
  {
    email: 'senior-agent@demo.test',
    name: 'Sergei Senior (A)',
    position: 'senior-agent',
    level: 'senior',
    unit: 'Team A',
    project: 'Bank hotline',
    sees: 'own records; may also close and escalate tickets; people: 403',
  },
  {
    email: 'novice-agent-b@demo.test',
    name: 'Nikolai Novice (B)',
    position: 'novice-agent',
    level: 'novice',
    unit: 'Team B',
    project: 'Telecom sales',
    sees: 'own records, in project Telecom sales; people: 403',
  },
  ...(
    [
      ['after-sales-agent', 'Team A', "the team's tickets and customers; people: 403"],
      ['tech-support', 'Team A', 'tickets company-wide, edits fault codes; people: 403'],
      ['telesales-agent', 'Team B', 'own calls and customers, dials out; people: 403'],
      ['sales-rep', 'Team B', 'own opportunities, quotes, contracts; people: 403'],
      ['qa-inspector', 'Beijing', 'every call and recording, scores them, never dials'],
      ['trainer', 'Beijing', 'scripts and recordings for training; people: 403'],
      ['data-analyst', 'Beijing', 'reports, read-only; people: 403'],
      ['marketing', 'Beijing', 'campaigns and customer tags; people: 403'],
      ['management', 'Beijing', 'everyone and everything, read-only; exports reports'],
    ] as const
  ).map(([position, unit, sees]): Person => ({
    email: `${position}@demo.test`,
    name: position.replace(/-/g, ' '),
    position,
    level: 'novice',
    unit,
    ...(unit === 'Team B' && { project: 'Telecom sales' as const }),
    sees,
  })),
]

/** Every login the demo company has, in the order `npm run demo` prints them. */
export const demoLogins: readonly DemoLogin[] = [
  {
    email: 'admin@demo.test',
    role: 'Admin',
    unit: 'company',
    sees: 'everyone (all 17), everything',
  },
  ...people.map((p) => ({
    email: p.email,
    role: p.builtin ?? p.position ?? '',
    unit: p.unit,
    sees: p.sees,
  })),
]

/**
 * `npm run demo`: a demo company (R1, R2, R8): an org tree North → Beijing → Team A, Team B;
 * projects Bank hotline (Team A's agents) and Telecom sales (Team B's); a Supervisor, an
 * Operator, two team leads and every other preset position, each holding its default roles.
 * Idempotent: when the company exists, only its slug and the logins are returned.
 */
export async function seedDemo(
  db: Kysely<Database>,
  now: Date,
): Promise<{ slug: string; logins: readonly DemoLogin[] }> {
  const existing = await db
    .selectFrom('companies')
    .select(['id', 'slug'])
    .where('name', '=', demoCompany)
    .executeTakeFirst()
  if (existing) return { slug: existing.slug, logins: demoLogins }
  const ctx = {
    db,
    now,
    meta: { ip: null, userAgent: 'tessera-demo', requestId: null },
    policies: new PolicyCache(),
  }
  const admin = await signup(ctx, {
    companyName: demoCompany,
    name: 'Demo Admin',
    email: 'admin@demo.test',
    password: demoPassword,
    timezone: 'Asia/Shanghai',
  })
  const company = admin.company
  // The org tree and projects go through the services as the new Admin: authorized and audited
  // like any other change.
  const asAdmin = {
    ...ctx,
    actor: {
      userId: admin.user.id,
      companyId: company.id,
      sessionId: admin.sessionId,
      roleIds: [],
    },
  }
  const region = await createOrgUnit(asAdmin, { parentId: null, kind: 'region', name: 'North' })
  const branch = await createOrgUnit(asAdmin, {
    parentId: region.id,
    kind: 'branch',
    name: 'Beijing',
  })
  const units: Record<Unit, string> = {
    Beijing: branch.id,
    'Team A': (await createOrgUnit(asAdmin, { parentId: branch.id, kind: 'team', name: 'Team A' }))
      .id,
    'Team B': (await createOrgUnit(asAdmin, { parentId: branch.id, kind: 'team', name: 'Team B' }))
      .id,
  }
  const passwordHash = await hashPassword(demoPassword)
  const ids = new Map<string, string>()
  await withCompany(db, company.id, async (trx) => {
    const roles = await trx
      .selectFrom('roles')
      .select(['id', 'definition'])
      .where('company_id', '=', company.id)
      .execute()
    const rolesOf = (person: Person) => {
      const def = (r: (typeof roles)[number]) =>
        r.definition as { preset?: string; builtin?: string }
      if (person.builtin !== undefined) {
        const key = person.builtin.toLowerCase()
        return roles.filter((r) => def(r).builtin === key).map((r) => r.id)
      }
      return (positionDefaults[person.position ?? ''] ?? []).flatMap((key) =>
        roles.filter((r) => def(r).preset === key).map((r) => r.id),
      )
    }
    for (const person of people) {
      const user = await insertUser(
        trx,
        company.id,
        {
          email: person.email,
          name: person.name,
          passwordHash,
          position: person.position ?? null,
          level: person.level,
          orgUnitId: units[person.unit],
        },
        now,
      )
      ids.set(person.email, user.id)
      for (const roleId of rolesOf(person)) await assignRole(trx, company.id, user.id, roleId, now)
    }
  })
  for (const name of ['Bank hotline', 'Telecom sales'] as const) {
    const project = await createProject(asAdmin, {
      name,
      description: `demo project of ${name === 'Bank hotline' ? 'Team A' : 'Team B'}`,
    })
    for (const person of people.filter((p) => p.project === name)) {
      await setProjectMember(asAdmin, project.id, ids.get(person.email) ?? '', true)
    }
  }
  return { slug: company.slug, logins: demoLogins }
}
