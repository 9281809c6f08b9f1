import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoPassword, seedDemo } from '../src/demo.js'
import {
  axe,
  bodyText,
  dialogClosed,
  dialogOpen,
  hasChromium,
  navLabels,
  open,
  settle,
  signInThroughPage,
  startConsole,
  warnWithoutChromium,
} from './browser.js'

// The README's "Try it in the browser" walk-through, done as a new user would: the demo company
// (`npm run demo`), signed in through the sign-in page as the novice, the team lead, the QA
// inspector and the other team's lead, each seeing what the README says they see, and the
// senior agent's access request approved by the team lead (W1). If this file
// fails, the README is wrong or the console is.

warnWithoutChromium('readme-walkthrough.e2e')

describe.skipIf(!hasChromium)('the README walk-through on the demo company', () => {
  let base = ''
  let browser: Browser
  let slug = ''
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    const started = await startConsole()
    ;({ base, browser } = started)
    slug = (await seedDemo(started.db, new Date())).slug
  }, 180_000)

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await browser?.close()
  })

  /** The README's step: the sign-in page, the printed slug, the login, the demo password. */
  const signIn = (email: string): Promise<Page> =>
    signInThroughPage(browser, base, { slug, email, password: demoPassword, from: '/', contexts })

  const goTo = async (p: Page, section: string) => {
    await p.getByRole('navigation').getByRole('link', { name: section, exact: true }).click()
    await settle(p)
  }
  const rowOf = (p: Page, text: string) => p.getByRole('row').filter({ hasText: text })

  it('the novice: own customers with the ID number masked, dials a pool number, not a blacklisted one, no Users', async () => {
    const p = await signIn('novice-agent@demo.test')
    const nav = await navLabels(p)
    expect(nav).toEqual(expect.arrayContaining(['Customers', 'Tickets', 'Calls']))
    expect(nav).not.toContain('Users')
    await goTo(p, 'Customers')
    await rowOf(p, 'Wang Fang').waitFor()
    await expect.poll(() => rowOf(p, 'Wang Fang').innerText()).toContain('110101********4578')
    expect(await bodyText(p)).not.toContain('110101199003074578')
    // Li Wei is the senior agent's, Ivan Petrov Team B's
    expect(await bodyText(p)).not.toContain('Li Wei')
    expect(await bodyText(p)).not.toContain('Ivan Petrov')
    await goTo(p, 'Calls')
    await expect.poll(() => p.getByTestId('line-counter').innerText()).toBe('0 of 2')
    await p.getByLabel('Phone number').fill('+86 138 0013 8000')
    await p.getByRole('button', { name: 'Dial', exact: true }).click()
    await expect.poll(() => p.getByTestId('line-counter').innerText()).toBe('1 of 2')
    await p.getByLabel('Phone number').fill('+86 137 0000 1111')
    await p.getByRole('button', { name: 'Dial', exact: true }).click()
    await p.getByRole('alert').filter({ hasText: 'This number is blacklisted' }).waitFor()
    expect(await p.getByTestId('line-counter').innerText()).toBe('1 of 2')
    await open(p, '/users')
    expect(await bodyText(p)).not.toContain('team-lead-b@demo.test')
    await axe(p, '/users (novice)')
  }, 120_000)

  it('the team lead: Team A’s people and customers, nothing of Team B', async () => {
    const p = await signIn('team-lead@demo.test')
    expect(await navLabels(p)).toEqual(expect.arrayContaining(['Users', 'Customers', 'Reports']))
    await goTo(p, 'Users')
    await rowOf(p, 'novice-agent@demo.test').waitFor()
    expect(await bodyText(p)).not.toContain('novice-agent-b@demo.test')
    await goTo(p, 'Customers')
    await rowOf(p, 'Li Wei').waitFor()
    expect(await bodyText(p)).toContain('Wang Fang')
    expect(await bodyText(p)).not.toContain('Ivan Petrov')
  }, 120_000)

  it('the other team’s lead sees the mirror image', async () => {
    const p = await signIn('team-lead-b@demo.test')
    await goTo(p, 'Customers')
    await rowOf(p, 'Ivan Petrov').waitFor()
    expect(await bodyText(p)).not.toContain('Wang Fang')
  }, 120_000)

  it('the senior agent asks for Li Wei’s full record; the team lead approves; the ID number shows', async () => {
    const senior = await signIn('senior-agent@demo.test')
    await goTo(senior, 'Customers')
    await senior.getByRole('link', { name: 'Li Wei' }).click()
    await settle(senior)
    await expect
      .poll(() => senior.getByTestId('field-idNumber').innerText())
      .toContain('310104********0035')
    await senior.getByRole('button', { name: 'Request temporary access' }).click()
    const dialog = await dialogOpen(senior)
    // tomorrow at this time on the demo company's clock (Asia/Shanghai)
    const wall = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(Date.now() + 24 * 3600_000))
    await dialog.getByLabel('Until').fill(wall)
    await dialog.getByLabel('Until').press('Enter')
    await dialog.getByLabel('Reason for the request').fill('dispute over a charge: confirm the ID')
    await dialog.getByRole('button', { name: 'Send request' }).click()
    await senior.waitForURL(/\/approvals\/[^/]+$/)
    await settle(senior)
    const requestId = senior.url().split('/').pop() ?? ''
    expect(await senior.getByTestId('approval-status').innerText()).toBe('Pending')

    const lead = await signIn('team-lead@demo.test')
    await open(lead, '/approvals?tab=to-decide')
    await rowOf(lead, 'confirm the ID').waitFor()
    await lead.getByRole('button', { name: `Approve request ${requestId}` }).click()
    const decide = await dialogOpen(lead)
    await decide.getByLabel('Comment').fill('checked the dispute')
    await decide.getByRole('button', { name: 'Approve' }).click()
    await dialogClosed(decide)

    await senior.goBack()
    await senior.reload()
    await settle(senior)
    await expect
      .poll(() => senior.getByTestId('field-idNumber').innerText())
      .toBe('310104198512120035')
  }, 180_000)

  it('the QA inspector: the call log and Quality, no Dial button', async () => {
    const p = await signIn('qa-inspector@demo.test')
    expect(await navLabels(p)).toEqual(expect.arrayContaining(['Calls', 'Quality']))
    await goTo(p, 'Calls')
    // the novice's call, from the first test, is in the inspector's scope
    await rowOf(p, '+8613800138000').waitFor()
    expect(await p.getByRole('button', { name: 'Dial' }).count()).toBe(0)
    expect(await p.getByTestId('line-counter').count()).toBe(0)
    await goTo(p, 'Quality')
    await p.getByRole('heading', { name: 'Quality assurance' }).waitFor()
  }, 120_000)
})
