import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import {
  bindSubject,
  compilePolicy,
  decide,
  type Action,
  type Grant,
  type Resource,
} from '../src/authz/index.js'
import { withCompany } from '../src/db/index.js'
import { loadPolicy, loadSubject, PolicyCache } from '../src/domain/access/index.js'
import { signup, updateUserAccount } from '../src/domain/accounts/index.js'
import type { Ctx } from '../src/domain/context.js'
import { createOrgUnit } from '../src/domain/org-units/index.js'
import {
  addProjectMemberUnchecked,
  createProject,
  deleteProject,
  setProjectMember,
} from '../src/domain/projects/index.js'
import {
  addToGroupUnchecked,
  assignRoleUnchecked,
  createGroup,
  createRole,
  setUserGroups,
  setUserRoles,
  updateGroup,
  updateRole,
} from '../src/domain/roles/index.js'
import { addUser } from '../src/domain/users/index.js'
import { AppError } from '../src/errors.js'
import { createTestDb, destroyTestDb } from './helpers.js'
import { strongPassword } from './test-app.js'

// Issue 7, "Done when": random sequences of role edits, group edits, user edits (org unit, level,
// position, manager), project membership changes and revocations, each by a non-admin, through
// the same domain services the HTTP routes call. After every step, for every person and every
// (action, record) of a fixed universe: whatever the step gave or took away, its actor could do
// themselves just before. By induction over the sequence, nobody ends up able to do what no actor
// could grant, and nobody loses what the actor could not grant.
//
// The universe is fixed records (customers, user records, projects placed in every unit and
// project), so what is measured is people's reach, not records moving (a moved user is a record
// too; that is placement, checked by the placement rules, not delegation).

const db = await createTestDb()
afterAll(() => destroyTestDb(db))
const policies = new PolicyCache()
const now = new Date('2026-11-23T09:30:00.000Z')
const meta = { ip: null, userAgent: 'property', requestId: null }

const data: Grant[] = [
  { actions: ['customer.view'], scope: 'team' },
  { actions: ['customer.view'], scope: 'subtree' },
  { actions: ['customer.view'], scope: 'company' },
  { actions: ['customer.export'], scope: 'company' },
  { actions: ['customer.view', 'customer.export'], scope: 'project' },
  {
    actions: ['customer.view'],
    scope: 'company',
    when: { eq: [{ ref: 'subject.level' }, 'lead'] },
  },
  {
    actions: ['user.view', 'user.edit'],
    scope: 'company',
    when: { eq: [{ ref: 'resource.managerId' }, { ref: 'subject.id' }] },
  },
]
const admin: Grant[] = [
  { actions: ['role.view', 'role.edit'], scope: 'company' },
  { actions: ['role.view', 'role.assign', 'user.view', 'user.assignRole'], scope: 'company' },
  { actions: ['user.view', 'user.edit', 'user.assignRole'], scope: 'team' },
  { actions: ['user.view', 'user.edit', 'orgUnit.view'], scope: 'company' },
  { actions: ['project.view', 'project.manageMembers', 'project.delete'], scope: 'company' },
  { actions: ['project.view', 'project.manageMembers'], scope: 'project' },
  {
    actions: [
      'permissionGroup.view',
      'permissionGroup.edit',
      'permissionGroup.assign',
      'user.view',
      'user.assignRole',
    ],
    scope: 'company',
  },
]
const pool = [...data, ...admin]
/**
 * Person 0 also holds this: wide administration without being Admin, so that many random steps
 * go through (most steps of the others are refused) and the property is not vacuous.
 */
const steward: Grant[] = [
  {
    actions: [
      'role.view',
      'role.edit',
      'role.assign',
      'permissionGroup.view',
      'permissionGroup.edit',
      'permissionGroup.assign',
      'project.view',
      'project.manageMembers',
      'project.delete',
      'user.view',
      'user.edit',
      'user.assignRole',
      'orgUnit.view',
      'customer.view',
    ],
    scope: 'company',
  },
]
const restrictionPool = [
  { id: 'no-export', actions: ['customer.export'] },
  {
    id: 'novices-see-less',
    actions: ['customer.view'],
    when: { eq: [{ ref: 'subject.level' }, 'novice'] },
  },
] as const

