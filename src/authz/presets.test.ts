/**
 * The seeds' own rules for the presets (issue 9 item 6, docs/presets.md), asked of the engine.
 * Each block names the seed the rule comes from.
 */
import { describe, expect, it } from 'vitest'
import {
  allActions,
  bindSubject,
  builtinRoles,
  catalog,
  compilePolicy,
  decide,
  isHighRisk,
  presetRoles,
  project,
  uneditableFields,
  type Action,
  type Resource,
  type ResourceType,
  type Subject,
} from './index.js'

const engine = compilePolicy({
  version: 1,
  timeZone: 'Asia/Shanghai',
  orgUnits: { r1: null, t1: 'r1', t2: 'r1' },
  roles: [...builtinRoles, ...presetRoles],
})
const env = { now: Date.UTC(2026, 10, 23, 4, 0) } // Monday 12:00 in Shanghai

/** u1 in team t1, member of project p1. */
const as = (role: string, more: Partial<Subject> = {}) =>
  bindSubject(engine, {
    id: 'u1',
    companyId: 'c1',
    orgUnitId: 't1',
    projectIds: ['p1'],
    roles: [role],
    ...more,
  })

const rec = (type: ResourceType, attrs: Record<string, string | boolean | number>): Resource => ({
  type,
  id: `${type}-1`,
  companyId: 'c1',
  attrs: { orgUnitId: 't1', projectId: 'p1', ...attrs },
})

const customerRow = {
  id: 'cu1',
  name: 'Wang Fang',
  phone: '13812345678',
  idNumber: '110101199003071234',
  bankCard: '6222020200112233',
  region: 'East',
  tags: 'repeat buyer',
  complaints: 'late delivery x2',
  orderHistory: 'A-1001, A-1007',
}

describe('[001] a basic agent sees basic customer information; a senior agent more history and detail', () => {
  const own = rec('customer', { ownerId: 'u1' })

  it('the novice sees contact and profile, not the complaints or the order history', () => {
    const d = decide(as('novice-agent'), 'customer.view', own, env)
    expect(d.reason).toBe('granted')
    expect(d.obligations.fields).toMatchObject({ complaints: 'hidden', orderHistory: 'hidden' })
    const seen = project(d, 'customer', customerRow)
    expect(seen).toMatchObject({ name: 'Wang Fang', phone: '13812345678', region: 'East' })
    expect(seen).not.toHaveProperty('complaints')
    expect(seen).not.toHaveProperty('orderHistory')
    expect(seen.idNumber).toBe('110101********1234')
  })

  it('the senior reads the complaints and the order history; ID number and bank card stay masked', () => {
    const d = decide(as('senior-agent'), 'customer.view', own, env)
    expect(d.obligations.fields).toMatchObject({ complaints: 'read', orderHistory: 'read' })
    const seen = project(d, 'customer', customerRow)
    expect(seen).toMatchObject({ complaints: 'late delivery x2', orderHistory: 'A-1001, A-1007' })
    expect(seen.bankCard).toBe('************2233')
  })

  it('novice and senior field levels differ on every customer record they both see', () => {
    const novice = decide(as('novice-agent'), 'customer.view', own, env).obligations.fields
    const senior = decide(as('senior-agent'), 'customer.view', own, env).obligations.fields
    expect(novice).not.toEqual(senior)
  })

  it('[000][002] the novice may not edit a customer; the senior edits the contact details only', () => {
    expect(decide(as('novice-agent'), 'customer.edit', own, env).reason).toBe('not_granted')
    const d = decide(as('senior-agent'), 'customer.edit', own, env)
    expect(d.reason).toBe('granted')
    expect(
      uneditableFields(d, { phone: '1', email: 'x@y', complaints: 'c', orderHistory: 'o' }),
    ).toEqual(['complaints', 'orderHistory'])
    expect(decide(as('senior-agent'), 'customer.delete', own, env).reason).toBe('not_granted')
  })

  it('a colleague’s customer stays out of scope for both', () => {
    const theirs = rec('customer', { ownerId: 'u2' })
    expect(decide(as('novice-agent'), 'customer.view', theirs, env).reason).toBe('out_of_scope')
    expect(decide(as('senior-agent'), 'customer.view', theirs, env).reason).toBe('out_of_scope')
  })
})

