/**
 * The per-resource conformance suite of the read seam (issue 6, item 1: checks and lists from one rule source):
 * over the REAL tables and the REAL seams (`userRecords`, `orgUnitRecords`, `projectRecords`,
 * `customerRecords`, `ticketRecords`, `callRecords`, `chatRecords`, `numberPoolRecords`, `qaEvaluationRecords`,
 * `scriptRecords`, `ivrMenuRecords`, `shiftRecords`, `leadRecords`, `opportunityRecords`,
 * `quoteRecords`, `contractRecords`, `queueRecords`, `dialerRecords`, `campaignRecords`),
 * for random policies stored through the roles service, a list shows exactly the records the
 * single check allows, each as `get` projects it, `count` agrees, another company's records never
 * appear, and nothing throws; records shared with some subjects' teams (W5) are among them. PGlite
 * by default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import {
  catalog,
  compilePolicy,
  PolicyError,
  attributesOf,
  type Action,
  type Condition,
  type FieldLevel,
  type Grant,
  type Policy,
  type Resource,
  type Restriction,
  type ResourceType,
  type Scope,
} from '../src/authz/index.js'
import { withCompany } from '../src/db/index.js'
import { decisionFor, PolicyCache } from '../src/domain/access/index.js'
import { signup } from '../src/domain/accounts/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../src/domain/context.js'
import {
  createCustomer,
  customerLevels,
  customerRecords,
  customerResource,
} from '../src/domain/customers/index.js'
import { createOrgUnit, orgUnitResource, type OrgUnit } from '../src/domain/org-units/index.js'
import { ensurePosition } from '../src/domain/positions/index.js'
import { orgUnitRecords } from '../src/domain/org-units/org-units.service.js'
import { createProject, projectResource, setProjectMember } from '../src/domain/projects/index.js'
import { projectRecords } from '../src/domain/projects/projects.service.js'
import { assignRoleUnchecked, createRole, getRole, updateRole } from '../src/domain/roles/index.js'
import {
  createTicket,
  ticketRecords,
  ticketResource,
  ticketStatuses,
  transitionTicket,
  type TicketStatus,
} from '../src/domain/tickets/index.js'
import { searchTerms, type ResourceSeam } from '../src/domain/seam/index.js'
import { createShare } from '../src/domain/shares/index.js'
import { callRecords, callResource, listQueuedCalls } from '../src/domain/calls/index.js'
import { chatRecords, chatResource } from '../src/domain/chats/index.js'
import {
  createScorecard,
  evaluateCall,
  qaEvaluationRecords,
  qaEvaluationResource,
} from '../src/domain/qa/index.js'
import { numberPoolRecords, numberPoolResource } from '../src/domain/number-pools/index.js'
import { scriptRecords, scriptResource } from '../src/domain/scripts/index.js'
import {
  contractRecords,
  contractResource,
  leadRecords,
  leadResource,
  opportunityRecords,
  opportunityResource,
  quoteRecords,
  quoteResource,
} from '../src/domain/sales/index.js'
import { queueRecords, queueResource } from '../src/domain/queues/index.js'
import { dialerRecords, dialerResource } from '../src/domain/dialers/index.js'
import {
  campaignRecords,
  campaignResource,
  listCampaignContacts,
} from '../src/domain/campaigns/index.js'
import { ivrMenuRecords, ivrMenuResource } from '../src/domain/ivr-menus/index.js'
import { shiftRecords, shiftResource } from '../src/domain/schedules/index.js'
import { addUser, userRecords, userResource, type UserLevel } from '../src/domain/users/index.js'
import { AppError } from '../src/errors.js'
import { createTestDb, destroyTestDb } from './helpers.js'

const db = await createTestDb()
afterAll(() => destroyTestDb(db))
const policies = new PolicyCache()
const now = new Date('2026-11-23T09:30:00.000Z')
const meta = { ip: null, userAgent: null, requestId: null }

let sessions = 0
/** A fresh actor object per call: the bound subject is memoised per actor (one per request). */
function ctxOf(companyId: string, userId: string): Ctx {
  sessions++
  return {
    db,
    now,
    meta,
    policies,
    actor: { userId, companyId, sessionId: `conformance-${sessions}`, roleIds: [] },
  }
}

// --- seed: company A (varied rows) and company B (rows that must never appear) ---------------

async function company(name: string) {
  const result = await signup(
    { db, now, meta, policies },
    {
      companyName: name,
      name: 'Ada Admin',
      email: `admin@${name}.test`,
      password: 'Correct-Horse-42',
    },
  )
  const companyId = result.company.id
  return { companyId, adminId: result.user.id, admin: () => ctxOf(companyId, result.user.id) }
}

interface SeedUser {
  readonly name: string
  readonly unit: string | null
  readonly level: UserLevel
  readonly position: string | null
  readonly status: 'active' | 'suspended' | 'offboarded'
  /** index of an earlier user of the list */
  readonly manager: number | null
  readonly projects: readonly string[]
}

async function seed(
  name: string,
  tree: readonly [key: string, kind: OrgUnit['kind'], parent: string | null][],
  people: readonly SeedUser[],
  projectNames: readonly string[],
) {
  const co = await company(name)
  const units: Record<string, string> = {}
  for (const [key, kind, parent] of tree) {
    const parentId = parent === null ? null : (units[parent] as string)
    units[key] = (await createOrgUnit(co.admin(), { parentId, kind, name: `${name} ${key}` })).id
  }
  const projects: Record<string, string> = {}
  for (const p of projectNames) projects[p] = (await createProject(co.admin(), { name: p })).id
  const users: string[] = []
  for (const [i, p] of people.entries()) {
    const user = await withCompany(db, co.companyId, async (trx) =>
      addUser(
        trx,
        co.companyId,
        {
          email: `${p.name.toLowerCase().replace(' ', '.')}@${name}.test`,
          name: p.name,
          passwordHash: 'not-a-login',
          level: p.level,
          positionId:
            p.position === null ? null : await ensurePosition(trx, co.companyId, p.position, now),
          status: p.status,
          orgUnitId: p.unit === null ? null : (units[p.unit] as string),
          managerId: p.manager === null ? null : (users[p.manager] as string),
        },
        now,
      ),
    )
    users[i] = user.id
    for (const project of p.projects) {
      await setProjectMember(co.admin(), projects[project] as string, user.id, true)
    }
  }
  // who may act: an offboarded or suspended person is nobody's caller (issue 9, defect 1)
  const actors = users.filter((_, i) => people[i]?.status === 'active')
  return { ...co, units, projects, users, actors }
}

const a = await seed(
  'conf-a',
  [
    ['r1', 'region', null],
    ['b1', 'branch', 'r1'],
    ['t1', 'team', 'b1'],
    ['t2', 'team', 'b1'],
    ['r2', 'region', null],
    ['d1', 'department', 'r2'],
    ['t3', 'team', 'd1'],
  ],
  [
    {
      name: 'Eve Park',
      unit: 'b1',
      level: 'lead',
      position: 'supervisor',
      status: 'active',
      manager: null,
      projects: ['Cygnus'],
    },
    {
      name: 'Dee Moss',
      unit: 't2',
      level: 'lead',
      position: 'lead',
      status: 'active',
      manager: 0,
      projects: [],
    },
    {
      name: 'Ann North',
      unit: 't1',
      level: 'novice',
      position: 'agent',
      status: 'active',
      manager: 1,
      projects: ['Apollo'],
    },
    {
      name: 'Ben Stone',
      unit: 't1',
      level: 'senior',
      position: 'senior',
      status: 'active',
      manager: 1,
      projects: ['Apollo', 'Borealis'],
    },
    {
      name: 'Cal Rivers',
      unit: 't2',
      level: 'senior',
      position: null,
      status: 'suspended',
      manager: null,
      projects: ['Borealis'],
    },
    {
      name: 'Fay Lane',
      unit: 'r2',
      level: 'novice',
      position: 'novice',
      status: 'offboarded',
      manager: 0,
      projects: [],
    },
    {
      name: 'Gus Hill',
      unit: 't3',
      level: 'senior',
      position: 'agent',
      status: 'active',
      manager: 1,
      projects: ['Apollo', 'Cygnus'],
    },
    {
      name: 'Hal Ford',
      unit: 'd1',
      level: 'admin',
      position: null,
      status: 'active',
      manager: null,
      projects: [],
    },
    {
      name: 'Ivy Cole',
      unit: null,
      level: 'novice',
      position: 'agent',
      status: 'active',
      manager: null,
      projects: ['Borealis'],
    },
    {
      name: 'Jon Reed',
      unit: null,
      level: 'senior',
      position: null,
      status: 'suspended',
      manager: 3,
      projects: [],
    },
    {
      name: 'Kim Wu',
      unit: 't3',
      level: 'novice',
      position: 'agent',
      status: 'active',
      manager: 6,
      projects: [],
    },
    {
      name: 'Lou Gray',
      unit: 't1',
      level: 'lead',
      position: null,
      status: 'active',
      manager: 0,
      projects: ['Cygnus'],
    },
  ],
  ['Apollo', 'Borealis', 'Cygnus', 'Delta'],
)
const b = await seed(
  'conf-b',
  [
    ['r1', 'region', null],
    ['t1', 'team', 'r1'],
  ],
  [
    {
      name: 'Ann North',
      unit: 't1',
      level: 'senior',
      position: 'senior',
      status: 'active',
      manager: null,
      projects: ['Apollo'],
    },
    {
      name: 'Bea Blue',
      unit: 'r1',
      level: 'novice',
      position: 'agent',
      status: 'active',
      manager: 0,
      projects: [],
    },
    {
      name: 'Cy Null',
      unit: null,
      level: 'lead',
      position: null,
      status: 'suspended',
      manager: null,
      projects: ['Borealis'],
    },
  ],
  ['Apollo', 'Borealis'],
)

