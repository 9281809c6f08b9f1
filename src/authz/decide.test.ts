import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  adminRole,
  allActions,
  bindSubject,
  builtinRoles,
  catalog,
  check,
  compilePolicy,
  decide,
  decideMany,
  explain,
  PolicyError,
  presetRoles,
  project,
  supervisorRole,
  uneditableFields,
  vipTeamGroup,
  type Action,
  type Grant,
  type Policy,
  type Resource,
  type Restriction,
  type Role,
  type Subject,
} from './index.js'

const orgUnits = { r1: null, b1: 'r1', t1: 'b1', t2: 'b1', r2: null, b2: 'r2', t3: 'b2' }
const noon = Date.UTC(2026, 10, 23, 4, 0) // Monday 12:00 in Asia/Shanghai
const evening = Date.UTC(2026, 10, 23, 10, 30) // Monday 18:30 in Asia/Shanghai
const env = { now: noon, ip: '10.0.0.5' }

function setup(extra: { roles?: Role[]; restrictions?: Restriction[] } = {}) {
  const policy: Policy = {
    version: 1,
    timeZone: 'Asia/Shanghai',
    orgUnits,
    roles: [...builtinRoles, ...presetRoles, ...(extra.roles ?? [])],
    groups: [vipTeamGroup],
    restrictions: extra.restrictions ?? [],
  }
  const engine = compilePolicy(policy)
  const as = (roles: string[], more: Partial<Subject> = {}) =>
    bindSubject(engine, {
      id: 'u1',
      companyId: 'c1',
      orgUnitId: 't1',
      projectIds: ['p1'],
      roles,
      ...more,
    })
  return { engine, as }
}

const customer = (attrs: Record<string, unknown> = {}): Resource => ({
  type: 'customer',
  id: 'cu1',
  companyId: 'c1',
  attrs: { ownerId: 'u1', orgUnitId: 't1', projectId: 'p1', ...attrs } as Resource['attrs'],
})
const ticket = (attrs: Record<string, unknown> = {}): Resource => ({
  type: 'ticket',
  id: 'tk1',
  companyId: 'c1',
  attrs: {
    assigneeId: 'u1',
    orgUnitId: 't1',
    projectId: 'p1',
    status: 'processing',
    ...attrs,
  } as Resource['attrs'],
})
const customerRow = {
  id: 'cu1',
  name: 'Wang Fang',
  phone: '13812345678',
  idNumber: '110101199003071234',
  bankCard: '6222020200112233',
  complaints: 'late delivery x2',
  orderHistory: 'A-1001',
  level: 'VIP',
}

describe('P12 least privilege', () => {
  it('a new role holds nothing: every action is not_granted', () => {
    const { as } = setup({ roles: [{ id: 'empty', name: 'New role', kind: 'custom', grants: [] }] })
    const me = as(['empty'])
    for (const action of allActions) {
      const d = decide(me, action, undefined, env)
      expect(d).toMatchObject({ allowed: false, reason: 'not_granted', matched: [] })
    }
  })
})

