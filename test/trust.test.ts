import { describe, expect, it } from 'vitest'
import { withCompany } from '../src/db/index.js'
import { bumpPolicyVersion } from '../src/domain/access/index.js'
import { assignRoleUnchecked, storeRole } from '../src/domain/roles/index.js'
import { bearer, createTestApp, logIn, problem, signUp, strongPassword } from './test-app.js'

// Issue 9, defects 2–5 and 7: the sections view and its changes agree with decisions and never
// widen data scope; a stored restriction cannot make the decision API fail; a position brings
// its default roles at creation; /me tells which actions carry a real condition.

const { app, db } = await createTestApp()
const a = await signUp(app, { companyName: 'Trust A' })
const b = await signUp(app, { companyName: 'Trust B' })

const get = (token: string, url: string) =>
  app.inject({ method: 'GET', url, headers: bearer(token) })
const send = (
  token: string,
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
) =>
  app.inject({
    method,
    url,
    headers: bearer(token),
    ...(payload === undefined ? {} : { payload: payload as object }),
  })

type RoleJson = { id: string; name: string; kind: string; grants: { scope: unknown }[] }
const roles = (await get(a.token, '/api/v1/roles')).json().items as RoleJson[]
const role = (name: string) => {
  const r = roles.find((x) => x.name === name)
  if (r === undefined) throw new Error(`no role ${name}`)
  return r
}

async function unit(name: string): Promise<string> {
  const res = await send(a.token, 'POST', '/api/v1/org-units', { kind: 'team', name })
  expect(res.statusCode).toBe(201)
  return res.json().id as string
}
const teamA = await unit('Team A')
const teamB = await unit('Team B')
const projectRes = await send(a.token, 'POST', '/api/v1/projects', { name: 'Hotline' })
expect(projectRes.statusCode).toBe(201)
const projectId = projectRes.json().id as string

let seq = 0
/** A person created by the company's Admin through the API; returns their id and a token. */
async function person(body: Record<string, unknown>) {
  seq += 1
  const email = `p${seq}@trust.example`
  const res = await send(a.token, 'POST', '/api/v1/users', {
    email,
    name: `Person ${seq}`,
    password: strongPassword,
    ...body,
  })
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`)
  return { id: res.json().id as string, email }
}

/** Logs a person in (each from its own address: the login rate limit is per address). */
async function tokenOf(p: { email: string }): Promise<string> {
  seq += 1
  const login = await logIn(app, { company: a.slug, email: p.email }, `10.9.0.${seq}`)
  if (login.statusCode !== 200) throw new Error(`${login.statusCode} ${login.body}`)
  return login.json().token as string
}

/** A custom role written through the roles API (as the Admin). */
async function customRole(name: string, grants: unknown[], restrictions?: unknown[]) {
  const res = await send(a.token, 'POST', '/api/v1/roles', {
    name,
    grants,
    ...(restrictions ? { restrictions } : {}),
  })
  if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`)
  return res.json() as RoleJson
}

const catalog = (await get(a.token, '/api/v1/permissions')).json() as {
  resources: { type: string; module: string; actions: { action: string }[] }[]
}
const sectionNames = [...new Set(catalog.resources.map((r) => r.module))]
const actionsOf = (section: string) =>
  catalog.resources
    .filter((r) => r.module === section)
    .flatMap((r) => r.actions.map((x) => x.action))

/** Type-level decisions (P1: "may they open it at all?") about a user, from the decision API. */
async function typeLevel(userId: string, actions: string[]): Promise<Record<string, boolean>> {
  const res = await send(a.token, 'POST', '/api/v1/authz/check', {
    checks: actions.map((action) => ({ subject: { userId }, action })),
  })
  expect(res.statusCode).toBe(200)
  const results = res.json().results as { allowed: boolean }[]
  return Object.fromEntries(actions.map((x, i) => [x, results[i]?.allowed === true]))
}

