import { describe, expect, it } from 'vitest'
import { compilePolicy, type Policy } from '../../authz/index.js'
import { PolicyCache } from './policy-cache.js'

const policy = (version: number): Policy => ({
  version,
  timeZone: 'UTC',
  orgUnits: {},
  roles: [{ id: 'r1', name: 'Viewer', kind: 'custom', grants: [] }],
})

/** A load that counts its calls and answers when told (to hold misses in flight). */
function loader(version: number) {
  let calls = 0
  let release: () => void = () => {}
  const gate = new Promise<void>((done) => {
    release = done
  })
  return {
    load: async () => {
      calls += 1
      await gate
      return policy(version)
    },
    release: () => release(),
    calls: () => calls,
  }
}

describe('PolicyCache', () => {
  it('compiles once for concurrent misses of the same company and version (single-flight)', async () => {
    const cache = new PolicyCache()
    const l = loader(3)
    const pending = Array.from({ length: 10 }, () => cache.get('co', 3, l.load))
    l.release()
    const compiled = await Promise.all(pending)
    expect(l.calls()).toBe(1)
    expect(cache.compilations).toBe(1)
    expect(new Set(compiled).size).toBe(1)
    expect(compiled[0]?.version).toBe(3)
  })

  it('recompiles when the version moved, and keeps the newer entry for a late older reader', async () => {
    const cache = new PolicyCache()
    await cache.get('co', 1, async () => policy(1))
    await cache.get('co', 2, async () => policy(2))
    expect(cache.compilations).toBe(2)
    const old = await cache.get('co', 1, async () => policy(1))
    expect(old.version).toBe(1)
    expect(cache.version('co')).toBe(2)
  })

  it('is bounded: the least recently used company goes first', async () => {
    const cache = new PolicyCache({ maxCompanies: 2 })
    await cache.get('a', 1, async () => policy(1))
    await cache.get('b', 1, async () => policy(1))
    await cache.get('a', 1, async () => policy(1)) // a is now the most recent
    await cache.get('c', 1, async () => policy(1))
    expect(cache.size).toBe(2)
    expect(cache.version('b')).toBeUndefined()
    expect(cache.version('a')).toBe(1)
    expect(cache.version('c')).toBe(1)
  })

  it('serves a seeded policy without loading, and ignores a seed older than what it has', async () => {
    const cache = new PolicyCache()
    cache.seed('co', compilePolicy(policy(5)))
    let loads = 0
    const hit = await cache.get('co', 5, async () => {
      loads += 1
      return policy(5)
    })
    expect(loads).toBe(0)
    expect(hit.version).toBe(5)
    cache.seed('co', compilePolicy(policy(4)))
    expect(cache.version('co')).toBe(5)
  })

  it('drops a failed compilation so the next request tries again', async () => {
    const cache = new PolicyCache()
    await expect(
      cache.get('co', 1, async () => {
        throw new Error('database gone')
      }),
    ).rejects.toThrow('database gone')
    expect(cache.version('co')).toBeUndefined()
    expect((await cache.get('co', 1, async () => policy(1))).version).toBe(1)
  })

  it('on a change notice drops an older entry and reloads it, leaving unknown companies alone', async () => {
    const cache = new PolicyCache()
    await cache.get('co', 1, async () => policy(1))
    const l = loader(2)
    cache.warm('co', 2, l.load)
    cache.warm('elsewhere', 7, l.load)
    l.release()
    expect(cache.version('co')).toBe(2)
    expect(cache.version('elsewhere')).toBeUndefined()
    const warmed = await cache.get('co', 2, async () => policy(99))
    expect(warmed.version).toBe(2)
    expect(l.calls()).toBe(1)
  })
})
