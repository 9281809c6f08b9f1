import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemClock } from '../src/clock.js'
import {
  axe,
  bodyText,
  dialogClosed,
  dialogOpen,
  englishLeaks,
  hasChromium,
  lang,
  listenWithBrowser,
  missingKeys,
  navLabels,
  open,
  pick,
  settle,
  signInThroughPage,
  warnWithoutChromium,
} from './browser.js'
import ru from '../web/src/locales/ru.json' with { type: 'json' }
import zh from '../web/src/locales/zh-CN.json' with { type: 'json' }
import { caller, newPerson, newTeam } from './fixtures.js'
import { auditActions, createTestApp, signUp } from './test-app.js'

// The console's Calls, Quality and Reports pages (issue 12) in Debian's Chromium against the real
// server: an agent dials a number of the team's pool and watches the line counter go up and down
// (hang-up frees the line), a dial beyond the line limit or to a blacklisted number shows the
// server's reason; a QA inspector sees Quality, plays a recording (audited), scores the call and
// never gets a Dial button; a team lead's report shows their team only; axe on the three pages;
// 中文 and Русский leave no untranslated key. Set-up through the API; asserted through pages.

warnWithoutChromium('console-ops.e2e')

const TIME_ZONE = 'Asia/Shanghai'

const { app, db } = await createTestApp({ clock: systemClock })
const call = caller(app)
const admin = await signUp(app, {
  companyName: 'Lotus Calls',
  email: 'ada@lotus.example',
  timezone: TIME_ZONE,
})
const asAdmin = call(admin.token)
const must = async (p: ReturnType<typeof asAdmin>, status = 201) => {
  const res = await p
  if (res.statusCode !== status) throw new Error(`set-up: ${res.statusCode} ${res.body}`)
  return res.json() as { id: string }
}
const hotline = await newTeam(asAdmin, 'Hotline')
const nightshift = await newTeam(asAdmin, 'Nightshift')
const person = (email: string, role: string, orgUnitId: string | null) =>
  newPerson(app, db, admin, { email, role, orgUnitId })
const nia = await person('nia@lotus.example', 'Novice agent', hotline)
const olga = await person('olga@lotus.example', 'Novice agent', nightshift)
const lee = await person('lee@lotus.example', 'Team lead', hotline)
const quinn = await person('quinn@lotus.example', 'QA inspector', null)

// the team's numbers (one of them blacklisted), the night shift's, a scorecard
const FIRST = '+8613811110001'
const SECOND = '+8613811110002'
const THIRD = '+8613811110003'
const LISTED = '+8613811110009'
const NIGHT = '+8613822220001'
const pool = await must(
  asAdmin('POST', '/api/v1/number-pools', { name: 'Hotline', orgUnitId: hotline }),
)
for (const phone of [FIRST, SECOND, THIRD, LISTED])
  await must(asAdmin('POST', `/api/v1/number-pools/${pool.id}/numbers`, { phone }))
await must(
  asAdmin('POST', '/api/v1/blacklist', { phone: LISTED, reason: 'asked not to be called' }),
)
const night = await must(
  asAdmin('POST', '/api/v1/number-pools', { name: 'Nightshift', orgUnitId: nightshift }),
)
await must(asAdmin('POST', `/api/v1/number-pools/${night.id}/numbers`, { phone: NIGHT }))
await must(
  asAdmin('POST', '/api/v1/qa/scorecards', {
    name: 'Outbound call',
    criteria: [
      { key: 'greeting', label: 'Greets the customer', weight: 1, max: 5 },
      { key: 'offer', label: 'Explains the offer', weight: 2, max: 10 },
    ],
  }),
)
// a call of the night shift: in the company's report, never in the Hotline lead's
const olgas = await must(olga.as('POST', '/api/v1/calls', { phone: NIGHT }))
await must(olga.as('POST', `/api/v1/calls/${olgas.id}/answer`), 200)
await must(olga.as('POST', `/api/v1/calls/${olgas.id}/hangup`), 200)

