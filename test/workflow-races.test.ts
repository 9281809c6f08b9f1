/**
 * Workflow moves that lose a race answer 409 and write nothing, whatever the interleaving
 * (issue 10's "the same request twice at once on PostgreSQL"). A move reads the record, decides,
 * then writes through the seam (`updateThrough`), which reads it again. CI once saw two stops of
 * one dialer at once both answer 200: the second stop had read `running`, the first committed,
 * and the second's re-read found `idle`, so its patch `{ state: 'idle' }` changed nothing and the
 * conditional UPDATE that answers 409 was never reached. For a lead the same gap made a second
 * customer. Timing made that rare; here it is forced: the spy holds the losing request between
 * its first read and the seam's re-read while the winning request runs to commit on another
 * connection of the pool. PostgreSQL only: PGlite is one connection, so the winner would wait
 * for the loser's transaction. Without `expect` in `updateThrough` the dialer, campaign, lead and
 * ticket cases answer 200; without it in the quote and campaign edits, an edit that changes
 * nothing answers 200 on a quote approved or a campaign ended meanwhile (each checked by taking
 * the one `expect` out when this test was written).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadTestDatabaseUrl } from '../src/config.js'
import { campaignRecords } from '../src/domain/campaigns/campaigns.service.js'
import { dialerRecords } from '../src/domain/dialers/dialers.service.js'
import { leadRecords } from '../src/domain/sales/leads.service.js'
import { quoteRecords } from '../src/domain/sales/quotes.service.js'
import { ticketRecords } from '../src/domain/tickets/tickets.service.js'
import { caller, newPerson } from './fixtures.js'
import { auditActions, createTestApp, signUp } from './test-app.js'

const onPostgres = loadTestDatabaseUrl() !== undefined
const { app, db } = await createTestApp()
const a = await signUp(app, { companyName: 'Workflow races' })
const as = caller(app)(a.token)
// the winner is another person, so nothing of the loser's session row is theirs to wait on
const other = await newPerson(app, db, a, {
  email: 'ada2@races.test',
  role: 'Admin',
  orgUnitId: null,
})

describe.skipIf(!onPostgres)('a workflow move that loses a race (PostgreSQL)', () => {
  async function made(url: string, body: Record<string, unknown> = {}, status = 201) {
    const res = await as('POST', url, body)
    if (res.statusCode !== status) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    return res.json() as { id: string } & Record<string, unknown>
  }

  afterEach(() => {
    vi.restoreAllMocks()
  })

  /**
   * Sends `url` twice: the loser's seam re-read (the `<type>.view` read `updateThrough` makes,
   * recorded) waits until the winner has answered. Returns [loser, winner].
   */
  const interleaved = (
    seam: { get: (...args: never[]) => Promise<unknown> },
    type: string,
    url: string,
    body?: Record<string, unknown>,
  ) =>
    interleave(
      seam,
      type,
      () => as('POST', url, body),
      () => other.as('POST', url, body),
    )

  /** `loser()` held at its seam re-read until `winner()` has answered. [loser, winner]. */
  async function interleave(
    seam: { get: (...args: never[]) => Promise<unknown> },
    type: string,
    loser: () => ReturnType<typeof as>,
    winner: () => ReturnType<typeof as>,
  ) {
    const original = seam.get.bind(seam) as (...args: unknown[]) => Promise<unknown>
    let won: ReturnType<typeof as> | undefined
    vi.spyOn(seam, 'get').mockImplementation((async (...args: unknown[]) => {
      const [, , action, , options] = args as [
        unknown,
        unknown,
        string,
        unknown,
        { recorded?: boolean }?,
      ]
      if (won === undefined && action === `${type}.view` && options?.recorded === true) {
        won = winner()
        await won
      }
      return original(...args)
    }) as never)
    const lost = await loser()
    expect(won, 'the re-read was intercepted').toBeDefined()
    return [lost, await (won as NonNullable<typeof won>)] as const
  }

  const updates = async (type: string, id: string) =>
    (await auditActions(db, a.companyId)).filter(
      (e) => e.target_id === id && e.action === `${type}.updated`,
    ).length

  const customers = async () => (await as('GET', '/api/v1/customers/count')).json().count as number

  let project: { id: string }
  it('a project to hold the dialers and campaigns', async () => {
    project = await made('/api/v1/projects', { name: 'Apollo' })
  })
  const dialer = (name: string) =>
    made('/api/v1/dialers', { projectId: project.id, name, mode: 'predictive' })
  const campaign = (name: string) => made('/api/v1/campaigns', { projectId: project.id, name })

  it('a dialer stopped twice: 200 and 409, one audited stop', async () => {
    const d = await dialer('Renewals')
    await made(`/api/v1/dialers/${d.id}/start`, {}, 200)
    const [loser, winner] = await interleaved(
      dialerRecords,
      'dialer',
      `/api/v1/dialers/${d.id}/stop`,
    )
    expect([winner.statusCode, loser.statusCode], loser.body).toEqual([200, 409])
    expect(loser.headers['content-type']).toMatch(/application\/problem\+json/)
    expect(await updates('dialer', d.id)).toBe(2) // the start and one stop
  })

  it('a dialer started twice: 200 and 409', async () => {
    const d = await dialer('Winback')
    const [loser, winner] = await interleaved(
      dialerRecords,
      'dialer',
      `/api/v1/dialers/${d.id}/start`,
    )
    expect([winner.statusCode, loser.statusCode], loser.body).toEqual([200, 409])
    expect(await updates('dialer', d.id)).toBe(1)
  })

  it('a campaign paused twice: 200 and 409, one audited pause', async () => {
    const c = await campaign('Spring')
    await made(`/api/v1/campaigns/${c.id}/launch`, {}, 200)
    const [loser, winner] = await interleaved(
      campaignRecords,
      'campaign',
      `/api/v1/campaigns/${c.id}/pause`,
    )
    expect([winner.statusCode, loser.statusCode], loser.body).toEqual([200, 409])
    expect(await updates('campaign', c.id)).toBe(2)
  })

  it('a campaign ended while an edit that changes nothing was on its way: the edit is 409', async () => {
    const c = await campaign('Summer')
    const [loser, winner] = await interleave(
      campaignRecords,
      'campaign',
      () => as('PATCH', `/api/v1/campaigns/${c.id}`, { name: 'Summer' }),
      () => other.as('POST', `/api/v1/campaigns/${c.id}/end`),
    )
    expect([winner.statusCode, loser.statusCode], loser.body).toEqual([200, 409])
    expect(await updates('campaign', c.id)).toBe(1) // the end only
  })

  it('a lead converted twice: 201 and 409, one customer made', async () => {
    const lead = await made('/api/v1/leads', { name: 'Twice Converted' })
    const before = await customers()
    const [loser, winner] = await interleaved(
      leadRecords,
      'lead',
      `/api/v1/leads/${lead.id}/convert`,
      {},
    )
    expect([winner.statusCode, loser.statusCode], loser.body).toEqual([201, 409])
    expect(await customers()).toBe(before + 1)
    expect(await updates('lead', lead.id)).toBe(1)
  })

  it('a ticket resolved twice: 200 and 409, one audited move', async () => {
    const ticket = await made('/api/v1/tickets', { title: 'Printer on fire' })
    await made(`/api/v1/tickets/${ticket.id}/status`, { status: 'processing' }, 200)
    const [loser, winner] = await interleaved(
      ticketRecords,
      'ticket',
      `/api/v1/tickets/${ticket.id}/status`,
      { status: 'resolved' },
    )
    expect([winner.statusCode, loser.statusCode], loser.body).toEqual([200, 409])
    expect(await updates('ticket', ticket.id)).toBe(2)
  })

  it('a quote approved while an edit that changes nothing was on its way: the edit is 409', async () => {
    const deal = await made('/api/v1/opportunities', { name: 'Big deal', amount: 900 })
    const quote = await made('/api/v1/quotes', {
      name: 'Q1',
      amount: 800,
      opportunityId: deal.id,
    })
    const [loser, winner] = await interleave(
      quoteRecords,
      'quote',
      () => as('PATCH', `/api/v1/quotes/${quote.id}`, { name: 'Q1' }),
      // the four-eyes rule: the approver is not the quote's owner or writer
      () => other.as('POST', `/api/v1/quotes/${quote.id}/approve`),
    )
    expect([winner.statusCode, loser.statusCode], loser.body).toEqual([200, 409])
    expect(await updates('quote', quote.id)).toBe(1) // the approval only
  })

  it('a lead whose status another person changed meanwhile: the conversion is 409, nothing made', async () => {
    const lead = await made('/api/v1/leads', { name: 'Moved Meanwhile' })
    const before = await customers()
    const [loser, winner] = await interleave(
      leadRecords,
      'lead',
      () => as('POST', `/api/v1/leads/${lead.id}/convert`, {}),
      () => other.as('PATCH', `/api/v1/leads/${lead.id}`, { status: 'contacted' }),
    )
    expect([winner.statusCode, loser.statusCode], loser.body).toEqual([200, 409])
    expect(loser.json().detail).toMatch(/changed meanwhile/)
    expect(await customers()).toBe(before)
    expect(await updates('lead', lead.id)).toBe(1) // the status change only
  })
})