const PEOPLE = 5
const ROLES = 4
const GROUPS = 2
const levels = ['novice', 'senior', 'lead'] as const
const positions = [null, 'novice-agent', 'team-lead'] as const

const grantsArb = fc.subarray(
  pool.map((_, i) => i),
  { minLength: 0, maxLength: 4 },
)
const person = fc.integer({ min: 0, max: PEOPLE - 1 })
const setupArb = fc.record({
  roles: fc.array(
    fc.subarray(
      pool.map((_, i) => i),
      { minLength: 1, maxLength: 4 },
    ),
    {
      minLength: ROLES,
      maxLength: ROLES,
    },
  ),
  groups: fc.array(
    fc.subarray(
      data.map((_, i) => i),
      { minLength: 1, maxLength: 2 },
    ),
    {
      minLength: GROUPS,
      maxLength: GROUPS,
    },
  ),
  people: fc.array(
    fc.record({
      unit: fc.integer({ min: 0, max: 2 }),
      level: fc.constantFrom(...levels),
      roles: fc.subarray([0, 1, 2, 3]),
      groups: fc.subarray([0, 1]),
      projects: fc.subarray([0, 1]),
    }),
    { minLength: PEOPLE, maxLength: PEOPLE },
  ),
})

const opArb = fc.oneof(
  fc.record({ k: fc.constant('roleGrants' as const), role: fc.nat(ROLES - 1), grants: grantsArb }),
  fc.record({
    k: fc.constant('roleRestrictions' as const),
    role: fc.nat(ROLES - 1),
    restrictions: fc.subarray([0, 1]),
  }),
  fc.record({
    k: fc.constant('groupGrants' as const),
    group: fc.nat(GROUPS - 1),
    grants: fc.subarray(
      data.map((_, i) => i),
      { maxLength: 3 },
    ),
  }),
  fc.record({
    k: fc.constant('userRoles' as const),
    user: fc.nat(PEOPLE), // PEOPLE: the company's Admin
    roles: fc.subarray([0, 1, 2, 3]),
  }),
  fc.record({ k: fc.constant('userGroups' as const), user: person, groups: fc.subarray([0, 1]) }),
  fc.record({ k: fc.constant('move' as const), user: person, unit: fc.nat(2) }),
  fc.record({ k: fc.constant('level' as const), user: person, level: fc.constantFrom(...levels) }),
  fc.record({
    k: fc.constant('position' as const),
    user: person,
    position: fc.constantFrom(...positions),
  }),
  fc.record({
    k: fc.constant('manager' as const),
    user: person,
    manager: fc.option(person, { nil: null }),
  }),
  fc.record({
    k: fc.constant('member' as const),
    project: fc.nat(1),
    user: person,
    member: fc.boolean(),
  }),
  fc.record({ k: fc.constant('deleteProject' as const), project: fc.nat(1) }),
)
const stepArb = fc.record({ actor: fc.oneof(fc.constant(0), person), op: opArb })
type Value<A> = A extends fc.Arbitrary<infer T> ? T : never

interface World {
  companyId: string
  adminId: string
  units: string[]
  projects: string[]
  roles: string[]
  groups: string[]
  people: string[]
}

let companies = 0
const passwordHash = 'scrypt$not-used-for-login'

