import { describe, expect, it } from 'vitest'
import {
  bindSubject,
  compilePolicy,
  effectivePermissions,
  permissionDiff,
  PolicyError,
  type Policy,
  type Role,
} from './index.js'

const now = Date.UTC(2026, 10, 23, 4, 0)

function permissionsOf(role: Role, extra: Partial<Policy> = {}) {
  const policy: Policy = {
    version: 1,
    timeZone: 'UTC',
    orgUnits: { t1: null },
    roles: [role],
    ...extra,
  }
  const me = bindSubject(compilePolicy(policy), {
    id: 'u1',
    companyId: 'c1',
    orgUnitId: 't1',
    roles: [role.id],
  })
  return Object.fromEntries(effectivePermissions(me, { now }).map((p) => [p.action, p.conditional]))
}

describe('effectivePermissions: conditional (issue 9, defect 7)', () => {
  it('a data scope alone is not a condition; when, a window and a restriction are', () => {
    const role: Role = {
      id: 'r',
      name: 'R',
      kind: 'custom',
      grants: [
        { actions: ['call.view'], scope: 'own' },
        { actions: ['customer.view'], scope: 'team' },
        {
          actions: ['ticket.edit'],
          scope: 'own',
          when: { ne: [{ ref: 'resource.status' }, 'closed'] },
        },
        // a conditional grant a plain one with the same scope covers changes nothing
        { actions: ['ticket.view'], scope: 'own' },
        {
          actions: ['ticket.view'],
          scope: 'own',
          when: { eq: [{ ref: 'resource.status' }, 'open'] },
        },
        // not covered: team reaches records the own grant does not
        { actions: ['ticket.reply'], scope: 'own' },
        {
          actions: ['ticket.reply'],
          scope: 'team',
          when: { eq: [{ ref: 'resource.status' }, 'open'] },
        },
        { actions: ['report.view'], scope: 'team' },
      ],
      restrictions: [{ id: 'no-reports', actions: ['report.view'], when: { weekday: [6, 7] } }],
    }
    expect(permissionsOf(role)).toEqual({
      'call.view': false,
      'customer.view': false,
      'ticket.edit': true,
      'ticket.view': false,
      'ticket.reply': true,
      'report.view': true,
    })
  })
})

describe('restriction ids (issue 9, defect 4)', () => {
  it('a restriction without an id does not compile; the problem names its path', () => {
    const role = {
      id: 'r',
      name: 'R',
      kind: 'custom',
      grants: [{ actions: ['ticket.view'], scope: 'company' }],
      restrictions: [{ actions: ['ticket.view'] }],
    } as unknown as Role
    expect(() => permissionsOf(role)).toThrow(PolicyError)
    try {
      permissionsOf(role)
    } catch (error) {
      expect((error as PolicyError).problems).toEqual([
        { path: 'roles[0].restrictions[0].id', message: 'a restriction needs an id (a string)' },
      ])
    }
  })

  it('a stored non-string label never reaches a decision: the role name stands in', () => {
    const role = {
      id: 'r',
      name: 'Desk',
      kind: 'custom',
      grants: [{ actions: ['ticket.view'], scope: 'company', label: 7 }],
    } as unknown as Role
    const policy: Policy = { version: 1, timeZone: 'UTC', orgUnits: {}, roles: [role] }
    const me = bindSubject(compilePolicy(policy), { id: 'u1', companyId: 'c1', roles: ['r'] })
    expect(effectivePermissions(me, { now })).toHaveLength(1)
    const engine = compilePolicy(policy)
    expect(engine.roleRules.get('r')?.[0]?.ref.label).toBe('Desk')
  })
})

describe('permissionDiff: what a change gives and takes (issue 12, role impact)', () => {
  const policyWith = (grants: Role['grants']): Policy => ({
    version: 1,
    timeZone: 'UTC',
    orgUnits: { t1: null },
    roles: [
      { id: 'r', name: 'R', kind: 'custom', grants },
      {
        id: 'other',
        name: 'Other',
        kind: 'custom',
        grants: [{ actions: ['call.view'], scope: 'own' }],
      },
    ],
  })
  const person = { id: 'u1', companyId: 'c1', orgUnitId: 't1', roles: ['r', 'other'] }
  const diff = (before: Role['grants'], after: Role['grants']) =>
    permissionDiff(
      bindSubject(compilePolicy(policyWith(before)), person),
      bindSubject(compilePolicy(policyWith(after)), person),
      { now },
    )

  it('reports actions, scopes and field levels gained and lost; the rest is unchanged', () => {
    const d = diff(
      [
        { actions: ['customer.view'], scope: 'team', fields: { phone: 'read' } },
        { actions: ['ticket.view'], scope: 'own' },
      ],
      [
        { actions: ['customer.view'], scope: 'company', fields: { phone: 'masked' } },
        { actions: ['call.view'], scope: 'own' },
      ],
    )
    expect(d.gained).toEqual([
      { action: 'customer.view', whole: false, scopes: ['company'], fields: [] },
    ])
    expect(d.lost).toEqual([
      {
        action: 'customer.view',
        whole: false,
        scopes: ['team'],
        fields: [{ field: 'phone', from: 'read', to: 'masked' }],
      },
      { action: 'ticket.view', whole: true, scopes: ['own'], fields: [] },
    ])
    // call.view is held through the other role before and after: neither gained nor lost
    expect([...d.gained, ...d.lost].some((c) => c.action === 'call.view')).toBe(false)
  })

  it('no change, no diff', () => {
    const grants: Role['grants'] = [{ actions: ['ticket.view'], scope: 'team' }]
    expect(diff(grants, grants)).toEqual({ gained: [], lost: [] })
  })
})
