import { readFileSync } from 'node:fs'
import { parse, stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { withCompany } from '../src/db/index.js'
import { bumpPolicyVersion } from '../src/domain/access/index.js'
import { assignRoleUnchecked, storeRole } from '../src/domain/roles/index.js'
import { policyJsonSchema } from '../src/http/policy-schemas.js'
import {
  addUser,
  auditActions,
  bearer,
  createTestApp,
  logIn,
  problem,
  signUp,
  type SignedUp,
} from './test-app.js'

// Policy as code (docs/policy-as-code.md): export, diff, import of custom roles and groups.

const { app, db } = await createTestApp()
const a = await signUp(app, { companyName: 'Policy A' })
const b = await signUp(app, { companyName: 'Policy B' })
const c = await signUp(app, { companyName: 'Policy C' })

const yamlHeaders = (token: string) => ({ ...bearer(token), 'content-type': 'application/yaml' })
const exportOf = async (co: SignedUp, token = co.token) => {
  const res = await app.inject({ method: 'GET', url: '/api/v1/policy', headers: bearer(token) })
  expect(res.statusCode, res.body).toBe(200)
  expect(res.headers['content-type']).toMatch(/^application\/yaml/)
  return res.body
}
const post = (token: string, url: string, payload: string) =>
  app.inject({ method: 'POST', url, headers: yamlHeaders(token), payload })

async function tokenOf(co: SignedUp, email: string) {
  const res = await logIn(app, { company: co.slug, email })
  if (res.statusCode !== 200) throw new Error(res.body)
  return res.json().token as string
}

async function userWithRole(co: SignedUp, email: string, grants: unknown[]) {
  const userId = await addUser(db, co.companyId, { email })
  await withCompany(db, co.companyId, async (trx) => {
    const role = await storeRole(
      trx,
      co.companyId,
      { name: `role of ${email}`, kind: 'custom', definition: { grants } },
      new Date(),
    )
    await assignRoleUnchecked(trx, co.companyId, userId, role.id, new Date())
    await bumpPolicyVersion(trx, co.companyId)
  })
  return { userId, token: await tokenOf(co, email) }
}

const api = (token: string) => ({
  post: (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, headers: bearer(token), payload: payload as object }),
})

// Company A's setup, made through the ordinary API
const night = await api(a.token).post('/api/v1/roles', {
  name: 'Night shift',
  description: 'Agents at night',
  grants: [
    {
      scope: 'team',
      actions: ['customer.view', 'customer.edit'],
      when: { timeOfDay: { from: '22:00', to: '06:00' } },
    },
  ],
  restrictions: [{ id: 'no-export', actions: ['customer.export'] }],
})
expect(night.statusCode, night.body).toBe(201)
const auditor = await api(a.token).post('/api/v1/roles', {
  name: 'Auditor',
  grants: [{ actions: ['report.view'], scope: 'company' }],
})
expect(auditor.statusCode, auditor.body).toBe(201)
const desk = await api(a.token).post('/api/v1/permission-groups', {
  name: 'Dispute desk',
  grants: [{ actions: ['customer.view'], scope: 'team', fields: { phone: 'read' } }],
})
expect(desk.statusCode, desk.body).toBe(201)
// a holder of Night shift, whose permissions an edit of it changes
const holder = await addUser(db, a.companyId, { email: 'night@a.test' })
await withCompany(db, a.companyId, async (trx) => {
  await assignRoleUnchecked(trx, a.companyId, holder, night.json().id, new Date())
  await bumpPolicyVersion(trx, a.companyId)
})

