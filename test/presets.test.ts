/**
 * Issue 9 item 6: the presets' seed rules, asked of the running server through the decision API
 * (POST /api/v1/authz/check) about people who hold the preset roles a new company is given.
 */
import { describe, expect, it } from 'vitest'
import { caller } from './fixtures.js'
import { createTestApp, problem, signUp, strongPassword } from './test-app.js'

const { app } = await createTestApp()
const call = caller(app)

const a = await signUp(app, { companyName: 'Presets A' })
const b = await signUp(app, { companyName: 'Presets B' })
const asA = call(a.token)

const roles: { id: string; name: string }[] = (await asA('GET', '/api/v1/roles')).json().items
const roleId = (name: string) => {
  const role = roles.find((r) => r.name === name)
  if (role === undefined) throw new Error(`no role ${name}`)
  return role.id
}
const unit = async (name: string) =>
  (await asA('POST', '/api/v1/org-units', { kind: 'team', name })).json().id as string
const team = await unit('Day shift')
const otherTeam = await unit('Night shift')

async function person(email: string, role: string, orgUnitId = team): Promise<string> {
  const res = await asA('POST', '/api/v1/users', {
    email,
    name: email,
    password: strongPassword,
    orgUnitId,
    roleIds: [roleId(role)],
  })
  if (res.statusCode !== 201) throw new Error(`user ${email}: ${res.statusCode} ${res.body}`)
  return res.json().id
}

const lead = await person('lead@a.test', 'Team lead')
const novice = await person('novice@a.test', 'Novice agent')
const senior = await person('senior@a.test', 'Senior agent')
const operator = await person('operator@a.test', 'Operator')
const rep = await person('rep@a.test', 'Sales rep')
const management = await person('management@a.test', 'Management')
const marketing = await person('marketing@a.test', 'Marketing')

/** The admin asks about `userId`; the answers come back in order. */
async function decisions(
  checks: { userId: string; action: string; resource?: Record<string, unknown> }[],
) {
  const res = await asA('POST', '/api/v1/authz/check', {
    checks: checks.map((c) => ({
      subject: { userId: c.userId },
      action: c.action,
      ...(c.resource && { resource: c.resource }),
    })),
  })
  expect(res.statusCode).toBe(200)
  return res.json().results as {
    allowed: boolean
    reason: string
    obligations: { fields: Record<string, string>; approvalRequired: boolean }
  }[]
}