// Customers of A over every attribute (owner, team, project, region, branch, level), and of B.
async function seedCustomers(co: Awaited<ReturnType<typeof seed>>, rows: readonly CustomerSeed[]) {
  const out: string[] = []
  for (const r of rows) {
    const unitOf = (k: string | null) => (k === null ? null : (co.units[k] as string))
    const created = await createCustomer(co.admin(), {
      name: r.name,
      phone: r.phone,
      email: r.email,
      idNumber: r.idNumber,
      bankCard: r.bankCard,
      region: unitOf(r.region),
      branch: unitOf(r.branch),
      orgUnitId: unitOf(r.unit),
      level: r.level,
      tags: r.tags,
      ownerId: r.owner === null ? null : (co.users[r.owner] as string),
      projectId: r.project === null ? null : (co.projects[r.project] as string),
    })
    out.push(created.id as string)
  }
  return out
}
interface CustomerSeed {
  readonly name: string
  readonly phone: string | null
  readonly email: string | null
  readonly idNumber: string | null
  readonly bankCard: string | null
  readonly region: string | null
  readonly branch: string | null
  readonly unit: string | null
  readonly level: (typeof customerLevels)[number]
  readonly tags: string[]
  readonly owner: number | null
  readonly project: string | null
}
const cust = (
  name: string,
  phone: string | null,
  unit: string | null,
  owner: number | null,
  extra: Partial<CustomerSeed> = {},
): CustomerSeed => ({
  name,
  phone,
  email: `${name.toLowerCase().replace(' ', '.')}@example.com`,
  idNumber: '110101199003071234',
  bankCard: '4111111111111111',
  region: null,
  branch: null,
  unit,
  level: 'regular',
  tags: [],
  owner,
  project: null,
  ...extra,
})
const aCustomers = await seedCustomers(a, [
  cust('Wang Fang', '+8613812345678', 't1', 2, { region: 'r1', branch: 'b1', level: 'vip' }),
  cust('Li Na', '+8613912345678', 't1', 3, { project: 'Apollo', tags: ['churn'] }),
  cust('Ivan Petrov', '+79123456789', 't2', 1, { level: 'gold', branch: 'b1' }),
  cust('Olga Smirnova', '+74951234567', 't3', 6, { project: 'Borealis', region: 'r2' }),
  cust('Zhang Wei', null, 'b1', 0, { email: null, idNumber: null, level: 'silver' }),
  cust('Anna Volkova', '+79031112233', null, null, { project: 'Cygnus', bankCard: null }),
  cust('Chen Jie', '+8618612345678', 't3', 10, { level: 'vip', tags: ['vip', 'churn'] }),
  cust('Pavel Orlov', '+79261234567', 'd1', 7, { region: 'r2', project: 'Apollo' }),
])
await seedCustomers(b, [
  cust('Wang Fang', '+8613812345678', 't1', 0, { level: 'vip' }),
  cust('Boris B', '+79123456789', null, null),
])

// Tickets of A over every attribute (assignee, team, project, status, escalated, category,
// priority, fault code, customer and their level), and of B. Statuses are reached by the workflow.
interface TicketSeed {
  readonly title: string
  readonly description: string
  readonly assignee: number | null
  readonly unit: string | null
  readonly project: string | null
  readonly customer: number | null
  readonly category: string | null
  readonly priority: number
  readonly faultCode: string | null
  readonly path: readonly TicketStatus[]
}
async function seedTickets(
  co: Awaited<ReturnType<typeof seed>>,
  customers: readonly string[],
  rows: readonly TicketSeed[],
) {
  const out: string[] = []
  for (const r of rows) {
    const created = await createTicket(co.admin(), {
      title: r.title,
      description: r.description,
      assigneeId: r.assignee === null ? null : (co.users[r.assignee] as string),
      orgUnitId: r.unit === null ? null : (co.units[r.unit] as string),
      projectId: r.project === null ? null : (co.projects[r.project] as string),
      customerId: r.customer === null ? null : (customers[r.customer] as string),
      category: r.category,
      priority: r.priority,
      faultCode: r.faultCode,
    })
    for (const status of r.path) await transitionTicket(co.admin(), created.id as string, status)
    out.push(created.id as string)
  }
  return out
}
const tick = (
  title: string,
  unit: string | null,
  assignee: number | null,
  extra: Partial<TicketSeed> = {},
): TicketSeed => ({
  title,
  description: `${title}: the customer called twice`,
  assignee,
  unit,
  project: null,
  customer: null,
  category: null,
  priority: 2,
  faultCode: null,
  path: [],
  ...extra,
})
const aTickets = await seedTickets(a, aCustomers, [
  tick('Printer on fire', 't1', 2, { customer: 0, priority: 4, path: ['escalated'] }),
  tick('Refund missing', 't1', 3, { project: 'Apollo', category: 'billing', customer: 1 }),
  tick('Line noise', 't2', 1, { path: ['processing', 'escalated', 'resolved'], faultCode: 'E-1' }),
  tick('Router reboots', 't3', 6, { project: 'Borealis', path: ['closed'], priority: 1 }),
  tick('Wrong invoice', 'b1', 0, { category: 'billing', customer: 6, priority: 3 }),
  tick('No dial tone', null, null, { path: ['closed', 'reopened'], customer: 2 }),
  tick('Password reset', 'd1', 7, { project: 'Apollo', path: ['processing'], faultCode: 'P-9' }),
])
await seedTickets(
  b,
  [],
  [tick('Printer on fire', 't1', 0, { path: ['escalated'] }), tick('Other company', null, null)],
)

// W5: records shared with team t1 (and a customer with t2), limited to chosen fields: every
// subject of those teams carries them in every run below, so each list, search, count and single
// read must agree on them too, with only the chosen fields shown.
const inAnHour = new Date(now.getTime() + 3600_000)
await createShare(a.admin(), 'ticket', aTickets[3] as string, {
  orgUnitId: a.units['t1'] as string,
  fields: ['title', 'status'],
  until: inAnHour,
})
await createShare(a.admin(), 'ticket', aTickets[6] as string, {
  orgUnitId: a.units['t1'] as string,
  fields: ['description', 'priority', 'customerLevel'],
})
await createShare(a.admin(), 'customer', aCustomers[5] as string, {
  orgUnitId: a.units['t1'] as string,
  fields: ['name', 'phone'],
  until: inAnHour,
})
await createShare(a.admin(), 'customer', aCustomers[3] as string, {
  orgUnitId: a.units['t2'] as string,
  fields: ['email', 'idNumber'],
})

// Calls of A over every attribute (agent, team, project, direction, status, duration, customer,
// blacklisted), and of B: stored as the superuser (the dial's own rules are test/calls.test.ts's).
interface CallSeed {
  readonly agent: number
  readonly unit: string | null
  readonly project: string | null
  readonly direction: 'outbound' | 'inbound'
  readonly status: 'ringing' | 'answered' | 'ended'
  readonly durationSec: number
  readonly customer: number | null
  readonly blacklisted: boolean
  readonly phone: string
  readonly notes: string
}
let callSeq = 0
async function seedCalls(
  co: Awaited<ReturnType<typeof seed>>,
  customers: readonly string[],
  rows: readonly CallSeed[],
) {
  const out: string[] = []
  for (const r of rows) {
    callSeq++
    const id = `c0ffee00-0000-4000-8000-${String(callSeq).padStart(12, '0')}`
    await db
      .insertInto('calls')
      .values({
        id,
        company_id: co.companyId,
        agent_id: co.users[r.agent] as string,
        org_unit_id: r.unit === null ? null : (co.units[r.unit] as string),
        project_id: r.project === null ? null : (co.projects[r.project] as string),
        pool_id: null,
        customer_id: r.customer === null ? null : (customers[r.customer] as string),
        direction: r.direction,
        phone: r.phone,
        status: r.status,
        blacklisted: r.blacklisted,
        duration_sec: r.durationSec,
        notes: r.notes,
        provider_ref: null,
        started_at: now,
        answered_at: r.status === 'ringing' ? null : now,
        ended_at: r.status === 'ended' ? now : null,
        created_at: now,
        updated_at: now,
      })
      .execute()
    out.push(id)
  }
  return out
}
const dialled = (
  agent: number,
  unit: string | null,
  phone: string,
  extra: Partial<CallSeed> = {},
): CallSeed => ({
  agent,
  unit,
  project: null,
  direction: 'outbound',
  status: 'ended',
  durationSec: 0,
  customer: null,
  blacklisted: false,
  phone,
  notes: '',
  ...extra,
})
const aCalls = await seedCalls(a, aCustomers, [
  dialled(2, 't1', '+8613811110001', {
    project: 'Apollo',
    durationSec: 95,
    customer: 0,
    notes: 'The customer asked for a callback',
  }),
  dialled(3, 't1', '+8613811110002', {
    direction: 'inbound',
    status: 'answered',
    durationSec: 30,
    customer: 1,
  }),
  dialled(1, 't2', '+79161234501', { status: 'ringing', notes: 'no answer' }),
  dialled(6, 't3', '+79161234502', {
    project: 'Borealis',
    durationSec: 600,
    customer: 6,
    blacklisted: true,
    notes: 'Callback on Friday',
  }),
  dialled(0, 'b1', '+8613811110003', {
    project: 'Cygnus',
    direction: 'inbound',
    durationSec: 12,
    notes: 'billing question',
  }),
  dialled(7, 'd1', '+8613811110001', {
    project: 'Apollo',
    customer: 2,
    notes: 'callback requested',
  }),
])
await seedCalls(b, [], [dialled(0, 't1', '+8613811110001', { notes: 'callback' })])

// Chats of A over every attribute (agent, team, project, channel, status, duration, customer),
// and of B: stored as the superuser (the chat's own rules are test/chats.test.ts's).
async function seedChats(
  co: Awaited<ReturnType<typeof seed>>,
  customers: readonly string[],
  rows: readonly [
    agent: number,
    unit: string | null,
    project: string | null,
    channel: 'web' | 'wechat' | 'telegram',
    status: 'open' | 'closed',
    durationSec: number,
    customer: number | null,
    phone: string | null,
    notes: string,
  ][],
) {
  const out: string[] = []
  for (const [agent, unit, project, channel, status, durationSec, customer, phone, notes] of rows) {
    const id = `c0ffee00-0000-4000-d000-${String(++callSeq).padStart(12, '0')}`
    await db
      .insertInto('chats')
      .values({
        id,
        company_id: co.companyId,
        agent_id: co.users[agent] as string,
        org_unit_id: unit === null ? null : (co.units[unit] as string),
        project_id: project === null ? null : (co.projects[project] as string),
        customer_id: customer === null ? null : (customers[customer] as string),
        channel,
        phone,
        status,
        duration_sec: durationSec,
        notes,
        started_at: now,
        closed_at: status === 'closed' ? now : null,
        created_at: now,
        updated_at: now,
      })
      .execute()
    out.push(id)
  }
  return out
}
const aChats = await seedChats(a, aCustomers, [
  [2, 't1', 'Apollo', 'wechat', 'closed', 240, 0, '+8613811110001', 'refund callback'],
  [3, 't1', null, 'web', 'open', 0, 1, null, ''],
  [1, 't2', null, 'telegram', 'closed', 30, null, '+79161234501', 'Callback tomorrow'],
  [6, 't3', 'Borealis', 'web', 'closed', 900, 6, '+79161234502', 'escalated'],
  [0, 'b1', 'Cygnus', 'wechat', 'open', 0, null, '+8613811110003', 'billing'],
])
await seedChats(b, [], [[0, 't1', null, 'web', 'open', 0, null, null, 'callback']])

