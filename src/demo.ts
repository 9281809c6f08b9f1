import type { Kysely } from 'kysely'
import { positionDefaults } from './authz/index.js'
import { withCompany } from './db/index.js'
import type { Database } from './domain/database.js'
import { PolicyCache } from './domain/access/index.js'
import { hashPassword, signup } from './domain/accounts/index.js'
import { addToBlacklist } from './domain/blacklist/index.js'
import { createCustomer } from './domain/customers/index.js'
import { addPoolNumber, createNumberPool } from './domain/number-pools/index.js'
import { createOrgUnit } from './domain/org-units/index.js'
import { ensurePosition } from './domain/positions/index.js'
import { createProject, setProjectMember } from './domain/projects/index.js'
import { assignRoleUnchecked, createGroup, setUserGroups } from './domain/roles/index.js'
import { addTicketWatcher, createTicket, transitionTicket } from './domain/tickets/index.js'
import { addUser } from './domain/users/index.js'

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
      [
        'marketing',
        'Beijing',
        'campaigns of its projects, leads, customer tags; everyone (all 17), contacts masked',
      ],
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
      const user = await addUser(
        trx,
        company.id,
        {
          email: person.email,
          name: person.name,
          passwordHash,
          positionId:
            person.position === undefined
              ? null
              : await ensurePosition(trx, company.id, person.position, now),
          level: person.level,
          orgUnitId: units[person.unit],
        },
        now,
      )
      ids.set(person.email, user.id)
      for (const roleId of rolesOf(person))
        await assignRoleUnchecked(trx, company.id, user.id, roleId, now)
    }
  })
  const projects = new Map<string, string>()
  for (const name of ['Bank hotline', 'Telecom sales'] as const) {
    const project = await createProject(asAdmin, {
      name,
      description: `demo project of ${name === 'Bank hotline' ? 'Team A' : 'Team B'}`,
    })
    projects.set(name, project.id)
    for (const person of people.filter((p) => p.project === name)) {
      await setProjectMember(asAdmin, project.id, ids.get(person.email) ?? '', true)
    }
  }
  await seedWorkspace(asAdmin, {
    person: (email) => ids.get(email) ?? null,
    unit: (name) => units[name],
    project: (name) => projects.get(name) ?? null,
  })
  // W1 [000]: the leads settle their team's disputes. A lead approves a request for one
  // customer's full record only if they hold it (docs/approvals.md): this group gives them their
  // team's customers in full, every read audited.
  const desk = await createGroup(asAdmin, {
    name: 'Dispute desk',
    description: "The team's customers' full records, every read audited (W1, docs/approvals.md)",
    grants: [
      {
        actions: ['customer.view', 'customer.unmask'],
        scope: 'team',
        fields: { idNumber: 'read', phone: 'read', bankCard: 'read' },
        audit: true,
      },
    ],
  })
  for (const email of ['team-lead@demo.test', 'team-lead-b@demo.test'])
    await setUserGroups(asAdmin, ids.get(email) ?? '', [desk.id])
  return { slug: company.slug, logins: demoLogins }
}

/**
 * The demo's workspace (issue 10, point 6): customers with ID numbers, bank cards and levels, and
 * tickets at several points of their workflow, written through the services as the Admin
 * (authorized and audited like any other change), so each preset shows its difference at once:
 * the novice sees ID number and bank card masked, the VIP team's level, tech only the escalated
 * ticket, nobody but a reopen on the closed one, Team B nothing of Team A.
 */
