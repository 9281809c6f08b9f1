/**
 * Role, group, restriction and org-unit ids are pure identifiers: a policy and the same policy
 * with every such id renamed (a bijection; the tree of the same shape) compile to one shared
 * core (compile.ts `canonicalForm`) unless a rule names a unit (`{ subtree: id }`: that unit's
 * id is then content), and every decision, explanation, check and plan of the renamed one — for
 * the renamed subject and records — is the original's with the ids mapped back, whichever of
 * the two was compiled first, and compiled alone.
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
const labelArb = fc.option(fc.constantFrom('No edits', 'Closed'), { nil: undefined })
/** Without a label, a restriction's label names its id (so a company's label is its own). */
const withLabel = <T extends object>(x: T, label: string | undefined): T =>
  label === undefined ? x : { ...x, label }
const roleRestrictionArb = fc
  .record({
    id: fc.constantFrom('x1', 'x2'),
    actions: fc.constant(['ticket.*'] as const),
    when: conditionArb,
    label: labelArb,
  })
  .map(({ label, ...x }) => withLabel(x, label))
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
    // company restrictions, perhaps for the holders of some roles (one perhaps not in the
    // policy); their ids may repeat one another's, or a role restriction's
    restrictions: fc.array(
      fc.record({
        id: fc.constantFrom('company-x', 'company-y', 'x1'),
        when: conditionArb,
        roles: fc.option(fc.subarray(['role0', 'role1', 'role2', 'ghost']), { nil: undefined }),
        scope: fc.constantFrom<Scope | undefined>(undefined, 'team', 'subtree'),
        label: labelArb,
      }),
      { maxLength: 2 },
    ),
  })
  .map(({ roles, groups, restrictions }): Policy => ({
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
    restrictions: restrictions.map(({ id, when, roles, scope, label }): Restriction =>
      withLabel(
        {
          id,
          actions: ['ticket.edit'],
          when,
          ...(scope !== undefined ? { scope } : {}),
          ...(roles !== undefined ? { appliesTo: { roles } } : {}),
        },
        label,
      ),
    ),
  }))

/** Every id a policy defines: its roles', groups', restrictions' and org units'. */
function idsOf(p: Policy): string[] {
  const restrictions = [...p.roles.flatMap((r) => r.restrictions ?? []), ...(p.restrictions ?? [])]
  return [
    ...new Set([
      ...p.roles.map((r) => r.id),
      ...(p.groups ?? []).map((g) => g.id),
      ...restrictions.map((x) => x.id),
      ...Object.keys(p.orgUnits),
    ]),
  ]
}

/** Does a rule of the policy name a unit (`{ subtree: id }`)? */
const namesAUnit = (p: Policy): boolean =>
  [
    ...p.roles.flatMap((r) => [...r.grants, ...(r.restrictions ?? [])]),
    ...(p.groups ?? []).flatMap((g) => g.grants),
    ...(p.restrictions ?? []),
  ].some((x) => typeof x.scope === 'object' && 'subtree' in x.scope)

/** The policy with every role, group, restriction and org-unit id renamed through `names`. */
function renamed(p: Policy, names: ReadonlyMap<string, string>): Policy {
  const to = (id: string) => names.get(id) ?? id
  const scope = <T extends { readonly scope?: Scope }>(x: T): T =>
    typeof x.scope === 'object' && 'subtree' in x.scope
      ? { ...x, scope: { subtree: to(x.scope.subtree) } }
      : x
  const rule = <T extends { readonly id: string; readonly scope?: Scope }>(x: T): T =>
    scope({ ...x, id: to(x.id) })
  return {
    ...p,
    // the same tree, its units renamed, in the same order
    orgUnits: Object.fromEntries(
      Object.entries(p.orgUnits).map(([id, parent]) => [
        to(id),
        parent === null ? null : to(parent),
      ]),
    ),
    roles: p.roles.map((r) => ({
      ...r,
      id: to(r.id),
      grants: r.grants.map(scope),
      ...(r.restrictions !== undefined ? { restrictions: r.restrictions.map(rule) } : {}),
    })),
    groups: (p.groups ?? []).map((g) => ({ ...g, id: to(g.id), grants: g.grants.map(scope) })),
    restrictions: (p.restrictions ?? []).map((x) => {
      const y = rule(x)
      return y.appliesTo?.roles
        ? { ...y, appliesTo: { ...y.appliesTo, roles: y.appliesTo.roles.map(to) } }
        : y
    }),
  }
}

