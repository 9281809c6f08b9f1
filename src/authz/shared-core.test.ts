/**
 * Policies of one content (companies on the same presets, two versions of one policy) share one
 * compiled core — rules, org-unit tree, role-set tables — found by `contentKey`; anything that
 * can change a decision is part of the key, so different content never shares.
 */
import { describe, expect, it } from 'vitest'
import { canonicalForm, contentKey } from './compile.js'
import {
  bindSubject,
  clearSharedCaches,
  compilePolicy,
  decide,
  explain,
  planFilter,
  sharedCacheSizes,
  type Policy,
  type Resource,
  type Role,
} from './index.js'

function policy(version: number | string = 1): Policy {
  // a fresh object tree each time, as a policy loaded from the database is
  return {
    version,
    timeZone: 'Asia/Shanghai',
    orgUnits: { root: null, t1: 'root', t2: 'root' },
    roles: [
      {
        id: 'agent',
        name: 'Agent',
        kind: 'custom',
        grants: [
          { actions: ['customer.view'], scope: 'company' },
          {
            actions: ['ticket.view', 'ticket.edit'],
            scope: 'team',
            when: { ne: [{ ref: 'resource.status' }, 'closed'] },
          },
        ],
      },
      {
        id: 'lead',
        name: 'Lead',
        kind: 'custom',
        grants: [{ actions: ['ticket.view'], scope: { subtree: 'root' }, label: 'lead view' }],
      },
    ],
    restrictions: [],
  }
}

const subject = { id: 'u1', companyId: 'c1', orgUnitId: 't1', roles: ['agent'] }
const ticket = (attrs: Record<string, unknown>): Resource => ({
  type: 'ticket',
  id: 'x',
  companyId: 'c1',
  attrs: { orgUnitId: 't1', status: 'open', ...attrs },
})