async function seedWorkspace(
  asAdmin: Parameters<typeof createCustomer>[0],
  ref: {
    person: (email: string) => string | null
    unit: (name: Unit) => string
    project: (name: 'Bank hotline' | 'Telecom sales') => string | null
  },
): Promise<void> {
  const teamA = ref.unit('Team A')
  const teamB = ref.unit('Team B')
  const bank = ref.project('Bank hotline')
  const telecom = ref.project('Telecom sales')
  const customer = async (input: Parameters<typeof createCustomer>[1]) =>
    (await createCustomer(asAdmin, input)).id as string
  const wang = await customer({
    name: 'Wang Fang',
    phone: '+86 138 0013 8000',
    email: 'wang.fang@example.cn',
    idNumber: '110101199003074578',
    bankCard: '6222 0202 0011 2233 446',
    level: 'vip',
    tags: ['credit-card', 'vip'],
    orgUnitId: teamA,
    ownerId: ref.person('novice-agent@demo.test'),
    projectId: bank,
  })
  const li = await customer({
    name: 'Li Wei',
    phone: '+86 139 1234 5678',
    idNumber: '310104198512120035',
    level: 'gold',
    tags: ['mortgage'],
    orgUnitId: teamA,
    ownerId: ref.person('senior-agent@demo.test'),
    projectId: bank,
  })
  await customer({
    name: 'Zhang Min',
    phone: '+86 137 0000 1111',
    level: 'regular',
    orgUnitId: teamA,
    ownerId: ref.person('novice-agent@demo.test'),
    projectId: bank,
  })
  const ivan = await customer({
    name: 'Ivan Petrov',
    phone: '+7 916 123-45-67',
    email: 'ivan.petrov@example.ru',
    idNumber: '4510 123456',
    level: 'silver',
    tags: ['mobile'],
    orgUnitId: teamB,
    ownerId: ref.person('novice-agent-b@demo.test'),
    projectId: telecom,
  })
  await customer({
    name: 'Anna Smirnova',
    phone: '+7 903 765-43-21',
    level: 'regular',
    tags: ['tariff'],
    orgUnitId: teamB,
    ownerId: ref.person('telesales-agent@demo.test'),
    projectId: telecom,
  })
  const ticket = async (input: Parameters<typeof createTicket>[1]) =>
    (await createTicket(asAdmin, input)).id as string
  await ticket({
    title: 'Card blocked after a trip abroad',
    description: 'Blocked by the fraud filter in Istanbul; the customer needs it today.',
    category: 'cards',
    priority: 3,
    customerId: wang,
    assigneeId: ref.person('novice-agent@demo.test'),
    orgUnitId: teamA,
    projectId: bank,
  })
  const disputed = await ticket({
    title: 'Disputed charge of 1,280 CNY',
    description: 'Charged twice for one purchase; the merchant refuses to refund.',
    category: 'billing',
    priority: 4,
    customerId: wang,
    assigneeId: ref.person('senior-agent@demo.test'),
    orgUnitId: teamA,
    projectId: bank,
  })
  await transitionTicket(asAdmin, disputed, 'escalated')
  const statement = await ticket({
    title: 'Monthly statement not received',
    description: 'Sent again by e-mail; the customer confirmed receipt.',
    category: 'statements',
    customerId: li,
    assigneeId: ref.person('senior-agent@demo.test'),
    orgUnitId: teamA,
    projectId: bank,
  })
  await transitionTicket(asAdmin, statement, 'processing')
  await transitionTicket(asAdmin, statement, 'closed')
  const slow = await ticket({
    title: 'Mobile internet slow in the evening',
    description: 'Speed drops below 1 Mbit/s from 19:00 to 23:00.',
    category: 'network',
    priority: 2,
    customerId: ivan,
    assigneeId: ref.person('novice-agent-b@demo.test'),
    orgUnitId: teamB,
    projectId: telecom,
  })
  await ticket({
    title: 'Tariff change request',
    category: 'tariffs',
    priority: 1,
    assigneeId: ref.person('telesales-agent@demo.test'),
    orgUnitId: teamB,
    projectId: telecom,
  })
  // W6: Team A is told when Team B's network ticket moves (their callers ask about the same
  // outage), without being shown it
  await addTicketWatcher(asAdmin, slow, { orgUnitId: teamA })
  // P11: Team A dials its customers from the team's pool, Telecom sales from the project's;
  // Zhang Min asked not to be called again (blacklisted, though in Team A's pool)
  const pool = async (
    name: string,
    assignee: { orgUnitId?: string; projectId?: string | null },
    numbers: string[],
  ) => {
    const created = await createNumberPool(asAdmin, { ...assignee, name })
    for (const phone of numbers) await addPoolNumber(asAdmin, created.id as string, { phone })
  }
  await pool('Team A callbacks', { orgUnitId: teamA }, [
    '+86 138 0013 8000',
    '+86 139 1234 5678',
    '+86 137 0000 1111',
  ])
  await pool('Telecom sales outbound', { projectId: telecom }, [
    '+7 916 123-45-67',
    '+7 903 765-43-21',
  ])
  await addToBlacklist(asAdmin, {
    phone: '+86 137 0000 1111',
    reason: 'asked not to be called again',
  })
}
