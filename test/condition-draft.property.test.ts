/**
 * The role editor's structured conditions (web/src/components/condition-draft.ts), for every
 * grant of the shape it edits: what it reads from a saved grant it writes back unchanged, and
 * what it writes the engine's compiler accepts. Generated over the real catalog's resource types
 * and the attributes a condition may read, with literals of each attribute's kind.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { catalog, compilePolicy, type Grant as EngineGrant } from '../src/authz/index.js'
import {
  grantFrom,
  ruleFrom,
  scopesFor,
  sharedAttributes,
  type CatalogResource,
} from '../web/src/components/condition-draft.js'

const resources: CatalogResource[] = Object.entries(catalog).map(([type, def]) => ({
  type,
  actions: def.actions.map((a) => ({ action: `${type}.${a}` })),
  attributes: def.attributes as Record<string, string>,
  scopeAttributes: def.scope,
}))
const withAttributes = resources.filter((r) => Object.keys(r.attributes).length > 1)

/** A literal of the attribute's kind, as a person would type it (no commas, no edge spaces). */
const literalOf = (kind: string): fc.Arbitrary<string | number | boolean> =>
  kind === 'number'
    ? fc.integer({ min: -1000, max: 1000 })
    : kind === 'boolean'
      ? fc.boolean()
      : fc.stringMatching(/^[a-z0-9_-]{1,12}$/)

const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)
const cidr = fc
  .tuple(
    fc.integer({ min: 1, max: 223 }),
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(8, 16, 24),
  )
  .map(([a, b, bits]) =>
    bits === 8 ? `${a}.0.0.0/8` : bits === 16 ? `${a}.${b}.0.0/16` : `${a}.${b}.1.0/24`,
  )

const grantArb = fc.constantFrom(...withAttributes).chain((r) => {
  const attrs = Object.entries(r.attributes)
  const compare = fc.constantFrom(...attrs).chain(([name, kind]) => {
    const ref = { ref: `resource.${name}` }
    const ops =
      kind === 'number'
        ? (['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const)
        : (['eq', 'ne'] as const)
    return fc.oneof(
      fc.tuple(fc.constantFrom(...ops), literalOf(kind)).map(([op, v]) => ({ [op]: [ref, v] })),
      fc
        .uniqueArray(literalOf(kind), { minLength: 1, maxLength: 4 })
        .map((vs) => ({ in: [ref, vs] })),
    )
  })
  return fc
    .record(
      {
        actions: fc.subarray(
          r.actions.map((a) => a.action),
          { minLength: 1 },
        ),
        scope: fc.constantFrom(
          ...scopesFor(
            r.actions.map((a) => a.action),
            resources,
          ),
        ),
        compares: fc.array(compare, { maxLength: 3 }),
        time: fc.option(fc.record({ from: hhmm, to: hhmm }), { nil: undefined }),
        weekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { maxLength: 7 }),
        ip: fc.array(cidr, { maxLength: 3 }),
        perDay: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined }),
        concurrent: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
        audit: fc.boolean(),
        reasonRequired: fc.boolean(),
        approvalRequired: fc.boolean(),
      },
      { requiredKeys: ['actions', 'scope', 'compares', 'weekdays', 'ip'] },
    )
    .map((x) => {
      const nodes: unknown[] = [...x.compares]
      if (x.time) nodes.push({ timeOfDay: x.time })
      if (x.weekdays.length > 0) nodes.push({ weekday: [...x.weekdays].sort((a, b) => a - b) })
      if (x.ip.length > 0) nodes.push({ ipIn: x.ip })
      const limits = {
        ...(x.perDay !== undefined && { perDay: x.perDay }),
        ...(x.concurrent !== undefined && { concurrent: x.concurrent }),
      }
      return {
        actions: x.actions,
        scope: x.scope,
        ...(nodes.length === 1 && { when: nodes[0] }),
        ...(nodes.length > 1 && { when: { and: nodes } }),
        ...(Object.keys(limits).length > 0 && { limits }),
        ...(x.audit && { audit: true }),
        ...(x.reasonRequired && { reasonRequired: true }),
        ...(x.approvalRequired && { approvalRequired: true }),
      }
    })
})

const write = (rule: NonNullable<ReturnType<typeof ruleFrom>>) =>
  grantFrom(rule, (attr) => sharedAttributes(rule.actions, resources)[attr])

const compiles = (grant: unknown) =>
  compilePolicy({
    version: 1,
    timeZone: 'Asia/Shanghai',
    orgUnits: {},
    roles: [{ id: 'r', name: 'r', kind: 'custom', grants: [grant as EngineGrant] }],
  })

describe('the role editor’s structured conditions', () => {
  it('read a grant of the shape they edit and write it back unchanged; the engine accepts it', () => {
    fc.assert(
      fc.property(grantArb, (grant) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const rule = ruleFrom(grant as any)
        expect(rule).toBeDefined()
        const written = write(rule!)
        expect(written).toEqual(grant)
        expect(() => compiles(written)).not.toThrow()
      }),
      { numRuns: 100 },
    )
  })

  it('leave aside what they cannot show: an or, a not, a subject reference, one unit’s records', () => {
    const status = { ref: 'resource.status' }
    for (const grant of [
      { actions: ['ticket.view'], scope: 'team', when: { or: [{ eq: [status, 'new'] }] } },
      { actions: ['ticket.view'], scope: 'team', when: { not: { eq: [status, 'new'] } } },
      {
        actions: ['ticket.view'],
        scope: 'team',
        when: { eq: [{ ref: 'resource.assigneeId' }, { ref: 'subject.id' }] },
      },
      { actions: ['ticket.view'], scope: { subtree: 'u1' } },
    ]) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      expect(ruleFrom(grant as any), JSON.stringify(grant)).toBeUndefined()
    }
  })
})
