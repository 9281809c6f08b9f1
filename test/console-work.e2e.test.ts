import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../src/clock.js'
import ru from '../web/src/locales/ru.json' with { type: 'json' }
import zh from '../web/src/locales/zh-CN.json' with { type: 'json' }
import {
  axe,
  bodyText,
  dialogClosed,
  dialogOpen,
  hasChromium,
  listenWithBrowser,
  missingKeys,
  navLabels,
  open,
  pick,
  settle,
  signInThroughPage,
  warnWithoutChromium,
} from './browser.js'
import { builtinRoleId, caller } from './fixtures.js'
import { auditActions, createTestApp, signUp, strongPassword } from './test-app.js'

// The console's workspace and governance pages (issue 12 item 4) in Debian's Chromium against
// the real server: customers with masked fields and unmask (P4, G2), a temporary grant asked by
// an agent and approved by the lead in another browser (W1), a closed ticket's only move (P5),
// a tag change sent for approval (W3), an admin testing a role (G4), axe on every new page, and
// every new page in 中文 and Русский. Set-up through the API; everything asserted through pages.

warnWithoutChromium('console-work.e2e')

const TIME_ZONE = 'Asia/Shanghai'
const ID_SAM = '110101199003071234'
const ID_NIA = '220102198507152345'

const { app, db } = await createTestApp({ clock: systemClock })
const call = caller(app)
// the company: one team; Sam (senior agent, may unmask his own customers), Nia (novice),
// Lee (team lead, with the dispute desk's full records of the team), Mia (marketing)
const admin = await signUp(app, {
  companyName: 'Peony Service',
  name: 'Ada Admin',
  email: 'ada@peony.example',
  timezone: TIME_ZONE,
})
const asAdmin = call(admin.token)
const must = async (p: ReturnType<typeof asAdmin>, status = 201) => {
  const res = await p
  if (res.statusCode !== status) throw new Error(`set-up: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string }
}
const team = (
  await must(
    asAdmin('POST', '/api/v1/org-units', { kind: 'team', name: 'Hotline', parentId: null }),
  )
).id
const unmaskOwn = (
  await must(
    asAdmin('POST', '/api/v1/permission-groups', {
      name: 'Unmask own customers',
      grants: [{ actions: ['customer.unmask'], scope: 'own' }],
    }),
  )
).id
const disputeDesk = (
  await must(
    asAdmin('POST', '/api/v1/permission-groups', {
      name: 'Dispute desk',
      grants: [
        {
          actions: ['customer.view', 'customer.unmask'],
          scope: 'team',
          fields: { idNumber: 'read', phone: 'read', bankCard: 'read', email: 'read' },
        },
      ],
    }),
  )
).id
async function person(
  name: string,
  role: string,
  level: 'novice' | 'senior' | 'lead',
  groupIds: string[] = [],
) {
  const email = `${name.toLowerCase()}@peony.example`
  const user = await must(
    asAdmin('POST', '/api/v1/users', {
      email,
      name,
      password: strongPassword,
      orgUnitId: team,
      level,
      roleIds: [await builtinRoleId(db, admin.companyId, role)],
    }),
  )
  if (groupIds.length > 0)
    await must(asAdmin('PUT', `/api/v1/users/${user.id}/groups`, { groupIds }), 200)
  return { id: user.id, name, email }
}
const sam = await person('Sam', 'Senior agent', 'senior', [unmaskOwn])
const nia = await person('Nia', 'Novice agent', 'novice')
const lee = await person('Lee', 'Team lead', 'lead', [disputeDesk])
const mia = await person('Mia', 'Marketing', 'senior')
const samsCustomer = await must(
  asAdmin('POST', '/api/v1/customers', {
    name: 'Wang Fang',
    phone: '+86 138-1234-5678',
    idNumber: ID_SAM,
    tags: ['refund'],
    orgUnitId: team,
    ownerId: sam.id,
  }),
)
const niasCustomer = await must(
  asAdmin('POST', '/api/v1/customers', {
    name: 'Zhao Lei',
    idNumber: ID_NIA,
    orgUnitId: team,
    ownerId: nia.id,
  }),
)
const closedTicket = await must(
  asAdmin('POST', '/api/v1/tickets', {
    title: 'Refund not received',
    assigneeId: sam.id,
    orgUnitId: team,
    customerId: samsCustomer.id,
  }),
)
await must(asAdmin('POST', `/api/v1/tickets/${closedTicket.id}/status`, { status: 'closed' }), 200)
const adminsTicket = await must(
  asAdmin('POST', '/api/v1/tickets', { title: 'Printer on fire', assigneeId: admin.userId }),
)

describe.skipIf(!hasChromium)('the workspace and governance pages in Chromium', () => {
  let base = ''
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    ;({ base, browser } = await listenWithBrowser(app))
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app.close()
  })

  const signIn = (email: string): Promise<Page> =>
    signInThroughPage(browser, base, { slug: admin.slug, email, contexts })

  let samPage: Page

  it('shows an agent the sections /me allows, and their customers with the ID number masked', async () => {
    samPage = await signIn(sam.email)
    const nav = await navLabels(samPage)
    expect(nav).toEqual(expect.arrayContaining(['Customers', 'Tickets', 'Approvals']))
    expect(nav).not.toContain('Users')
    await samPage.getByRole('navigation').getByRole('link', { name: 'Customers' }).click()
    await settle(samPage)
    const row = samPage.getByRole('row').filter({ hasText: 'Wang Fang' })
    await expect.poll(() => row.innerText()).toContain('110101********1234')
    // only his own customers: Nia's is not listed
    expect(await bodyText(samPage)).not.toContain('Zhao Lei')
    await axe(samPage, '/customers')
    // search by phone in another format than it was typed in
    await samPage.getByLabel('Search').fill('13812345678')
    await samPage.getByRole('button', { name: 'Find' }).click()
    await expect.poll(() => samPage.getByRole('row').count()).toBe(2)
    await samPage.getByLabel('Search').fill('nobody-like-this')
    await samPage.getByLabel('Search').press('Enter')
    await samPage.getByText('No customers found').waitFor()
    await samPage.getByRole('button', { name: 'Clear' }).click()
    await samPage.getByRole('link', { name: 'Wang Fang' }).click()
    await settle(samPage)
    await expect
      .poll(() => samPage.getByTestId('field-idNumber').innerText())
      .toContain('110101********1234')
    await axe(samPage, '/customers/:id')
  }, 90_000)

  it('unmasks the ID number with a reason, shows it once, and keeps it nowhere', async () => {
    await samPage.getByRole('button', { name: 'Unmask ID number' }).click()
    const dialog = await dialogOpen(samPage)
    await dialog.getByLabel('Reason for unmasking').waitFor()
    await axe(samPage, '/customers/:id (unmask dialog)')
    // no reason, no value: the form says so and nothing is asked of the server
    await dialog.getByRole('button', { name: 'Show the value' }).click()
    await dialog.getByText('Required').waitFor()
    expect(await auditOf('customer.unmasked')).toHaveLength(0)
    await dialog.getByLabel('Reason for unmasking').fill('caller verifies identity, ticket 4411')
    await dialog.getByRole('button', { name: 'Show the value' }).click()
    await expect.poll(() => dialog.getByTestId('unmasked-value').innerText()).toBe(ID_SAM)
    await dialog.getByRole('button', { name: 'Close and hide' }).click()
    await dialogClosed(dialog)
    expect(await bodyText(samPage)).not.toContain(ID_SAM)
    await expect
      .poll(() => samPage.getByTestId('field-idNumber').innerText())
      .toContain('110101********1234')
    // neither the page's storage nor a reload brings it back
    const stored = await samPage.evaluate<string>(
      'JSON.stringify({ ...localStorage, ...sessionStorage })',
    )
    expect(stored).not.toContain(ID_SAM)
    await samPage.reload()
    await settle(samPage)
    expect(await bodyText(samPage)).not.toContain(ID_SAM)
    const events = await auditOf('customer.unmasked')
    expect(events.map((e) => e.after)).toEqual([
      { field: 'idNumber', reason: 'caller verifies identity, ticket 4411' },
    ])
  }, 60_000)

  async function auditOf(action: string) {
    return (await auditActions(db, admin.companyId)).filter((e) => e.action === action)
  }

  it('shows a closed ticket read-only: Reopen is its only move, no reply box', async () => {
    await open(samPage, '/tickets')
    await pick(samPage, samPage.getByLabel('Status'), 'Closed')
    await samPage.getByRole('button', { name: 'Apply filters' }).click()
    await samPage.getByRole('link', { name: 'Refund not received' }).waitFor()
    await axe(samPage, '/tickets')
    await samPage.getByRole('link', { name: 'Refund not received' }).click()
    await settle(samPage)
    const moves = samPage.getByTestId('ticket-moves').getByRole('button')
    await expect.poll(() => moves.allInnerTexts()).toEqual(['Reopen'])
    expect(await samPage.getByLabel('Your reply').count()).toBe(0)
    // the return visit stays open on a closed ticket (P5)
    await samPage.getByLabel('Return visit notes').waitFor()
    await axe(samPage, '/tickets/:id (closed)')
    await samPage.getByRole('button', { name: 'Reopen' }).click()
    await expect.poll(() => samPage.getByTestId('ticket-status').innerText()).toBe('Reopened')
    await expect
      .poll(() => moves.allInnerTexts())
      .toEqual(['Start processing', 'Escalate to tech', 'Mark resolved', 'Close'])
    await samPage.getByLabel('Your reply').fill('We have sent the refund again.')
    await samPage.getByRole('button', { name: 'Send reply' }).click()
    await samPage.getByText('We have sent the refund again.').waitFor()
  }, 60_000)

  it("asks for a customer's full record; the lead approves it in another browser; the agent then sees it", async () => {
    const niaPage = await signIn(nia.email)
    await open(niaPage, `/customers/${niasCustomer.id}`)
    await expect
      .poll(() => niaPage.getByTestId('field-idNumber').innerText())
      .toContain('220102********2345')
    expect(await niaPage.getByRole('button', { name: /^Unmask/ }).count()).toBe(0)
    await niaPage.getByRole('button', { name: 'Request temporary access' }).click()
    const dialog = await dialogOpen(niaPage)
    // tomorrow at this time, on the company's clock (the browser's is another)
    const tomorrow = new Date(Date.now() + 24 * 3600_000)
    const wall = new Intl.DateTimeFormat('sv-SE', {
      timeZone: TIME_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(tomorrow)
    await dialog.getByLabel('Until').fill(wall)
    await dialog.getByLabel('Until').press('Enter')
    await dialog.getByLabel('Reason for the request').fill('售后纠纷 #4411: confirm the ID number')
    // axe on the dialog itself, the date picker's pop-up closed (antd's own calendar is not ours)
    await axe(niaPage, '/customers/:id (request dialog)')
    await dialog.getByRole('button', { name: 'Send request' }).click()
    await niaPage.waitForURL(/\/approvals\/[^/]+$/)
    await settle(niaPage)
    const requestId = niaPage.url().split('/').pop() ?? ''
    expect(await niaPage.getByTestId('approval-status').innerText()).toBe('Pending')
    await axe(niaPage, '/approvals/:id')

    const leePage = await signIn(lee.email)
    await open(leePage, '/approvals?tab=to-decide')
    const row = leePage.getByRole('row').filter({ hasText: 'confirm the ID number' })
    await expect.poll(() => row.innerText()).toContain('Nia')
    await axe(leePage, '/approvals?tab=to-decide')
    await leePage.getByRole('button', { name: `Approve request ${requestId}` }).click()
    const decide = await dialogOpen(leePage)
    await decide.getByLabel('Comment').fill('checked the dispute ticket')
    await decide.getByRole('button', { name: 'Approve' }).click()
    await dialogClosed(decide)
    await leePage.getByText('Nothing waits for your decision').waitFor()
    // the lead sees the team's grant, and may revoke it
    await leePage.getByRole('tab', { name: 'Temporary grants' }).click()
    await settle(leePage)
    await leePage.getByRole('button', { name: 'Revoke the grant of Nia' }).waitFor()
    await axe(leePage, '/approvals?tab=grants')

    await niaPage.reload()
    await settle(niaPage)
    expect(await niaPage.getByTestId('approval-status').innerText()).toBe('Approved')
    await open(niaPage, `/customers/${niasCustomer.id}`)
    await expect.poll(() => niaPage.getByTestId('field-idNumber').innerText()).toBe(ID_NIA)
    // the grant ends at the time picked, read on the company's clock (from the approval on)
    const grants = (await (await niaPage.request.get('/api/v1/grants')).json()).items as {
      validUntil: string
      userId: string
    }[]
    expect(grants.map((g) => g.userId)).toEqual([nia.id])
    const askedEnd = Date.parse(`${wall.replace(' ', 'T')}:00+08:00`)
    expect(Math.abs(Date.parse(grants[0]?.validUntil ?? '') - askedEnd)).toBeLessThan(3 * 60_000)
    await open(niaPage, '/approvals?tab=grants')
    expect(
      await niaPage.getByRole('row').filter({ hasText: 'customer.view' }).innerText(),
    ).toContain('Active')
    await axe(niaPage, '/approvals (grants, mine)')
  }, 120_000)

  it('shows a tag change that needs approval as sent for approval, with its request', async () => {
    const miaPage = await signIn(mia.email)
    await open(miaPage, `/customers/${samsCustomer.id}`)
    const tags = miaPage.getByLabel('Customer tags')
    await tags.fill('vip-candidate')
    await tags.press('Enter')
    await miaPage.getByLabel('Reason for the change').fill('spring campaign')
    await miaPage.getByRole('button', { name: 'Save tags' }).click()
    await miaPage
      .getByText('Sent for approval: nothing changes until the request is approved')
      .waitFor()
    const customer = await (
      await miaPage.request.get(`/api/v1/customers/${samsCustomer.id}`)
    ).json()
    expect(customer.tags).toEqual(['refund'])
    await axe(miaPage, '/customers/:id (sent for approval)')
    await miaPage.getByRole('link', { name: 'Open the approval request' }).click()
    await settle(miaPage)
    expect(await miaPage.getByTestId('approval-status').innerText()).toBe('Pending')
    expect(await bodyText(miaPage)).toContain('spring campaign')
    expect(await bodyText(miaPage)).toContain('vip-candidate')
  }, 60_000)

  it('lets an admin test an agent role: a banner on every page, writes refused with the reason, then back', async () => {
    const adaPage = await signIn(admin.email)
    const roles = (await (await adaPage.request.get('/api/v1/roles')).json()).items as {
      id: string
      name: string
    }[]
    const senior = roles.find((r) => r.name === 'Senior agent')
    await open(adaPage, `/roles/${senior?.id}`)
    await adaPage.getByRole('button', { name: 'Test this access: Senior agent' }).click()
    await adaPage.waitForURL(`${base}/`)
    const banner = adaPage.getByTestId('preview-banner')
    await banner.waitFor()
    await expect.poll(() => banner.innerText()).toContain('you see what the role Senior agent sees')
    expect(await navLabels(adaPage)).not.toContain('Users')
    const me = await (await adaPage.request.get('/api/v1/me')).json()
    expect(me.preview).toMatchObject({ kind: 'role', roleId: senior?.id })
    await axe(adaPage, '/ (preview banner)')
    await open(adaPage, `/tickets/${adminsTicket.id}`)
    await banner.waitFor()
    await adaPage.getByLabel('Your reply').fill('Trying to write in a preview')
    await adaPage.getByRole('button', { name: 'Send reply' }).click()
    const refusal = adaPage.getByRole('alert').filter({ hasText: 'A preview changes nothing' })
    await refusal.waitFor()
    await expect.poll(() => refusal.innerText()).toContain('end it first')
    const replies = await asAdmin('GET', `/api/v1/tickets/${adminsTicket.id}/replies`)
    expect(replies.json().items).toEqual([])
    await open(adaPage, '/customers')
    await banner.waitFor()
    await adaPage.getByRole('button', { name: 'End preview' }).click()
    await banner.waitFor({ state: 'detached' })
    await expect.poll(() => navLabels(adaPage)).toContain('Users')
    expect((await (await adaPage.request.get('/api/v1/me')).json()).preview).toBeNull()
  }, 90_000)

  it('starts a preview of a person from their row on the Users page', async () => {
    const adaPage = await signIn(admin.email)
    await open(adaPage, '/users')
    await adaPage.getByRole('button', { name: 'Test this access: Nia' }).click()
    await adaPage.waitForURL(`${base}/`)
    const banner = adaPage.getByTestId('preview-banner')
    await banner.waitFor()
    await expect.poll(() => banner.innerText()).toContain(nia.id)
    await open(adaPage, '/customers')
    // exactly what Nia sees: her customer, with her grant's clear ID number
    expect(await bodyText(adaPage)).toContain('Zhao Lei')
    expect(await bodyText(adaPage)).not.toContain('Wang Fang')
    await adaPage.getByRole('button', { name: 'End preview' }).click()
    await banner.waitFor({ state: 'detached' })
  }, 60_000)

  for (const [label, code, strings] of [
    ['中文', 'zh-CN', zh],
    ['Русский', 'ru', ru],
  ] as const) {
    it(`has every new page in ${label}`, async () => {
      const p = await signIn(lee.email)
      await p.getByRole('button', { name: label }).click()
      await expect
        .poll(() => p.evaluate<string>('document.documentElement.lang'), { timeout: 15_000 })
        .toBe(code)
      const nav = await navLabels(p)
      expect(nav).toEqual(
        expect.arrayContaining([
          strings.work.nav.customers,
          strings.work.nav.tickets,
          strings.work.nav.approvals,
        ]),
      )
      const requests = (await (await p.request.get('/api/v1/approvals?view=to-decide')).json())
        .items as { id: string }[]
      const all = await (await p.request.get('/api/v1/approvals?view=mine')).json()
      for (const route of [
        '/customers',
        `/customers/${samsCustomer.id}`,
        '/tickets',
        `/tickets/${closedTicket.id}`,
        '/approvals',
        '/approvals?tab=to-decide',
        '/approvals?tab=grants',
        ...requests.map((r) => `/approvals/${r.id}`),
        ...(all.items as { id: string }[]).map((r) => `/approvals/${r.id}`),
      ]) {
        await open(p, route)
        expect(await missingKeys(p), `untranslated keys on ${route}`).toEqual([])
        const text = await bodyText(p)
        for (const english of ['Load more', 'Temporary grants', 'My requests', 'Customer level'])
          expect(text, `English left on ${route}`).not.toContain(english)
      }
      await open(p, `/customers/${samsCustomer.id}`)
      await p.getByRole('button', { name: strings.work.request.open }).click()
      await dialogOpen(p)
      expect(await missingKeys(p)).toEqual([])
      expect(await bodyText(p)).not.toContain('Request a temporary grant')
    }, 120_000)
  }
})