const sectionView = async (section: string) => {
  const res = await get(a.token, `/api/v1/sections/${section}/roles`)
  expect(res.statusCode).toBe(200)
  return res.json().roles as { id: string; name: string; enters: boolean }[]
}

describe('sections view agrees with decisions (issue 9, defect 3)', () => {
  it('for every preset and built-in role and every section, "enters" is what the engine decides', async () => {
    const all = catalog.resources.flatMap((r) => r.actions.map((x) => x.action))
    const holders = new Map<string, Record<string, boolean>>()
    for (const r of roles) {
      // a holder of this role alone, in a team and a project: what the role gives such a person
      const p = await person({ orgUnitId: teamA, roleIds: [r.id] })
      expect(
        (await send(a.token, 'PUT', `/api/v1/projects/${projectId}/members/${p.id}`)).statusCode,
      ).toBe(204)
      holders.set(r.id, await typeLevel(p.id, all))
    }
    let entered = 0
    let kept = 0
    for (const section of sectionNames) {
      for (const v of await sectionView(section)) {
        const decisions = holders.get(v.id)
        if (decisions === undefined) continue
        const decided = actionsOf(section).some((x) => decisions[x])
        expect({ section, role: v.name, enters: v.enters }).toEqual({
          section,
          role: v.name,
          enters: decided,
        })
        if (decided) entered++
        else kept++
      }
    }
    // not vacuous: both answers occur
    expect(entered).toBeGreaterThan(20)
    expect(kept).toBeGreaterThan(20)
    // the two instances of the report
    expect(
      (await sectionView('customers')).find((r) => r.name === 'After-sales agent')?.enters,
    ).toBe(true)
    expect((await sectionView('reports')).find((r) => r.name === 'Team lead')?.enters).toBe(true)
  }, 300_000) // one person per role, created through the API (password hashing)

  it('a role whose only grant is team-scoped customer view may enter Customers', async () => {
    const r = await customRole('Team customer viewer', [
      { actions: ['customer.view'], scope: 'team' },
    ])
    expect((await sectionView('customers')).find((x) => x.id === r.id)?.enters).toBe(true)
    expect((await sectionView('tickets')).find((x) => x.id === r.id)?.enters).toBe(false)
  })

  it('another company cannot read or change this company’s sections', async () => {
    const res = await get(b.token, '/api/v1/sections/customers/roles')
    expect(res.statusCode).toBe(200)
    const ids = (res.json().roles as { id: string }[]).map((r) => r.id)
    expect(ids).not.toContain(role('Team lead').id)
    problem(
      await send(b.token, 'PUT', '/api/v1/sections/customers/roles', {
        roleIds: [role('Team lead').id],
      }),
      404,
      'not_found',
    )
  })
})