// QA evaluations of A's calls (each carries its call's agent, team and project), scores varied.
const qaCard = await createScorecard(a.admin(), {
  name: 'Conformance card',
  criteria: [{ key: 'k', label: 'K', weight: 1, max: 10 }],
})
const aEvaluations: string[] = []
for (const [i, callId] of aCalls.entries()) {
  const e = await evaluateCall(a.admin(), {
    callId,
    scorecardId: qaCard.id,
    scores: { k: (i * 3) % 11 },
    comments: i % 2 === 1 ? 'Callback handled well' : 'missed the greeting',
  })
  aEvaluations.push(e.id as string)
}

// Number pools of A assigned to a person, a team, a project or nobody, and one of B.
async function seedPools(
  co: Awaited<ReturnType<typeof seed>>,
  rows: readonly [name: string, user: number | null, unit: string | null, project: string | null][],
) {
  const out: string[] = []
  for (const [name, user, unit, project] of rows) {
    const row = await db
      .insertInto('number_pools')
      .values({
        id: `c0ffee00-0000-4000-9000-${String(++callSeq).padStart(12, '0')}`,
        company_id: co.companyId,
        name,
        user_id: user === null ? null : (co.users[user] as string),
        org_unit_id: unit === null ? null : (co.units[unit] as string),
        project_id: project === null ? null : (co.projects[project] as string),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    out.push(row.id)
  }
  return out
}
const aPools = await seedPools(a, [
  ['Ann numbers', 2, null, null],
  ['Team one numbers', null, 't1', null],
  ['Apollo numbers', null, null, 'Apollo'],
  ['Team three numbers', null, 't3', null],
  ['Spare numbers', null, null, null],
  ['Gus numbers', 6, null, null],
])
await seedPools(b, [['Team one numbers', null, 't1', null]])

// Call scripts of A by author, project and status (versions of one series among them), and of B.
async function seedScripts(
  co: Awaited<ReturnType<typeof seed>>,
  rows: readonly [
    title: string,
    body: string,
    author: number | null,
    project: string | null,
    status: string,
  ][],
) {
  const out: string[] = []
  for (const [title, body, author, project, status] of rows) {
    const id = `c0ffee00-0000-4000-a000-${String(++callSeq).padStart(12, '0')}`
    const authorId = author === null ? null : (co.users[author] as string)
    await db
      .insertInto('scripts')
      .values({
        id,
        company_id: co.companyId,
        series_id: id,
        version: 1,
        title,
        body,
        project_id: project === null ? null : (co.projects[project] as string),
        author_id: authorId,
        editor_ids: authorId === null ? [] : [authorId],
        status: status as 'draft',
        submitted_at: null,
        published_at: null,
        published_by: null,
        created_at: now,
        updated_at: now,
      })
      .execute()
    out.push(id)
  }
  return out
}
const aScripts = await seedScripts(a, [
  ['Greeting', 'Good morning, how may I help?', 2, 'Apollo', 'published'],
  ['Refund policy', 'Refunds take 5 working days.', 3, 'Apollo', 'draft'],
  ['Hold apology', 'Sorry to keep you waiting.', null, null, 'published'],
  ['Closing', 'Thank you for calling Borealis.', 6, 'Borealis', 'pending'],
  ['Old closing', 'Thanks, bye.', 6, 'Borealis', 'archived'],
  ['Upsell', 'May I tell you about our refund-free plan?', 0, 'Cygnus', 'published'],
])
await seedScripts(b, [['Greeting', 'Hello from B', 0, 'Apollo', 'published']])

// IVR menus of A in each project, and one of B (stored as the superuser).
async function seedMenus(
  co: Awaited<ReturnType<typeof seed>>,
  rows: readonly [name: string, project: string][],
) {
  const out: string[] = []
  for (const [name, project] of rows) {
    const id = `c0ffee00-0000-4000-b000-${String(++callSeq).padStart(12, '0')}`
    await db
      .insertInto('ivr_menus')
      .values({
        id,
        company_id: co.companyId,
        project_id: co.projects[project] as string,
        name,
        options: JSON.stringify([{ digit: '1', label: name, action: 'hangup' }]),
        created_at: now,
        updated_at: now,
      })
      .execute()
    out.push(id)
  }
  return out
}
const aMenus = await seedMenus(a, [
  ['Main line', 'Apollo'],
  ['After hours', 'Apollo'],
  ['Borealis line', 'Borealis'],
  ['Cygnus hotline', 'Cygnus'],
])
await seedMenus(b, [['Main line', 'Apollo']])

// Shifts of A by person and unit (a person's unit, another unit, none), and one of B.
async function seedShifts(
  co: Awaited<ReturnType<typeof seed>>,
  rows: readonly [user: number, unit: string | null, hour: number, note: string][],
) {
  const out: string[] = []
  for (const [user, unit, hour, note] of rows) {
    const id = `c0ffee00-0000-4000-c000-${String(++callSeq).padStart(12, '0')}`
    await db
      .insertInto('shifts')
      .values({
        id,
        company_id: co.companyId,
        user_id: co.users[user] as string,
        org_unit_id: unit === null ? null : (co.units[unit] as string),
        kind: 'work',
        starts_at: new Date(now.getTime() + hour * 3600_000),
        ends_at: new Date(now.getTime() + (hour + 1) * 3600_000),
        note,
        created_at: now,
        updated_at: now,
      })
      .execute()
    out.push(id)
  }
  return out
}
const aShifts = await seedShifts(a, [
  [2, 't1', 0, 'early cover'],
  [2, 't1', 1, 'Late cover'],
  [3, 't1', 0, 'training day'],
  [1, 't2', 0, ''],
  [6, 't3', 2, 'cover for Kim'],
  [7, null, 0, 'night'],
  [0, 'b1', 5, 'Cover'],
])
await seedShifts(b, [[0, 't1', 0, 'cover']])

// Sales records of A over owner, team and project (leads also by status and source; opportunities
// by stage), each quote on an opportunity and each contract on a quote, and of B.
type SalesSeed = readonly [
  name: string,
  owner: number | null,
  unit: string | null,
  project: string | null,
  extra: string,
]
async function seedSales(
  co: Awaited<ReturnType<typeof seed>>,
  table: 'leads' | 'opportunities' | 'quotes' | 'contracts',
  rows: readonly SalesSeed[],
  values: (extra: string, i: number) => Record<string, unknown>,
) {
  const out: string[] = []
  for (const [i, [name, owner, unit, project, extra]] of rows.entries()) {
    const id = `c0ffee00-0000-4000-b000-${String(++callSeq).padStart(12, '0')}`
    await db
      .insertInto(table)
      .values({
        id,
        company_id: co.companyId,
        name,
        owner_id: owner === null ? null : (co.users[owner] as string),
        org_unit_id: unit === null ? null : (co.units[unit] as string),
        project_id: project === null ? null : (co.projects[project] as string),
        created_by: co.adminId,
        created_at: now,
        updated_at: now,
        ...values(extra, i),
      } as never)
      .execute()
    out.push(id)
  }
  return out
}
const leadValues = (extra: string, i: number) => {
  const [status, source] = extra.split('/')
  return {
    status,
    source: source === '' ? null : source,
    phone: i % 2 === 0 ? `+861381111000${i}` : null,
    email: `lead${i}@example.com`,
  }
}
const aLeads = await seedSales(
  a,
  'leads',
  [
    ['Zhou Min', 2, 't1', 'Apollo', 'new/fair'],
    ['Qian Li', 3, 't1', null, 'contacted/web'],
    ['Sun Yu', 6, 't3', 'Borealis', 'qualified/'],
    ['Old lead', null, null, null, 'disqualified/fair'],
    ['Wu Fei', 0, 'b1', 'Cygnus', 'converted/web'],
  ],
  leadValues,
)
await seedSales(b, 'leads', [['Zhou Min', 0, 't1', null, 'new/fair']], leadValues)
const dealValues = (stage: string, i: number) => ({
  stage,
  amount: 1000 * (i + 1) + 0.5,
  customer_id: null,
})
const aDeals = await seedSales(
  a,
  'opportunities',
  [
    ['Big deal', 2, 't1', 'Apollo', 'proposal'],
    ['Small deal', 3, 't1', null, 'prospecting'],
    ['North deal', 6, 't3', 'Borealis', 'won'],
    ['Lost deal', null, 'd1', null, 'lost'],
  ],
  dealValues,
)
const bDeals = await seedSales(b, 'opportunities', [['B deal', 0, 't1', null, 'won']], dealValues)
const quoteValues = (deals: readonly string[]) => (status: string, i: number) => ({
  status,
  amount: 500 * (i + 1),
  opportunity_id: deals[i % deals.length],
  approved_at: status === 'approved' ? now : null,
})
const aQuotes = await seedSales(
  a,
  'quotes',
  [
    ['Big quote', 2, 't1', 'Apollo', 'draft'],
    ['Small quote', 3, 't1', null, 'approved'],
    ['North quote', 6, 't3', 'Borealis', 'draft'],
    ['Quote of nobody', null, null, null, 'approved'],
  ],
  quoteValues(aDeals),
)
const bQuotes = await seedSales(
  b,
  'quotes',
  [['B quote', 0, 't1', null, 'draft']],
  quoteValues(bDeals),
)
const contractValues = (quotes: readonly string[]) => (status: string, i: number) => ({
  status,
  amount: 700 * (i + 1),
  quote_id: quotes[i % quotes.length],
  opportunity_id: null,
  approved_at: status === 'approved' ? now : null,
})
const aContracts = await seedSales(
  a,
  'contracts',
  [
    ['Big contract', 2, 't1', 'Apollo', 'draft'],
    ['Small contract', 3, 't2', null, 'approved'],
    ['North contract', 6, 't3', 'Borealis', 'draft'],
  ],
  contractValues(aQuotes),
)
await seedSales(b, 'contracts', [['B contract', 0, 't1', null, 'draft']], contractValues(bQuotes))

// P10: queues, auto-dialers and campaigns of A's projects (a campaign by owner and status, its
// queue and dialer of its own project), and one of each of B.
const opsId = () => `c0ffee00-0000-4000-b000-${String(++callSeq).padStart(12, '0')}`
async function seedOperations(
  co: Awaited<ReturnType<typeof seed>>,
  rows: readonly [name: string, project: string, owner: number | null, status: string][],
) {
  const out = { queues: [] as string[], dialers: [] as string[], campaigns: [] as string[] }
  for (const [name, project, owner, status] of rows) {
    const projectId = co.projects[project] as string
    const queue = opsId()
    const dialer = opsId()
    const campaign = opsId()
    const stamps = { created_at: now, updated_at: now }
    await db
      .insertInto('queues')
      .values({
        id: queue,
        company_id: co.companyId,
        project_id: projectId,
        name: `${name} queue`,
        strategy: 'longest-idle',
        member_ids: owner === null ? [] : [co.users[owner] as string],
        ...stamps,
      })
      .execute()
    await db
      .insertInto('dialers')
      .values({
        id: dialer,
        company_id: co.companyId,
        project_id: projectId,
        name: `${name} dialer`,
        mode: 'progressive',
        state: status === 'running' ? 'running' : 'idle',
        started_at: null,
        started_by: null,
        ...stamps,
      })
      .execute()
    await db
      .insertInto('campaigns')
      .values({
        id: campaign,
        company_id: co.companyId,
        project_id: projectId,
        name: `${name} campaign`,
        status: status as 'draft',
        owner_id: owner === null ? null : (co.users[owner] as string),
        queue_id: queue,
        dialer_id: status === 'draft' ? null : dialer,
        launched_at: null,
        ended_at: null,
        ...stamps,
      })
      .execute()
    out.queues.push(queue)
    out.dialers.push(dialer)
    out.campaigns.push(campaign)
  }
  return out
}
const aOps = await seedOperations(a, [
  ['Renewals', 'Apollo', 2, 'running'],
  ['Winback', 'Apollo', 3, 'draft'],
  ['Upsell', 'Borealis', 4, 'paused'],
  ['Survey', 'Cygnus', 0, 'ended'],
  ['Onboarding', 'Delta', null, 'draft'],
])
await seedOperations(b, [['Renewals', 'Apollo', 0, 'running']])

// The role under test: every seeded person of A holds it (and nothing else); each run rewrites it.
const conformanceRole = (await createRole(a.admin(), { name: 'Conformance', grants: [] })).id
await withCompany(db, a.companyId, async (trx) => {
  for (const id of a.users) await assignRoleUnchecked(trx, a.companyId, id, conformanceRole, now)
})

type Table =
  | 'users'
  | 'org_units'
  | 'projects'
  | 'customers'
  | 'tickets'
  | 'calls'
  | 'chats'
  | 'number_pools'
  | 'qa_evaluations'
  | 'scripts'
  | 'ivr_menus'
  | 'shifts'
  | 'leads'
  | 'opportunities'
  | 'quotes'
  | 'contracts'
  | 'queues'
  | 'dialers'
  | 'campaigns'

async function idsOf(table: Table, companyId: string) {
  const rows = await db.selectFrom(table).select('id').where('company_id', '=', companyId).execute()
  return rows.map((r) => r.id).sort()
}

// --- the resources under test ------------------------------------------------------------------

const unitIds = Object.values(a.units)
const projectIds = Object.values(a.projects)
const levels = ['novice', 'senior', 'lead', 'admin']
const positions = ['agent', 'senior', 'lead', 'supervisor', 'novice']

interface PolicyCase {
  readonly grants: Grant[]
  readonly restrictions: Omit<Restriction, 'appliesTo'>[]
  /** the person of company A who holds the role and asks */
  readonly subject: string
  readonly limit: number
  /** a text searched for in a second listing */
  readonly q: string
}

interface Target {
  readonly type: ResourceType
  readonly table: Table
  // each seam has its own row and item types; the suite reads them through one shape
  readonly seam: ResourceSeam<ResourceType, Table, { id: string }>
  /** the hand-written mapping a service uses for one item (must equal the seam's) */
  readonly resourceOfItem: (item: never) => Resource
  /** values a condition on each declared attribute draws from, of its kind (null is always added) */
  readonly values: Readonly<Record<string, readonly (string | number | boolean)[]>>
  readonly scopes: readonly Scope[]
  readonly fields: readonly string[]
  /** texts `q` searches for */
  readonly needles: readonly string[]
  /**
   * Fixed cases run before the random ones, so that the suite is never vacuous: each lists some
   * records but not all, and its search finds some of them but not all.
   */
  readonly examples: readonly PolicyCase[]
}

const asSeam = (s: unknown) => s as Target['seam']

const targets: readonly Target[] = [
  {
    type: 'user',
    table: 'users',
    seam: asSeam(userRecords),
    resourceOfItem: userResource as Target['resourceOfItem'],
    values: {
      id: [...a.users, a.adminId, b.users[0] as string, 'nobody'],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      managerId: [a.users[0], a.users[1], a.users[3], a.users[6]] as string[],
      status: ['active', 'suspended', 'offboarded'],
      level: levels,
      position: positions,
    },
    scopes: ['own', 'team', 'subtree', 'company', { subtree: a.units['b1'] as string }],
    fields: ['email', 'phone', 'position', 'level'],
    needles: ['an', 'NORTH', 'e.', 'ss', 'ill', 'v', 'r', 'conf-a.test', '%', '_'],
    examples: [
      // issue 6: company scope, seniors only; emails masked, positions hidden
      {
        grants: [
          {
            actions: ['user.view'],
            scope: 'company',
            when: { eq: [{ ref: 'resource.level' }, 'senior'] },
            fields: { email: 'masked', position: 'hidden' },
          },
        ],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 2,
        q: 'ill',
      },
      // issue 6: two attributes of the record compared (compareFields)
      {
        grants: [
          {
            actions: ['user.view'],
            scope: 'company',
            when: { eq: [{ ref: 'resource.level' }, { ref: 'resource.position' }] },
          },
        ],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'ss',
      },
      // a subtree with a null check, a restriction on the subject's own record
      {
        grants: [
          {
            actions: ['user.view'],
            scope: 'subtree',
            when: { ne: [{ ref: 'resource.managerId' }, null] },
          },
        ],
        restrictions: [
          {
            id: 'x0',
            actions: ['user.view'],
            when: { eq: [{ ref: 'resource.id' }, { ref: 'subject.id' }] },
          },
        ],
        subject: a.users[0] as string,
        limit: 3,
        q: 'an',
      },
    ],
  },
  {
    type: 'orgUnit',
    table: 'org_units',
    seam: asSeam(orgUnitRecords),
    resourceOfItem: orgUnitResource as Target['resourceOfItem'],
    values: {
      id: [...unitIds, b.units['r1'] as string],
      parentId: [...unitIds, b.units['r1'] as string],
      kind: ['region', 'branch', 'department', 'team'],
    },
    scopes: ['team', 'subtree', 'company', { subtree: a.units['r2'] as string }],
    fields: [],
    needles: ['conf-a t', 'R1', '1', '2', '_'],
    examples: [
      {
        grants: [
          {
            actions: ['orgUnit.view'],
            scope: 'company',
            when: { eq: [{ ref: 'resource.kind' }, 'team'] },
          },
        ],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 2,
        q: '2',
      },
      {
        grants: [{ actions: ['orgUnit.view'], scope: 'subtree' }],
        restrictions: [
          {
            id: 'x0',
            actions: ['orgUnit.view'],
            when: { eq: [{ ref: 'resource.id' }, { ref: 'subject.orgUnitId' }] },
          },
        ],
        subject: a.users[0] as string,
        limit: 1,
        q: '1',
      },
    ],
  },
  {
    type: 'project',
    table: 'projects',
    seam: asSeam(projectRecords),
    resourceOfItem: projectResource as Target['resourceOfItem'],
    values: { id: [...projectIds, b.projects['Apollo'] as string] },
    scopes: ['project', 'company'],
    fields: [],
    needles: ['o', 'APOLLO', 'lta', 'us'],
    examples: [
      {
        grants: [{ actions: ['project.view'], scope: 'project' }],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 1,
        q: 'APOLLO',
      },
    ],
  },
  {
    type: 'customer',
    table: 'customers',
    seam: asSeam(customerRecords),
    resourceOfItem: customerResource as Target['resourceOfItem'],
    values: {
      id: [...aCustomers, 'nobody'],
      ownerId: [a.users[0], a.users[2], a.users[3], a.users[6], a.adminId] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
      region: [a.units['r1'], a.units['r2']] as string[],
      branch: [a.units['b1']] as string[],
      level: [...customerLevels],
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: ['name', 'phone', 'email', 'idNumber', 'bankCard', 'level', 'tags', 'ownerId'],
    needles: ['wang', 'EXAMPLE.COM', '138', '+86 139 1234 5678', '(+7) 912', 'o', '_'],
    examples: [
      // a team lead's customers: team scope, phones masked, VIPs only through a condition
      {
        grants: [
          { actions: ['customer.view'], scope: 'team', fields: { phone: 'masked' } },
          {
            actions: ['customer.view'],
            scope: 'company',
            when: { eq: [{ ref: 'resource.level' }, 'vip'] },
            fields: { email: 'hidden' },
          },
        ],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'wang',
      },
      // project members see their project's customers; phone search in another format
      {
        grants: [{ actions: ['customer.view'], scope: 'project' }],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 2,
        q: '+86 139 1234 5678',
      },
    ],
  },
  {
    type: 'ticket',
    table: 'tickets',
    seam: asSeam(ticketRecords),
    resourceOfItem: ticketResource as Target['resourceOfItem'],
    values: {
      id: [...aTickets, 'nobody'],
      assigneeId: [a.users[0], a.users[2], a.users[3], a.users[6], a.adminId] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
      status: [...ticketStatuses],
      category: ['billing', 'network'],
      priority: [1, 2, 3, 4],
      faultCode: ['E-1', 'P-9'],
      customerLevel: [...customerLevels],
      customerId: [aCustomers[0], aCustomers[1], aCustomers[6]] as string[],
      escalated: [true, false],
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: [
      'title',
      'description',
      'status',
      'category',
      'priority',
      'faultCode',
      'customerLevel',
      'assigneeId',
      'customerId',
    ],
    needles: ['printer', 'CALLED', 'billing', 'o', '_', '%'],
    examples: [
      // tech support: escalated tickets company-wide, the customer level hidden (W4, P4)
      {
        grants: [
          {
            actions: ['ticket.view'],
            scope: 'company',
            when: { eq: [{ ref: 'resource.escalated' }, true] },
            fields: { customerLevel: 'hidden' },
          },
        ],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'printer',
      },
      // a team lead: the team's open tickets and urgent ones anywhere, descriptions masked
      {
        grants: [
          {
            actions: ['ticket.view'],
            scope: 'team',
            when: { ne: [{ ref: 'resource.status' }, 'closed'] },
          },
          {
            actions: ['ticket.view'],
            scope: 'company',
            when: { gte: [{ ref: 'resource.priority' }, 3] },
            fields: { description: 'masked' },
          },
        ],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 2,
        q: 'called',
      },
    ],
  },
  {
    type: 'call',
    table: 'calls',
    seam: asSeam(callRecords),
    resourceOfItem: callResource as Target['resourceOfItem'],
    values: {
      id: [...aCalls, 'nobody'],
      agentId: [a.users[0], a.users[1], a.users[2], a.users[3], a.users[6]] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
      direction: ['outbound', 'inbound'],
      status: ['ringing', 'answered', 'ended'],
      durationSec: [0, 12, 30, 95, 600],
      customerId: [aCustomers[0], aCustomers[1], aCustomers[6]] as string[],
      blacklisted: [true, false],
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: ['phone', 'direction', 'durationSec', 'notes', 'customerId'],
    needles: ['callback', 'CALLBACK', '+86 138 1111 0001', '(+7) 916', '138', 'o', '_', '%'],
    examples: [
      // a team lead's call log: the team's calls; the notes searched
      {
        grants: [{ actions: ['call.view'], scope: 'team' }],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'callback',
      },
      // a project's calls, a number searched in another format; long calls' notes masked
      {
        grants: [
          { actions: ['call.view'], scope: 'project' },
          {
            actions: ['call.view'],
            scope: 'company',
            when: { gte: [{ ref: 'resource.durationSec' }, 600] },
            fields: { notes: 'masked' },
          },
        ],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 2,
        q: '+86 138 1111 0001',
      },
    ],
  },
  {
    type: 'chat',
    table: 'chats',
    seam: asSeam(chatRecords),
    resourceOfItem: chatResource as Target['resourceOfItem'],
    values: {
      id: [...aChats, 'nobody'],
      agentId: [a.users[0], a.users[1], a.users[2], a.users[6]] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
      channel: ['web', 'wechat', 'telegram'],
      status: ['open', 'closed'],
      durationSec: [0, 30, 240, 900],
      customerId: [aCustomers[0], aCustomers[1], aCustomers[6]] as string[],
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: ['phone', 'channel', 'transcript', 'durationSec', 'notes', 'customerId'],
    needles: ['callback', 'CALLBACK', '+86 138 1111 0001', '(+7) 916', '138', 'o', '_', '%'],
    examples: [
      // a team lead's chat log: the team's chats; the notes searched
      {
        grants: [{ actions: ['chat.view'], scope: 'team' }],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'callback',
      },
      // a project's chats, a number searched in another format; long chats' notes masked
      {
        grants: [
          { actions: ['chat.view'], scope: 'project' },
          {
            actions: ['chat.view'],
            scope: 'company',
            when: { gte: [{ ref: 'resource.durationSec' }, 900] },
            fields: { notes: 'masked', phone: 'masked' },
          },
        ],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 2,
        q: '+86 138 1111 0001',
      },
    ],
  },
  {
    type: 'qaEvaluation',
    table: 'qa_evaluations',
    seam: asSeam(qaEvaluationRecords),
    resourceOfItem: qaEvaluationResource as Target['resourceOfItem'],
    values: {
      id: [...aEvaluations, 'nobody'],
      agentId: [a.users[0], a.users[1], a.users[2], a.users[3], a.users[6]] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
      score: [0, 10, 30, 40, 60, 90, 100],
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: ['score', 'comments'],
    needles: ['callback', 'GREETING', 'o', '_', '%'],
    examples: [
      // [000] a lead assesses the team's calls: the team's evaluations, the comments searched
      {
        grants: [{ actions: ['qaEvaluation.view'], scope: 'team' }],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'callback',
      },
      // QA everywhere, low scores' comments masked
      {
        grants: [
          {
            actions: ['qaEvaluation.view'],
            scope: 'company',
            when: { gte: [{ ref: 'resource.score' }, 50] },
          },
          {
            actions: ['qaEvaluation.view'],
            scope: 'company',
            when: { lt: [{ ref: 'resource.score' }, 50] },
            fields: { comments: 'masked' },
          },
        ],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 2,
        q: 'greeting',
      },
    ],
  },
  {
    type: 'numberPool',
    table: 'number_pools',
    seam: asSeam(numberPoolRecords),
    resourceOfItem: numberPoolResource as Target['resourceOfItem'],
    values: {
      id: [...aPools, 'nobody'],
      userId: [a.users[2], a.users[6]] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: ['name', 'userId', 'numbers'],
    needles: ['numbers', 'TEAM', 'ann', 'o', '_'],
    examples: [
      // P11: the pools a person may dial from: their own, their team's, their projects'
      {
        grants: [
          { actions: ['numberPool.view'], scope: 'own' },
          { actions: ['numberPool.view'], scope: 'team' },
          { actions: ['numberPool.view'], scope: 'project' },
        ],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'team',
      },
    ],
  },
  {
    type: 'script',
    table: 'scripts',
    seam: asSeam(scriptRecords),
    resourceOfItem: scriptResource as Target['resourceOfItem'],
    values: {
      id: [...aScripts, 'nobody'],
      authorId: [a.users[0], a.users[2], a.users[3], a.users[6]] as string[],
      projectId: [...projectIds, b.projects['Apollo'] as string],
      status: ['draft', 'pending', 'published', 'archived'],
    },
    scopes: ['own', 'project', 'company'],
    fields: ['title', 'body'],
    needles: ['refund', 'CLOSING', 'o', 'you', '_', '%'],
    examples: [
      // [000] agents use the published scripts of their projects and the company's
      {
        grants: [
          {
            actions: ['script.view'],
            scope: 'project',
            when: { eq: [{ ref: 'resource.status' }, 'published'] },
          },
          {
            actions: ['script.view'],
            scope: 'company',
            when: {
              and: [
                { eq: [{ ref: 'resource.status' }, 'published'] },
                { eq: [{ ref: 'resource.projectId' }, null] },
              ],
            },
          },
        ],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 1,
        q: 'you',
      },
      // a writer's own scripts, bodies of unpublished ones masked
      {
        grants: [
          {
            actions: ['script.view'],
            scope: 'own',
            when: { ne: [{ ref: 'resource.status' }, 'published'] },
            fields: { body: 'masked' },
          },
          {
            actions: ['script.view'],
            scope: 'own',
            when: { eq: [{ ref: 'resource.status' }, 'published'] },
          },
        ],
        restrictions: [],
        subject: a.users[6] as string,
        limit: 1,
        q: 'old',
      },
    ],
  },
  {
    type: 'ivrMenu',
    table: 'ivr_menus',
    seam: asSeam(ivrMenuRecords),
    resourceOfItem: ivrMenuResource as Target['resourceOfItem'],
    values: {
      id: [...aMenus, 'nobody'],
      projectId: [...projectIds, b.projects['Apollo'] as string],
    },
    scopes: ['project', 'company'],
    fields: [],
    needles: ['line', 'MAIN', 'o', '_', '%'],
    examples: [
      // P10: the menus of the person's projects only
      {
        grants: [{ actions: ['ivrMenu.view'], scope: 'project' }],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 1,
        q: 'line',
      },
    ],
  },
  {
    type: 'schedule',
    table: 'shifts',
    seam: asSeam(shiftRecords),
    resourceOfItem: shiftResource as Target['resourceOfItem'],
    values: {
      id: [...aShifts, 'nobody'],
      userId: [a.users[0], a.users[2], a.users[3], a.users[6]] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
    },
    scopes: ['own', 'team', 'subtree', 'company', { subtree: a.units['r2'] as string }],
    fields: [],
    needles: ['cover', 'LATE', 'o', '_', '%'],
    examples: [
      // [004] an agent's own shifts and, for a lead, the team's
      {
        grants: [
          { actions: ['schedule.view'], scope: 'own' },
          { actions: ['schedule.view'], scope: 'team' },
        ],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'cover',
      },
    ],
  },
  {
    type: 'lead',
    table: 'leads',
    seam: asSeam(leadRecords),
    resourceOfItem: leadResource as Target['resourceOfItem'],
    values: {
      id: [...aLeads, 'nobody'],
      ownerId: [a.users[0], a.users[2], a.users[3], a.users[6]] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
      status: ['new', 'contacted', 'qualified', 'disqualified', 'converted'],
      source: ['fair', 'web'],
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: ['name', 'phone', 'email', 'source', 'status'],
    needles: ['zhou', 'EXAMPLE.COM', '138', '+86 138 1111 0000', 'o', '_', '%'],
    examples: [
      // [002] a rep sees the leads of their team (Zhou Min and Qian Li); 'zhou' finds one of
      // them, so this example narrows a search by itself (the own scope alone lists only Zhou
      // Min, and the non-vacuity count then hung on the random runs: CI saw 1 of 2 once)
      {
        grants: [{ actions: ['lead.view'], scope: 'team' }],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'zhou',
      },
      // marketing: every lead, phones and emails masked, fair leads only in clear
      {
        grants: [
          {
            actions: ['lead.view'],
            scope: 'company',
            when: { eq: [{ ref: 'resource.source' }, 'fair'] },
          },
          {
            actions: ['lead.view'],
            scope: 'company',
            when: { ne: [{ ref: 'resource.source' }, 'fair'] },
            fields: { phone: 'masked', email: 'masked' },
          },
        ],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 2,
        q: 'example.com',
      },
    ],
  },
  {
    type: 'opportunity',
    table: 'opportunities',
    seam: asSeam(opportunityRecords),
    resourceOfItem: opportunityResource as Target['resourceOfItem'],
    values: {
      id: [...aDeals, 'nobody'],
      ownerId: [a.users[0], a.users[2], a.users[3], a.users[6]] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
      stage: ['prospecting', 'proposal', 'won', 'lost'],
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: ['amount', 'stage'],
    needles: ['deal', 'BIG', 'o', '_', '%'],
    examples: [
      // [002] the team's opportunities (Big deal, Small deal); other teams' hidden; 'big' finds
      // one of the two, so this example narrows a search by itself ('deal' found both)
      {
        grants: [{ actions: ['opportunity.view'], scope: 'team' }],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'big',
      },
      // every open deal, the amounts of lost and won ones hidden
      {
        grants: [
          {
            actions: ['opportunity.view'],
            scope: 'company',
            when: { in: [{ ref: 'resource.stage' }, ['won', 'lost']] },
            fields: { amount: 'hidden' },
          },
          { actions: ['opportunity.view'], scope: 'own' },
        ],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 1,
        q: 'small',
      },
    ],
  },
  {
    type: 'quote',
    table: 'quotes',
    seam: asSeam(quoteRecords),
    resourceOfItem: quoteResource as Target['resourceOfItem'],
    values: {
      id: [...aQuotes, 'nobody'],
      ownerId: [a.users[0], a.users[2], a.users[3], a.users[6]] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: ['amount'],
    needles: ['quote', 'NORTH', 'o', '_'],
    examples: [
      // a team's quotes (a lead over the reps' own)
      {
        grants: [{ actions: ['quote.view'], scope: 'team' }],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'big',
      },
      // a project's quotes, amounts masked
      {
        grants: [{ actions: ['quote.view'], scope: 'project', fields: { amount: 'masked' } }],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 1,
        q: 'north',
      },
    ],
  },
  {
    type: 'contract',
    table: 'contracts',
    seam: asSeam(contractRecords),
    resourceOfItem: contractResource as Target['resourceOfItem'],
    values: {
      id: [...aContracts, 'nobody'],
      ownerId: [a.users[0], a.users[2], a.users[3], a.users[6]] as string[],
      orgUnitId: [...unitIds, b.units['t1'] as string],
      projectId: projectIds,
    },
    scopes: ['own', 'team', 'subtree', 'project', 'company', { subtree: a.units['r2'] as string }],
    fields: ['amount'],
    needles: ['contract', 'SMALL', 'o', '_'],
    examples: [
      // [002] a rep's own contracts, and those of no project with their amounts hidden
      {
        grants: [
          { actions: ['contract.view'], scope: 'own' },
          {
            actions: ['contract.view'],
            scope: 'company',
            when: { eq: [{ ref: 'resource.projectId' }, null] },
            fields: { amount: 'hidden' },
          },
        ],
        restrictions: [],
        subject: a.users[2] as string,
        limit: 1,
        q: 'small',
      },
    ],
  },
  // P10 [004]: queues, dialers and campaigns of the subject's projects, nothing of the others
  ...(
    [
      ['queue', 'queues', queueRecords, queueResource, aOps.queues, ['name', 'memberIds']],
      ['dialer', 'dialers', dialerRecords, dialerResource, aOps.dialers, ['name']],
    ] as const
  ).map(([type, table, seam, resourceOf, ids, fields]): Target => ({
    type,
    table,
    seam: asSeam(seam),
    resourceOfItem: resourceOf as Target['resourceOfItem'],
    values: {
      id: [...ids, 'nobody'],
      projectId: [...projectIds, b.projects['Apollo'] as string],
    },
    scopes: ['project', 'company'],
    fields,
    needles: ['renewals', 'UPSELL', 'e', 'queue', '_', '%'],
    examples: [
      // Ben (Apollo, Borealis): the records of his projects; a search finds one of them
      {
        grants: [{ actions: [`${type}.view`], scope: 'project' }],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 1,
        q: 'renewals',
      },
    ],
  })),
  {
    type: 'campaign',
    table: 'campaigns',
    seam: asSeam(campaignRecords),
    resourceOfItem: campaignResource as Target['resourceOfItem'],
    values: {
      id: [...aOps.campaigns, 'nobody'],
      ownerId: [a.users[0], a.users[2], a.users[3], a.users[4]] as string[],
      projectId: [...projectIds, b.projects['Apollo'] as string],
      status: ['draft', 'running', 'paused', 'ended'],
    },
    scopes: ['own', 'project', 'company'],
    fields: ['name'],
    needles: ['renewals', 'WIN', 'e', 'campaign', '_', '%'],
    examples: [
      // marketing of Apollo and Borealis: their projects' campaigns that have not ended
      {
        grants: [
          {
            actions: ['campaign.view'],
            scope: 'project',
            when: { ne: [{ ref: 'resource.status' }, 'ended'] },
          },
        ],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 1,
        q: 'win',
      },
      // Ben's own campaigns with their names masked, and his projects' running ones
      {
        grants: [
          {
            actions: ['campaign.view'],
            scope: 'own',
            when: { ne: [{ ref: 'resource.status' }, 'running'] },
            fields: { name: 'masked' },
          },
          {
            actions: ['campaign.view'],
            scope: 'project',
            when: { eq: [{ ref: 'resource.status' }, 'running'] },
          },
        ],
        restrictions: [],
        subject: a.users[3] as string,
        limit: 1,
        q: 'renewals',
      },
    ],
  },
]

// --- random policies over every declared attribute ---------------------------------------------

const subjectRefs = ['id', 'orgUnitId', 'level', 'position', 'managerId', 'unknown']

/** `{ [op]: args }` as a condition (the operator is drawn at random). */
const cond = (op: string, args: readonly unknown[]) => ({ [op]: args }) as unknown as Condition

function conditionArb(t: Target): fc.Arbitrary<Condition> {
  const kinds = attributesOf(t.type)
  const attrs = Object.keys(kinds)
  // the engine compares an attribute only with a value or an attribute of its own kind
  const sameKind = (n: string) => attrs.filter((m) => kinds[m] === kinds[n])
  const res = (n: string) => ({ ref: `resource.${n}` as const })
  const valueOf = (n: string) =>
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(t.values[n] ?? [])) }, fc.constant(null))
  const cmp = fc.constantFrom('eq' as const, 'ne' as const)
  const onAttr = fc.constantFrom(...attrs).chain((n) => {
    const always = [
      // attribute against a seeded value (or null), either way round
      fc
        .tuple(cmp, valueOf(n), fc.boolean())
        .map(([op, v, flip]) => cond(op, flip ? [v, res(n)] : [res(n), v])),
      fc
        .subarray([...(t.values[n] ?? []), null], { minLength: 1 })
        .map((list) => ({ in: [res(n), list] }) as Condition),
      // attribute against another attribute of the same record (compareFields)
      fc.tuple(cmp, fc.constantFrom(...sameKind(n))).map(([op, m]) => cond(op, [res(n), res(m)])),
    ]
    if (kinds[n] === 'number') {
      // ordered comparisons, on numbers only
      const ordered = fc
        .tuple(fc.constantFrom('lt', 'lte', 'gt', 'gte'), fc.constantFrom(...(t.values[n] ?? [])))
        .map(([op, v]) => cond(op, [res(n), v]))
      return fc.oneof(...always, ordered)
    }
    if (kinds[n] !== 'string') return fc.oneof(...always)
    return fc.oneof(
      ...always,
      // attribute against the subject
      fc
        .tuple(cmp, fc.constantFrom(...subjectRefs))
        .map(([op, s]) => cond(op, [res(n), { ref: `subject.${s}` }])),
      fc
        .constantFrom('projectIds', '$subtree')
        .map((s) => cond('in', [res(n), { ref: `subject.${s}` }])),
    )
  })
  const onSubject = fc.oneof(
    fc
      .tuple(
        cmp,
        fc.constantFrom('level', 'position', 'orgUnitId'),
        fc.constantFrom(...levels, null),
      )
      .map(([op, s, v]) => cond(op, [{ ref: `subject.${s}` }, v])),
    fc.constantFrom(...levels).map((v) => ({ lt: [{ ref: 'subject.level' }, v] }) as Condition),
    fc.constantFrom<Condition>(
      { weekday: [1, 2, 3, 4, 5, 6, 7] },
      { timeOfDay: { from: '18:00', to: '08:00' } },
      { ipIn: ['10.0.0.0/8'] },
      // a list where a value belongs is never equal (engine fix, plan.property.test.ts)
      { eq: [{ ref: 'subject.projectIds' }, { ref: 'subject.projectIds' }] },
      { ne: [{ ref: 'subject.projectIds' }, { ref: 'subject.projectIds' }] },
    ),
  )
  const { tree } = fc.letrec<{ tree: Condition }>((tie) => ({
    tree: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'when' },
      { weight: 6, arbitrary: onAttr },
      { weight: 1, arbitrary: onSubject },
      { weight: 1, arbitrary: tie('tree').map((c) => ({ not: c }) as Condition) },
      {
        weight: 1,
        arbitrary: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((cs) => ({ and: cs })),
      },
      {
        weight: 1,
        arbitrary: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((cs) => ({ or: cs })),
      },
    ),
  }))
  return tree
}

function policyArb(t: Target): fc.Arbitrary<PolicyCase> {
  const when = conditionArb(t)
  const ids = (t.values['id'] ?? []) as readonly string[]
  const scope = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...t.scopes) },
    { weight: 1, arbitrary: fc.constantFrom(...ids).map((id): Scope => ({ record: id })) },
  )
  const view = `${t.type}.view` as Action
  const actions = fc.constantFrom<Grant['actions']>([view], [`${t.type}.*`])
  const fields: fc.Arbitrary<Record<string, FieldLevel> | undefined> =
    t.fields.length === 0
      ? fc.constant(undefined)
      : fc.option(
          fc.dictionary(
            fc.constantFrom(...t.fields),
            fc.constantFrom<FieldLevel>('hidden', 'masked', 'read', 'edit'),
          ),
          { nil: undefined },
        )
  const grant: fc.Arbitrary<Grant> = fc
    .record({ actions, scope, when: fc.option(when, { nil: undefined }), fields })
    .map((g) => ({
      actions: g.actions,
      scope: g.scope,
      ...(g.when ? { when: g.when } : {}),
      ...(g.fields ? { fields: g.fields } : {}),
    }))
  const restriction: fc.Arbitrary<Omit<Restriction, 'appliesTo'>> = fc
    .record({
      scope: fc.option(scope, { nil: undefined }),
      when: fc.option(when, { nil: undefined }),
      cap: t.fields.length === 0 ? fc.constant(undefined) : fields,
    })
    .map((x) => ({
      id: 'x',
      actions: [view],
      ...(x.scope ? { scope: x.scope } : {}),
      ...(x.when ? { when: x.when } : {}),
      ...(x.cap && Object.keys(x.cap).length > 0 ? { fields: x.cap } : {}),
    }))
  return fc.record({
    grants: fc.array(grant, { minLength: 1, maxLength: 3 }),
    restrictions: fc
      .array(restriction, { maxLength: 2 })
      .map((xs) => xs.map((x, i) => ({ ...x, id: `x${i}` }))),
    subject: fc.constantFrom(...a.actors),
    limit: fc.integer({ min: 1, max: 4 }),
    q: fc.constantFrom(...t.needles),
  })
}

// --- the assertions of one run -------------------------------------------------------------------

const missing = () => new AppError('not_found', 'conformance: not visible')

function isMissing(error: unknown): boolean {
  return error instanceof AppError && error.code === 'not_found'
}

/** Every page of a list, asserting the page contract on the way. */
async function allPages(tx: TenantCtx, t: Target, action: Action, limit: number, q?: string) {
  const items: ({ id: string } & Record<string, unknown>)[] = []
  let cursor: string | undefined
  for (let page = 0; page < 100; page++) {
    const res = await t.seam.list(tx, action, { limit, cursor, q })
    expect(res.items.length).toBeLessThanOrEqual(limit)
    // rows the check refuses never shorten a page that is not the last
    if (res.nextCursor !== null) expect(res.items.length).toBe(limit)
    items.push(...(res.items as ({ id: string } & Record<string, unknown>)[]))
    if (res.nextCursor === null) return items
    cursor = res.nextCursor
  }
  throw new Error('more than 100 pages')
}

interface Stats {
  runs: number
  /** lists that show some records but not all */
  some: number
  none: number
  all: number
  /** lists refused as a whole (403: nothing granted, or restricted everywhere) */
  closed: number
  /** lists showing a record with a masked or hidden field */
  masked: number
  /** searches that found some of the listed records but not all */
  narrowed: number
}
const stats = new Map<ResourceType, Stats>()
const statsOf = (type: ResourceType): Stats => {
  let s = stats.get(type)
  if (s === undefined) {
    s = { runs: 0, some: 0, none: 0, all: 0, closed: 0, masked: 0, narrowed: 0 }
    stats.set(type, s)
  }
  return s
}

async function checkRun(t: Target, p: PolicyCase) {
  await updateRole(a.admin(), conformanceRole, { grants: p.grants, restrictions: p.restrictions })
  const action = `${t.type}.view` as Action
  const mine = await idsOf(t.table, a.companyId)
  const theirs = await idsOf(t.table, b.companyId)
  await inCompany(ctxOf(a.companyId, p.subject), async (tx) => {
    // the single check, record by record: get, visible, decisionFor and keepAllowed agree
    const allowed = new Map<string, Record<string, unknown>>()
    const rows = []
    for (const id of mine) {
      const row = await t.seam.findRow(tx, id)
      if (row === undefined) throw new Error(`row ${id} not found`)
      rows.push(row)
      const resource = t.seam.resourceOf(row)
      expect(Object.keys(resource.attrs ?? {}).sort()).toEqual(
        Object.keys(attributesOf(t.type)).sort(),
      )
      let got: Awaited<ReturnType<Target['seam']['get']>> | undefined
      try {
        got = await t.seam.get(tx, id, action, missing)
      } catch (error) {
        if (!isMissing(error)) throw error
      }
      const checked = (await decisionFor(tx, action, resource)).allowed
      expect(checked, `decisionFor vs get on ${id}`).toBe(got !== undefined)
      if (got !== undefined) {
        // the hand-written mapping of the service and the seam's are the same record
        expect(t.resourceOfItem(got.item as never)).toEqual(resource)
        allowed.set(id, t.seam.view(got) as Record<string, unknown>)
      }
      expect((await t.seam.visible(tx, id, action)) !== undefined).toBe(got !== undefined)
    }
    const kept = await t.seam.keepAllowed(tx, action, rows)
    expect(kept.map((k) => k.item.id).sort()).toEqual([...allowed.keys()].sort())
    for (const id of theirs) {
      await expect(t.seam.get(tx, id, action, missing)).rejects.toSatisfy(isMissing)
      expect(await t.seam.visible(tx, id, action)).toBeUndefined()
    }

    // the list, every page: exactly the allowed records, each as get projects it
    let listed: ({ id: string } & Record<string, unknown>)[]
    let counted: number
    try {
      listed = await allPages(tx, t, action, p.limit)
      counted = await t.seam.count(tx, action)
    } catch (error) {
      // nothing granted at all (or restricted everywhere): the module is closed, 403
      expect(error).toBeInstanceOf(AppError)
      expect((error as AppError).code).toBe('forbidden')
      expect(['not_granted', 'restricted']).toContain((await decisionFor(tx, action)).reason)
      expect(allowed.size).toBe(0)
      statsOf(t.type).closed++
      return
    }
    const ids = listed.map((i) => i.id)
    expect(ids).toEqual([...ids].sort())
    expect(ids).toEqual([...allowed.keys()].sort())
    for (const item of listed) expect(item).toEqual(allowed.get(item.id))
    expect(counted).toBe(ids.length)
    for (const id of theirs) expect(ids).not.toContain(id)

    // search finds a record only through a field the caller reads in clear (S11)
    {
      // each searched field looks for its own form of `q` (a phone in any format → E.164)
      const terms = searchTerms(
        (t.seam.spec.search ?? {}) as Parameters<typeof searchTerms>[0],
        p.q,
      )
      const expected = [...allowed.values()]
        .filter((item) =>
          terms.some(([f, , term]) => {
            const v = item[f]
            const masked = ((item['maskedFields'] as string[] | undefined) ?? []).includes(f)
            return typeof v === 'string' && !masked && v.toLowerCase().includes(term.toLowerCase())
          }),
        )
        .map((item) => item['id'] as string)
        .sort()
      const found = await allPages(tx, t, action, p.limit, p.q)
      expect(found.map((i) => i.id)).toEqual(expected)
      // and a filtered count agrees with the filtered list
      expect(await t.seam.countMatching(tx, action, { q: p.q })).toBe(found.length)
      if (found.length > 0 && found.length < ids.length) statsOf(t.type).narrowed++
    }

    const s = statsOf(t.type)
    s.runs++
    if (ids.length === 0) s.none++
    else if (ids.length === mine.length) s.all++
    else s.some++
    const partial = (item: Record<string, unknown>) =>
      ((item['maskedFields'] as string[] | undefined) ?? []).length > 0 ||
      t.fields.some((f) => f !== 'phone' && !(f in item))
    if (listed.some(partial)) s.masked++
  })
}

describe.each(targets)('read seam conformance of $type', (t) => {
  it('lists exactly the records the single check allows, with the same projection and count', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb(t), (p) => checkRun(t, p)),
      { numRuns: 30, examples: t.examples.map((e) => [e]) },
    )
    // not vacuous: lists of some records but not all, narrowed searches, masks on users
    const s = statsOf(t.type)
    const seen = JSON.stringify(s)
    expect(s.some, seen).toBeGreaterThanOrEqual(t.examples.length)
    expect(s.narrowed, seen).toBeGreaterThanOrEqual(t.examples.length)
    if (t.fields.length > 0) expect(s.masked, seen).toBeGreaterThan(0)
  }, 300_000)
})