describe('presets through POST /api/v1/authz/check (issue 9.6)', () => {
  it('[000] a team lead approves a team member’s request, never their own', async () => {
    const request = (requesterId: string, orgUnitId = team) => ({
      type: 'approval',
      attrs: { requesterId, orgUnitId, status: 'pending' },
    })
    const [agents, own, rejectOwn, other] = await decisions([
      { userId: lead, action: 'approval.approve', resource: request(novice) },
      { userId: lead, action: 'approval.approve', resource: request(lead) },
      { userId: lead, action: 'approval.reject', resource: request(lead) },
      { userId: lead, action: 'approval.approve', resource: request('u-x', otherTeam) },
    ])
    expect(agents).toMatchObject({ allowed: true, reason: 'granted' })
    expect(own).toMatchObject({ allowed: false, reason: 'condition_not_met' })
    expect(rejectOwn).toMatchObject({ allowed: false, reason: 'condition_not_met' })
    expect(other).toMatchObject({ allowed: false, reason: 'out_of_scope' })
    // the lead's own request goes to an admin
    const [admin] = await decisions([
      { userId: a.userId, action: 'approval.approve', resource: request(lead) },
    ])
    expect(admin).toMatchObject({ allowed: true })
  })

  it('[000] a team lead assesses the team’s script use (QA evaluations of its members)', async () => {
    const evaluation = (agentId: string, orgUnitId: string) => ({
      type: 'qaEvaluation',
      attrs: { agentId, orgUnitId },
    })
    const [mine, theirs, agent] = await decisions([
      { userId: lead, action: 'qaEvaluation.create', resource: evaluation(novice, team) },
      { userId: lead, action: 'qaEvaluation.create', resource: evaluation('u-x', otherTeam) },
      { userId: senior, action: 'qaEvaluation.create', resource: evaluation(novice, team) },
    ])
    expect(mine).toMatchObject({ allowed: true })
    expect(theirs).toMatchObject({ allowed: false, reason: 'out_of_scope' })
    expect(agent).toMatchObject({ allowed: false, reason: 'not_granted' })
  })

  it('[001] novice: basic customer information; senior: history and detail', async () => {
    const customer = (ownerId: string) => ({
      type: 'customer',
      attrs: { ownerId, orgUnitId: team },
    })
    const [n, s] = await decisions([
      { userId: novice, action: 'customer.view', resource: customer(novice) },
      { userId: senior, action: 'customer.view', resource: customer(senior) },
    ])
    expect(n).toMatchObject({ allowed: true })
    expect(n!.obligations.fields).toMatchObject({
      complaints: 'hidden',
      orderHistory: 'hidden',
      idNumber: 'masked',
    })
    expect(s!.obligations.fields).toMatchObject({
      complaints: 'read',
      orderHistory: 'read',
      idNumber: 'masked',
    })
  })

  it('[002] sales creates contracts, marketing assigns leads, management exports reports', async () => {
    const [contract, leadAssign, repAssign, tag, exportReport, edit] = await decisions([
      {
        userId: rep,
        action: 'contract.create',
        resource: { type: 'contract', attrs: { ownerId: rep } },
      },
      {
        userId: marketing,
        action: 'lead.assign',
        resource: { type: 'lead', attrs: { ownerId: rep } },
      },
      { userId: rep, action: 'lead.assign', resource: { type: 'lead', attrs: { ownerId: rep } } },
      {
        userId: marketing,
        action: 'customer.tag',
        resource: { type: 'customer', attrs: { ownerId: rep } },
      },
      {
        userId: management,
        action: 'report.export',
        resource: { type: 'report', attrs: { orgUnitId: otherTeam } },
      },
      {
        userId: management,
        action: 'customer.edit',
        resource: { type: 'customer', attrs: { ownerId: rep } },
      },
    ])
    expect(contract).toMatchObject({ allowed: true })
    expect(leadAssign).toMatchObject({ allowed: true })
    expect(repAssign).toMatchObject({ allowed: false, reason: 'not_granted' })
    expect(tag).toMatchObject({ allowed: true, obligations: { approvalRequired: true } })
    expect(exportReport).toMatchObject({ allowed: true })
    expect(edit).toMatchObject({ allowed: false, reason: 'not_granted' })
  })

  it('[004] the Operator reads every user’s calls and the chat log', async () => {
    const [chat, callLog, reply] = await decisions([
      {
        userId: operator,
        action: 'chat.view',
        resource: { type: 'chat', attrs: { agentId: novice, orgUnitId: otherTeam } },
      },
      {
        userId: operator,
        action: 'call.view',
        resource: { type: 'call', attrs: { agentId: novice, orgUnitId: otherTeam } },
      },
      { userId: operator, action: 'chat.reply' },
    ])
    expect(chat).toMatchObject({ allowed: true })
    expect(callLog).toMatchObject({ allowed: true })
    expect(reply).toMatchObject({ allowed: false, reason: 'not_granted' })
  })

  it('refuses an action the catalog does not have, and a resource of another type', async () => {
    problem(
      await asA('POST', '/api/v1/authz/check', { action: 'chat.dial' }),
      400,
      'validation_failed',
    )
    problem(
      await asA('POST', '/api/v1/authz/check', {
        action: 'chat.view',
        resource: { type: 'call', attrs: {} },
      }),
      400,
      'validation_failed',
    )
  })

  it('another company cannot ask about these people (404)', async () => {
    problem(
      await call(b.token)('POST', '/api/v1/authz/check', {
        subject: { userId: lead },
        action: 'approval.approve',
      }),
      404,
      'not_found',
    )
  })
})
