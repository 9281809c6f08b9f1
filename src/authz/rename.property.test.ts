/**
 * Role and group ids are pure identifiers: a policy and the same policy with every role and
 * group id renamed (a bijection) compile to one shared core (compile.ts `canonicalForm`), and
 * every decision, explanation, check and plan of the renamed one is the original's with the ids
 * mapped back — whichever of the two was compiled first, and compiled alone.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { conditionArb, conformanceRows, orgUnits } from './conformance.case.js'
import {
  bindSubject,
  check,
  clearSharedCaches,
  compilePolicy,
  decide,
  explain,
  planFilter,
  sharedCacheSizes,
  withCeiling,
  type Action,
  type CompiledPolicy,
  type Decision,
  type Grant,
  type Policy,
  type Resource,
  type Restriction,
  type Role,
  type RuleRef,
  type Scope,
  type Subject,
} from './index.js'

const scopeArb = fc.constantFrom<Scope>('own', 'team', 'subtree', 'company', { subtree: 'b1' })
const ticketGrantArb: fc.Arbitrary<Grant> = fc
  .record({
    actions: fc.constantFrom(['ticket.view'] as const, ['ticket.view', 'ticket.edit'] as const),
    scope: scopeArb,
    when: fc.option(conditionArb, { nil: undefined }),
    fields: fc.option(fc.constantFrom({ description: 'masked' }, { '*': 'read' }), {
      nil: undefined,
    }),
    limits: fc.option(fc.constantFrom({ perDay: 5 }, { perDay: 2, concurrent: 1 }), {
      nil: undefined,
    }),
    audit: fc.boolean(),
  })
  .map((g) => {
    const out: Record<string, unknown> = { actions: g.actions, scope: g.scope, audit: g.audit }
    for (const k of ['when', 'fields', 'limits'] as const) if (g[k] !== undefined) out[k] = g[k]
    return out as unknown as Grant
  })
const grantArb: fc.Arbitrary<Grant> = fc.oneof(
  { weight: 4, arbitrary: ticketGrantArb },
  fc.constantFrom<Grant>(
    { actions: ['customer.view'], scope: 'company' },
    { actions: ['customer.view'], scope: 'own', fields: { '*': 'read' } },
  ),
)
const roleRestrictionArb = fc.record({
  id: fc.constantFrom('x1', 'x2'),
  actions: fc.constant(['ticket.*'] as const),
  when: conditionArb,
})
const capArb = fc.constant({
  id: 'cap',
  actions: ['ticket.view'] as const,
  fields: { description: 'hidden' as const },
})
/** Roles named by their place (`role0` …); two roles may well have the same content. */
const roleArb = fc.record({
  name: fc.constantFrom('Agent', 'Lead'),
  grants: fc.array(grantArb, { maxLength: 3 }),
  restrictions: fc.array(fc.oneof(roleRestrictionArb, capArb), { maxLength: 1 }),
})
const policyArb = fc
  .record({
    roles: fc.array(roleArb, { minLength: 1, maxLength: 4 }),
    groups: fc.array(fc.array(grantArb, { minLength: 1, maxLength: 2 }), { maxLength: 2 }),
    // a company restriction, for the holders of some roles (one perhaps not in the policy)
    restriction: fc.option(
      fc.record({
        when: conditionArb,
        roles: fc.subarray(['role0', 'role1', 'role2', 'ghost']),
      }),
      { nil: undefined },
    ),
  })
  .map(({ roles, groups, restriction }): Policy => ({
    version: 1,
    timeZone: 'Asia/Shanghai',
    orgUnits,
    roles: roles.map((r, i): Role => ({
      id: `role${i}`,
      name: r.name,
      kind: 'custom',
      grants: r.grants,
      restrictions: r.restrictions as Role['restrictions'],
    })),
    groups: groups.map((grants, i) => ({ id: `group${i}`, name: `Group ${i}`, grants })),
    restrictions:
      restriction === undefined
        ? []
        : [
            {
              id: 'company-x',
              actions: ['ticket.edit'],
              when: restriction.when,
              appliesTo: { roles: restriction.roles },
            } as Restriction,
          ],
  }))

/** The policy with every role and group id renamed through `names`. */
function renamed(p: Policy, names: ReadonlyMap<string, string>): Policy {
  const to = (id: string) => names.get(id) ?? id
  return {
    ...p,
    roles: p.roles.map((r) => ({ ...r, id: to(r.id) })),
    groups: (p.groups ?? []).map((g) => ({ ...g, id: to(g.id) })),
    restrictions: (p.restrictions ?? []).map((x) =>
      x.appliesTo?.roles
        ? { ...x, appliesTo: { ...x.appliesTo, roles: x.appliesTo.roles.map(to) } }
        : x,
    ),
  }
}