describe('records shared with a team (W5) in the seam', () => {
  it('a member whose role grants nothing sees exactly the shared records, with the chosen fields', async () => {
    await updateRole(a.admin(), conformanceRole, { grants: [], restrictions: [] })
    // Ann (team t1): the two tickets and the one customer shared with t1, nothing else
    await inCompany(ctxOf(a.companyId, a.users[2] as string), async (tx) => {
      const tickets = await ticketRecords.list(tx, 'ticket.view', { limit: 10 })
      expect(tickets.items.map((t) => t.id).sort()).toEqual(
        [aTickets[3] as string, aTickets[6] as string].sort(),
      )
      const withTitle = tickets.items.find((t) => t.id === aTickets[3])
      expect(Object.keys(withTitle ?? {}).filter((f) => ticketFields.includes(f))).toEqual([
        'title',
        'status',
      ])
      expect(await ticketRecords.count(tx, 'ticket.view')).toBe(2)
      const customers = await customerRecords.list(tx, 'customer.view', { limit: 10 })
      expect(customers.items.map((c) => c.id)).toEqual([aCustomers[5]])
    })
    // Dee (team t2) sees the customer shared with t2 only; Eve (b1, above t1) nothing
    await inCompany(ctxOf(a.companyId, a.users[1] as string), async (tx) => {
      const customers = await customerRecords.list(tx, 'customer.view', { limit: 10 })
      expect(customers.items.map((c) => c.id)).toEqual([aCustomers[3]])
      expect(customers.items[0]).toMatchObject({
        email: expect.any(String),
        idNumber: expect.any(String),
      })
      expect(customers.items[0]).not.toHaveProperty('name')
    })
    await inCompany(ctxOf(a.companyId, a.users[0] as string), async (tx) => {
      await expect(ticketRecords.list(tx, 'ticket.view', { limit: 10 })).rejects.toThrow(
        'not allowed',
      )
    })
  })
})