describe('[000] the team lead assesses the team’s use of scripts and never approves their own request', () => {
  const lead = as('team-lead')

  it('scores a team member’s calls (QA evaluation), not another team’s', () => {
    const mine = rec('qaEvaluation', { agentId: 'u2' })
    for (const action of ['qaEvaluation.create', 'qaEvaluation.edit', 'qaEvaluation.view'] as const)
      expect([action, decide(lead, action, mine, env).reason]).toEqual([action, 'granted'])
    const other = rec('qaEvaluation', { agentId: 'u9', orgUnitId: 't2' })
    expect(decide(lead, 'qaEvaluation.create', other, env).reason).toBe('out_of_scope')
    expect(decide(lead, 'qaScorecard.view', rec('qaScorecard', {}), env).reason).toBe('granted')
    expect(decide(lead, 'qaEvaluation.delete', mine, env).reason).toBe('not_granted')
    // agents do not assess each other
    expect(decide(as('senior-agent'), 'qaEvaluation.create', mine, env).reason).toBe('not_granted')
  })

  it('approves or rejects a team member’s request, but not their own (it goes to an admin)', () => {
    const agents = rec('approval', { requesterId: 'u2', status: 'pending' })
    const own = rec('approval', { requesterId: 'u1', status: 'pending' })
    for (const action of ['approval.approve', 'approval.reject'] as const) {
      expect(decide(lead, action, agents, env).reason).toBe('granted')
      expect(decide(lead, action, own, env)).toMatchObject({
        allowed: false,
        reason: 'condition_not_met',
      })
    }
    expect(decide(lead, 'approval.view', own, env).reason).toBe('granted')
    expect(decide(as('admin'), 'approval.approve', own, env).reason).toBe('granted')
    // a request without a requester is never approvable by the lead (missing ≠ someone else)
    expect(
      decide(lead, 'approval.approve', rec('approval', { status: 'pending' }), env).reason,
    ).toBe('condition_not_met')
    const otherTeam = rec('approval', { requesterId: 'u9', orgUnitId: 't2' })
    expect(decide(lead, 'approval.approve', otherTeam, env).reason).toBe('out_of_scope')
  })

  it('a senior agent may ask (approval.create) but has no approval right', () => {
    const senior = as('senior-agent')
    expect(decide(senior, 'approval.create', undefined, env).reason).toBe('granted')
    const agents = rec('approval', { requesterId: 'u2' })
    expect(decide(senior, 'approval.approve', agents, env).reason).toBe('not_granted')
  })

  it('reads the team’s chats as well as its calls', () => {
    expect(decide(lead, 'chat.view', rec('chat', { agentId: 'u2' }), env).reason).toBe('granted')
    expect(
      decide(lead, 'chat.view', rec('chat', { agentId: 'u9', orgUnitId: 't2' }), env).reason,
    ).toBe('out_of_scope')
  })
})

describe('[002] W5: a cross-department view shares only the necessary fields', () => {
  const lead = as('team-lead')
  it('the team lead shares the team’s tickets and customers, no other team’s', () => {
    for (const type of ['ticket', 'customer'] as const) {
      const action = `${type}.share` as Action
      expect(decide(lead, action, rec(type, { assigneeId: 'u2', ownerId: 'u2' }), env).reason).toBe(
        'granted',
      )
      expect(
        decide(lead, action, rec(type, { orgUnitId: 't2', assigneeId: 'u1', ownerId: 'u1' }), env)
          .reason,
      ).toBe('out_of_scope')
    }
  })

  it('no agent position shares a record, even their own', () => {
    for (const role of ['novice-agent', 'senior-agent', 'after-sales-agent', 'sales-rep']) {
      const mine = rec('ticket', { assigneeId: 'u1' })
      expect(decide(as(role), 'ticket.share', mine, env).allowed, role).toBe(false)
      expect(
        decide(as(role), 'customer.share', rec('customer', { ownerId: 'u1' }), env).allowed,
        role,
      ).toBe(false)
    }
  })
})