describe('[000] novice vs senior vs team lead vs admin (R6, P2, P4, P9)', () => {
  const { as } = setup()
  const novice = as(['novice-agent'])
  const senior = as(['senior-agent'])
  const lead = as(['team-lead'])
  const admin = as(['admin'])

  it.each([
    ['novice', novice, 'customer.edit', 'not_granted'],
    ['senior', senior, 'customer.edit', 'granted'],
    ['lead', lead, 'customer.edit', 'granted'],
    ['novice', novice, 'customer.delete', 'not_granted'],
    ['senior', senior, 'customer.export', 'not_granted'],
    ['lead', lead, 'customer.delete', 'not_granted'],
    ['admin', admin, 'customer.delete', 'granted'],
    ['admin', admin, 'customer.export', 'granted'],
    ['novice', novice, 'script.edit', 'not_granted'],
  ] as const)('%s: %s → %s', (_who, me, action, reason) => {
    const d = decide(me, action, customer(), env)
    expect(d.reason).toBe(reason)
    expect(d.allowed).toBe(reason === 'granted')
  })

  it('[000] a novice uses the published scripts of their project, never a draft', () => {
    const script = (status: string, projectId: string | null): Resource => ({
      type: 'script',
      id: 'sc1',
      companyId: 'c1',
      attrs: { authorId: 'u9', projectId, status },
    })
    expect(decide(novice, 'script.use', script('published', 'p1'), env).reason).toBe('granted')
    expect(decide(novice, 'script.use', script('published', null), env).reason).toBe('granted')
    expect(decide(novice, 'script.use', script('draft', 'p1'), env).allowed).toBe(false)
    expect(decide(novice, 'script.use', script('published', 'p9'), env).allowed).toBe(false)
  })

  it('masks the ID number and bank card for agents, shows them to the admin', () => {
    const agentView = project(
      decide(novice, 'customer.view', customer(), env),
      'customer',
      customerRow,
    )
    expect(agentView.idNumber).toBe('110101********1234')
    expect(agentView.bankCard).toBe('************2233')
    expect(agentView.maskedFields).toEqual(['idNumber', 'bankCard'])
    const adminView = project(
      decide(admin, 'customer.view', customer(), env),
      'customer',
      customerRow,
    )
    expect(adminView.idNumber).toBe(customerRow.idNumber)
    expect(adminView.maskedFields).toBeUndefined()
  })

  it('a team lead sees the team’s customers, an agent only their own (P3)', () => {
    const colleagues = customer({ ownerId: 'u2' })
    expect(decide(novice, 'customer.view', colleagues, env).reason).toBe('out_of_scope')
    expect(decide(lead, 'customer.view', colleagues, env).reason).toBe('granted')
    expect(
      decide(lead, 'customer.view', customer({ ownerId: 'u9', orgUnitId: 't2' }), env).reason,
    ).toBe('out_of_scope')
  })

  it('reports outbound line limits: novice 2, senior 5 (P9)', () => {
    const call = { type: 'call', id: 'c1', companyId: 'c1', attrs: { agentId: 'u1' } } as const
    expect(decide(novice, 'call.dial', call, env).obligations.limits).toEqual({ concurrent: 2 })
    expect(decide(senior, 'call.dial', call, env).obligations.limits).toEqual({ concurrent: 5 })
  })

  it('each level contains the one below (R6)', () => {
    const records: Resource[] = [
      customer(),
      customer({ ownerId: 'u2' }),
      ticket(),
      ticket({ status: 'closed' }),
      ticket({ assigneeId: 'u2' }),
    ]
    const levels = [novice, senior, lead, admin]
    for (let i = 1; i < levels.length; i++) {
      for (const action of allActions) {
        for (const r of [undefined, ...records.filter((x) => action.startsWith(`${x.type}.`))]) {
          if (check(levels[i - 1]!, action, r, env))
            expect([action, check(levels[i]!, action, r, env)]).toEqual([action, true])
        }
      }
    }
  })
})

describe('[000] P8 quotas', () => {
  it('a team lead may add 5 outbound numbers a day', () => {
    const { as } = setup()
    const pool = {
      type: 'numberPool',
      id: 'np1',
      companyId: 'c1',
      attrs: { orgUnitId: 't1' },
    } as const
    const d = decide(as(['team-lead']), 'numberPool.addNumber', pool, env)
    expect(d).toMatchObject({
      allowed: true,
      reason: 'granted',
      obligations: { limits: { perDay: 5 } },
    })
    expect(decide(as(['senior-agent']), 'numberPool.addNumber', pool, env).reason).toBe(
      'not_granted',
    )
  })
})

describe('[003] P5 closed tickets are read-only except reopen and return visit', () => {
  const { as } = setup()
  const senior = as(['senior-agent'])
  it.each([
    ['ticket.view', 'processing', 'granted'],
    ['ticket.edit', 'processing', 'granted'],
    ['ticket.view', 'closed', 'granted'],
    ['ticket.edit', 'closed', 'condition_not_met'],
    ['ticket.reply', 'closed', 'condition_not_met'],
    ['ticket.close', 'closed', 'condition_not_met'],
    ['ticket.reopen', 'closed', 'granted'],
    ['ticket.returnVisit', 'closed', 'granted'],
    ['ticket.reopen', 'processing', 'condition_not_met'],
  ] as const)('%s on a %s ticket → %s', (action, status, reason) => {
    expect(decide(senior, action, ticket({ status }), env).reason).toBe(reason)
  })
})

