import { describe, expect, it } from 'vitest'
import { conditionLimits, conditionOversize, parseCondition } from './index.js'

const leaf = { eq: [{ ref: 'resource.status' }, 'open'] }

function nested(levels: number, wrap: (c: unknown) => unknown = (c) => ({ not: c })): unknown {
  let c: unknown = leaf
  for (let i = 1; i < levels; i++) c = wrap(c)
  return c
}

describe('conditionOversize', () => {
  it('accepts a condition at the depth limit', () => {
    const c = nested(conditionLimits.depth)
    expect(conditionOversize(c)).toBeUndefined()
    expect(() => parseCondition(c)).not.toThrow()
  })

  it.each([
    ['not', (c: unknown) => ({ not: c })],
    ['and', (c: unknown) => ({ and: [leaf, c] })],
    ['or', (c: unknown) => ({ or: [c] })],
  ])('refuses %s nested one level deeper, at the level that is too deep', (op, wrap) => {
    const problem = conditionOversize(nested(conditionLimits.depth + 1, wrap), 'grants[0].when')
    expect(problem?.message).toBe('conditions nest at most 32 levels deep')
    expect(problem?.path.startsWith(`grants[0].when.${op}`)).toBe(true)
    expect(problem?.path.split(op).length).toBe(conditionLimits.depth + 1)
  })

  it('refuses nesting far past the stack without overflowing it', () => {
    expect(conditionOversize(nested(200_000))?.message).toMatch(/levels deep/)
  })

  it('accepts as many operators as the limit and refuses one more', () => {
    const wide = (n: number) => ({ or: Array.from({ length: n - 1 }, () => leaf) })
    expect(conditionOversize(wide(conditionLimits.nodes))).toBeUndefined()
    expect(conditionOversize(wide(conditionLimits.nodes + 1), 'when')).toEqual({
      path: 'when',
      message: 'a condition holds at most 256 operators',
    })
    expect(conditionOversize({ and: Array.from({ length: 1_000_000 }, () => leaf) })).toEqual({
      path: 'when',
      message: 'a condition holds at most 256 operators',
    })
  })

  it('leaves anything else to parseCondition', () => {
    expect(conditionOversize(undefined)).toBeUndefined()
    expect(conditionOversize({ and: 'not a list', not: 3 })).toBeUndefined()
  })
})