describe('[002] sales and marketing', () => {
  const rep = as('sales-rep')
  const marketing = as('marketing')

  it('a sales rep creates contracts for their own customers, not for others’, and deletes none', () => {
    expect(decide(rep, 'contract.create', rec('contract', { ownerId: 'u1' }), env).reason).toBe(
      'granted',
    )
    expect(decide(rep, 'contract.create', rec('contract', { ownerId: 'u2' }), env).reason).toBe(
      'out_of_scope',
    )
    expect(decide(rep, 'contract.approve', rec('contract', { ownerId: 'u1' }), env).reason).toBe(
      'not_granted',
    )
    expect(decide(rep, 'customer.delete', rec('customer', { ownerId: 'u1' }), env).reason).toBe(
      'not_granted',
    )
  })

  it('a sales rep sees the team’s opportunities, never another team’s', () => {
    const teammate = rec('opportunity', { ownerId: 'u2' })
    expect(decide(rep, 'opportunity.view', teammate, env).reason).toBe('granted')
    expect(decide(rep, 'opportunity.edit', teammate, env).reason).toBe('out_of_scope')
    expect(
      decide(rep, 'opportunity.view', rec('opportunity', { ownerId: 'u9', orgUnitId: 't2' }), env)
        .reason,
    ).toBe('out_of_scope')
  })

  it('marketing assigns sales leads to sales; the rep works the leads assigned to them', () => {
    const lead = rec('lead', { ownerId: 'u7', orgUnitId: 't2' })
    expect(decide(marketing, 'lead.assign', lead, env).reason).toBe('granted')
    expect(decide(marketing, 'lead.create', undefined, env).reason).toBe('granted')
    expect(decide(marketing, 'lead.delete', lead, env).reason).toBe('not_granted')
    expect(decide(rep, 'lead.assign', rec('lead', { ownerId: 'u1' }), env).reason).toBe(
      'not_granted',
    )
    expect(decide(rep, 'lead.view', rec('lead', { ownerId: 'u1' }), env).reason).toBe('granted')
    expect(decide(rep, 'lead.view', rec('lead', { ownerId: 'u2' }), env).reason).toBe(
      'out_of_scope',
    )
  })

  it('marketing creates campaigns, changes customer tags only through approval, never quotes', () => {
    expect(decide(marketing, 'campaign.create', undefined, env).reason).toBe('granted')
    const tag = decide(marketing, 'customer.tag', rec('customer', { ownerId: 'u2' }), env)
    expect(tag.reason).toBe('granted')
    expect(tag.obligations.approvalRequired).toBe(true)
    expect(decide(marketing, 'quote.edit', rec('quote', { ownerId: 'u1' }), env).reason).toBe(
      'not_granted',
    )
  })
})

describe('[002][003] management reads all data and exports reports, and changes nothing directly', () => {
  const management = as('management')
  const settings: ResourceType[] = ['financeSettings', 'kpiSettings', 'securitySettings']

  it('views every record type (other teams’ too)', () => {
    for (const type of Object.keys(catalog) as ResourceType[]) {
      if (settings.includes(type)) continue
      const action = `${type}.view` as Action
      if (!allActions.includes(action)) continue
      const d = decide(management, action, rec(type, { ownerId: 'u9', orgUnitId: 't2' }), env)
      expect([action, d.reason]).toEqual([action, 'granted'])
    }
  })

  it('exports reports, anywhere in the company', () => {
    const report = rec('report', { orgUnitId: 't2', kind: 'satisfaction' })
    expect(decide(management, 'report.export', report, env).reason).toBe('granted')
  })

  it('edits, deletes and exports nothing else; a change goes through a traced request (G3)', () => {
    for (const action of allActions) {
      const verb = action.slice(action.indexOf('.') + 1)
      if (verb === 'view' || action === 'report.export' || action === 'approval.create') continue
      expect([action, decide(management, action, undefined, env).reason]).toEqual([
        action,
        'not_granted',
      ])
    }
    expect(decide(management, 'approval.create', undefined, env).reason).toBe('granted')
  })
})

describe('[004] the Operator reads the call and chat logs', () => {
  const operator = as('operator')

  it('reads every user’s calls and chats, in any team', () => {
    for (const type of ['call', 'chat'] as const) {
      const theirs = rec(type, { agentId: 'u9', orgUnitId: 't2' })
      expect([type, decide(operator, `${type}.view`, theirs, env).reason]).toEqual([
        type,
        'granted',
      ])
    }
  })

  it('creates support tickets and uses the workspace, but changes no log', () => {
    expect(decide(operator, 'ticket.create', undefined, env).reason).toBe('granted')
    expect(decide(operator, 'workspace.use', undefined, env).reason).toBe('granted')
    for (const action of ['chat.edit', 'chat.delete', 'chat.export', 'call.delete'] as const)
      expect([action, decide(operator, action, undefined, env).reason]).toEqual([
        action,
        'not_granted',
      ])
  })

  it('another company’s chat is denied whatever the role', () => {
    const foreign = { ...rec('chat', { agentId: 'u1' }), companyId: 'c2' }
    expect(decide(operator, 'chat.view', foreign, env).reason).toBe('other_company')
  })
})