const ticketFields = Object.keys(catalog.ticket.fields)

describe('policies the engine refuses', () => {
  const refused: [string, Condition | Record<string, unknown>, string][] = [
    ['a password hash', { eq: [{ ref: 'resource.passwordHash' }, 'x'] }, 'when.eq[0]'],
    ['a TOTP secret', { ne: [{ ref: 'resource.mfaSecret' }, null] }, 'when.ne[0]'],
    [
      'an email (personal field)',
      { eq: [{ ref: 'resource.email' }, 'ann.north@conf-a.test'] },
      'when.eq[0]',
    ],
    ['a column name', { eq: [{ ref: 'resource.org_unit_id' }, null] }, 'when.eq[0]'],
    ['an ordered comparison on a string', { lt: [{ ref: 'resource.level' }, 'senior'] }, 'when.lt'],
    ['a literal of the wrong kind', { eq: [{ ref: 'resource.level' }, 3] }, 'when.eq[1]'],
    [
      'a list item of the wrong kind',
      { in: [{ ref: 'resource.status' }, ['active', true]] },
      'when.in[1][1]',
    ],
  ]

  it.each(refused)('refuses a user condition on %s, naming the path', async (_name, when, path) => {
    const policy: Policy = {
      version: 1,
      timeZone: 'UTC',
      orgUnits: {},
      roles: [
        {
          id: 'r',
          name: 'R',
          kind: 'custom',
          grants: [{ actions: ['user.view'], scope: 'company', when: when as Condition }],
        },
      ],
    }
    let error: unknown
    try {
      compilePolicy(policy)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PolicyError)
    expect((error as PolicyError).problems.map((x) => x.path)).toContain(
      `roles[0].grants[0].${path}`,
    )
    // and the roles service refuses to store it (400 with the request path), writing nothing
    const before = await getRole(a.admin(), conformanceRole)
    await expect(
      updateRole(a.admin(), conformanceRole, {
        grants: [{ actions: ['user.view'], scope: 'company', when: when as Condition }],
      }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      errors: expect.arrayContaining([
        expect.objectContaining({
          path: `body/grants/0/${path.replace(/\[(\d+)\]/g, '/$1').replace(/\./g, '/')}`,
        }),
      ]),
    })
    expect((await getRole(a.admin(), conformanceRole)).grants).toEqual(before.grants)
  })

  it.each([
    ['orgUnit', { eq: [{ ref: 'resource.name' }, 'x'] }, 'when.eq[0]'],
    ['project', { in: [{ ref: 'resource.description' }, ['x']] }, 'when.in[0]'],
    ['orgUnit', { gt: [{ ref: 'resource.kind' }, 'team'] }, 'when.gt'],
    ['project', { eq: [{ ref: 'resource.id' }, false] }, 'when.eq[1]'],
  ] as const)('refuses a condition of %s on %j, naming the path', (type, when, path) => {
    let error: unknown
    try {
      compilePolicy({
        version: 1,
        timeZone: 'UTC',
        orgUnits: {},
        roles: [
          {
            id: 'r',
            name: 'R',
            kind: 'custom',
            grants: [{ actions: [`${type}.view`], scope: 'company', when: when as Condition }],
          },
        ],
      })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PolicyError)
    expect((error as PolicyError).problems.map((x) => x.path)).toContain(
      `roles[0].grants[0].${path}`,
    )
  })
})