/**
 * A decision (or explanation) with the ids of its rules mapped back; a restriction's default
 * label ends with its id (a renamed id starts with `N:`, which no label of these policies has).
 */
function back<T extends Decision>(d: T, names: ReadonlyMap<string, string>): T {
  const ref = (r: RuleRef): RuleRef => {
    if (r.kind === 'grant') return r
    const id = names.get(r.id) ?? r.id
    const label =
      r.kind === 'restriction' && r.label?.endsWith(r.id)
        ? `${r.label.slice(0, -r.id.length)}${id}`
        : r.label
    return { ...r, id, label }
  }
  const out: Record<string, unknown> = { ...(d as Decision), matched: d.matched.map(ref) }
  if ('trace' in d)
    out['trace'] = (d as unknown as { trace: { rule: RuleRef }[] }).trace.map((e) => ({
      ...e,
      rule: ref(e.rule),
    }))
  return out as T
}

/** A plan (plain data) with every renamed unit id in it mapped back. */
function backIds<T>(x: T, names: ReadonlyMap<string, string>): T {
  return JSON.parse(JSON.stringify(x), (_, v: unknown) =>
    typeof v === 'string' ? (names.get(v) ?? v) : v,
  ) as T
}

const subjectArb = fc.record({
  id: fc.constantFrom('u1', 'u2'),
  orgUnitId: fc.constantFrom('t1', 'b1', null),
  roles: fc.subarray(['role0', 'role1', 'role2', 'role3', 'ghost']),
  groups: fc.subarray(['group0', 'group1']),
})
/** New ids, enough for every id a policy here defines; `N:` keeps them apart from any label. */
const idArb = fc
  .uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 20, maxLength: 20 })
  .map((xs) => xs.map((x) => `N:${x}`))
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
  const theirs = (s: Subject) => ({
    ...s,
    orgUnitId: s.orgUnitId ? (names.get(s.orgUnitId) ?? s.orgUnitId) : s.orgUnitId,
    roles: to(s.roles),
    groups: to(s.groups),
  })
  // the renamed company's records: the same rows in its own units
  const unit = (r: Resource): Resource => {
    const u = r.attrs?.['orgUnitId']
    return typeof u === 'string' ? { ...r, attrs: { ...r.attrs, orgUnitId: names.get(u) ?? u } } : r
  }
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
      const plan = backIds(planFilter(y, action, env), inverse)
      if (JSON.stringify(plan) !== JSON.stringify(planFilter(x, action, env)))
        out.push({ action, plan })
      for (const record of records) {
        const theirRecord = record && unit(record)
        const want = explain(x, action, record, env)
        const got = back(explain(y, action, theirRecord, env), inverse)
        if (JSON.stringify(got) !== JSON.stringify(want)) out.push({ action, record, want, got })
        const d = back(decide(y, action, theirRecord, env), inverse)
        if (JSON.stringify(d) !== JSON.stringify(decide(x, action, record, env)))
          out.push({ action, record, decide: d })
        if (check(y, action, theirRecord, env) !== check(x, action, record, env))
          out.push({ action, record, check: true })
      }
    }
  }
  return out
}

describe('role, group, restriction and org-unit ids are identifiers only', () => {
  it('a policy and its renamed copy decide alike, sharing one core, in either order', () => {
    fc.assert(
      fc.property(policyArb, idArb, subjectArb, fc.boolean(), (policy, ids, s, renamedFirst) => {
        // the ids the policy defines (a role it does not define is a name like any other)
        const old = idsOf(policy)
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
        if (namesAUnit(policy)) {
          // a unit a rule names is content: the renamed one is other content
          expect(sharedCacheSizes().cores).toBe(2)
        } else {
          // one core: the same rules, role-set map and tables
          expect(b.rulesAt).toBe(a.rulesAt)
          expect(b.tables).toBe(a.tables)
          expect(sharedCacheSizes().cores).toBe(1)
        }
        // each keeps its own policy, ids, tree and all
        expect(a.policy).toEqual(policy)
        expect(b.policy).toEqual(other)
        expect(b.subtree.get(names.get('r1') as string)).toEqual(
          a.subtree.get('r1')?.map((u) => names.get(u)),
        )
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
