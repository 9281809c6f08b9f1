import { describe, expect, it } from 'vitest'
import { resolveSession } from '../src/domain/accounts/index.js'
import type { Ctx } from '../src/domain/context.js'
import {
  createOrgUnit,
  listOrgUnits,
  orgUnitSubtree,
  updateOrgUnit,
} from '../src/domain/org-units/index.js'
import { PolicyCache } from '../src/domain/access/index.js'
import { createProject, setProjectMember } from '../src/domain/projects/index.js'
import { getUser, updateUser } from '../src/domain/users/index.js'
import { addUser, auditActions, createTestApp, logIn, signUp } from './test-app.js'

const { app, db, clock } = await createTestApp()
const policies = new PolicyCache()

async function ctxFor(token: string): Promise<Ctx> {
  const meta = { ip: '127.0.0.1', userAgent: null, requestId: null }
  const actor = await resolveSession({ db, now: clock.now(), meta, policies }, token)
  if (actor === null) throw new Error('no session')
  return { db, actor, now: clock.now(), meta, policies }
}

const a = await signUp(app, { companyName: 'Org A' })
const b = await signUp(app, { companyName: 'Org B' })
const ctxA = await ctxFor(a.token)
const ctxB = await ctxFor(b.token)

describe('org units (P3)', async () => {
  const region = await createOrgUnit(ctxA, { parentId: null, kind: 'region', name: 'North' })
  const branch = await createOrgUnit(ctxA, { parentId: region.id, kind: 'branch', name: 'Oslo' })
  const team = await createOrgUnit(ctxA, { parentId: branch.id, kind: 'team', name: 'Night shift' })
  const other = await createOrgUnit(ctxA, { parentId: null, kind: 'region', name: 'South' })
  const bUnit = await createOrgUnit(ctxB, { parentId: null, kind: 'region', name: 'B region' })

  it('returns a subtree root first, descendants after, nothing outside it', async () => {
    const ids = async (id: string) => (await orgUnitSubtree(ctxA, id)).map((u) => u.id)
    expect(await ids(region.id)).toEqual([region.id, branch.id, team.id])
    expect(await ids(team.id)).toEqual([team.id])
  })

  it('audits creation and lists only my company units', async () => {
    expect((await listOrgUnits(ctxA)).items.map((u) => u.name).sort()).toEqual([
      'Night shift',
      'North',
      'Oslo',
      'South',
    ])
    expect((await auditActions(db, a.companyId)).map((e) => e.action)).toContain('org_unit.created')
  })

  it('refuses to move a unit under its own descendant', async () => {
    await expect(updateOrgUnit(ctxA, region.id, { parentId: team.id })).rejects.toMatchObject({
      code: 'conflict',
    })
    const moved = await updateOrgUnit(ctxA, branch.id, { parentId: other.id })
    expect(moved.parentId).toBe(other.id)
    expect((await orgUnitSubtree(ctxA, other.id)).map((u) => u.id)).toEqual([
      other.id,
      branch.id,
      team.id,
    ])
  })

  it("treats company B's unit as missing everywhere", async () => {
    await expect(orgUnitSubtree(ctxA, bUnit.id)).rejects.toMatchObject({ code: 'not_found' })
    await expect(
      createOrgUnit(ctxA, { parentId: bUnit.id, kind: 'team', name: 'x' }),
    ).rejects.toMatchObject({ code: 'not_found' })
    await expect(updateOrgUnit(ctxA, region.id, { parentId: bUnit.id })).rejects.toMatchObject({
      code: 'not_found',
    })
    await expect(updateUser(ctxA, a.userId, { orgUnitId: bUnit.id })).rejects.toMatchObject({
      code: 'not_found',
    })
    expect((await getUser(ctxA, a.userId)).orgUnitId).toBeNull()
  })

  it('places a user in a unit with a manager, audited before → after', async () => {
    const agent = await addUser(db, a.companyId, { email: 'agent@a.test' })
    const updated = await updateUser(ctxA, agent, {
      orgUnitId: team.id,
      managerId: a.userId,
      level: 'senior',
    })
    expect(updated).toMatchObject({ orgUnitId: team.id, managerId: a.userId, level: 'senior' })
    const last = (await auditActions(db, a.companyId)).at(-1)
    expect(last).toMatchObject({ action: 'user.updated', target_id: agent })
    expect(last?.after).toMatchObject({ level: 'senior' })
  })

  it("cannot read, update or manage with company B's user", async () => {
    await expect(getUser(ctxA, b.userId)).rejects.toMatchObject({ code: 'not_found' })
    await expect(updateUser(ctxA, b.userId, { name: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    })
    await expect(updateUser(ctxA, a.userId, { managerId: b.userId })).rejects.toMatchObject({
      code: 'not_found',
    })
  })
})

describe('projects (P10)', () => {
  it('adds and removes members, audited; never a user of another company', async () => {
    const project = await createProject(ctxA, { name: 'Complaints' })
    expect(await setProjectMember(ctxA, project.id, a.userId, true)).toEqual([a.userId])
    await expect(setProjectMember(ctxA, project.id, b.userId, true)).rejects.toMatchObject({
      code: 'not_found',
    })
    await expect(setProjectMember(ctxB, project.id, b.userId, true)).rejects.toMatchObject({
      code: 'not_found',
    })
    expect(await setProjectMember(ctxA, project.id, a.userId, false)).toEqual([])
    await expect(createProject(ctxA, { name: 'Complaints' })).rejects.toMatchObject({
      code: 'conflict',
    })
  })

  it('refuses a user without the Admin role', async () => {
    await addUser(db, a.companyId, { email: 'op@a.test', role: 'Operator' })
    const token = (await logIn(app, { company: a.slug, email: 'op@a.test' })).json().token
    await expect(createProject(await ctxFor(token), { name: 'Sales' })).rejects.toMatchObject({
      code: 'forbidden',
    })
  })
})
