import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ru from '../web/src/locales/ru.json' with { type: 'json' }
import zh from '../web/src/locales/zh-CN.json' with { type: 'json' }
import {
  type AdminBrowser,
  axe,
  bodyText,
  dialogClosed,
  dialogOpen,
  englishLeaks,
  hasChromium,
  lang,
  missingKeys,
  open,
  signInAs,
  signUpAdmin,
  startConsole,
  warnWithoutChromium,
} from './browser.js'
import { strongPassword } from './test-app.js'

// Editing QA scorecards in the console (issue 12) in Debian's Chromium against the real server:
// the Admin makes a scorecard with two items, the server's error on a bad key lands on that
// item's key field (and nothing is written), then edits it — a weight changed, an item removed —
// and a name already taken shows "taken" on the name field; a QA inspector, who may view
// scorecards only, gets neither button. axe on the page and the dialog; 中文 and Русский.

warnWithoutChromium('console-qa-scorecards.e2e')

type Card = { id: string; name: string; criteria: { key: string; weight: number; max: number }[] }

describe.skipIf(!hasChromium)('editing QA scorecards in Chromium', () => {
  let base = ''
  let browser: Browser
  let admin: AdminBrowser
  const contexts: BrowserContext[] = []

  const cards = async (): Promise<Card[]> =>
    ((await admin.get('/api/v1/qa/scorecards')) as { items: Card[] }).items
  /** The error the form shows under the field labelled `label`. */
  const fieldError = (dialog: Locator, label: string) =>
    dialog
      .locator('.ant-form-item')
      .filter({ has: dialog.page().getByLabel(label, { exact: true }) })
      .locator('.ant-form-item-explain-error')

  beforeAll(async () => {
    ;({ base, browser } = await startConsole())
    admin = await signUpAdmin(browser, base, {
      companyName: 'Camellia QA',
      name: 'Ada Admin',
      email: 'ada@camellia.example',
    })
    const roles = (await admin.get('/api/v1/roles')) as { items: { id: string; name: string }[] }
    await admin.post('/api/v1/users', {
      name: 'Quinn QA',
      email: 'quinn@camellia.example',
      password: strongPassword,
      orgUnitId: null,
      roleIds: [roles.items.find((r) => r.name === 'QA inspector')?.id],
    })
    await admin.post('/api/v1/qa/scorecards', {
      name: 'Inbound call',
      criteria: [{ key: 'greeting', label: 'Greets', weight: 1, max: 5 }],
    })
  }, 120_000)

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await admin?.context.close()
    await browser?.close()
  })

  it('lets the Admin create a scorecard, the server’s field error on its field', async () => {
    const p: Page = admin.page
    await open(p, '/qa')
    await p.getByRole('button', { name: 'New scorecard' }).click()
    const dialog = await dialogOpen(p)
    await dialog.getByLabel('Name', { exact: true }).fill('Outbound call')
    await dialog.getByLabel('Key of item 1').fill('greeting')
    await dialog.getByLabel('Label of item 1').fill('Greets the customer')
    await dialog.getByLabel('Weight of item 1').fill('1')
    await dialog.getByLabel('Highest score of item 1').fill('5')
    await dialog.getByRole('button', { name: 'Add an item' }).click()
    await dialog.getByLabel('Key of item 2').fill('Offer!')
    await dialog.getByLabel('Label of item 2').fill('Explains the offer')
    await dialog.getByLabel('Weight of item 2').fill('2')
    await dialog.getByLabel('Highest score of item 2').fill('10')
    await dialog.getByRole('button', { name: 'Save the scorecard' }).click()
    // the server's words under item 2's key, and nothing written
    await expect
      .poll(() => fieldError(dialog, 'Key of item 2').innerText())
      .toBe('a-z, 0-9 and _, starting a-z')
    expect(await fieldError(dialog, 'Key of item 1').count()).toBe(0)
    await expect.poll(() => dialog.getByRole('alert').innerText()).toContain('criteria/1/key')
    expect((await cards()).map((c) => c.name)).toEqual(['Inbound call'])
    await axe(p, '/qa (new scorecard, refused)')

    await dialog.getByLabel('Key of item 2').fill('offer')
    await dialog.getByRole('button', { name: 'Save the scorecard' }).click()
    await dialogClosed(dialog)
    const made = (await cards()).find((c) => c.name === 'Outbound call')
    expect(made?.criteria).toEqual([
      { key: 'greeting', label: 'Greets the customer', weight: 1, max: 5 },
      { key: 'offer', label: 'Explains the offer', weight: 2, max: 10 },
    ])
    await expect.poll(() => bodyText(p)).toContain('Explains the offer (weight 2, up to 10)')
    await axe(p, '/qa (scorecards)')
  }, 120_000)

  it('lets the Admin change weights and remove an item; a name taken shows on the name', async () => {
    const p: Page = admin.page
    await open(p, '/qa')
    await p.getByRole('button', { name: 'Edit the scorecard Outbound call' }).click()
    const dialog = await dialogOpen(p)
    expect(await dialog.getByLabel('Key of item 2').inputValue()).toBe('offer')
    await dialog.getByLabel('Weight of item 1').fill('3')
    await dialog.getByRole('button', { name: 'Remove item 2' }).click()
    expect(await dialog.getByLabel('Key of item 2').count()).toBe(0)
    await dialog.getByLabel('Name', { exact: true }).fill('Inbound call')
    await dialog.getByRole('button', { name: 'Save the scorecard' }).click()
    await expect.poll(() => fieldError(dialog, 'Name').innerText()).toBe('taken')
    expect((await cards()).find((c) => c.name === 'Outbound call')?.criteria).toHaveLength(2)
    await axe(p, '/qa (edit scorecard, name taken)')

    await dialog.getByLabel('Name', { exact: true }).fill('Outbound sales call')
    await dialog.getByRole('button', { name: 'Save the scorecard' }).click()
    await dialogClosed(dialog)
    const edited = (await cards()).find((c) => c.name === 'Outbound sales call')
    expect(edited?.criteria).toEqual([
      { key: 'greeting', label: 'Greets the customer', weight: 3, max: 5 },
    ])
    await expect.poll(() => bodyText(p)).toContain('Greets the customer (weight 3, up to 5)')
  }, 120_000)

  it('gives a QA inspector, who views scorecards only, no New or Edit button', async () => {
    const { context, p } = await signInAs(browser, base, admin.slug, 'quinn@camellia.example')
    contexts.push(context)
    await open(p, '/qa')
    await expect.poll(() => bodyText(p)).toContain('Outbound sales call')
    expect(await p.getByRole('button', { name: 'New scorecard' }).count()).toBe(0)
    expect(await p.getByRole('button', { name: /^Edit the scorecard/ }).count()).toBe(0)
  }, 60_000)

  for (const [label, code, strings] of [
    ['中文', 'zh-CN', zh],
    ['Русский', 'ru', ru],
  ] as const) {
    it(`translates the scorecard editor into ${label}`, async () => {
      const { context, p } = await signInAs(browser, base, admin.slug, 'ada@camellia.example')
      contexts.push(context)
      await open(p, '/qa')
      await p.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(p), { timeout: 15_000 }).toBe(code)
      await p
        .getByRole('button', {
          name: strings.work.qa.editOf.replace('{{name}}', 'Outbound sales call'),
        })
        .click()
      await dialogOpen(p)
      await p.getByRole('dialog').getByRole('button', { name: strings.work.qa.addItem }).click()
      expect(await missingKeys(p)).toEqual([])
      expect(englishLeaks(await bodyText(p), strings)).toEqual([])
    }, 60_000)
  }
})
