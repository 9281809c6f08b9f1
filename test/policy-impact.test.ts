/**
 * Issue 11, policy as code (docs/policy-as-code.md): the `impact` of a diff or an import names
 * the people whose access changes (id, name, email as the caller may see it, at most 50 by name,
 * the rest counted), for a role change and for an org unit moved (the people whose subtree
 * scopes gain or lose it); another company's people are never in it.
 * PGlite by default, PostgreSQL when TESSERA_TEST_DATABASE_URL is set.
 */
import { parse, stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { withCompany } from '../src/db/index.js'
import { hashPassword } from '../src/domain/accounts/index.js'
import { addUser as addUserRecord, affectedPeopleShown } from '../src/domain/users/index.js'
import { addRole, caller, giveRole } from './fixtures.js'
import {
  createTestApp,
  logIn,
  policyYaml,
  postYaml,
  type SignedUp,
  signUp,
  strongPassword,
} from './test-app.js'

const { app, db } = await createTestApp()
const call = caller(app)
const a = await signUp(app, { companyName: 'Impact A' })
const b = await signUp(app, { companyName: 'Impact B' })
const asA = call(a.token)

const unit = async (co: SignedUp, kind: string, name: string, parentId: string | null) => {
  const res = await call(co.token)('POST', '/api/v1/org-units', { kind, name, parentId })
  expect(res.statusCode, res.body).toBe(201)
  return res.json().id as string
}
const north = await unit(a, 'region', 'North', null)
const beijing = await unit(a, 'branch', 'Beijing', north)
const teamOne = await unit(a, 'team', 'Team one', beijing)
const south = await unit(a, 'region', 'South', null)
const east = await unit(a, 'region', 'East', null)

const hash = await hashPassword(strongPassword)
/** People made straight in the database (no roles), each with a name and an email. */
const people = (co: SignedUp, list: { email: string; name: string; orgUnitId?: string }[]) =>
  withCompany(db, co.companyId, async (trx) => {
    const ids: string[] = []
    for (const p of list)
      ids.push(
        (
          await addUserRecord(
            trx,
            co.companyId,
            { ...p, passwordHash: hash },
            new Date('2026-11-23T09:00:00Z'),
          )
        ).id,
      )
    return ids
  })

// Desk: a custom role Ann and Bob hold; company B has a role of the same name, held by Bea
const desk = await addRole(db, a.companyId, 'Desk', {
  grants: [{ actions: ['customer.view'], scope: 'team' }],
})
const [ann, bob] = await people(a, [
  { email: 'ann@impact.test', name: 'Ann Desk', orgUnitId: teamOne },
  { email: 'bob@impact.test', name: 'Bob Desk', orgUnitId: teamOne },
])
for (const id of [ann!, bob!]) await giveRole(db, a.companyId, id, desk)
const deskB = await addRole(db, b.companyId, 'Desk', {
  grants: [{ actions: ['customer.view'], scope: 'team' }],
})
const [bea] = await people(b, [{ email: 'bea@impact.test', name: 'Bea Other' }])
await giveRole(db, b.companyId, bea!, deskB)

// Leads: people of their unit's subtree (relative `subtree`); a watcher of Beijing (by id)
const lead = await addRole(db, a.companyId, 'Region lead', {
  grants: [{ actions: ['user.view'], scope: 'subtree' }],
})
const watch = await addRole(db, a.companyId, 'Beijing watch', {
  grants: [{ actions: ['user.view'], scope: { subtree: beijing } }],
})
const [sam, nora, olga, wes] = await people(a, [
  { email: 'sam@impact.test', name: 'Sam South', orgUnitId: south },
  { email: 'nora@impact.test', name: 'Nora North', orgUnitId: north },
  { email: 'olga@impact.test', name: 'Olga East', orgUnitId: east },
  { email: 'wes@impact.test', name: 'Wes Watch' },
])
for (const id of [sam!, nora!, olga!]) await giveRole(db, a.companyId, id, lead)
await giveRole(db, a.companyId, wes!, watch)

// Rita reads the setup and the people of her team only, their emails masked
const reader = await addRole(db, a.companyId, 'Setup reader', {
  grants: [
    { actions: ['role.view', 'permissionGroup.view', 'orgUnit.view'], scope: 'company' },
    { actions: ['user.view'], scope: 'team', fields: { email: 'masked' } },
  ],
})
const [rita] = await people(a, [
  { email: 'rita@impact.test', name: 'Rita Reader', orgUnitId: teamOne },
])
await giveRole(db, a.companyId, rita!, reader)

const tokenOf = async (co: SignedUp, email: string) => {
  const res = await logIn(app, { company: co.slug, email })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().token as string
}
const exportOf = (token: string) => policyYaml(app, token)
const post = (token: string, url: string, payload: string) => postYaml(app, token, url, payload)

interface Doc {
  roles: { name: string; grants: { actions: string[]; scope: unknown }[] }[]
  orgUnits: { name: string; key: string; kind: string; units: Doc['orgUnits'] }[]
  [k: string]: unknown
}
/** The document with Desk's grants widened to the subtree. */
const deskChanged = (text: string) => {
  const doc = parse(text) as Doc
  doc.roles.find((r) => r.name === 'Desk')!.grants[0]!.scope = 'subtree'
  return stringify(doc)
}
/** The document with Team one moved from North / Beijing to South. */
const teamOneMoved = (text: string) => {
  const doc = parse(text) as Doc
  const bj = doc.orgUnits.find((u) => u.name === 'North')!.units[0]!
  const t1 = bj.units.find((u) => u.name === 'Team one')!
  bj.units = bj.units.filter((u) => u !== t1)
  doc.orgUnits.find((u) => u.name === 'South')!.units.push(t1)
  return stringify(doc)
}

describe('policy impact: the people a change affects, by name', () => {
  it('a role held by two people: both named with their emails; never another company’s', async () => {
    const text = deskChanged(await exportOf(a.token))
    const diff = await post(a.token, '/api/v1/policy/diff', text)
    expect(diff.statusCode, diff.body).toBe(200)
    expect(diff.json().changes).toEqual([
      { type: 'role', name: 'Desk', change: 'changed', fields: ['grants'] },
    ])
    expect(diff.json().impact).toEqual({
      users: 2,
      userIds: [ann!, bob!].sort(),
      people: [
        { id: ann, name: 'Ann Desk', email: 'ann@impact.test' },
        { id: bob, name: 'Bob Desk', email: 'bob@impact.test' },
      ],
      more: 0,
    })
    // the dry run answers the same impact; B's holder of its own "Desk" is nowhere in it
    const dry = await post(a.token, '/api/v1/policy/import?dryRun=true', text)
    expect(dry.json().impact).toEqual(diff.json().impact)
    expect(dry.body).not.toContain(bea!)
    expect(dry.body).not.toContain('bea@impact.test')
    // B importing the same change names only B's people
    const inB = await post(b.token, '/api/v1/policy/diff', deskChanged(await exportOf(b.token)))
    expect(inB.json().impact).toEqual({
      users: 1,
      userIds: [bea],
      people: [{ id: bea, name: 'Bea Other', email: 'bea@impact.test' }],
      more: 0,
    })
  })

  it('shows the caller only the people they may view, emails as they see them', async () => {
    const asRita = await tokenOf(a, 'rita@impact.test')
    const diff = await post(asRita, '/api/v1/policy/diff', deskChanged(await exportOf(asRita)))
    expect(diff.statusCode, diff.body).toBe(200)
    // Ann and Bob are in Rita's team: named, their emails masked as GET /users shows them
    const mine = await call(asRita)('GET', `/api/v1/users/${ann}`)
    expect(mine.json().maskedFields).toEqual(['email'])
    expect(diff.json().impact).toEqual({
      users: 2,
      userIds: [ann!, bob!].sort(),
      people: [
        { id: ann, name: 'Ann Desk', email: mine.json().email, maskedFields: ['email'] },
        { id: bob, name: 'Bob Desk', email: expect.any(String), maskedFields: ['email'] },
      ],
      more: 0,
    })
    expect(diff.body).not.toContain('ann@impact.test')
    // the move below touches people outside her team: counted, never named
    const moved = await post(asRita, '/api/v1/policy/diff', teamOneMoved(await exportOf(asRita)))
    expect(moved.statusCode, moved.body).toBe(200)
    expect(moved.json().impact).toEqual({ users: 3, userIds: [], people: [], more: 3 })
  })

  it('a unit moved: names the people whose subtree scopes gain or lose it; the move widens', async () => {
    const asSam = call(await tokenOf(a, 'sam@impact.test'))
    // before: Sam (South) does not reach Ann (North / Beijing / Team one)
    expect((await asSam('GET', `/api/v1/users/${ann}`)).statusCode).toBe(404)
    const before = await exportOf(a.token)
    const text = teamOneMoved(before)
    const diff = await post(a.token, '/api/v1/policy/diff', text)
    expect(diff.statusCode, diff.body).toBe(200)
    expect(diff.json().changes).toEqual([
      {
        type: 'orgUnit',
        name: 'South / Team one',
        change: 'moved',
        from: 'North / Beijing / Team one',
      },
    ])
    // Sam gains it, Nora (North) and Wes (Beijing by id) lose it; Olga (East), Ann and Bob
    // (a team scope: the team moves with them) are not affected
    expect(diff.json().impact).toEqual({
      users: 3,
      userIds: [sam!, nora!, wes!].sort(),
      people: [
        { id: nora, name: 'Nora North', email: 'nora@impact.test' },
        { id: sam, name: 'Sam South', email: 'sam@impact.test' },
        { id: wes, name: 'Wes Watch', email: 'wes@impact.test' },
      ],
      more: 0,
    })
    expect(diff.json().impact.userIds).not.toContain(olga)
    const res = await post(a.token, '/api/v1/policy/import', text)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().impact).toEqual(diff.json().impact)
    // after: Sam reaches Ann, as the impact said
    expect((await asSam('GET', `/api/v1/users/${ann}`)).statusCode).toBe(200)
    // and back: the same three, the other way
    const back = await post(a.token, '/api/v1/policy/import', before)
    expect(back.statusCode, back.body).toBe(200)
    expect(back.json().impact.userIds).toEqual([sam!, nora!, wes!].sort())
    expect((await asSam('GET', `/api/v1/users/${ann}`)).statusCode).toBe(404)
  })

  it(`names at most ${affectedPeopleShown}, by name, and counts the rest`, async () => {
    const many = await people(
      a,
      Array.from({ length: affectedPeopleShown + 3 }, (_, i) => ({
        email: `desk${String(i).padStart(2, '0')}@impact.test`,
        name: `Desk ${String(i).padStart(2, '0')}`,
      })),
    )
    for (const id of many) await giveRole(db, a.companyId, id, desk)
    const diff = await post(a.token, '/api/v1/policy/diff', deskChanged(await exportOf(a.token)))
    const impact = diff.json().impact
    const total = affectedPeopleShown + 3 + 2
    expect(impact.users).toBe(total)
    expect(impact.userIds).toHaveLength(total)
    expect(impact.people).toHaveLength(affectedPeopleShown)
    expect(impact.more).toBe(5)
    // by name: Ann Desk, Bob Desk, then Desk 00 … Desk 47
    expect(impact.people.slice(0, 3).map((p: { name: string }) => p.name)).toEqual([
      'Ann Desk',
      'Bob Desk',
      'Desk 00',
    ])
    expect(impact.people.at(-1).name).toBe(`Desk ${affectedPeopleShown - 3}`)
    // the diff wrote nothing
    const roles = (await asA('GET', '/api/v1/roles')).json().items as { id: string }[]
    expect(roles.find((r) => r.id === desk)).toMatchObject({
      grants: [{ actions: ['customer.view'], scope: 'team' }],
    })
  })
})