// --- sub-lists gated by their parent: a campaign's contacts, a queue's waiting calls ------------

// Neither is a resource type of its own: a contact list is read with `campaign.view` on its
// campaign, a queue's waiting calls with `queue.view` on the queue, the number of a waiting call
// only by a caller who reads an inbound call's phone of the queue's project in clear. For random
// policies over both parents (and over calls' phone), each list answers exactly when the single
// check of its parent allows it (404 otherwise, never 403: P10), shows exactly its parent's rows,
// every page, and another company's parents are 404.
const bCustomers = await idsOf('customers', b.companyId)
const bOps = {
  queues: await idsOf('queues', b.companyId),
  campaigns: await idsOf('campaigns', b.companyId),
}
const contactSeed: [campaign: string, customers: readonly string[], company: string][] = [
  [aOps.campaigns[0]!, aCustomers.slice(0, 3), a.companyId],
  [aOps.campaigns[2]!, aCustomers.slice(2, 5), a.companyId],
  [aOps.campaigns[3]!, aCustomers.slice(0, 1), a.companyId],
  [bOps.campaigns[0]!, bCustomers, b.companyId],
]
for (const [campaign, customers, companyId] of contactSeed) {
  await db
    .insertInto('campaign_contacts')
    .values(
      customers.map((customerId) => ({
        company_id: companyId,
        campaign_id: campaign,
        customer_id: customerId,
        reason: null,
        call_id: null,
        added_by: null,
      })),
    )
    .execute()
}
const waitingSeed: [queue: string, count: number, company: string][] = [
  [aOps.queues[0]!, 3, a.companyId],
  [aOps.queues[2]!, 1, a.companyId],
  [aOps.queues[4]!, 2, a.companyId],
  [bOps.queues[0]!, 2, b.companyId],
]
let waitingSeq = 0
for (const [queue, count, companyId] of waitingSeed) {
  const projectId = (
    await db.selectFrom('queues').select('project_id').where('id', '=', queue).executeTakeFirst()
  )?.project_id as string
  for (let i = 0; i < count; i++) {
    await db
      .insertInto('queued_calls')
      .values({
        id: opsId(),
        company_id: companyId,
        queue_id: queue,
        project_id: projectId,
        phone: `+861390000${String(++waitingSeq).padStart(4, '0')}`,
        blacklisted: false,
        created_at: new Date(now.getTime() + waitingSeq * 1000),
      })
      .execute()
  }
}