describe.skipIf(!hasChromium)('the Calls, Quality and Reports pages in Chromium', () => {
  let base = ''
  let browser: Browser
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    ;({ base, browser } = await listenWithBrowser(app))
  }, 120_000)

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await browser?.close()
    await app.close()
  })

  const signIn = (email: string): Promise<Page> =>
    signInThroughPage(browser, base, { slug: admin.slug, email, contexts })

  const counter = (p: Page) => p.getByTestId('line-counter').innerText()

  async function dialIn(p: Page, phone: string) {
    await p.getByLabel('Phone number').fill(phone)
    await p.getByRole('button', { name: 'Dial', exact: true }).click()
  }

  let niaPage: Page

  it('lets an agent dial a pool number: the line counter goes up, and down after hang-up', async () => {
    niaPage = await signIn('nia@lotus.example')
    expect(await navLabels(niaPage)).toEqual(expect.arrayContaining(['Calls']))
    expect(await navLabels(niaPage)).not.toContain('Reports')
    await niaPage.getByRole('navigation').getByRole('link', { name: 'Calls' }).click()
    await settle(niaPage)
    await expect.poll(() => counter(niaPage)).toBe('0 of 2')
    await axe(niaPage, '/calls')
    await dialIn(niaPage, '+86 138 1111 0001')
    await expect.poll(() => counter(niaPage)).toBe('1 of 2')
    const row = niaPage.getByRole('row').filter({ hasText: FIRST })
    await expect.poll(() => row.getByTestId('call-status').innerText()).toBe('Ringing')
    // the far end answers (the simulator), then the agent hangs up: the line is free again
    await niaPage.getByRole('button', { name: `Answer the call to ${FIRST}` }).click()
    await expect.poll(() => row.getByTestId('call-status').innerText()).toBe('Answered')
    await niaPage.getByRole('button', { name: `Hang up the call to ${FIRST}` }).click()
    await expect.poll(() => row.getByTestId('call-status').innerText()).toBe('Ended')
    await expect.poll(() => counter(niaPage)).toBe('0 of 2')
    const calls = (await (await niaPage.request.get('/api/v1/calls')).json()).items as {
      status: string
    }[]
    expect(calls.map((c) => c.status)).toEqual(['ended'])
  }, 90_000)

  it('shows why a dial is refused: every line busy, a blacklisted number, a number of no pool of mine', async () => {
    await dialIn(niaPage, SECOND)
    await expect.poll(() => counter(niaPage)).toBe('1 of 2')
    await dialIn(niaPage, THIRD)
    await expect.poll(() => counter(niaPage)).toBe('2 of 2')
    await dialIn(niaPage, FIRST)
    const busy = niaPage.getByRole('alert').filter({ hasText: 'All your lines are busy' })
    await busy.waitFor()
    await expect.poll(() => busy.innerText()).toContain('hang up a call first')
    expect(await counter(niaPage)).toBe('2 of 2')
    await axe(niaPage, '/calls (dial refused)')
    // hang-up frees a line; the blacklisted number is still refused, with its reason
    await niaPage.getByRole('button', { name: `Hang up the call to ${SECOND}` }).click()
    await expect.poll(() => counter(niaPage)).toBe('1 of 2')
    await dialIn(niaPage, LISTED)
    const listed = niaPage.getByRole('alert').filter({ hasText: 'This number is blacklisted' })
    await listed.waitFor()
    await expect.poll(() => listed.innerText()).toContain('nobody dials it')
    await dialIn(niaPage, NIGHT)
    await niaPage
      .getByRole('alert')
      .filter({ hasText: 'This number is not in your number pools' })
      .waitFor()
    expect(await counter(niaPage)).toBe('1 of 2')
    await niaPage.getByRole('button', { name: `Hang up the call to ${THIRD}` }).click()
    await expect.poll(() => counter(niaPage)).toBe('0 of 2')
    // refused dials wrote nothing: three calls of Nia's, all ended
    const mine = (await (await niaPage.request.get('/api/v1/calls')).json()).items as {
      status: string
    }[]
    expect(mine.map((c) => c.status)).toEqual(['ended', 'ended', 'ended'])
    // notes on a call of mine
    await niaPage
      .getByRole('button', { name: `Notes and recordings of the call to ${FIRST}` })
      .click()
    const dialog = await dialogOpen(niaPage)
    await dialog.getByLabel('Call notes').fill('wants a callback on Friday')
    await axe(niaPage, '/calls (notes)')
    await dialog.getByRole('button', { name: 'Save notes' }).click()
    await dialogClosed(dialog)
    await niaPage.getByRole('row').filter({ hasText: 'wants a callback on Friday' }).waitFor()
  }, 90_000)

  it('shows a QA inspector the Quality page and no Dial button; playback is audited; a call is scored', async () => {
    const p = await signIn('quinn@lotus.example')
    const nav = await navLabels(p)
    expect(nav).toEqual(expect.arrayContaining(['Calls', 'Quality', 'Reports']))
    await open(p, '/qa')
    await p.getByRole('heading', { name: 'Quality assurance' }).waitFor()
    expect(await p.getByRole('button', { name: 'Dial' }).count()).toBe(0)
    await p.getByText('No evaluations found').waitFor()
    await axe(p, '/qa')
    // the call log: every call of the company, no line counter, no Dial
    await open(p, '/calls')
    await p.getByRole('row').filter({ hasText: FIRST }).waitFor()
    expect(await p.getByRole('button', { name: 'Dial' }).count()).toBe(0)
    expect(await p.getByTestId('line-counter').count()).toBe(0)
    expect(await p.getByRole('button', { name: /^Hang up/ }).count()).toBe(0)
    await p.getByRole('button', { name: `Notes and recordings of the call to ${FIRST}` }).click()
    const dialog = await dialogOpen(p)
    await dialog.getByRole('button', { name: 'Play recording' }).click()
    await dialog.getByTestId('playback').waitFor()
    expect(
      await dialog.getByRole('link', { name: 'Open the recording' }).getAttribute('href'),
    ).toMatch(/^https?:\/\//)
    const played = (await auditActions(db, admin.companyId)).filter(
      (e) => e.action === 'recording.played',
    )
    expect(played.map((e) => e.actor_user_id)).toEqual([quinn.id])
    await axe(p, '/calls (recording played)')
    await p.keyboard.press('Escape')
    await dialogClosed(dialog)

    // score Nia's answered call
    await open(p, '/qa')
    await pick(p, p.getByLabel('Call', { exact: true }), FIRST, { text: true })
    await pick(p, p.getByLabel('Scorecard', { exact: true }), 'Outbound call')
    await p.getByLabel('Greets the customer (0 to 5)').fill('5')
    await p.getByLabel('Explains the offer (0 to 10)').fill('5')
    await p.getByLabel('Comments', { exact: true }).fill('clear and polite')
    await p.getByRole('button', { name: 'Save the evaluation' }).click()
    const row = p.getByRole('row').filter({ hasText: 'clear and polite' })
    await row.waitFor()
    // weighted: (5/5·1 + 5/10·2) / 3 = 2/3
    await expect.poll(() => row.innerText()).toContain('66.7')
    await axe(p, '/qa (scored)')
    const evaluations = (await (await p.request.get('/api/v1/qa/evaluations')).json()).items as {
      agentId: string
    }[]
    expect(evaluations.map((e) => e.agentId)).toEqual([nia.id])
  }, 90_000)

  it("shows a team lead their team's report only, without an export they may not make", async () => {
    // the company's report has both teams: the lead's has one
    const all = (await asAdmin('GET', '/api/v1/reports/team-metrics')).json().teams as {
      orgUnitName: string | null
    }[]
    expect(all.map((t) => t.orgUnitName)).toEqual(expect.arrayContaining(['Hotline', 'Nightshift']))
    const leads = (await lee.as('GET', '/api/v1/reports/team-metrics')).json().teams as {
      orgUnitName: string | null
    }[]
    expect(leads.map((t) => t.orgUnitName)).toEqual(['Hotline'])
    const p = await signIn('lee@lotus.example')
    expect(await navLabels(p)).toEqual(expect.arrayContaining(['Calls', 'Quality', 'Reports']))
    await p.getByRole('navigation').getByRole('link', { name: 'Reports' }).click()
    await settle(p)
    const rows = p.locator('.ant-table-tbody tr.ant-table-row')
    await expect.poll(() => rows.count()).toBe(1)
    const hot = rows.filter({ hasText: 'Hotline' })
    // Nia's three calls, one answered: 33.3%; satisfaction not measured
    const cells = await hot.locator('td').allInnerTexts()
    expect(cells.slice(0, 4)).toEqual(['Hotline', '3', '1', '33.3%'])
    expect(cells[5]).toBe('Not measured yet')
    expect(await bodyText(p)).not.toContain('Nightshift')
    expect(await bodyText(p)).toContain(`(${TIME_ZONE})`)
    expect(await p.getByRole('button', { name: /CSV/ }).count()).toBe(0)
    await axe(p, '/reports')
    // a window with nothing in it: the team, no calls
    await p.getByLabel('From day').fill('2020-01-01')
    await p.getByLabel('From day').press('Enter')
    await p.getByLabel('To day (included)').fill('2020-01-07')
    await p.getByLabel('To day (included)').press('Enter')
    await p.getByRole('button', { name: 'Show the period' }).click()
    await expect.poll(() => hot.locator('td').nth(1).innerText()).toBe('0')
    // the window starts at midnight on the company's clock
    expect(await p.getByTestId('report-window').innerText()).toMatch(/Jan 1, 2020.*12:00/)
    // the lead's calls page: the team's calls, Nia's included; a lead has no line of their own
    await open(p, '/calls')
    await p.getByRole('row').filter({ hasText: FIRST }).waitFor()
    expect(await bodyText(p)).not.toContain(NIGHT)
    await axe(p, '/calls (lead)')
  }, 90_000)

  it('offers the export to whoever may export the report (QA), audited', async () => {
    const p = await signIn('quinn@lotus.example')
    await open(p, '/reports')
    await p.getByLabel('Reason for the export (optional)').fill('weekly review')
    const download = p.waitForEvent('download')
    await p.getByRole('button', { name: 'Download the team metrics (CSV)' }).click()
    const file = await download
    expect(file.suggestedFilename()).toBe('team-metrics.csv')
    const exported = (await auditActions(db, admin.companyId)).filter(
      (e) => e.action === 'report.exported',
    )
    expect(exported).toHaveLength(1)
    expect(JSON.stringify(exported[0]?.after)).toContain('weekly review')
    await axe(p, '/reports (QA)')
  }, 60_000)

  for (const [label, code, strings] of [
    ['中文', 'zh-CN', zh],
    ['Русский', 'ru', ru],
  ] as const) {
    it(`has the three pages in ${label}`, async () => {
      const p = await signIn('lee@lotus.example')
      await p.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(p), { timeout: 15_000 }).toBe(code)
      expect(await navLabels(p)).toEqual(
        expect.arrayContaining([
          strings.work.nav.calls,
          strings.work.nav.qa,
          strings.work.nav.reports,
        ]),
      )
      for (const route of ['/calls', '/qa', '/reports']) {
        await open(p, route)
        expect(await missingKeys(p), `untranslated keys on ${route}`).toEqual([])
        expect(englishLeaks(await bodyText(p), strings), `English left on ${route}`).toEqual([])
      }
      await open(p, '/calls')
      await p
        .getByRole('button', {
          name: strings.work.calls.detailsOf.replace('{{name}}', FIRST),
        })
        .click()
      await dialogOpen(p)
      await settle(p)
      expect(await missingKeys(p)).toEqual([])
      expect(englishLeaks(await bodyText(p), strings)).toEqual([])
      // a refusal's title in the language too (the server's detail stays as it says it)
      const nias = await signIn('nia@lotus.example')
      await nias.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(nias), { timeout: 15_000 }).toBe(code)
      await open(nias, '/calls')
      await nias.getByLabel(strings.work.calls.number).fill(LISTED)
      await nias.getByRole('button', { name: strings.work.calls.dial, exact: true }).click()
      await nias
        .getByRole('alert')
        .filter({ hasText: strings.work.problem.number_blacklisted })
        .waitFor()
      expect(await missingKeys(nias)).toEqual([])
    }, 120_000)
  }
})
