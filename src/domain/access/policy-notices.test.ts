import { afterAll, describe, expect, it } from 'vitest'
import { createTestDb, destroyTestDb } from '../../../test/helpers.js'
import { withCompany } from '../../db/index.js'
import { createCompany } from '../companies/index.js'
import { PolicyCache } from './policy-cache.js'
import { followPolicyChanges } from './policy-notices.js'
import { bumpPolicyVersion, loadPolicy } from './policy.repo.js'

const db = await createTestDb()
afterAll(() => destroyTestDb(db))

const until = async (ok: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms
  while (!ok() && Date.now() < end) await new Promise((done) => setTimeout(done, 10))
  return ok()
}

describe('policy change notices (LISTEN/NOTIFY; in-process on PGlite)', () => {
  it('a committed change reloads a cached company at once; a rolled-back one says nothing', async () => {
    const company = await withCompany(db, 'co-notices', (trx) =>
      createCompany(
        trx,
        { id: 'co-notices', slug: 'notices', name: 'Notices', timeZone: 'UTC' },
        new Date(),
      ),
    )
    const cache = new PolicyCache()
    const listener = await followPolicyChanges(db, cache)
    try {
      const load = () => withCompany(db, company.id, (trx) => loadPolicy(trx, company.id))
      const first = await load()
      await cache.get(company.id, Number(first.version), load)
      const compiled = cache.compilations

      await withCompany(db, company.id, (trx) => bumpPolicyVersion(trx, company.id))
      const next = Number(first.version) + 1
      expect(await until(() => cache.compilations === compiled + 1)).toBe(true)
      expect(cache.version(company.id)).toBe(next)
      expect(Number((await cache.get(company.id, next, load)).version)).toBe(next)
      expect(cache.compilations).toBe(compiled + 1)

      await expect(
        withCompany(db, company.id, async (trx) => {
          await bumpPolicyVersion(trx, company.id)
          throw new Error('rolled back')
        }),
      ).rejects.toThrow('rolled back')
      await new Promise((done) => setTimeout(done, 200))
      expect(cache.version(company.id)).toBe(next)
    } finally {
      await listener.close()
    }
  })

  it("ignores its own writes' notices (the writer seeds its cache), follows another cache's", async () => {
    const company = await withCompany(db, 'co-origin', (trx) =>
      createCompany(
        trx,
        { id: 'co-origin', slug: 'origin', name: 'Origin', timeZone: 'UTC' },
        new Date(),
      ),
    )
    const cache = new PolicyCache()
    const listener = await followPolicyChanges(db, cache)
    try {
      const load = () => withCompany(db, company.id, (trx) => loadPolicy(trx, company.id))
      const first = await load()
      await cache.get(company.id, Number(first.version), load)
      const compiled = cache.compilations

      await withCompany(db, company.id, (trx) => bumpPolicyVersion(trx, company.id, cache.origin))
      await new Promise((done) => setTimeout(done, 200))
      expect(cache.compilations).toBe(compiled)
      expect(cache.version(company.id)).toBe(Number(first.version))

      const other = new PolicyCache()
      await withCompany(db, company.id, (trx) => bumpPolicyVersion(trx, company.id, other.origin))
      expect(await until(() => cache.compilations === compiled + 1)).toBe(true)
      expect(cache.version(company.id)).toBe(Number(first.version) + 2)
    } finally {
      await listener.close()
    }
  })
})