interface SubListCase {
  readonly campaign: PolicyCase
  readonly queue: PolicyCase
  readonly call: Grant | undefined
}

function subListArb(): fc.Arbitrary<SubListCase> {
  const of = (type: ResourceType) => targets.find((t) => t.type === type) as Target
  const call: fc.Arbitrary<Grant> = fc
    .record({
      scope: fc.constantFrom<Scope>('own', 'team', 'project', 'company'),
      phone: fc.constantFrom<FieldLevel>('hidden', 'masked', 'read', 'edit'),
      inbound: fc.boolean(),
    })
    .map((g) => ({
      actions: ['call.view'],
      scope: g.scope,
      fields: { phone: g.phone },
      ...(g.inbound && { when: { eq: [{ ref: 'resource.direction' }, 'inbound'] } as Condition }),
    }))
  return fc.record({
    campaign: policyArb(of('campaign')),
    queue: policyArb(of('queue')),
    call: fc.option(call, { nil: undefined }),
  })
}

const subListStats = { contactsShown: 0, contactsHidden: 0, withPhone: 0, withoutPhone: 0 }

async function checkSubLists(p: SubListCase) {
  const restrictions = [...p.campaign.restrictions, ...p.queue.restrictions].map((x, i) => ({
    ...x,
    id: `s${i}`,
  }))
  const grants = [...p.campaign.grants, ...p.queue.grants, ...(p.call ? [p.call] : [])]
  await updateRole(a.admin(), conformanceRole, { grants, restrictions })
  const subject = p.campaign.subject
  const limit = p.campaign.limit
  const ctx = () => ctxOf(a.companyId, subject)
  for (const campaign of [...aOps.campaigns, ...bOps.campaigns]) {
    const allowed = await inCompany(ctx(), async (tx) => {
      try {
        await campaignRecords.get(tx, campaign, 'campaign.view', missing)
        return true
      } catch (error) {
        if (!isMissing(error)) throw error
        return false
      }
    })
    if (bOps.campaigns.includes(campaign)) expect(allowed).toBe(false)
    if (!allowed) {
      await expect(listCampaignContacts(ctx(), campaign, { limit })).rejects.toSatisfy(isMissing)
      subListStats.contactsHidden++
      continue
    }
    const shown: string[] = []
    let cursor: string | undefined
    for (let page = 0; page < 100; page++) {
      const res = await listCampaignContacts(ctx(), campaign, { limit, cursor })
      expect(res.items.length).toBeLessThanOrEqual(limit)
      shown.push(...res.items.map((c) => c.customerId))
      if (res.nextCursor === null) break
      cursor = res.nextCursor
    }
    const rows = await db
      .selectFrom('campaign_contacts')
      .select('customer_id')
      .where('campaign_id', '=', campaign)
      .orderBy('customer_id')
      .execute()
    expect(shown).toEqual(rows.map((r) => r.customer_id))
    subListStats.contactsShown++
  }
  for (const queue of [...aOps.queues, ...bOps.queues]) {
    const found = await inCompany(ctx(), async (tx) => {
      try {
        const q = await queueRecords.get(tx, queue, 'queue.view', missing)
        // the number: read in clear on an inbound call of the queue's project, nobody's yet
        const d = await decisionFor(tx, 'call.view', {
          type: 'call',
          attrs: {
            id: null,
            agentId: null,
            orgUnitId: null,
            projectId: q.item.projectId,
            direction: 'inbound',
            status: 'ringing',
            durationSec: 0,
            customerId: null,
            blacklisted: null,
          },
        })
        const level = d.allowed ? (d.obligations.fields['phone'] ?? 'read') : 'hidden'
        return { clear: level === 'read' || level === 'edit' }
      } catch (error) {
        if (!isMissing(error)) throw error
        return undefined
      }
    })
    if (bOps.queues.includes(queue)) expect(found).toBeUndefined()
    if (found === undefined) {
      await expect(listQueuedCalls(ctx(), queue)).rejects.toSatisfy(isMissing)
      continue
    }
    const listed = await listQueuedCalls(ctx(), queue)
    const rows = await db
      .selectFrom('queued_calls')
      .select(['id', 'phone'])
      .where('queue_id', '=', queue)
      .orderBy('created_at')
      .orderBy('seq')
      .execute()
    expect(listed.map((c) => c.id)).toEqual(rows.map((r) => r.id))
    for (const [i, c] of listed.entries()) {
      expect(c.queueId).toBe(queue)
      expect(c.phone).toBe(found.clear ? rows[i]?.phone : undefined)
    }
    if (listed.length > 0) subListStats[found.clear ? 'withPhone' : 'withoutPhone']++
  }
}

describe('sub-lists gated by their parent record', () => {
  it("a campaign's contacts and a queue's waiting calls: exactly where the parent's check allows", async () => {
    // not vacuous: lists shown and refused, numbers shown and kept back. 30 random cases now and
    // then miss one of the four (a queue with calls waiting whose number its reader sees): more
    // batches of 30 until each was seen, at most four in all
    for (let batch = 0; batch < 4; batch++) {
      await fc.assert(
        fc.asyncProperty(subListArb(), (p) => checkSubLists(p)),
        { numRuns: 30 },
      )
      if (Object.values(subListStats).every((n) => n > 0)) break
    }
    const seen = JSON.stringify(subListStats)
    for (const n of Object.values(subListStats)) expect(n, seen).toBeGreaterThan(0)
  }, 900_000)
})