describe('[000] the other positions against their seed sentences', () => {
  it('only trainers and admins change scripts; agents use the preset ones', () => {
    const script = rec('script', { authorId: 'u2' })
    expect(decide(as('trainer'), 'script.edit', script, env).reason).toBe('granted')
    expect(decide(as('senior-agent'), 'script.edit', script, env).reason).toBe('not_granted')
    // [000] 预设话术: the published (preset) scripts of their project, not a draft
    const preset = rec('script', { authorId: 'u2', status: 'published' })
    expect(decide(as('novice-agent'), 'script.use', preset, env).reason).toBe('granted')
    expect(decide(as('novice-agent'), 'script.use', script, env).allowed).toBe(false)
    // a script template request is approved by an admin, not by the trainer
    expect(decide(as('trainer'), 'script.approve', script, env).reason).toBe('not_granted')
  })

  it('telesales dials in bulk through its projects’ dialers and never sees complaints', () => {
    const me = as('telesales-agent')
    expect(decide(me, 'dialer.start', rec('dialer', {}), env).reason).toBe('granted')
    expect(decide(me, 'dialer.start', rec('dialer', { projectId: 'p9' }), env).reason).toBe(
      'out_of_scope',
    )
    const d = decide(me, 'customer.view', rec('customer', { ownerId: 'u1' }), env)
    expect(d.obligations.fields.complaints).toBe('hidden')
    expect(decide(me, 'ticket.create', undefined, env).reason).toBe('not_granted')
  })

  it('the QA inspector scores every call but dials nobody and talks to no customer', () => {
    const me = as('qa-inspector')
    expect(
      decide(me, 'qaEvaluation.create', rec('qaEvaluation', { orgUnitId: 't2' }), env).reason,
    ).toBe('granted')
    expect(decide(me, 'call.dial', undefined, env).reason).toBe('not_granted')
    expect(decide(me, 'chat.reply', undefined, env).reason).toBe('not_granted')
    expect(decide(me, 'recording.play', rec('recording', { orgUnitId: 't2' }), env).reason).toBe(
      'granted',
    )
  })

  it('[000] P11: agents use the number pools assigned to them, their team or project, no other', () => {
    const pool = (attrs: Record<string, string>) =>
      rec('numberPool', { orgUnitId: '', projectId: '', userId: '', ...attrs })
    for (const role of ['novice-agent', 'senior-agent', 'team-lead']) {
      const me = as(role)
      for (const mine of [{ userId: 'u1' }, { orgUnitId: 't1' }, { projectId: 'p1' }] as Record<
        string,
        string
      >[]) {
        expect(decide(me, 'numberPool.use', pool(mine), env).reason, role).toBe('granted')
      }
      for (const theirs of [
        { userId: 'u2' },
        { orgUnitId: 't2' },
        { projectId: 'p9' },
        {},
      ] as Record<string, string>[]) {
        expect(decide(me, 'numberPool.use', pool(theirs), env).allowed, role).toBe(false)
      }
    }
    // telesales: its own pools and its projects' pools
    const telesales = as('telesales-agent')
    expect(decide(telesales, 'numberPool.use', pool({ userId: 'u1' }), env).allowed).toBe(true)
    expect(decide(telesales, 'numberPool.use', pool({ projectId: 'p1' }), env).allowed).toBe(true)
    expect(decide(telesales, 'numberPool.use', pool({ orgUnitId: 't1' }), env).allowed).toBe(false)
    // nobody but Admin and Supervisor manages pools (P11: admin-managed)
    for (const role of presetRoles.map((r) => r.id)) {
      expect(decide(as(role), 'numberPool.create', undefined, env).allowed, role).toBe(false)
      expect(decide(as(role), 'blacklist.create', undefined, env).allowed, role).toBe(false)
    }
  })
})

describe('[000][002] P2 high-risk actions (delete, export, unmask, download) stay with admins', () => {
  it('no preset position holds one, except report export where a seed gives it', () => {
    const exporters = ['qa-inspector', 'data-analyst', 'management']
    for (const role of presetRoles) {
      const me = as(role.id)
      for (const action of allActions.filter(isHighRisk)) {
        const allowed = decide(me, action, undefined, env).allowed
        const expected = action === 'report.export' && exporters.includes(role.id)
        expect([role.id, action, allowed]).toEqual([role.id, action, expected])
      }
    }
  })
})