/** A decision (or explanation) with the role and group ids of its rules mapped back. */
function back<T extends Decision>(d: T, names: ReadonlyMap<string, string>): T {
  const ref = (r: RuleRef): RuleRef =>
    r.kind === 'role' || r.kind === 'group' ? { ...r, id: names.get(r.id) ?? r.id } : r
  const out: Record<string, unknown> = { ...(d as Decision), matched: d.matched.map(ref) }
  if ('trace' in d)
    out['trace'] = (d as unknown as { trace: { rule: RuleRef }[] }).trace.map((e) => ({
      ...e,
      rule: ref(e.rule),
    }))
  return out as T
}

const subjectArb = fc.record({
  id: fc.constantFrom('u1', 'u2'),
  orgUnitId: fc.constantFrom('t1', 'b1', null),
  roles: fc.subarray(['role0', 'role1', 'role2', 'role3', 'ghost']),
  groups: fc.subarray(['group0', 'group1']),
})
const idArb = fc.uniqueArray(
  fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== 'ghost'),
  { minLength: 6, maxLength: 6 },
)
const actions: readonly Action[] = ['ticket.view', 'ticket.edit', 'customer.view']
const records: (Resource | undefined)[] = [
  undefined,
  ...conformanceRows
    .filter((_, i) => i % 17 === 0)
    .map((r): Resource => ({ type: 'ticket', id: r.id, companyId: r.companyId, attrs: r })),
]
const env = { now: Date.UTC(2026, 0, 5, 4, 0), ip: '10.0.0.7' }

/** Every answer of `b` (renamed by `names`) mapped back is `a`'s; returns the differences. */
function differences(
  a: CompiledPolicy,
  b: CompiledPolicy,
  subject: Subject,
  names: ReadonlyMap<string, string>,
  inverse: ReadonlyMap<string, string>,
): unknown[] {
  const to = (ids: readonly string[] | undefined) => (ids ?? []).map((id) => names.get(id) ?? id)
  const me = bindSubject(a, subject)
  const theirs = (s: Subject) => ({ ...s, roles: to(s.roles), groups: to(s.groups) })
  const them = bindSubject(b, theirs(subject))
  // a preview: the subject bounded by a viewer holding the first two roles
  const viewer = { ...subject, id: 'u3', roles: ['role0', 'role1'] }
  const mePreview = withCeiling(me, bindSubject(a, viewer))
  const themPreview = withCeiling(them, bindSubject(b, theirs(viewer)))
  const out: unknown[] = []
  for (const [x, y] of [
    [me, them],
    [mePreview, themPreview],
  ] as const) {
    for (const action of actions) {
      expect(planFilter(y, action, env)).toEqual(planFilter(x, action, env))
      for (const record of records) {
        const want = explain(x, action, record, env)
        const got = back(explain(y, action, record, env), inverse)
        if (JSON.stringify(got) !== JSON.stringify(want)) out.push({ action, record, want, got })
        const d = back(decide(y, action, record, env), inverse)
        if (JSON.stringify(d) !== JSON.stringify(decide(x, action, record, env)))
          out.push({ action, record, decide: d })
        if (check(y, action, record, env) !== check(x, action, record, env))
          out.push({ action, record, check: true })
      }
    }
  }
  return out
}

describe('role and group ids are identifiers only', () => {
  it('a policy and its renamed copy decide alike, sharing one core, in either order', () => {
    fc.assert(
      fc.property(policyArb, idArb, subjectArb, fc.boolean(), (policy, ids, s, renamedFirst) => {
        // the ids the policy defines (a role it does not define is a name like any other)
        const old = [...policy.roles, ...(policy.groups ?? [])].map((r) => r.id)
        const names = new Map(old.map((id, i) => [id, ids[i] as string]))
        const inverse = new Map(old.map((id, i) => [ids[i] as string, id]))
        const other = renamed(policy, names)
        const subject: Subject = { ...s, companyId: 'c1', projectIds: ['p1'] }
        clearSharedCaches()
        let a: CompiledPolicy
        let b: CompiledPolicy
        if (renamedFirst) {
          b = compilePolicy(other)
          a = compilePolicy(policy)
        } else {
          a = compilePolicy(policy)
          b = compilePolicy(other)
        }
        // one core: the same rules, role-set map and tables
        expect(b.rulesAt).toBe(a.rulesAt)
        expect(b.tables).toBe(a.tables)
        expect(sharedCacheSizes().cores).toBe(1)
        // each keeps its own policy, ids and all
        expect(a.policy).toEqual(policy)
        expect(b.policy).toEqual(other)
        expect(differences(a, b, subject, names, inverse)).toEqual([])
        // and the renamed policy compiled alone answers the same
        clearSharedCaches()
        const alone = compilePolicy(other)
        expect(differences(a, alone, subject, names, inverse)).toEqual([])
      }),
      { numRuns: 150 },
    )
  })
})