describe('letting a role into a section never widens its data scope (issue 9, defect 2)', () => {
  const report = (orgUnitId: string) => ({
    type: 'report',
    id: `r-${orgUnitId}`,
    attrs: { orgUnitId },
  })

  it('a team-scoped role let into Reports sees its own team’s reports, not other teams’', async () => {
    const r = await customRole('Team ticket desk', [{ actions: ['ticket.view'], scope: 'team' }])
    const holder = await person({ orgUnitId: teamA, roleIds: [r.id] })
    const before = await sectionView('reports')
    expect(before.find((x) => x.id === r.id)?.enters).toBe(false)
    const wanted = [...before.filter((x) => x.enters).map((x) => x.id), r.id]
    const res = await send(a.token, 'PUT', '/api/v1/sections/reports/roles', { roleIds: wanted })
    expect(res.statusCode).toBe(200)
    expect(
      (res.json().roles as { id: string; enters: boolean }[]).find((x) => x.id === r.id),
    ).toMatchObject({
      enters: true,
    })
    const after = (await get(a.token, `/api/v1/roles/${r.id}`)).json() as RoleJson
    // nothing company-wide was added
    expect(after.grants.map((g) => g.scope)).not.toContain('company')
    const decide = async (resource: unknown) =>
      (
        await send(a.token, 'POST', '/api/v1/authz/check', {
          subject: { userId: holder.id },
          action: 'report.view',
          resource,
        })
      ).json() as { allowed: boolean; reason: string }
    expect(await decide(report(teamA))).toMatchObject({ allowed: true })
    expect(await decide(report(teamB))).toMatchObject({ allowed: false, reason: 'out_of_scope' })
  })

  it('an own-scoped role gets only its own records of the section; a section of settings is refused', async () => {
    const r = await customRole('Own caller', [{ actions: ['call.view'], scope: 'own' }])
    const holder = await person({ orgUnitId: teamA, roleIds: [r.id] })
    const before = await sectionView('reports')
    const wanted = [...before.filter((x) => x.enters).map((x) => x.id), r.id]
    expect(
      (await send(a.token, 'PUT', '/api/v1/sections/reports/roles', { roleIds: wanted }))
        .statusCode,
    ).toBe(200)
    const d = await typeLevel(holder.id, ['report.view', 'export.view'])
    // team reports would be wider than what it sees (its own calls): only its own export jobs
    expect(d).toEqual({ 'report.view': false, 'export.view': true })
    const exportJob = (ownerId: string) => ({ type: 'export', id: 'e1', attrs: { ownerId } })
    const mine = await send(a.token, 'POST', '/api/v1/authz/check', {
      subject: { userId: holder.id },
      action: 'export.view',
      resource: exportJob(holder.id),
    })
    expect(mine.json().allowed).toBe(true)
    const others = await send(a.token, 'POST', '/api/v1/authz/check', {
      subject: { userId: holder.id },
      action: 'export.view',
      resource: exportJob(a.userId),
    })
    expect(others.json()).toMatchObject({ allowed: false, reason: 'out_of_scope' })

    // settings hold no records a scope can narrow: refused with the role's path, nothing written
    const settings = await sectionView('settings')
    const body = problem(
      await send(a.token, 'PUT', '/api/v1/sections/settings/roles', {
        roleIds: [...settings.filter((x) => x.enters).map((x) => x.id), r.id],
      }),
      409,
      'conflict',
    )
    expect(body.errors).toEqual([
      expect.objectContaining({ path: `body/roleIds/${settings.filter((x) => x.enters).length}` }),
    ])
    const grants = ((await get(a.token, `/api/v1/roles/${r.id}`)).json() as RoleJson).grants
    expect(grants.map((g) => g.scope)).toEqual(['own', 'own'])
  })

  it('a role that sees no records is not let in (it would see more than before)', async () => {
    const r = await customRole('Workspace only', [{ actions: ['workspace.use'], scope: 'company' }])
    const before = await sectionView('tickets')
    problem(
      await send(a.token, 'PUT', '/api/v1/sections/tickets/roles', {
        roleIds: [...before.filter((x) => x.enters).map((x) => x.id), r.id],
      }),
      409,
      'conflict',
    )
  })
})