describe('[003] P4 field rules on tickets', () => {
  const { as } = setup()
  const row = { id: 'tk1', title: 'No dial tone', customerLevel: 'VIP', faultCode: 'E42' }
  it('"customer level" is visible only to the VIP team', () => {
    const plain = project(decide(as(['team-lead']), 'ticket.view', ticket(), env), 'ticket', row)
    expect(plain).not.toHaveProperty('customerLevel')
    const vip = project(
      decide(as(['team-lead'], { groups: ['vip-team'] }), 'ticket.view', ticket(), env),
      'ticket',
      row,
    )
    expect(vip.customerLevel).toBe('VIP')
  })
  it('"fault code" is editable only by tech support', () => {
    const escalated = ticket({ escalated: true, assigneeId: 'u2', orgUnitId: 't3' })
    const tech = decide(as(['tech-support']), 'ticket.edit', escalated, env)
    expect(tech.reason).toBe('granted')
    expect(uneditableFields(tech, { faultCode: 'E43' })).toEqual([])
    const lead = decide(as(['team-lead']), 'ticket.edit', ticket(), env)
    expect(lead.reason).toBe('granted')
    expect(uneditableFields(lead, { faultCode: 'E43', title: 'x' })).toEqual(['faultCode'])
  })
  it('tech support sees only escalated tickets', () => {
    expect(
      decide(as(['tech-support']), 'ticket.view', ticket({ escalated: false }), env).reason,
    ).toBe('condition_not_met')
  })
})

describe('[002] complaint records hidden from sales, quotes hidden from service', () => {
  const { as } = setup()
  it('a sales rep reads the order history but not the complaints', () => {
    const d = decide(as(['sales-rep']), 'customer.view', customer(), env)
    const seen = project(d, 'customer', customerRow)
    expect(seen).not.toHaveProperty('complaints')
    expect(seen.orderHistory).toBe('A-1001')
  })
  it('an after-sales agent reads complaints and may not see quotes at all', () => {
    const me = as(['after-sales-agent'])
    expect(
      project(decide(me, 'customer.view', customer(), env), 'customer', customerRow).complaints,
    ).toBe(customerRow.complaints)
    const quote = { type: 'quote', id: 'q1', companyId: 'c1', attrs: { ownerId: 'u1' } } as const
    expect(decide(me, 'quote.view', quote, env).reason).toBe('not_granted')
    expect(decide(as(['sales-rep']), 'quote.view', quote, env).reason).toBe('granted')
  })
})

describe('[002] P6 no customer data after 18:00, in the company’s time zone', () => {
  const night: Restriction = {
    id: 'no-customer-data-after-18',
    label: 'No customer data after 18:00',
    actions: ['customer.*'],
    appliesTo: { roles: ['sales-rep'] },
    when: { timeOfDay: { from: '18:00', to: '08:00' } },
  }
  const { as } = setup({ restrictions: [night] })
  it('allows at noon and denies at 18:30 Beijing time', () => {
    const rep = as(['sales-rep'])
    expect(decide(rep, 'customer.view', customer(), env).reason).toBe('granted')
    const d = decide(rep, 'customer.view', customer(), { ...env, now: evening })
    expect(d).toMatchObject({
      allowed: false,
      reason: 'restricted',
      matched: [{ kind: 'restriction', id: 'no-customer-data-after-18' }],
    })
  })
  it('does not touch roles it does not name', () => {
    expect(
      decide(as(['after-sales-agent']), 'customer.view', customer(), { ...env, now: evening })
        .reason,
    ).toBe('granted')
  })
  it('weekday windows use the same clock', () => {
    const weekdays = setup({
      roles: [
        {
          id: 'wk',
          name: 'wk',
          kind: 'custom',
          grants: [{ actions: ['customer.view'], scope: 'company', when: { weekday: [6, 7] } }],
        },
      ],
    })
    expect(decide(weekdays.as(['wk']), 'customer.view', customer(), env).reason).toBe(
      'condition_not_met',
    )
    const sunday = Date.UTC(2026, 10, 22, 4, 0)
    expect(decide(weekdays.as(['wk']), 'customer.view', customer(), { now: sunday }).reason).toBe(
      'granted',
    )
  })
})

describe('P7 network', () => {
  const office: Restriction = {
    id: 'office-only',
    actions: ['customer.*'],
    when: { not: { ipIn: ['10.0.0.0/8', '2001:db8::/32'] } },
  }
  const { as } = setup({ restrictions: [office] })
  it.each([
    ['10.1.2.3', 'granted'],
    ['2001:db8::1', 'granted'],
    ['203.0.113.7', 'restricted'],
    [undefined, 'restricted'],
  ])('from %s → %s', (ip, reason) => {
    expect(
      decide(as(['admin']), 'customer.view', customer(), { now: noon, ...(ip ? { ip } : {}) })
        .reason,
    ).toBe(reason)
  })
})