async function build(setup: Value<typeof setupArb>): Promise<World> {
  companies += 1
  const up = await signup(
    { db, now, meta, policies },
    {
      companyName: `Property ${companies}`,
      name: 'Admin',
      email: `admin${companies}@p.test`,
      password: strongPassword,
    },
  )
  const companyId = up.company.id
  const asAdmin: Ctx = {
    db,
    now,
    meta,
    policies,
    actor: { userId: up.user.id, companyId, sessionId: up.sessionId, roleIds: [] },
  }
  const root = await createOrgUnit(asAdmin, { parentId: null, kind: 'department', name: 'Root' })
  const t1 = await createOrgUnit(asAdmin, { parentId: root.id, kind: 'team', name: 'T1' })
  const t2 = await createOrgUnit(asAdmin, { parentId: root.id, kind: 'team', name: 'T2' })
  const units = [root.id, t1.id, t2.id]
  const projects = [
    (await createProject(asAdmin, { name: 'P1' })).id,
    (await createProject(asAdmin, { name: 'P2' })).id,
  ]
  const roles: string[] = []
  for (const [i, grants] of setup.roles.entries()) {
    const role = await createRole(asAdmin, { name: `R${i}`, grants: grants.map((g) => pool[g]!) })
    roles.push(role.id)
  }
  const stewardRole = (await createRole(asAdmin, { name: 'Steward', grants: steward })).id
  const groups: string[] = []
  for (const [i, grants] of setup.groups.entries()) {
    const group = await createGroup(asAdmin, { name: `G${i}`, grants: grants.map((g) => data[g]!) })
    groups.push(group.id)
  }
  const people = await withCompany(db, companyId, async (trx) => {
    const ids: string[] = []
    for (const [i, p] of setup.people.entries()) {
      const user = await addUser(
        trx,
        companyId,
        {
          email: `p${i}@c${companies}.test`,
          name: `P${i}`,
          passwordHash,
          level: p.level,
          orgUnitId: units[p.unit] ?? null,
        },
        now,
      )
      ids.push(user.id)
      if (i === 0) await assignRoleUnchecked(trx, companyId, user.id, stewardRole, now)
      for (const r of p.roles) await assignRoleUnchecked(trx, companyId, user.id, roles[r]!, now)
      for (const g of p.groups) await addToGroupUnchecked(trx, companyId, user.id, groups[g]!, now)
      for (const x of p.projects)
        await addProjectMemberUnchecked(trx, companyId, projects[x]!, user.id, now)
    }
    return ids
  })
  return { companyId, adminId: up.user.id, units, projects, roles, groups, people }
}

/** Fixed records in every unit, project and (for user records) under every manager. */
function universe(w: World): { action: Action; resource?: Resource }[] {
  const out: { action: Action; resource?: Resource }[] = []
  for (const unit of w.units) {
    for (const projectId of [null, ...w.projects]) {
      const resource: Resource = {
        type: 'customer',
        id: `c:${unit}:${projectId}`,
        attrs: { id: `c:${unit}:${projectId}`, orgUnitId: unit, projectId, ownerId: null },
      }
      for (const action of ['customer.view', 'customer.export'] as const)
        out.push({ action, resource })
    }
    for (const managerId of [null, ...w.people]) {
      const id = `u:${unit}:${managerId}`
      const resource: Resource = {
        type: 'user',
        id,
        attrs: {
          id,
          orgUnitId: unit,
          managerId,
          status: 'active',
          level: 'novice',
          position: null,
        },
      }
      for (const action of ['user.view', 'user.edit', 'user.assignRole'] as const)
        out.push({ action, resource })
    }
  }
  for (const project of w.projects) {
    const resource: Resource = { type: 'project', id: project, attrs: { id: project } }
    for (const action of ['project.manageMembers', 'project.delete'] as const)
      out.push({ action, resource })
  }
  for (const action of [
    'role.edit',
    'role.assign',
    'permissionGroup.edit',
    'permissionGroup.assign',
  ] as const)
    out.push({ action })
  return out
}

/** Who may do what, read fresh from the database as the engine sees it. */
async function powers(w: World): Promise<Map<string, boolean[]>> {
  const cases = universe(w)
  return withCompany(db, w.companyId, async (trx) => {
    const engine = compilePolicy(await loadPolicy(trx, w.companyId))
    const out = new Map<string, boolean[]>()
    for (const id of [...w.people, w.adminId]) {
      const subject = await loadSubject(trx, w.companyId, id, now)
      if (subject === undefined) throw new Error('no subject')
      const me = bindSubject(engine, subject)
      out.set(
        id,
        cases.map((c) => decide(me, c.action, c.resource, { now: now.getTime() }).allowed),
      )
    }
    return out
  })
}