describe('stored restrictions cannot make the decision API fail (issue 9, defect 4)', () => {
  it('a restriction written without an id is refused at write with its path', async () => {
    const body = problem(
      await send(a.token, 'POST', '/api/v1/roles', {
        name: 'No id',
        grants: [{ actions: ['ticket.view'], scope: 'company' }],
        restrictions: [{ actions: ['ticket.view'] }],
      }),
      400,
      'validation_failed',
    )
    expect(body.errors).toEqual([expect.objectContaining({ path: 'body/restrictions/0/id' })])
  })

  it('a role stored with an id-less restriction still answers check, explain and GET /roles', async () => {
    // as a role written before ids were required (or by another writer) sits in the database
    const holder = await person({ orgUnitId: teamA })
    const roleId = await withCompany(db, a.companyId, async (trx) => {
      const r = await storeRole(
        trx,
        a.companyId,
        {
          name: 'Legacy desk',
          kind: 'custom',
          definition: {
            grants: [{ actions: ['ticket.view', 'ticket.edit'], scope: 'company' }],
            restrictions: [{ actions: ['ticket.edit'], label: 'no edits' }],
          },
        },
        new Date(),
      )
      await assignRoleUnchecked(trx, a.companyId, holder.id, r.id, new Date())
      await bumpPolicyVersion(trx, a.companyId)
      return r.id
    })
    const question = {
      subject: { userId: holder.id },
      action: 'ticket.edit',
      resource: { type: 'ticket', id: 't1', attrs: { status: 'open' } },
    }
    const check = await send(a.token, 'POST', '/api/v1/authz/check', question)
    expect(check.statusCode).toBe(200)
    expect(check.json()).toMatchObject({
      allowed: false,
      reason: 'restricted',
      matched: [{ kind: 'restriction', id: 'restriction-1', label: 'no edits' }],
    })
    const explain = await send(a.token, 'POST', '/api/v1/authz/explain', question)
    expect(explain.statusCode).toBe(200)
    expect(explain.json().trace).toContainEqual(
      expect.objectContaining({ rule: expect.objectContaining({ id: 'restriction-1' }) }),
    )
    const shown = await get(a.token, `/api/v1/roles/${roleId}`)
    expect(shown.statusCode).toBe(200)
    expect(shown.json().restrictions[0].id).toBe('restriction-1')
    // the holder's own view works too
    expect((await get(await tokenOf(holder), '/api/v1/me')).statusCode).toBe(200)
  })

  it('an org unit a role is scoped to cannot be deleted (the policy would stop compiling)', async () => {
    const branch = await unit('Short-lived branch')
    await customRole('Branch watcher', [{ actions: ['ticket.view'], scope: { subtree: branch } }])
    problem(await send(a.token, 'DELETE', `/api/v1/org-units/${branch}`), 409, 'conflict')
    // decisions still answer for the company
    const res = await send(a.token, 'POST', '/api/v1/authz/check', { action: 'ticket.view' })
    expect(res.statusCode).toBe(200)
    expect(res.json().allowed).toBe(true)
    // a unit nothing refers to is deleted as before
    const spare = await unit('Spare')
    expect((await send(a.token, 'DELETE', `/api/v1/org-units/${spare}`)).statusCode).toBe(204)
  })
})