describe('[004] R1 Supervisor = Admin minus finance, KPI and security settings', () => {
  it('holds every action Admin holds except the three settings', () => {
    const { as } = setup()
    const admin = as(['admin'])
    const sup = as(['supervisor'])
    for (const action of allActions) {
      const settings = /^(financeSettings|kpiSettings|securitySettings)\./.test(action)
      expect(check(admin, action, undefined, env)).toBe(true)
      expect([action, check(sup, action, undefined, env)]).toEqual([action, !settings])
    }
    expect(supervisorRole.kind).toBe('builtin')
    expect(adminRole.kind).toBe('builtin')
  })
})

describe('P3 data scope, P10 projects, tenancy', () => {
  const { as } = setup({
    roles: [
      {
        id: 'branch',
        name: 'Branch manager',
        kind: 'custom',
        grants: [{ actions: ['customer.view'], scope: 'subtree' }],
      },
      {
        id: 'proj',
        name: 'Project agent',
        kind: 'custom',
        grants: [{ actions: ['queue.view', 'customer.view'], scope: 'project' }],
      },
    ],
  })
  it('a branch manager sees every team below, and nothing of the other branch (isolation)', () => {
    const me = as(['branch'], { orgUnitId: 'b1' })
    expect(
      decide(me, 'customer.view', customer({ orgUnitId: 't2', ownerId: 'x' }), env).reason,
    ).toBe('granted')
    expect(
      decide(me, 'customer.view', customer({ orgUnitId: 't3', ownerId: 'x' }), env).reason,
    ).toBe('out_of_scope')
  })
  it('non-members do not reach a project’s queues', () => {
    const queue = (projectId: string) =>
      ({ type: 'queue', id: 'q', companyId: 'c1', attrs: { projectId } }) as const
    expect(decide(as(['proj']), 'queue.view', queue('p1'), env).reason).toBe('granted')
    expect(decide(as(['proj']), 'queue.view', queue('p2'), env).reason).toBe('out_of_scope')
  })
  it('a record of another company is denied whatever the role', () => {
    const d = decide(as(['admin']), 'customer.view', { ...customer(), companyId: 'c2' }, env)
    expect(d).toMatchObject({ allowed: false, reason: 'other_company' })
  })
})

describe('P11 outbound compliance', () => {
  const blacklist: Restriction = {
    id: 'blacklist',
    actions: ['call.dial'],
    when: { eq: [{ ref: 'resource.blacklisted' }, true] },
  }
  const { as } = setup({ restrictions: [blacklist] })
  it('never dials a blacklisted number, even as admin', () => {
    const call = (blacklisted: boolean) =>
      ({ type: 'call', id: 'c', companyId: 'c1', attrs: { agentId: 'u1', blacklisted } }) as const
    expect(decide(as(['novice-agent']), 'call.dial', call(false), env).reason).toBe('granted')
    expect(decide(as(['novice-agent']), 'call.dial', call(true), env).reason).toBe('restricted')
    expect(decide(as(['admin']), 'call.dial', call(true), env).reason).toBe('restricted')
  })
  it('uses only number pools of the agent’s projects', () => {
    const pool = (projectId: string) =>
      ({ type: 'numberPool', id: 'np', companyId: 'c1', attrs: { projectId } }) as const
    expect(decide(as(['novice-agent']), 'numberPool.use', pool('p1'), env).reason).toBe('granted')
    expect(decide(as(['novice-agent']), 'numberPool.use', pool('p9'), env).reason).toBe(
      'out_of_scope',
    )
  })
})

