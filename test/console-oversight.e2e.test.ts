import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  axe,
  dialogOpen,
  hasChromium,
  missingKeys,
  open,
  settle,
  signInAs,
  signUpAdmin,
  startConsole,
  warnWithoutChromium,
} from './browser.js'
import { strongPassword } from './test-app.js'

// Oversight in the console (issue 12): "Who can see" on a customer's page, shown only to those
// who may ask (audit.view), and the impact preview in the role editor before Save. Debian's
// Chromium against the real server; axe on both.

warnWithoutChromium('console-oversight.e2e')

describe.skipIf(!hasChromium)('oversight in the console, in Chromium', () => {
  let base = ''
  let browser: Browser
  let admin: BrowserContext
  let page: Page
  let csrf = ''
  let slug = ''
  let roleId = ''
  let customerId = ''
  const agent = { name: 'Chen Jing', email: 'chen.jing@oversight.example', id: '' }

  const post = async (path: string, data: unknown) => {
    const res = await admin.request.post(path, { headers: { 'x-csrf-token': csrf }, data })
    expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300)
    return (await res.json()) as { id: string }
  }

  beforeAll(async () => {
    ;({ base, browser } = await startConsole())
    ;({
      context: admin,
      page,
      slug,
      csrf,
    } = await signUpAdmin(browser, base, {
      companyName: 'Oversight Desk',
      name: 'Zhao Lei',
      email: 'zhao.lei@oversight.example',
    }))
    const team = await post('/api/v1/org-units', { kind: 'team', name: 'Desk', parentId: null })
    roleId = (
      await post('/api/v1/roles', {
        name: 'Desk agent',
        grants: [{ actions: ['customer.view'], scope: 'team', fields: { phone: 'masked' } }],
      })
    ).id
    agent.id = (
      await post('/api/v1/users', {
        name: agent.name,
        email: agent.email,
        password: strongPassword,
        orgUnitId: team.id,
        roleIds: [roleId],
      })
    ).id
    customerId = (
      await post('/api/v1/customers', {
        name: 'Wang Fang',
        phone: '+8613812345678',
        orgUnitId: team.id,
      })
    ).id
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('who can see a customer: the people, their masks and the role that gives it', async () => {
    await open(page, `/customers/${customerId}`)
    await page.getByRole('heading', { name: 'Wang Fang' }).waitFor()
    await page.getByRole('button', { name: 'Who can see' }).click()
    const dialog = await dialogOpen(page, 'Who can see this record')
    const row = dialog.getByRole('row').filter({ hasText: agent.name })
    await row.waitFor()
    await expect.poll(() => row.innerText()).toContain('phone: masked')
    await expect.poll(() => row.innerText()).toContain('Role: Desk agent')
    await dialog.getByRole('row').filter({ hasText: 'Zhao Lei' }).waitFor()
    await settle(page)
    await axe(page, '/customers/:id (who can see)')
    expect(await missingKeys(page)).toEqual([])
    await dialog.getByRole('button', { name: 'Close' }).first().click()
    // the look is in the audit log
    const audit = await (await page.request.get('/api/v1/audit?limit=5')).json()
    expect(JSON.stringify(audit)).toContain('access.reviewed')
  }, 60_000)

  it('is not offered to someone without audit.view', async () => {
    const { context, p } = await signInAs(browser, base, slug, agent.email)
    await open(p, `/customers/${customerId}`)
    await p.getByRole('heading', { name: 'Wang Fang' }).waitFor()
    await settle(p)
    expect(await p.getByRole('button', { name: 'Who can see' }).count()).toBe(0)
    await context.close()
  }, 60_000)

  it('the role editor previews what each holder gains and loses, then saves', async () => {
    await open(page, `/roles/${roleId}/edit`)
    await page.getByRole('button', { name: /^Customers/ }).click()
    await page.getByRole('checkbox', { name: 'customer.edit', exact: true }).check()
    await page.getByRole('button', { name: 'Preview impact' }).click()
    const impact = page.getByRole('region', { name: 'Impact of this change' })
    await impact.waitFor()
    await impact.getByText('Saving this change would be accepted').waitFor()
    const card = impact.locator('.ant-card').filter({ hasText: agent.name })
    await card.waitFor()
    expect(await card.innerText()).toMatch(/Gains[\s\S]*customer\.edit/)
    // nothing written by the preview
    const before = await (await page.request.get(`/api/v1/roles/${roleId}`)).json()
    expect(JSON.stringify(before.grants)).not.toContain('customer.edit')
    await settle(page)
    await axe(page, '/roles/:id/edit (impact)')
    expect(await missingKeys(page)).toEqual([])
    // a change after the preview drops it: what is shown is always what would be saved
    await page.getByRole('checkbox', { name: 'customer.tag', exact: true }).check()
    await expect.poll(() => impact.count()).toBe(0)
    await page.getByRole('checkbox', { name: 'customer.tag', exact: true }).uncheck()
    await page.getByRole('button', { name: 'Preview impact' }).click()
    await impact.waitFor()
    await page.getByRole('button', { name: 'Save role' }).click()
    await page.waitForURL(`${base}/roles/${roleId}`)
    const saved = await (await page.request.get(`/api/v1/roles/${roleId}`)).json()
    expect(JSON.stringify(saved.grants)).toContain('customer.edit')
  }, 90_000)
})