type Step = Value<typeof stepArb>

async function perform(w: World, step: Step): Promise<void> {
  const actor = w.people[step.actor]!
  const ctx: Ctx = {
    db,
    now,
    meta,
    policies,
    actor: { userId: actor, companyId: w.companyId, sessionId: `property:${actor}`, roleIds: [] },
  }
  const op = step.op
  const userOf = (i: number) => (i === PEOPLE ? w.adminId : w.people[i]!)
  switch (op.k) {
    case 'roleGrants':
      await updateRole(ctx, w.roles[op.role]!, { grants: op.grants.map((g) => pool[g]!) })
      return
    case 'roleRestrictions':
      await updateRole(ctx, w.roles[op.role]!, {
        restrictions: op.restrictions.map((r) => restrictionPool[r]!) as never,
      })
      return
    case 'groupGrants':
      await updateGroup(ctx, w.groups[op.group]!, { grants: op.grants.map((g) => data[g]!) })
      return
    case 'userRoles':
      // for the Admin, this takes the Admin role away: never delegable by a non-admin
      await setUserRoles(
        ctx,
        userOf(op.user),
        op.roles.map((r) => w.roles[r]!),
      )
      return
    case 'userGroups':
      await setUserGroups(
        ctx,
        userOf(op.user),
        op.groups.map((g) => w.groups[g]!),
      )
      return
    case 'move':
      await updateUserAccount(ctx, userOf(op.user), { orgUnitId: w.units[op.unit]! })
      return
    case 'level':
      await updateUserAccount(ctx, userOf(op.user), { level: op.level })
      return
    case 'position':
      await updateUserAccount(ctx, userOf(op.user), { position: op.position })
      return
    case 'manager':
      await updateUserAccount(ctx, userOf(op.user), {
        managerId: op.manager === null ? null : userOf(op.manager),
      })
      return
    case 'member':
      await setProjectMember(ctx, w.projects[op.project]!, userOf(op.user), op.member)
      return
    case 'deleteProject':
      await deleteProject(ctx, w.projects[op.project]!)
      return
  }
}

const refused = (error: unknown) =>
  error instanceof AppError || (error as { hint?: string }).hint === 'last_admin'

describe('delegation over random sequences of non-admin edits (issue 7)', () => {
  it('every gain and every loss of a step is something its actor could do', async () => {
    let changed = 0
    let applied = 0
    await fc.assert(
      fc.asyncProperty(
        setupArb,
        fc.array(stepArb, { minLength: 1, maxLength: 8 }),
        async (setup, steps) => {
          const w = await build(setup)
          const cases = universe(w)
          let before = await powers(w)
          for (const step of steps) {
            try {
              await perform(w, step)
            } catch (error) {
              if (!refused(error)) throw error
              continue
            }
            applied += 1
            const after = await powers(w)
            const actorId = w.people[step.actor]!
            const could = before.get(actorId)!
            for (const [who, is] of after) {
              const was = before.get(who)!
              is.forEach((allowed, i) => {
                if (allowed === was[i]) return
                changed += 1
                if (!could[i]) {
                  const c = cases[i]!
                  throw new Error(
                    `${JSON.stringify(step)}: ${who === actorId ? 'the actor' : `person ${[...w.people, w.adminId].indexOf(who)}`} ${allowed ? 'gained' : 'lost'} ${c.action} on ${c.resource?.id ?? '(type)'}, which the actor could not do`,
                  )
                }
              })
            }
            before = after
          }
        },
      ),
      { numRuns: 15 },
    )
    console.log(`property: ${applied} steps applied, ${changed} decisions changed`)
    // not vacuous: steps went through and moved people's reach
    expect(applied).toBeGreaterThanOrEqual(10)
    expect(changed).toBeGreaterThanOrEqual(10)
  }, 300_000)
})