describe('compiled policies shared by content', () => {
  it('two companies (or versions) of one content share the core and the role-set tables', () => {
    clearSharedCaches()
    const a = compilePolicy(policy(1))
    const b = compilePolicy(policy(2))
    expect(a.version).toBe(1)
    expect(b.version).toBe(2)
    expect(b.tables).toBe(a.tables)
    expect(b.roleRules).toBe(a.roleRules)
    const me = bindSubject(a, subject)
    const them = bindSubject(b, { ...subject, id: 'u2', companyId: 'c2' })
    expect(them.table).toBe(me.table)
    expect(sharedCacheSizes().cores).toBe(1)
    // answers are each company's own: another company's record is denied to both
    expect(decide(me, 'ticket.edit', ticket({}), { now: 0 }).allowed).toBe(true)
    expect(decide(them, 'ticket.edit', ticket({}), { now: 0 }).reason).toBe('other_company')
    expect(decide(them, 'ticket.edit', { ...ticket({}), companyId: 'c2' }, { now: 0 })).toBe(
      decide(me, 'ticket.edit', ticket({}), { now: 0 }),
    )
  })

  it('two companies whose roles differ only by id (their own UUIDs) share one core', () => {
    clearSharedCaches()
    const own = (prefix: string, order: 'as-is' | 'reversed'): Policy => {
      const p = policy(prefix)
      const roles = p.roles.map((r) => ({ ...r, id: `${prefix}-${r.id}` }))
      return { ...p, roles: order === 'as-is' ? roles : roles.reverse() }
    }
    const a = compilePolicy(own('c1', 'as-is'))
    const b = compilePolicy(own('c2', 'reversed'))
    // the one core: its rules by canonical index, its role-set map, its tables
    expect(b.rulesAt).toBe(a.rulesAt)
    expect(b.tables).toBe(a.tables)
    expect(b.restrictionRules).toBe(a.restrictionRules)
    expect(sharedCacheSizes().cores).toBe(1)
    expect(a.renamed).toBeUndefined()
    expect(b.renamed).toBeDefined()
    const me = bindSubject(a, { ...subject, roles: ['c1-agent', 'c1-lead'] })
    const them = bindSubject(b, { ...subject, companyId: 'c2', roles: ['c2-lead', 'c2-agent'] })
    expect(them.table).toBe(me.table)
    // each company's decisions and explanations name its own roles, in one order
    const mine = explain(me, 'ticket.view', ticket({}), { now: 0 })
    const theirs = explain(them, 'ticket.view', { ...ticket({}), companyId: 'c2' }, { now: 0 })
    expect(mine.matched.map((r) => r.id)).toEqual(['c1-agent', 'c1-lead'])
    expect(theirs.matched.map((r) => r.id)).toEqual(['c2-agent', 'c2-lead'])
    expect(theirs.trace.map((e) => e.rule.id)).toEqual(['c2-agent', 'c2-lead'])
    const rename = (d: typeof mine) =>
      JSON.parse(JSON.stringify(d).replaceAll('"c1-', '"c2-')) as typeof mine
    expect(theirs).toEqual(rename(mine))
    // the same decision object each time (translated once per company), and its own policy
    const edit = { ...ticket({}), companyId: 'c2' }
    expect(decide(them, 'ticket.edit', edit, { now: 0 })).toBe(
      decide(them, 'ticket.edit', edit, { now: 0 }),
    )
    expect(decide(them, 'ticket.edit', edit, { now: 0 }).matched[0]?.id).toBe('c2-agent')
    expect(b.policy).toEqual(own('c2', 'reversed'))
    expect(a.policy).toEqual(own('c1', 'as-is'))
    // a role another company's core defines but this one does not: nothing
    const stray = bindSubject(b, { ...subject, companyId: 'c2', roles: ['c1-agent'] })
    expect(decide(stray, 'customer.view', undefined, { now: 0 }).reason).toBe('not_granted')
  })

  it('two companies whose org units and restrictions differ only by id share one core', () => {
    clearSharedCaches()
    // each company's units and restrictions are rows with their own ids, as in the database
    const own = (c: string): Policy => {
      const p = policy(c)
      return {
        ...p,
        orgUnits: { [`${c}-root`]: null, [`${c}-t1`]: `${c}-root`, [`${c}-t2`]: `${c}-root` },
        roles: [
          {
            ...p.roles[0]!,
            restrictions: [{ id: `${c}-closed`, actions: ['ticket.edit'], when: closed }],
          },
          { ...p.roles[1]!, grants: [{ actions: ['ticket.view'], scope: 'subtree' }] },
        ],
        restrictions: [{ id: `${c}-x`, actions: ['customer.view'], when: vip, label: 'VIP' }],
      }
    }
    const closed = { eq: [{ ref: 'resource.status' }, 'closed'] } as const
    const vip = { eq: [{ ref: 'resource.level' }, 'vip'] } as const
    const a = compilePolicy(own('c1'))
    const b = compilePolicy(own('c2'))
    expect(sharedCacheSizes().cores).toBe(1)
    expect(b.rulesAt).toBe(a.rulesAt)
    expect(b.tables).toBe(a.tables)
    // each its own tree, and its own policy
    expect(b.subtree.get('c2-root')).toEqual(['c2-root', 'c2-t2', 'c2-t1'])
    expect(b.subtree.get('c1-root')).toBeUndefined()
    expect(b.policy).toEqual(own('c2'))
    expect(a.policy).toEqual(own('c1'))
    const lead = { id: 'u1', companyId: 'c2', orgUnitId: 'c2-root', roles: ['agent', 'lead'] }
    const them = bindSubject(b, lead)
    expect(them.table).toBe(bindSubject(a, { ...lead, companyId: 'c1' }).table)
    expect(them.sub['$subtree']).toEqual(['c2-root', 'c2-t2', 'c2-t1'])
    const t2 = { type: 'ticket', id: 'x', companyId: 'c2', attrs: { orgUnitId: 'c2-t2' } } as const
    expect(decide(them, 'ticket.view', t2, { now: 0 }).allowed).toBe(true)
    expect(
      decide(them, 'ticket.view', { ...t2, attrs: { orgUnitId: 'c1-t2' } }, { now: 0 }).reason,
    ).toBe('out_of_scope')
    // decisions name the company's own restrictions, and a default label its own id
    const edit = explain(them, 'ticket.edit', { ...t2, attrs: { status: 'closed' } }, { now: 0 })
    expect(edit.matched).toEqual([
      { kind: 'restriction', id: 'c2-closed', index: 0, label: 'Agent: c2-closed' },
    ])
    expect(edit.trace.map((e) => e.rule.id)).toEqual(['c2-closed', 'agent'])
    const customer = {
      type: 'customer',
      id: 'k',
      companyId: 'c2',
      attrs: { level: 'vip' },
    } as const
    expect(decide(them, 'customer.view', customer, { now: 0 }).matched).toEqual([
      { kind: 'restriction', id: 'c2-x', index: 0, label: 'VIP' },
    ])
    // the planner lists the company's own units
    expect(JSON.stringify(planFilter(them, 'ticket.view', { now: 0 }))).not.toContain('c1-')
    // a tree is checked per company: a broken one is refused though its core is cached
    expect(() => compilePolicy({ ...own('c3'), orgUnits: { 'c3-t1': 'c3-nowhere' } })).toThrow(
      /unknown parent/,
    )
    // a unit named by a rule is content: another company's unit is another core
    const named = (c: string): Policy => ({
      ...own(c),
      roles: [
        {
          ...own(c).roles[1]!,
          grants: [{ actions: ['ticket.view'], scope: { subtree: `${c}-t1` } }],
        },
      ],
    })
    compilePolicy(named('c1'))
    compilePolicy(named('c2'))
    expect(sharedCacheSizes().cores).toBe(3)
    expect(() => compilePolicy({ ...named('c4'), orgUnits: own('c1').orgUnits })).toThrow(
      /unknown org unit "c4-t1"/,
    )
  })

  it('does not share what differs in anything a decision can depend on', () => {
    const base = policy()
    const variants: Policy[] = [
      { ...base, timeZone: 'UTC' },
      { ...base, orgUnits: { ...base.orgUnits, t3: 'root' } },
      { ...base, roles: [{ ...base.roles[0]!, name: 'Agent 2' }, base.roles[1]!] },
      { ...base, roles: [{ ...base.roles[0]!, id: 'agent2' }, base.roles[1]!] },
      { ...base, restrictions: undefined },
      { ...base, groups: [] },
    ]
    const keys = [base, ...variants].map(contentKey)
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys.every((k) => k !== undefined)).toBe(true)
    expect(contentKey({ ...base, version: 99 })).toBe(keys[0])
  })

  it('keeps apart restriction ids that are equal in one policy and distinct in another', () => {
    const x = (id: string) => ({ id, actions: ['ticket.edit'] as const, label: 'x' })
    const key = (...ids: string[]) =>
      canonicalForm({ ...policy(), restrictions: ids.map(x) } as Policy)?.key
    // a renaming keeps which ids are equal, and only that
    expect(key('a', 'b')).toBe(key('p', 'q'))
    expect(key('a', 'a')).toBe(key('p', 'p'))
    expect(key('a', 'a')).not.toBe(key('a', 'b'))
    // an id that is not a non-empty string (refused by compiling) is never shared
    expect(key('')).toBeUndefined()
    expect(
      canonicalForm({ ...policy(), restrictions: [{ ...x('a'), id: 7 }] } as unknown as Policy)
        ?.key,
    ).toBeUndefined()
    // nor is a policy whose tree is broken
    expect(canonicalForm({ ...policy(), orgUnits: { t1: 'nowhere' } })?.key).toBeUndefined()
  })

  it('writes values with their type and keys in their order', () => {
    const key = (when: unknown) =>
      contentKey({
        ...policy(),
        roles: [
          { id: 'r', name: 'r', kind: 'custom', grants: [{ actions: ['ticket.view'], when }] },
        ],
      } as unknown as Policy)
    const distinct = [
      { eq: [{ ref: 'resource.priority' }, 0] },
      { eq: [{ ref: 'resource.priority' }, -0] },
      { eq: [{ ref: 'resource.priority' }, null] },
      { eq: [{ ref: 'resource.priority' }, NaN] },
      { eq: [{ ref: 'resource.priority' }, '0'] },
      { eq: [{ ref: 'resource.priority' }, undefined] },
      { eq: [{ ref: 'resource.priority' }] },
      { eq: [{ ref: 'resource.status' }, 'a","b'] },
      { eq: [{ ref: 'resource.status' }, 'a'], ne: [{ ref: 'resource.status' }, 'b'] },
      { ne: [{ ref: 'resource.status' }, 'b'], eq: [{ ref: 'resource.status' }, 'a'] },
      undefined,
    ].map(key)
    expect(new Set(distinct).size).toBe(distinct.length)
  })

  it('compiles on its own, never shared, a policy that is not plain data', () => {
    const sparse: unknown[] = ['ticket.view']
    sparse[2] = 'ticket.edit'
    const cyclic: Record<string, unknown> = { and: [] }
    ;(cyclic['and'] as unknown[]).push(cyclic)
    class Unit {
      readonly root = null
    }
    const getter = { ...policy() }
    Object.defineProperty(getter, 'roles', { get: () => policy().roles, enumerable: true })
    for (const p of [
      { ...policy(), orgUnits: new Unit() as never },
      { ...policy(), roles: [{ ...policy().roles[0]!, grants: [{ actions: sparse }] }] },
      { ...policy(), roles: [{ ...policy().roles[0]!, grants: [{ actions: [], when: cyclic }] }] },
      { ...policy(), roles: [{ ...policy().roles[0]!, grants: [{ actions: [() => 1] }] }] },
      getter,
    ] as Policy[])
      expect(contentKey(p)).toBeUndefined()
    // still compiled (and not cached): two compilations of it build two cores
    clearSharedCaches()
    const withClass = { ...policy(), orgUnits: Object.assign(new Unit(), { t1: 'root' }) } as never
    const x = compilePolicy(withClass)
    expect(compilePolicy(withClass).tables).not.toBe(x.tables)
    expect(sharedCacheSizes().cores).toBe(0)
  })

  it('keeps a frozen copy of the policy, with each compiled policy’s own version', () => {
    clearSharedCaches()
    const mine = policy(1) as { -readonly [K in keyof Policy]: Policy[K] }
    const a = compilePolicy(mine)
    const b = compilePolicy(policy(2))
    expect(a.policy).toEqual(policy(1))
    expect(b.policy).toEqual(policy(2))
    expect(Object.isFrozen(a.policy.roles[0]!.grants[0])).toBe(true)
    // the caller's object is its own: changing it changes no compiled policy
    mine.roles = []
    expect(a.policy.roles.map((r) => r.id)).toEqual(['agent', 'lead'])
    expect(b.policy.roles).toBe(a.policy.roles)
  })

  it('a policy changed in place after compiling compiles to its new content', () => {
    clearSharedCaches()
    const p = policy() as { -readonly [K in keyof Policy]: Policy[K] }
    const before = bindSubject(compilePolicy(p), subject)
    expect(decide(before, 'customer.view', undefined, { now: 0 }).allowed).toBe(true)
    p.roles = [{ ...p.roles[0]!, grants: [] }, p.roles[1]!]
    const after = bindSubject(compilePolicy(p), subject)
    expect(decide(after, 'customer.view', undefined, { now: 0 }).allowed).toBe(false)
    // and the first content, compiled again, is the first answer
    const again = bindSubject(compilePolicy(policy()), subject)
    expect(decide(again, 'customer.view', undefined, { now: 0 }).allowed).toBe(true)
  })

  it('an invalid policy is refused every time (only valid content is kept)', () => {
    clearSharedCaches()
    const bad = { ...policy(), orgUnits: { t1: 'nowhere' } }
    expect(() => compilePolicy(bad)).toThrow(/unknown parent/)
    expect(() => compilePolicy({ ...bad, version: 2 })).toThrow(/unknown parent/)
    expect(sharedCacheSizes().cores).toBe(0)
  })

  it('keeps a bounded number of contents', () => {
    clearSharedCaches()
    const [agent, lead] = policy().roles as [Role, Role]
    for (let i = 0; i < 300; i++)
      compilePolicy({ ...policy(), roles: [{ ...agent, name: `Agent ${i}` }, lead] })
    expect(sharedCacheSizes().cores).toBeLessThanOrEqual(128)
    expect(sharedCacheSizes().cores).toBeGreaterThan(0)
  })

  it('a role set is one table whatever the order of the subject’s roles', () => {
    clearSharedCaches()
    const cp = compilePolicy(policy())
    const ab = bindSubject(cp, { ...subject, roles: ['lead', 'agent'] })
    clearSharedCaches()
    const cp2 = compilePolicy(policy())
    const ba = bindSubject(cp2, { ...subject, roles: ['agent', 'lead'] })
    const d1 = explain(ab, 'ticket.view', ticket({}), { now: 0 })
    const d2 = explain(ba, 'ticket.view', ticket({}), { now: 0 })
    expect(d1.matched.map((r) => r.id)).toEqual(['agent', 'lead'])
    expect(d2).toEqual(d1)
  })
})