describe('a position gives its default roles at creation (issue 9, defect 5)', () => {
  it('creating a user with a position gives them its defaults (R8)', async () => {
    const p = await person({ orgUnitId: teamA, position: 'team-lead' })
    expect((await get(a.token, `/api/v1/users/${p.id}/roles`)).json().roleIds).toEqual([
      role('Team lead').id,
    ])
    // given together with roles asked for, once each
    const q = await person({
      orgUnitId: teamA,
      position: 'senior-agent',
      roleIds: [role('Senior agent').id, role('Trainer').id],
    })
    expect(
      ((await get(a.token, `/api/v1/users/${q.id}/roles`)).json().roleIds as string[]).sort(),
    ).toEqual([role('Senior agent').id, role('Trainer').id].sort())
    // a position without defaults gives nothing; one the company does not have is not found
    expect(
      (await send(a.token, 'POST', '/api/v1/positions', { name: 'night watch' })).statusCode,
    ).toBe(201)
    const r = await person({ orgUnitId: teamA, position: 'night watch' })
    expect((await get(a.token, `/api/v1/users/${r.id}/roles`)).json().roleIds).toEqual([])
  })

  it('a creator who could not grant the defaults is refused with the position path; nothing is written', async () => {
    // a hirer for team A: may create users there and assign roles
    const hirer = await customRole('Novice hirer', [
      { actions: ['user.create', 'user.view', 'user.assignRole', 'orgUnit.view'], scope: 'team' },
      { actions: ['role.assign', 'role.view'], scope: 'company' },
      // a novice's access, company-wide: enough to give the novice role to anyone, not the lead's
      ...role('Novice agent').grants.map((g) => ({ ...g, scope: 'company' })),
    ])
    const h = await person({ orgUnitId: teamA, roleIds: [hirer.id] })
    const hToken = await tokenOf(h)
    const body = problem(
      await send(hToken, 'POST', '/api/v1/users', {
        email: 'would-be-lead@trust.example',
        name: 'Would-be lead',
        password: strongPassword,
        orgUnitId: teamA,
        position: 'team-lead',
      }),
      403,
      'forbidden',
    )
    expect(body.errors?.length).toBeGreaterThan(0)
    for (const e of body.errors as { path: string; message: string }[]) {
      expect(e.path).toBe('body/position/defaults/0')
      expect(e.message).toMatch(/^role Team lead: /)
    }
    // nothing was written: the address is still free
    const again = await send(a.token, 'POST', '/api/v1/users', {
      email: 'would-be-lead@trust.example',
      name: 'Would-be lead',
      password: strongPassword,
      orgUnitId: teamA,
    })
    expect(again.statusCode).toBe(201)
    // the defaults it may grant are given
    const ok = await send(hToken, 'POST', '/api/v1/users', {
      email: 'novice@trust.example',
      name: 'New novice',
      password: strongPassword,
      orgUnitId: teamA,
      position: 'novice-agent',
    })
    expect(ok.statusCode, ok.body).toBe(201)
    expect((await get(a.token, `/api/v1/users/${ok.json().id}/roles`)).json().roleIds).toEqual([
      role('Novice agent').id,
    ])
  })

  it('a creator without role.assign is refused when the position has defaults', async () => {
    const hirer = await customRole('Plain hirer', [
      { actions: ['user.create', 'user.view'], scope: 'company' },
    ])
    const h = await person({ orgUnitId: teamA, roleIds: [hirer.id] })
    const hToken = await tokenOf(h)
    const body = problem(
      await send(hToken, 'POST', '/api/v1/users', {
        email: 'plain@trust.example',
        name: 'Plain',
        password: strongPassword,
        position: 'novice-agent',
      }),
      403,
      'forbidden',
    )
    expect(body.errors).toEqual([expect.objectContaining({ path: 'body/position/defaults' })])
    // without a position it may still create people
    const res = await send(hToken, 'POST', '/api/v1/users', {
      email: 'plain2@trust.example',
      name: 'Plain two',
      password: strongPassword,
    })
    expect(res.statusCode).toBe(201)
  })
})

describe('/me reports which actions carry a real condition (issue 9, defect 7)', () => {
  it('scope alone is not a condition; a when, a restriction or a validity window is', async () => {
    const novice = await person({ orgUnitId: teamA, position: 'novice-agent' })
    const me = (await get(await tokenOf(novice), '/api/v1/me')).json() as {
      permissions: { action: string; scopes: unknown[]; conditional: boolean }[]
    }
    const of = (action: string) => me.permissions.find((p) => p.action === action)
    expect(of('call.view')).toEqual({ action: 'call.view', scopes: ['own'], conditional: false })
    expect(of('workspace.use')?.conditional).toBe(false)
    // closed tickets are read-only: a real condition
    expect(of('ticket.edit')?.conditional).toBe(true)
    expect(of('ticket.reply')?.conditional).toBe(true)

    const restricted = await customRole(
      'Restricted desk',
      [{ actions: ['customer.view', 'ticket.view'], scope: 'own' }],
      [
        {
          id: 'no-customers-at-night',
          actions: ['customer.view'],
          when: { timeOfDay: { from: '22:00', to: '06:00' } },
        },
      ],
    )
    const p = await person({ orgUnitId: teamA, roleIds: [restricted.id] })
    const mine = (await get(await tokenOf(p), '/api/v1/me')).json().permissions as {
      action: string
      conditional: boolean
    }[]
    expect(mine.find((x) => x.action === 'customer.view')?.conditional).toBe(true)
    expect(mine.find((x) => x.action === 'ticket.view')?.conditional).toBe(false)
  })
})
