import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ru from '../web/src/locales/ru.json' with { type: 'json' }
import zh from '../web/src/locales/zh-CN.json' with { type: 'json' }
import {
  axe,
  bodyText,
  englishLeaks,
  hasChromium,
  lang,
  missingKeys,
  open,
  pick,
  settle,
  signUpAdmin,
  startConsole,
  warnWithoutChromium,
  type AdminBrowser,
} from './browser.js'

// The role editor's permissions with conditions (issue 12: "conditions (ticket state, time
// window, IP ranges) with a structured editor"), in Debian's Chromium against the real server: a
// permission on tickets not closed, in office hours, from the office network, saved as the
// engine's condition; read back into the same fields; a number attribute compared as a number;
// a range the server refuses shown with its reason and nothing saved; axe; 中文 and Русский.

warnWithoutChromium('console-conditions.e2e')

type Grant = { actions: string[]; scope: unknown; when?: unknown; limits?: unknown }

describe.skipIf(!hasChromium)('permissions with conditions in the role editor', () => {
  let base = ''
  let browser: Browser
  let admin: AdminBrowser
  let p: Page
  let roleId = ''

  beforeAll(async () => {
    ;({ base, browser } = await startConsole())
    admin = await signUpAdmin(browser, base, {
      companyName: 'Conditions Co',
      name: 'Ada',
      email: 'ada@conditions.test',
    })
    p = admin.page
  }, 120_000)

  afterAll(async () => {
    await admin?.context.close()
    await browser?.close()
  })

  const grantsOf = async (id: string) =>
    ((await admin.get(`/api/v1/roles/${id}`)) as { grants: Grant[] }).grants

  it('writes tickets not closed, 09:00–18:00, from 10.0.0.0/8, at most 20 a day, as one condition', async () => {
    await open(p, '/roles/new')
    await p.getByLabel('Name').fill('Daytime desk')
    await p.getByRole('button', { name: 'Add a permission with conditions' }).click()
    await pick(p, p.getByLabel('Actions of permission 1'), 'ticket.view')
    await pick(p, p.getByLabel('Actions of permission 1'), 'ticket.edit')
    await pick(p, p.getByLabel('Records of permission 1'), 'my team')
    await p.getByRole('button', { name: 'Add a condition on the record to permission 1' }).click()
    await p.getByLabel('Attribute of condition 1 of permission 1').selectOption('status')
    await p.getByLabel('Comparison of condition 1 of permission 1').selectOption('ne')
    await p.getByLabel('Value of condition 1 of permission 1').fill('closed')
    await p.getByRole('button', { name: 'Add a condition on the record to permission 1' }).click()
    await p.getByLabel('Attribute of condition 2 of permission 1').selectOption('priority')
    await p.getByLabel('Comparison of condition 2 of permission 1').selectOption('lte')
    await p.getByLabel('Value of condition 2 of permission 1').fill('3')
    await p.getByText('Only between these times (permission 1)').click()
    await p.getByLabel('From (permission 1)').fill('09:00')
    await p.getByLabel('Until (permission 1)').fill('18:00')
    await p.getByLabel('Only from these addresses, CIDR (permission 1)').fill('10.0.0.0/8')
    await p.getByLabel('Uses per day (permission 1)').fill('20')
    await axe(p, '/roles/new (a permission with conditions)')
    await p.getByRole('button', { name: 'Save role' }).click()
    await p.waitForURL(/\/roles\/(?!new$)[^/]+$/)
    roleId = new URL(p.url()).pathname.split('/').at(-1) ?? ''
    expect(await grantsOf(roleId)).toEqual([
      {
        actions: ['ticket.view', 'ticket.edit'],
        scope: 'team',
        when: {
          and: [
            { ne: [{ ref: 'resource.status' }, 'closed'] },
            { lte: [{ ref: 'resource.priority' }, 3] },
            { timeOfDay: { from: '09:00', to: '18:00' } },
            { ipIn: ['10.0.0.0/8'] },
          ],
        },
        limits: { perDay: 20 },
      },
    ])
  }, 120_000)

  it('reads the saved condition back into the same fields, nothing left aside', async () => {
    await open(p, `/roles/${roleId}/edit`)
    const rule = p.getByTestId('condition-rule-1')
    await rule.waitFor()
    expect(await p.getByLabel('Comparison of condition 1 of permission 1').inputValue()).toBe('ne')
    expect(await p.getByLabel('Value of condition 1 of permission 1').inputValue()).toBe('closed')
    expect(await p.getByLabel('Value of condition 2 of permission 1').inputValue()).toBe('3')
    expect(await p.getByLabel('From (permission 1)').inputValue()).toBe('09:00')
    expect(await p.getByLabel('Only from these addresses, CIDR (permission 1)').inputValue()).toBe(
      '10.0.0.0/8',
    )
    expect(await bodyText(p)).not.toContain('kept as they are')
  }, 60_000)

  it('shows the server’s refusal of a range that is not one, and saves nothing', async () => {
    const before = await grantsOf(roleId)
    await p.getByLabel('Only from these addresses, CIDR (permission 1)').fill('not-a-range')
    await p.getByRole('button', { name: 'Save role' }).click()
    const alert = p.getByRole('alert').filter({ hasText: /The server says/ })
    await alert.waitFor()
    expect(await alert.innerText()).toMatch(/ipIn|CIDR|range|address/i)
    expect(await grantsOf(roleId)).toEqual(before)
    // removing the permission leaves a role without it
    await p.getByRole('button', { name: 'Remove permission 1' }).click()
    expect(await p.getByTestId('condition-rule-1').count()).toBe(0)
  }, 60_000)

  it('in 中文 and Русский: no missing key, no English left', async () => {
    for (const [button, other, strings] of [
      ['中文', 'zh-CN', zh],
      ['Русский', 'ru', ru],
    ] as const) {
      await open(p, '/roles/new')
      await p.getByRole('button', { name: button, exact: true }).click()
      await expect.poll(() => lang(p)).toBe(other)
      await p.getByRole('button', { name: strings.conditions.addRule }).click()
      await p.getByTestId('condition-rule-1').waitFor()
      await settle(p)
      expect(await missingKeys(p), other).toEqual([])
      expect(englishLeaks(await bodyText(p), strings), other).toEqual([])
      await p.getByRole('button', { name: 'English', exact: true }).click()
      await expect.poll(() => lang(p)).toBe('en')
    }
  }, 90_000)
})
