import type { APIRequestContext, Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ru from '../web/src/locales/ru.json' with { type: 'json' }
import zh from '../web/src/locales/zh-CN.json' with { type: 'json' }
import {
  axe,
  bodyText,
  dialogClosed,
  dialogOpen,
  englishLeaks,
  hasChromium,
  lang,
  missingKeys,
  navLabels,
  open,
  pick,
  popupsClosed,
  settle,
  SHOTS,
  signInAs,
  signUpAdmin,
  startConsole,
  warnWithoutChromium,
} from './browser.js'
import { strongPassword } from './test-app.js'

// The console's second administration pages in Debian's Chromium against the real server
// (issue 12): positions and their default roles (R8), the finance / KPI / security settings a
// Supervisor is refused (R1, P1), queues and campaigns listed by project (P10: a non-member
// sees none of a project's), and sales records; axe and every string in 中文 and Русский on each.

warnWithoutChromium('console-admin2.e2e')

describe.skipIf(!hasChromium)("the console's positions, settings, outbound and sales pages", () => {
  let base = ''
  let browser: Browser
  let admin: BrowserContext
  let page: Page
  let csrf = ''
  let slug = ''
  const people = {
    supervisor: { name: 'Sun Mei', email: 'sun.mei@delta.example', id: '' },
    member: { name: 'Kirill Petrov', email: 'kirill.petrov@delta.example', id: '' },
    outsider: { name: 'Hu Jun', email: 'hu.jun@delta.example', id: '' },
  }
  let project = ''

  const get = async (path: string) => (await page.request.get(path)).json()
  const post = (request: APIRequestContext, path: string, data: unknown) =>
    request.post(path, { headers: { 'x-csrf-token': csrf }, data })
  const made = async (path: string, data: unknown) => {
    const res = await post(admin.request, path, data)
    expect(res.status(), `${path}: ${await res.text()}`).toBe(201)
    return ((await res.json()) as { id: string }).id
  }

  /** A browser of its own, signed in as one of the people. */
  const signIn = (email: string) => signInAs(browser, base, slug, email)

  beforeAll(async () => {
    ;({ base, browser } = await startConsole())
    ;({
      context: admin,
      page,
      slug,
      csrf,
    } = await signUpAdmin(browser, base, {
      companyName: 'Delta Contact',
      name: 'Lin Tao',
      email: 'lin.tao@delta.example',
    }))
    const roles = (await get('/api/v1/roles')).items as { id: string; name: string }[]
    const supervisor = roles.find((r) => r.name === 'Supervisor')?.id ?? ''
    // a desk that sees the queues, dialers and campaigns of its own projects only (P10)
    const desk = await made('/api/v1/roles', {
      name: 'Project desk',
      grants: [
        {
          actions: ['queue.view', 'dialer.view', 'campaign.view', 'project.view'],
          scope: 'project',
        },
      ],
    })
    for (const [key, person] of Object.entries(people)) {
      person.id = await made('/api/v1/users', {
        name: person.name,
        email: person.email,
        password: strongPassword,
        roleIds: [key === 'supervisor' ? supervisor : desk],
      })
    }
    project = await made('/api/v1/projects', { name: 'Spring Sale' })
    const joined = await admin.request.put(
      `/api/v1/projects/${project}/members/${people.member.id}`,
      { headers: { 'x-csrf-token': csrf } },
    )
    expect(joined.status()).toBe(204)
    // the outsider is a member of another project only
    const autumn = await made('/api/v1/projects', { name: 'Autumn Fair' })
    const other = await admin.request.put(
      `/api/v1/projects/${autumn}/members/${people.outsider.id}`,
      { headers: { 'x-csrf-token': csrf } },
    )
    expect(other.status()).toBe(204)
    await made('/api/v1/queues', { name: 'Autumn inbound', projectId: autumn })
    await made('/api/v1/queues', { name: 'Spring inbound', projectId: project })
    await made('/api/v1/campaigns', { name: 'Spring promo', projectId: project })
    await made('/api/v1/leads', {
      name: 'Zhou Ming',
      phone: '+8613800138000',
      email: 'zhou.ming@example.com',
      source: 'web form',
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('shows the four pages in the admin’s navigation', async () => {
    await open(page, '/')
    expect(await navLabels(page)).toEqual(
      expect.arrayContaining(['Positions', 'Settings', 'Queues and campaigns', 'Sales']),
    )
  }, 30_000)

  it('creates a position with a default role, lists it, edits it and places a person in it', async () => {
    await open(page, '/')
    await page.getByRole('navigation').getByRole('link', { name: 'Positions' }).click()
    await settle(page)
    await page.getByRole('button', { name: 'New position' }).click()
    const dialog = await dialogOpen(page)
    await dialog.getByLabel('Name').fill('Hotline senior')
    await pick(page, dialog.getByLabel('Default roles'), 'Senior agent', { type: 'Senior' })
    await axe(page, '/positions (the editor)')
    await dialog.getByRole('button', { name: 'Save position' }).click()
    await dialogClosed(dialog)
    const row = page.getByRole('row').filter({ hasText: 'Hotline senior' })
    // the row can render before the refetch that names its roles
    await expect.poll(() => row.innerText()).toContain('Senior agent')
    const roles = (await get('/api/v1/roles')).items as { id: string; name: string }[]
    const senior = roles.find((r) => r.name === 'Senior agent')?.id
    const listed = (await get('/api/v1/positions')).items as {
      id: string
      name: string
      roleIds: string[]
      description: string
    }[]
    const position = listed.find((x) => x.name === 'Hotline senior')
    expect(position?.roleIds).toEqual([senior])

    await page.getByRole('button', { name: 'Edit Hotline senior' }).click()
    await dialogOpen(page)
    await dialog.getByLabel('Description').fill('Second line of the hotline')
    await dialog.getByRole('button', { name: 'Save position' }).click()
    await dialogClosed(dialog)
    await row.getByText('Second line of the hotline').waitFor()

    // placed in it: the Supervisor keeps the built-in role and gets the position's default
    await pick(page, page.getByLabel('Person'), people.supervisor.name, { type: 'Sun' })
    await popupsClosed(page)
    await pick(page, page.getByLabel('Position', { exact: true }), 'Hotline senior', {
      type: 'Hotline',
    })
    await popupsClosed(page)
    await page.getByRole('button', { name: 'Place in position' }).click()
    await page.getByText(`${people.supervisor.name} is now Hotline senior`).waitFor()
    const user = await get(`/api/v1/users/${people.supervisor.id}`)
    expect(user.positionId).toBe(position?.id)
    expect(JSON.stringify(await get(`/api/v1/users/${people.supervisor.id}/roles`))).toContain(
      senior,
    )
    await settle(page)
    await axe(page, '/positions')
    await page.screenshot({ path: `${SHOTS}positions.png`, fullPage: true })
  }, 90_000)

  it('lets the admin change a settings section', async () => {
    await open(page, '/settings')
    await page.getByRole('tab', { name: 'KPI targets' }).click()
    await page.getByLabel('Satisfaction target (%)').fill('85')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Settings saved').waitFor()
    expect((await get('/api/v1/settings/kpi')).satisfactionTarget).toBe(85)
    await axe(page, '/settings')
  }, 60_000)

  it('does not offer the Supervisor settings, and shows the server’s reason by address', async () => {
    const { context, p } = await signIn(people.supervisor.email)
    await open(p, '/')
    const labels = await navLabels(p)
    expect(labels).toContain('Positions')
    expect(labels).not.toContain('Settings')
    expect((await p.request.get('/api/v1/settings/finance')).status()).toBe(403)
    await open(p, '/settings')
    const alert = p.getByRole('alert')
    await alert.filter({ hasText: 'The server says: not allowed: financeSettings.view' }).waitFor()
    await expect.poll(() => alert.first().innerText()).toContain('Not allowed')
    await p.getByRole('tab', { name: 'Login security' }).click()
    await alert.filter({ hasText: 'The server says: not allowed: securitySettings.view' }).waitFor()
    // no form to fill: nothing in the page pretends the section is empty
    expect(await p.getByRole('button', { name: 'Save settings' }).count()).toBe(0)
    await axe(p, '/settings (refused)')
    await p.screenshot({ path: `${SHOTS}settings-refused.png`, fullPage: true })
    await context.close()
  }, 60_000)

  it('lists a project’s queue and campaign to its member and not to a person outside it', async () => {
    const member = await signIn(people.member.email)
    await open(member.p, '/')
    expect(await navLabels(member.p)).toContain('Queues and campaigns')
    await member.p
      .getByRole('navigation')
      .getByRole('link', { name: 'Queues and campaigns' })
      .click()
    await settle(member.p)
    const group = member.p.locator('.ant-card').filter({ hasText: 'Spring Sale' })
    await group.getByText('Spring inbound').waitFor()
    expect(await member.p.getByTestId('project-group').allInnerTexts()).toEqual(['Spring Sale'])
    expect(await bodyText(member.p)).not.toContain('Autumn inbound')
    await member.p.getByRole('tab', { name: 'Campaigns' }).click()
    await settle(member.p)
    await member.p
      .locator('.ant-card')
      .filter({ hasText: 'Spring Sale' })
      .getByText('Spring promo')
      .waitFor()
    // a desk role only views: no create or edit offered
    expect(await member.p.getByRole('button', { name: /^New / }).count()).toBe(0)
    await axe(member.p, '/outbound (member)')
    await member.context.close()

    const outsider = await signIn(people.outsider.email)
    await open(outsider.p, '/outbound')
    // their own project's queue, under its name; nothing of Spring Sale
    await outsider.p
      .locator('.ant-card')
      .filter({ hasText: 'Autumn Fair' })
      .getByText('Autumn inbound')
      .waitFor()
    expect(await outsider.p.getByTestId('project-group').allInnerTexts()).toEqual(['Autumn Fair'])
    expect(await bodyText(outsider.p)).not.toContain('Spring inbound')
    await outsider.p.getByRole('tab', { name: 'Campaigns' }).click()
    await outsider.p.getByText('Nothing to show in your projects').waitFor()
    expect(await bodyText(outsider.p)).not.toContain('Spring promo')
    const api = (await (await outsider.p.request.get('/api/v1/queues')).json()) as {
      items: { name: string }[]
    }
    expect(api.items.map((q) => q.name)).toEqual(['Autumn inbound'])
    await axe(outsider.p, '/outbound (outsider)')
    await outsider.context.close()
  }, 90_000)

  it('lets the admin create a dialer in a project and rename it', async () => {
    await open(page, '/outbound')
    await page.getByRole('tab', { name: 'Dialers' }).click()
    await page.getByRole('button', { name: 'New dialer' }).click()
    const dialog = await dialogOpen(page)
    await dialog.getByLabel('Name').fill('Spring auto')
    // pick() waits for each list to close (while one fades it can cover the next field)
    await pick(page, dialog.getByLabel('Project'), 'Spring Sale')
    await pick(page, dialog.getByLabel('Dialing mode'), 'Progressive')
    await axe(page, '/outbound (the editor)')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialogClosed(dialog)
    const card = page.locator('.ant-card').filter({ hasText: 'Spring Sale' })
    await card
      .getByRole('row')
      .filter({ hasText: 'Spring auto' })
      .getByText('Progressive')
      .waitFor()
    await page.getByRole('button', { name: 'Edit Spring auto' }).click()
    await dialogOpen(page)
    await dialog.getByLabel('Name').fill('Spring auto 2')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialogClosed(dialog)
    await card.getByText('Spring auto 2').waitFor()
    const dialers = (await get('/api/v1/dialers')).items as { name: string; projectId: string }[]
    expect(dialers).toEqual([
      expect.objectContaining({ name: 'Spring auto 2', projectId: project, mode: 'progressive' }),
    ])
    await axe(page, '/outbound')
    await page.screenshot({ path: `${SHOTS}outbound.png`, fullPage: true })
  }, 60_000)

  it('searches leads and opens one in a drawer', async () => {
    await open(page, '/sales')
    await page.getByLabel('Search by name').fill('zhou')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await settle(page)
    await page.getByRole('button', { name: 'Open Zhou Ming' }).click()
    const drawer = await dialogOpen(page)
    await drawer.getByTestId('sales-field-phone').waitFor()
    expect(await drawer.getByTestId('sales-field-source').innerText()).toBe('web form')
    await axe(page, '/sales (a lead open)')
    await drawer.getByRole('button', { name: 'Close' }).click()
    await page.getByLabel('Search by name').fill('nobody-like-this')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByText('Nothing found').waitFor()
    await axe(page, '/sales')
  }, 60_000)

  for (const [label, code, strings] of [
    ['中文', 'zh-CN', zh],
    ['Русский', 'ru', ru],
  ] as const) {
    it(`shows the four pages in ${label}, every string translated`, async () => {
      await open(page, '/')
      await page.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(page), { timeout: 15_000 }).toBe(code)
      const check = async (route: string) => {
        await settle(page)
        expect(await missingKeys(page), `untranslated keys on ${route}`).toEqual([])
        expect(englishLeaks(await bodyText(page), strings), `English left on ${route}`).toEqual([])
      }
      await open(page, '/positions')
      await check('/positions')
      await page.getByRole('button', { name: strings.admin2.positions.create }).click()
      await dialogOpen(page)
      await check('/positions (editor)')
      await page.getByRole('dialog').getByRole('button', { name: strings.common.cancel }).click()
      await open(page, '/settings')
      for (const s of ['finance', 'kpi', 'security'] as const) {
        await page.getByRole('tab', { name: strings.admin2.settings.sections[s] }).click()
        await check(`/settings (${s})`)
      }
      await open(page, '/outbound')
      for (const k of ['queue', 'dialer', 'campaign'] as const) {
        await page.getByRole('tab', { name: strings.admin2.outbound.kinds[k] }).click()
        await check(`/outbound (${k})`)
      }
      await open(page, '/sales')
      await page
        .getByRole('button', { name: strings.admin2.sales.openOf.replace('{{name}}', 'Zhou Ming') })
        .click()
      await page.getByRole('dialog').getByTestId('sales-field-phone').waitFor()
      await check('/sales (a lead open)')
      await page.keyboard.press('Escape')
      for (const k of ['opportunity', 'quote', 'contract'] as const) {
        await page.getByRole('tab', { name: strings.admin2.sales.kinds[k] }).click()
        await check(`/sales (${k})`)
      }
      // the Supervisor's refusal, in the language too
      const { context, p } = await signIn(people.supervisor.email)
      await open(p, '/')
      await p.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(p), { timeout: 15_000 }).toBe(code)
      await open(p, '/settings')
      await p.getByRole('alert').first().waitFor()
      expect(await missingKeys(p)).toEqual([])
      expect(englishLeaks(await bodyText(p), strings)).toEqual([])
      await context.close()
      await page.getByRole('button', { name: 'English' }).click()
      await expect.poll(() => lang(page), { timeout: 15_000 }).toBe('en')
    }, 90_000)
  }
})