describe('W1 temporary grants', () => {
  const { as } = setup()
  const fullRecord: Grant = {
    actions: ['customer.view'],
    scope: { record: 'cu9' },
    fields: { idNumber: 'read', bankCard: 'read' },
    audit: true,
    reasonRequired: true,
  }
  const grant = { ...fullRecord, id: 'g1', validFrom: noon - 60_000, validUntil: noon + 3_600_000 }
  const other = customer({ ownerId: 'u2' })
  const cu9 = { ...other, id: 'cu9' }
  it('opens one customer’s full record for an hour, audited, reason required', () => {
    const me = as(['senior-agent'], { grants: [grant] })
    const d = decide(me, 'customer.view', cu9, env)
    expect(d).toMatchObject({
      allowed: true,
      reason: 'granted',
      matched: [{ kind: 'grant', id: 'g1' }],
    })
    expect(d.obligations).toMatchObject({ audit: true, reasonRequired: true })
    expect(project(d, 'customer', customerRow).idNumber).toBe(customerRow.idNumber)
    expect(decide(me, 'customer.view', other, env).reason).toBe('out_of_scope')
  })
  it('expires by itself', () => {
    const me = as(['senior-agent'], { grants: [grant] })
    expect(decide(me, 'customer.view', cu9, { ...env, now: noon + 3_600_000 }).reason).toBe(
      'grant_inactive',
    )
  })
})

describe('explain and batches', () => {
  const { as } = setup()
  it('explain is the same decision with every rule considered', () => {
    const me = as(['senior-agent'])
    const d = decide(me, 'ticket.edit', ticket({ status: 'closed' }), env)
    const e = explain(me, 'ticket.edit', ticket({ status: 'closed' }), env)
    expect({ allowed: e.allowed, reason: e.reason }).toEqual({
      allowed: d.allowed,
      reason: d.reason,
    })
    expect(e.trace.length).toBeGreaterThan(0)
    expect(e.trace.every((t) => t.outcome === 'condition_not_met')).toBe(true)
  })
  it('explain lists rules even when the answer is constant', () => {
    const e = explain(as(['admin']), 'customer.delete', customer(), env)
    expect(e.reason).toBe('granted')
    expect(e.trace).toEqual([
      {
        rule: expect.objectContaining({ kind: 'role', id: 'admin' }),
        effect: 'allow',
        outcome: 'matched',
      },
    ])
  })
  it('decides many requests in order', () => {
    const ds = decideMany(
      as(['novice-agent']),
      [
        { action: 'customer.view', resource: customer() },
        { action: 'customer.delete', resource: customer() },
      ],
      env,
    )
    expect(ds.map((d) => d.reason)).toEqual(['granted', 'not_granted'])
  })
})

describe('fail at load, never at check', () => {
  const bad = (grant: unknown) => () =>
    compilePolicy({
      version: 1,
      timeZone: 'UTC',
      orgUnits: {},
      roles: [{ id: 'r', name: 'r', kind: 'custom', grants: [grant as Grant] }],
    })
  it.each([
    ['an unknown action', { actions: ['ticket.fly'], scope: 'company' }, /unknown action/],
    ['an unknown resource', { actions: ['rocket.view'], scope: 'company' }, /unknown resource/],
    [
      'a scope the type lacks',
      { actions: ['blacklist.view'], scope: 'own' },
      /does not apply to blacklist/,
    ],
    [
      'a bad CIDR',
      { actions: ['ticket.view'], scope: 'company', when: { ipIn: ['10.0.0.0/33'] } },
      /not a CIDR/,
    ],
    [
      'a bad clock',
      {
        actions: ['ticket.view'],
        scope: 'company',
        when: { timeOfDay: { from: '25:00', to: '08:00' } },
      },
      /HH:MM/,
    ],
    [
      'an unknown operator',
      { actions: ['ticket.view'], scope: 'company', when: { like: ['a', 'b'] } },
      /unknown operator/,
    ],
    [
      'an unknown field',
      { actions: ['ticket.view'], scope: 'company', fields: { salary: 'read' } },
      /no such field/,
    ],
    [
      'a bad limit',
      { actions: ['call.dial'], scope: 'company', limits: { concurrent: -1 } },
      /whole number/,
    ],
  ])('rejects %s', (_name, grant, message) => {
    expect(bad(grant)).toThrow(PolicyError)
    expect(bad(grant)).toThrow(message)
  })
  it('rejects an unknown time zone', () => {
    expect(() =>
      compilePolicy({ version: 1, timeZone: 'Mars/Olympus', orgUnits: {}, roles: [] }),
    ).toThrow(/time zone/)
  })
})

describe('types', () => {
  it('actions are literals from the catalog; an unknown one does not compile', () => {
    expectTypeOf<'ticket.export'>().toMatchTypeOf<Action>()
    expectTypeOf<'ticket.fly'>().not.toMatchTypeOf<Action>()
    // @ts-expect-error unknown action
    const _bad: Action = 'customer.teleport'
    expect(Object.keys(catalog).length).toBeGreaterThanOrEqual(30)
  })
})
