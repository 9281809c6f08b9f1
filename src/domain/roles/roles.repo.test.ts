import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDb, destroyTestDb } from '../../../test/helpers.js'
import { withCompany } from '../../db/index.js'
import type { Database } from '../database.js'
import { createCompany } from '../companies/index.js'
import { addUser } from '../users/index.js'
import * as roles from './roles.repo.js'

let db: Kysely<Database>
const now = new Date('2026-11-23T09:30:00.000Z')
const inA = <T>(fn: (trx: Kysely<Database>) => Promise<T>) => withCompany(db, 'co-a', fn)
let userId = ''

beforeAll(async () => {
  db = await createTestDb()
  for (const id of ['co-a', 'co-b']) {
    await withCompany(db, id, (trx) =>
      createCompany(trx, { id, slug: id, name: id, timeZone: 'UTC' }, now),
    )
  }
  userId = (
    await inA((trx) =>
      addUser(trx, 'co-a', { email: 'u@a.test', name: 'U', passwordHash: 'x' }, now),
    )
  ).id
})
afterAll(async () => destroyTestDb(db))

describe('roles storage', () => {
  it('seeds the three built-in roles once per company', async () => {
    const ids = await inA((trx) => roles.seedBuiltinRoles(trx, 'co-a', now))
    const listed = await inA((trx) => roles.listRoles(trx, 'co-a'))
    expect(listed.map((r) => [r.name, r.kind, r.definition])).toEqual([
      ['Admin', 'builtin', { builtin: 'admin' }],
      ['Operator', 'builtin', { builtin: 'operator' }],
      ['Supervisor', 'builtin', { builtin: 'supervisor' }],
    ])
    expect((await inA((trx) => roles.findBuiltinRole(trx, 'co-a', 'Admin')))?.id).toBe(ids.Admin)
    await expect(inA((trx) => roles.seedBuiltinRoles(trx, 'co-a', now))).rejects.toThrow(/unique/)
  })

  it('creates, updates and deletes a custom role and its assignments', async () => {
    const role = await inA((trx) =>
      roles.insertRole(
        trx,
        'co-a',
        { name: 'QA', kind: 'custom', definition: { allow: ['x'] } },
        now,
      ),
    )
    await inA((trx) => roles.assignRole(trx, 'co-a', userId, role.id, now))
    await inA((trx) => roles.assignRole(trx, 'co-a', userId, role.id, now))
    expect(await inA((trx) => roles.listRoleUserIds(trx, 'co-a', role.id))).toEqual([userId])
    const updated = await inA((trx) =>
      roles.updateRole(trx, 'co-a', role.id, { mfaRequired: true, definition: { allow: [] } }, now),
    )
    expect(updated).toMatchObject({ mfaRequired: true, definition: { allow: [] } })
    expect(await inA((trx) => roles.deleteRole(trx, 'co-a', role.id))).toBe(true)
    expect(await inA((trx) => roles.listUserRoleIds(trx, 'co-a', userId))).toEqual([])
  })

  it('keeps groups and grants, and lists only grants in force', async () => {
    const group = await inA((trx) =>
      roles.insertPermissionGroup(trx, 'co-a', { name: 'Night' }, now),
    )
    await inA((trx) => roles.addUserToGroup(trx, 'co-a', userId, group.id, now))
    expect(await inA((trx) => roles.listUserGroupIds(trx, 'co-a', userId))).toEqual([group.id])
    const hour = 3_600_000
    const grant = await inA((trx) =>
      roles.insertGrant(
        trx,
        'co-a',
        {
          userId,
          definition: { allow: ['customer.export'] },
          validFrom: now,
          validUntil: new Date(now.getTime() + hour),
          recordType: 'customer',
          recordId: 'c1',
        },
        now,
      ),
    )
    expect(await inA((trx) => roles.listActiveGrants(trx, 'co-a', userId, now))).toHaveLength(1)
    expect(
      await inA((trx) =>
        roles.listActiveGrants(trx, 'co-a', userId, new Date(now.getTime() + 2 * hour)),
      ),
    ).toEqual([])
    await inA((trx) => roles.revokeGrant(trx, 'co-a', grant.id, now))
    expect(await inA((trx) => roles.listActiveGrants(trx, 'co-a', userId, now))).toEqual([])
  })

  it("cannot assign company B's role to company A's user", async () => {
    const bRole = await withCompany(db, 'co-b', (trx) =>
      roles.insertRole(trx, 'co-b', { name: 'B only', kind: 'custom' }, now),
    )
    expect(await inA((trx) => roles.findRole(trx, 'co-a', bRole.id))).toBeUndefined()
    await expect(
      inA((trx) => roles.assignRole(trx, 'co-a', userId, bRole.id, now)),
    ).rejects.toThrow(/foreign key/)
  })
})