describe('policy as code', () => {
  it('exports a stable YAML document that round-trips byte for byte', async () => {
    const first = await exportOf(a)
    const doc = parse(first)
    expect(doc.format).toBe('tessera.policy/v1')
    expect(doc.roles.map((r: { name: string }) => r.name)).toEqual(['Auditor', 'Night shift'])
    expect(doc.referencedRoles).toEqual(expect.arrayContaining(['Admin', 'Operator', 'Supervisor']))
    expect(doc.groups.map((g: { name: string }) => g.name)).toContain('Dispute desk')
    expect(first).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/) // no ids
    const same = await post(a.token, '/api/v1/policy/import', first)
    expect(same.statusCode, same.body).toBe(200)
    expect(same.json()).toMatchObject({ changes: [], applied: false })
    expect(await exportOf(a)).toBe(first)
    // the same document in another key order / list order gives the same bytes once imported
    const shuffled = stringify({
      groups: doc.groups,
      roles: [...doc.roles].reverse(),
      format: doc.format,
    })
    const again = await post(a.token, '/api/v1/policy/import', shuffled)
    expect(again.json().changes).toEqual([])
    expect(await exportOf(a)).toBe(first)
  })

  it('moves to another company: names the same, ids new; then round-trips there', async () => {
    const fromA = await exportOf(a)
    const before = await exportOf(c)
    const auditBefore = (await auditActions(db, b.companyId)).length
    const dry = await post(b.token, '/api/v1/policy/import?dryRun=true', fromA)
    expect(dry.statusCode, dry.body).toBe(200)
    expect(dry.json()).toMatchObject({ dryRun: true, applied: false })
    expect(dry.json().changes).toHaveLength(3)
    expect(await exportOf(b)).not.toBe(fromA) // dry run changed nothing
    expect((await auditActions(db, b.companyId)).length).toBe(auditBefore)
    const res = await post(b.token, '/api/v1/policy/import', fromA)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ dryRun: false, applied: true })
    expect(await exportOf(b)).toBe(fromA)
    const roles = await app.inject({
      method: 'GET',
      url: '/api/v1/roles',
      headers: bearer(b.token),
    })
    const nightB = roles.json().items.find((r: { name: string }) => r.name === 'Night shift')
    expect(nightB.id).not.toBe(night.json().id)
    expect(nightB.restrictions).toEqual([{ actions: ['customer.export'], id: 'no-export' }])
    // every change audited, before → after
    const actions = (await auditActions(db, b.companyId)).map((e) => e.action)
    expect(actions).toEqual(
      expect.arrayContaining(['role.created', 'permission_group.created', 'policy.imported']),
    )
    const imported = (await auditActions(db, b.companyId)).find(
      (e) => e.action === 'policy.imported',
    )
    expect(JSON.stringify(imported?.after)).toContain('Night shift')
    expect(await exportOf(c)).toBe(before) // another company untouched
  })

  it('diffs: roles and groups added, removed, changed, with the users affected', async () => {
    const doc = parse(await exportOf(a))
    doc.roles = doc.roles.filter((r: { name: string }) => r.name !== 'Auditor')
    doc.roles[0].grants[0].scope = 'own'
    doc.groups.push({ name: 'Quality', grants: [{ actions: ['ticket.view'], scope: 'team' }] })
    const before = await exportOf(a)
    const res = await post(a.token, '/api/v1/policy/diff', stringify(doc))
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().changes).toEqual([
      { type: 'role', name: 'Auditor', change: 'removed' },
      { type: 'role', name: 'Night shift', change: 'changed', fields: ['grants'] },
      { type: 'permissionGroup', name: 'Quality', change: 'added' },
    ])
    expect(res.json().impact).toMatchObject({ userIds: [holder], users: 1, more: 0 })
    expect(res.json().impact.people.map((p: { id: string }) => p.id)).toEqual([holder])
    // JSON bodies are documents too
    const json = await api(a.token).post('/api/v1/policy/diff', doc)
    expect(json.json().changes).toHaveLength(3)
    expect(await exportOf(a)).toBe(before)
  })

  it('refuses an invalid document with paths, and changes nothing', async () => {
    const before = await exportOf(a)
    const doc = parse(before)
    doc.roles[1].grants[0].when = { timeOfDay: { from: '25:00', to: '06:00' } }
    doc.groups[0].bogus = true // Dispute desk
    const res = await post(a.token, '/api/v1/policy/import', stringify(doc))
    const body = problem(res, 400, 'validation_failed')
    const paths = (body.errors as { path: string }[]).map((e) => e.path)
    expect(paths).toContain('body/groups/0/bogus')
    expect(paths.some((p) => p.startsWith('body/roles/1/grants/0/when'))).toBe(true)
    problem(
      await post(a.token, '/api/v1/policy/import', 'roles: [unclosed'),
      400,
      'validation_failed',
    )
    problem(
      await post(
        a.token,
        '/api/v1/policy/import',
        before.replace('name: Night shift', 'name: "Night\\0"'),
      ),
      400,
      'validation_failed',
    )
    const nul = parse(before)
    nul.roles[0].name = 'bad\u0000name'
    problem(await api(a.token).post('/api/v1/policy/import', nul), 400, 'validation_failed')
    const twice = parse(before)
    twice.roles.push(twice.roles[0])
    const dup = problem(
      await post(a.token, '/api/v1/policy/import', stringify(twice)),
      400,
      'validation_failed',
    )
    expect(dup.errors).toEqual([
      { path: 'body/roles/2/name', message: '"Auditor" is listed twice' },
    ])
    // the engine's own check (an unknown action), at the document's path
    const unknown = parse(before)
    unknown.roles[1].grants[0].actions = ['customer.fly']
    const engine = problem(
      await post(a.token, '/api/v1/policy/import', stringify(unknown)),
      400,
      'validation_failed',
    )
    expect((engine.errors as { path: string }[])[0]?.path).toMatch(/^body\/roles\/1\/grants\/0/)
    // built-ins are not imported
    const builtin = parse(before)
    builtin.roles.push({ name: 'Admin', grants: [] })
    problem(await post(a.token, '/api/v1/policy/import', stringify(builtin)), 409, 'conflict')
    expect(await exportOf(a)).toBe(before)
  })

  it('a non-admin importer may not grant what they do not hold: 403, nothing changed', async () => {
    const manager = await userWithRole(a, 'policy-manager@a.test', [
      {
        actions: ['role.*', 'permissionGroup.*', 'user.view', 'customer.view'],
        scope: 'company',
      },
    ])
    const before = await exportOf(a, manager.token)
    const doc = parse(before)
    doc.roles = doc.roles.filter(
      (r: { name: string }) => r.name !== 'role of policy-manager@a.test',
    )
    const mine = parse(before).roles.find(
      (r: { name: string }) => r.name === 'role of policy-manager@a.test',
    )
    doc.roles.push(mine, {
      name: 'Wider',
      grants: [{ actions: ['customer.delete'], scope: 'company' }],
    })
    doc.groups.push({ name: 'Viewers', grants: [{ actions: ['customer.view'], scope: 'company' }] })
    for (const url of ['/api/v1/policy/import', '/api/v1/policy/import?dryRun=true']) {
      const res = await post(manager.token, url, stringify(doc))
      const body = problem(res, 403, 'forbidden')
      expect(JSON.stringify(body.errors)).toContain('customer.delete')
    }
    expect(await exportOf(a)).toBe(before)
    // nor take away what they could not give: Night shift grants customer.edit
    const removing = parse(before)
    removing.roles = removing.roles.filter((r: { name: string }) => r.name !== 'Night shift')
    const refused = problem(
      await post(manager.token, '/api/v1/policy/import', stringify(removing)),
      403,
      'forbidden',
    )
    expect(JSON.stringify(refused.errors)).toContain('removing \\"Night shift\\"')
    expect(await exportOf(a)).toBe(before)
    // what they hold they may hand out
    doc.roles = doc.roles.filter((r: { name: string }) => r.name !== 'Wider')
    const ok = await post(manager.token, '/api/v1/policy/import', stringify(doc))
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().changes).toEqual([
      { type: 'permissionGroup', name: 'Viewers', change: 'added' },
    ])
    // an operator may not even export
    const agent = await userWithRole(a, 'policy-agent@a.test', [
      { actions: ['customer.view'], scope: 'team' },
    ])
    const denied = await app.inject({
      method: 'GET',
      url: '/api/v1/policy',
      headers: bearer(agent.token),
    })
    problem(denied, 403, 'forbidden')
    problem(await post(agent.token, '/api/v1/policy/diff', before), 403, 'forbidden')
  })

  it('carries positions (R8) with default roles and groups by name, byte-identical round trip', async () => {
    const first = parse(await exportOf(c))
    expect(first.positions).toContainEqual({
      name: 'team-lead',
      description: '',
      roles: ['Team lead'],
      groups: [],
    })
    const doc = {
      ...first,
      roles: [
        ...first.roles,
        { name: 'Night desk', grants: [{ actions: ['ticket.view'], scope: 'team' }] },
      ],
      positions: [
        ...first.positions,
        {
          name: 'Night agent',
          roles: ['Night desk', 'Novice agent'],
          groups: ['VIP service team'],
        },
      ],
    }
    const res = await post(c.token, '/api/v1/policy/import', stringify(doc))
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().changes).toEqual(
      expect.arrayContaining([{ type: 'position', name: 'Night agent', change: 'added' }]),
    )
    const exported = await exportOf(c)
    expect(parse(exported).positions).toContainEqual({
      name: 'Night agent',
      description: '',
      roles: ['Night desk', 'Novice agent'],
      groups: ['VIP service team'],
    })
    const again = await post(c.token, '/api/v1/policy/import', exported)
    expect(again.json()).toMatchObject({ changes: [], applied: false })
    expect(await exportOf(c)).toBe(exported)
    // a document without `positions` leaves them; an unknown role name is 400, nothing written
    const { positions: _p, ...without } = parse(exported)
    expect((await post(c.token, '/api/v1/policy/diff', stringify(without))).json().changes).toEqual(
      [],
    )
    const bad = {
      ...parse(exported),
      positions: [{ name: 'Ghost', roles: ['No such role'] }],
    }
    const refused = problem(
      await post(c.token, '/api/v1/policy/import', stringify(bad)),
      400,
      'validation_failed',
    )
    expect(refused.errors).toEqual([expect.objectContaining({ path: 'body/positions/0/roles/0' })])
    expect(await exportOf(c)).toBe(exported)
  })

  it('publishes the JSON Schema, the same as docs/policy-schema.json', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/policy/schema' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual(policyJsonSchema())
    const committed = JSON.parse(readFileSync('docs/policy-schema.json', 'utf8'))
    expect(committed).toEqual(policyJsonSchema())
    expect(Object.keys(committed.$defs)).toEqual(expect.arrayContaining(['Grant', 'Condition']))
  })
})
