import { generateSync } from 'otplib'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ru from '../web/src/locales/ru.json' with { type: 'json' }
import zh from '../web/src/locales/zh-CN.json' with { type: 'json' }
import {
  axe,
  bodyText,
  dialogOpen,
  englishLeaks,
  hasChromium,
  lang,
  missingKeys,
  navLabels,
  open,
  pick,
  settle,
  SHOTS,
  signInThroughPage,
  startConsole,
  warnWithoutChromium,
} from './browser.js'
import { strongPassword } from './test-app.js'

// The console in Debian's Chromium against the real server on a fresh database: sign-up, login,
// navigation from /me, a user made through the page and seen from their own session, the explain
// tool, every route in 中文 and Русский with no untranslated string, and axe on every route.

warnWithoutChromium('console.e2e')

describe.skipIf(!hasChromium)('the web console in Chromium', () => {
  let base = ''
  let browser: Browser
  let admin: BrowserContext
  let page: Page
  const company = { name: 'Lotus Service Center', slug: '' }
  const adminUser = { name: 'Wang Fang', email: 'wang.fang@lotus.example' }
  const agent = { name: 'Li Wei', email: 'li.wei@lotus.example', id: '' }

  beforeAll(async () => {
    ;({ base, browser } = await startConsole())
    admin = await browser.newContext({ baseURL: base, locale: 'en-US' })
    page = await admin.newPage()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('signs a company up through the page', async () => {
    await open(page, '/signup')
    await page.getByLabel('Company name').fill(company.name)
    await page.getByLabel('Your name').fill(adminUser.name)
    await page.getByLabel('Work email').fill(adminUser.email)
    await page.getByLabel('Password').fill(strongPassword)
    await page.getByRole('button', { name: 'Create company' }).click()
    await page.getByRole('heading', { name: 'Your company is ready' }).waitFor()
    company.slug = (await page.locator('.ant-typography code').first().innerText()).trim()
    expect(company.slug).toMatch(/\S/)
    await page.getByRole('button', { name: 'Open the console' }).click()
    await page.getByRole('heading', { name: `Welcome, ${adminUser.name}` }).waitFor()
  }, 60_000)

  it('logs out and in again, through the page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${base}/login`)
    await page.getByLabel('Company').fill(company.slug)
    await page.getByLabel('Email').fill(adminUser.email)
    await page.getByLabel('Password').fill(strongPassword)
    await page.screenshot({ path: `${SHOTS}login.png` })
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${base}/`)
    await page.getByRole('heading', { name: `Welcome, ${adminUser.name}` }).waitFor()
    // the session is the HttpOnly cookie alone: nothing about it in the page's storage
    const stored = await page.evaluate<string>(
      'JSON.stringify({ ...localStorage, ...sessionStorage })',
    )
    expect(stored).not.toMatch(/token|session/i)
    expect(await page.evaluate<string>('document.cookie')).not.toContain('tessera_session')
  }, 60_000)

  it('lists my sessions on the Security page and signs out another one, which ends at once', async () => {
    const other = await browser.newContext({ baseURL: base, locale: 'en-US' })
    const p = await other.newPage()
    await open(p, '/login')
    await p.getByLabel('Company').fill(company.slug)
    await p.getByLabel('Email').fill(adminUser.email)
    await p.getByLabel('Password').fill(strongPassword)
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.waitForURL(`${base}/`)

    await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click()
    await settle(page)
    const card = page.locator('.ant-card').filter({ hasText: 'My sessions' })
    await expect.poll(() => card.locator('tbody tr').count()).toBe(2)
    await card.getByText('This browser').waitFor()
    await axe(page, '/security (sessions)')
    await card.getByRole('button', { name: /^Sign out the session last used/ }).click()
    await expect.poll(() => card.locator('tbody tr').count()).toBe(1)

    // the other browser's next page finds its session gone and asks it to sign in
    await p.goto('/')
    await p.waitForURL(`${base}/login`)
    await other.close()
  }, 60_000)

  it('a wrong password is refused with the reason, not a blank page', async () => {
    const context = await browser.newContext({ baseURL: base, locale: 'en-US' })
    const p = await context.newPage()
    await open(p, '/login')
    await p.getByLabel('Company').fill(company.slug)
    await p.getByLabel('Email').fill(adminUser.email)
    await p.getByLabel('Password').fill('Wrong-password-1')
    await p.getByRole('button', { name: 'Sign in' }).click()
    await expect
      .poll(() => p.getByRole('alert').allInnerTexts())
      .toEqual([expect.stringContaining('The server says')])
    expect(p.url()).toBe(`${base}/login`)
    await context.close()
  }, 60_000)

  it("builds the admin's navigation from /me", async () => {
    const me = await (await page.request.get('/api/v1/me')).json()
    const actions = new Set<string>(me.permissions.map((p: { action: string }) => p.action))
    expect(actions.has('user.view') && actions.has('role.view')).toBe(true)
    expect(await navLabels(page)).toEqual([
      'My access',
      'Customers',
      'Tickets',
      'Calls',
      'Chats',
      'Quality',
      'Reports',
      'Approvals',
      'Users',
      'Roles',
      'Explain a decision',
      'API keys',
      'Audit log',
      'Security',
      'Org structure',
      'Permission groups',
      'Section access',
      // administration, part 2
      'Positions',
      'Settings',
      'Queues and campaigns',
      'Sales',
      // IVR menus and shifts (test/console-records.e2e.test.ts has their own cases)
      'Voice menus (IVR)',
      'Shifts',
    ])
  }, 30_000)

  it('creates a user with a preset role through the Users page', async () => {
    const roles = (await (await page.request.get('/api/v1/roles')).json()).items as {
      id: string
      name: string
    }[]
    const senior = roles.find((r) => /senior/i.test(r.name))
    expect(senior, 'a senior agent preset role').toBeDefined()
    await page.getByRole('navigation').getByRole('link', { name: 'Users' }).click()
    await settle(page)
    await page.getByRole('button', { name: 'New user' }).click()
    const dialog = await dialogOpen(page)
    await dialog.getByLabel('Name').fill(agent.name)
    await dialog.getByLabel('Email').fill(agent.email)
    await dialog.getByLabel('Initial password').fill(strongPassword)
    await pick(page, dialog.getByLabel('Roles'), senior?.name ?? '', { type: senior?.name ?? '' })
    await dialog.getByRole('button', { name: 'Create user' }).click()
    await page.getByRole('cell', { name: agent.email }).waitFor()
    const users = (await (await page.request.get('/api/v1/users')).json()).items as {
      id: string
      email: string
    }[]
    agent.id = users.find((u) => u.email === agent.email)?.id ?? ''
    const held = await (await page.request.get(`/api/v1/users/${agent.id}/roles`)).json()
    expect(JSON.stringify(held)).toContain(senior?.id)
  }, 60_000)

  it("shows the new user exactly the sections their role allows, and the server's refusal elsewhere", async () => {
    const p = await signInThroughPage(browser, base, { slug: company.slug, email: agent.email })
    await settle(p)
    const me = await (await p.request.get('/api/v1/me')).json()
    const actions = new Set<string>(me.permissions.map((x: { action: string }) => x.action))
    const expected = [
      'My access',
      ...(actions.has('customer.view') ? ['Customers'] : []),
      ...(actions.has('ticket.view') ? ['Tickets'] : []),
      ...(actions.has('call.view') ? ['Calls'] : []),
      ...(actions.has('chat.view') ? ['Chats'] : []),
      ...(actions.has('qaEvaluation.view') ? ['Quality'] : []),
      ...(actions.has('report.view') ? ['Reports'] : []),
      'Approvals',
      ...(actions.has('user.view') ? ['Users'] : []),
      ...(actions.has('role.view') ? ['Roles'] : []),
      ...(actions.has('user.view') && actions.has('role.view') ? ['Explain a decision'] : []),
      ...(actions.has('role.assign') ? ['API keys'] : []),
      ...(actions.has('audit.view') ? ['Audit log'] : []),
      'Security',
      ...(actions.has('orgUnit.view') ? ['Org structure'] : []),
      ...(actions.has('permissionGroup.view') ? ['Permission groups'] : []),
      ...(actions.has('role.view') ? ['Section access'] : []),
      // administration, part 2
      ...(actions.has('role.view') ? ['Positions'] : []),
      ...(['financeSettings', 'kpiSettings', 'securitySettings'].some((x) =>
        actions.has(`${x}.view`),
      )
        ? ['Settings']
        : []),
      ...(['queue', 'dialer', 'campaign'].some((x) => actions.has(`${x}.view`))
        ? ['Queues and campaigns']
        : []),
      ...(['lead', 'opportunity', 'quote', 'contract'].some((x) => actions.has(`${x}.view`))
        ? ['Sales']
        : []),
      ...(actions.has('ivrMenu.view') ? ['Voice menus (IVR)'] : []),
      ...(actions.has('schedule.view') ? ['Shifts'] : []),
    ]
    expect(await navLabels(p)).toEqual(expected)
    expect(expected).not.toContain('Roles')
    await open(p, '/roles')
    // a section not allowed, opened by its address: why, not a blank page
    await p.getByText('You may not enter this section').waitFor()
    await p.context().close()
  }, 60_000)

  it('explains a denial on a closed ticket as condition_not_met, in words', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Explain a decision' }).click()
    await settle(page)
    await pick(page, page.getByLabel('Person'), agent.email, { type: agent.name, text: true })
    await pick(page, page.getByLabel('Action'), 'ticket.close', { type: 'ticket.close' })
    await page.getByRole('button', { name: 'Add an attribute' }).click()
    await page.getByRole('button', { name: 'Add an attribute' }).click()
    await page.getByLabel('Attribute 1 name').fill('status')
    // an open ticket of theirs: allowed; the same ticket closed: condition_not_met
    await page.getByLabel('Attribute 1 value').fill('open')
    await page.getByLabel('Attribute 2 name').fill('assigneeId')
    await page.getByLabel('Attribute 2 value').fill(agent.id)
    await page.getByRole('button', { name: 'Explain', exact: true }).click()
    const decision = page.getByTestId('decision')
    await expect.poll(() => decision.innerText(), { timeout: 15_000 }).toContain('Allowed')
    // again from the keyboard: Enter in a field submits the form
    await page.getByLabel('Attribute 1 value').fill('closed')
    await page.getByLabel('Attribute 1 value').press('Enter')
    await expect.poll(() => decision.innerText(), { timeout: 15_000 }).toContain('Denied')
    await expect.poll(() => decision.innerText()).toContain('condition_not_met')
    const result = await page.getByRole('region', { name: 'Decision' }).innerText()
    expect(result).toContain('a condition of the permission is not met')
    expect(result).toContain('its condition is not met')
    await page.screenshot({ path: `${SHOTS}explain.png`, fullPage: true })
  }, 60_000)

  it('shows built-in roles locked, with a read-only detail', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Roles' }).click()
    await settle(page)
    const row = page.getByRole('row', { name: /^Admin\b/ })
    await expect.poll(() => row.innerText()).toContain('Built-in, locked')
    await row.getByRole('link', { name: 'Admin' }).click()
    await page.getByText('This built-in role cannot be changed or deleted.').waitFor()
    expect(await page.getByRole('button', { name: /save|edit|delete/i }).count()).toBe(0)
    await page.screenshot({ path: `${SHOTS}role.png`, fullPage: true })
  }, 60_000)

  it('makes a custom role in the role editor; its holder sees its sections, and a change at the next page', async () => {
    const lead = { name: 'Zhang Min', email: 'zhang.min@lotus.example' }
    // the role: Administration → role.view on the whole company
    await open(page, '/roles')
    await page.getByRole('button', { name: 'New role' }).click()
    await page.getByLabel('Name').fill('Desk lead')
    await page.getByRole('button', { name: /^Administration/ }).click()
    await pick(page, page.getByLabel('Records for Administration'), 'the whole company')
    await page.getByRole('checkbox', { name: 'role.view', exact: true }).check()
    await page.getByText(/^1 of \d+ actions ticked$/).waitFor()
    await page.getByRole('checkbox', { name: 'role.view', exact: true }).scrollIntoViewIfNeeded()
    await page.screenshot({ path: `${SHOTS}role-editor.png` })
    // every module open (every action's checkbox on the page, 160 today): clicks still work; how
    // long one takes is printed, not asserted (no test times anything; the figure goes in the
    // README from these lines)
    const closed = page.locator('.ant-collapse-header[aria-expanded="false"]')
    while ((await closed.count()) > 0) await closed.first().click()
    // the median of 5 clicks, each from the click to React's update being in the page
    const clickMs = await page.evaluate<number>(`(async () => {
      const box = [...document.querySelectorAll('label')]
        .find((l) => l.textContent === 'every ticket action')
        ?.querySelector('input')
      const times = []
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now()
        box.click()
        await new Promise((done) => setTimeout(done, 0))
        if (i % 2 === 0) times.push(performance.now() - t0)
      }
      return times.sort((a, b) => a - b)[2]
    })()`)
    console.log(
      `console: a click in the role editor with every module open took ${clickMs.toFixed(1)} ms`,
    )
    expect(Number.isFinite(clickMs)).toBe(true)
    await page.getByText(/^1 of \d+ actions ticked$/).waitFor()
    await page.getByRole('button', { name: 'Save role' }).click()
    await page.getByRole('heading', { name: /Desk lead/ }).waitFor()
    const roleId = page.url().split('/').pop() ?? ''
    const saved = await (await page.request.get(`/api/v1/roles/${roleId}`)).json()
    expect(saved.grants).toEqual([{ actions: ['role.view'], scope: 'company' }])

    // a user holding it, made in the Users page
    await open(page, '/users')
    await page.getByRole('button', { name: 'New user' }).click()
    const dialog = await dialogOpen(page)
    await dialog.getByLabel('Name').fill(lead.name)
    await dialog.getByLabel('Email').fill(lead.email)
    await dialog.getByLabel('Initial password').fill(strongPassword)
    await pick(page, dialog.getByLabel('Roles'), 'Desk lead', { type: 'Desk lead' })
    await dialog.getByRole('button', { name: 'Create user' }).click()
    await page.getByRole('cell', { name: lead.email }).waitFor()

    // their own session sees My access, Roles, their own Security, Section access and Positions (role.view)
    const p = await signInThroughPage(browser, base, { slug: company.slug, email: lead.email })
    expect(await navLabels(p)).toEqual([
      'My access',
      'Approvals',
      'Roles',
      'Security',
      'Section access',
      'Positions',
    ])

    // the admin adds user.view; the holder's next page shows Users and the explain tool
    await open(page, `/roles/${roleId}/edit`)
    await page.getByRole('button', { name: /^Administration/ }).click()
    await page.getByRole('checkbox', { name: 'user.view', exact: true }).check()
    await page.getByRole('button', { name: 'Save role' }).click()
    await page.waitForURL(`${base}/roles/${roleId}`)
    await p.getByRole('navigation').getByRole('link', { name: 'Roles' }).click()
    await expect
      .poll(() => navLabels(p), { timeout: 15_000 })
      .toEqual([
        'My access',
        'Approvals',
        'Users',
        'Roles',
        'Explain a decision',
        'Security',
        'Section access',
        'Positions',
      ])
    await p.context().close()
  }, 120_000)

  it('asks for the one-time code when the account has MFA on, and signs in with it', async () => {
    const context = await browser.newContext({ baseURL: base, locale: 'en-US' })
    const p = await context.newPage()
    const signIn = async () => {
      await open(p, '/login')
      await p.getByLabel('Company').fill(company.slug)
      await p.getByLabel('Email').fill(agent.email)
      await p.getByLabel('Password').fill(strongPassword)
      await p.getByRole('button', { name: 'Sign in' }).click()
    }
    await signIn()
    await p.waitForURL(`${base}/`)
    // MFA turned on through the API, with the CSRF header a cookie session needs
    const csrf = (await context.cookies()).find((c) => c.name === 'tessera_csrf')?.value ?? ''
    const headers = { 'x-csrf-token': csrf }
    const enrol = await (await p.request.post('/api/v1/auth/mfa/enrol', { headers })).json()
    const secret = enrol.secret as string
    const now = Math.floor(Date.now() / 1000)
    const confirm = await p.request.post('/api/v1/auth/mfa/confirm', {
      headers,
      data: { code: generateSync({ secret, epoch: now - 30 }) },
    })
    expect(confirm.status()).toBe(200)
    await p.getByRole('button', { name: 'Sign out' }).click()
    await p.waitForURL(`${base}/login`)

    await signIn()
    await p.getByLabel('One-time code').waitFor()
    await axe(p, '/login (one-time code)')
    await p.getByLabel('One-time code').fill('000000')
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.getByRole('alert').filter({ hasText: 'A one-time code is required' }).waitFor()
    await p.getByLabel('One-time code').fill(generateSync({ secret }))
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.waitForURL(`${base}/`)
    await p.getByRole('heading', { name: `Welcome, ${agent.name}` }).waitFor()
    // their Security page: without user.view it cannot read whether MFA is on; setting it up
    // learns it from the server (409), and offers the on-state's actions
    await open(p, '/security')
    const status = p.getByTestId('mfa-status')
    expect(await status.innerText()).toBe('Not known')
    await p.getByRole('button', { name: 'Set up two-factor sign-in' }).click()
    await expect.poll(() => status.innerText()).toBe('On')
    await p.getByText('Two-factor sign-in is already on for your account.').waitFor()
    await p.getByRole('button', { name: 'Turn off two-factor sign-in' }).waitFor()
    await context.close()
  }, 60_000)

  it('suspends, reactivates and forces a person offline from the Users page', async () => {
    await open(page, '/users')
    const row = page.getByRole('row').filter({ hasText: agent.email })
    await page.getByRole('button', { name: `Force offline: ${agent.name}` }).click()
    await page.getByText(`${agent.name} is signed out everywhere`).waitFor()
    await page.getByRole('button', { name: `Suspend: ${agent.name}` }).click()
    await row.getByText('Suspended').waitFor()
    const suspended = await (await page.request.get(`/api/v1/users/${agent.id}`)).json()
    expect(suspended.status).toBe('suspended')
    await page.getByRole('button', { name: `Reactivate: ${agent.name}` }).click()
    await row.getByText('Active').waitFor()
  }, 60_000)

  it('turns on two-factor sign-in on the Security page; the next sign-in takes a code from the app', async () => {
    const me = await (await page.request.get('/api/v1/me')).json()
    const adminId = me.user.id as string
    await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click()
    await settle(page)
    const status = page.getByTestId('mfa-status')
    await expect.poll(() => status.innerText()).toBe('Off')
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click()
    // the QR code of the otpauth URI, and the same secret to type in
    const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' })
    await qr.waitFor()
    expect(await qr.locator('path').count()).toBeGreaterThan(0)
    const secret = (await page.getByTestId('totp-secret').innerText()).trim()
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/)
    await axe(page, '/security (enrolment)')
    await page.screenshot({ path: `${SHOTS}mfa.png`, fullPage: true })
    // a wrong code is refused with the reason, and MFA stays off
    await page.getByLabel('Code from the app').fill('000000')
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click()
    await page.getByRole('alert').filter({ hasText: 'Some fields are not valid' }).waitFor()
    expect((await (await page.request.get(`/api/v1/users/${adminId}`)).json()).mfaEnabled).toBe(
      false,
    )
    // the code an authenticator app shows now (otplib, as the server checks it)
    const now = Math.floor(Date.now() / 1000)
    await page.getByLabel('Code from the app').fill(generateSync({ secret, epoch: now }))
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click()
    const codes = page.getByTestId('recovery-codes').locator('code')
    await codes.first().waitFor()
    const recovery = await codes.allInnerTexts()
    expect(recovery).toHaveLength(10)
    expect(await status.innerText()).toBe('On')
    await axe(page, '/security (recovery codes)')
    await page.getByRole('button', { name: 'I have kept them' }).click()
    await codes.first().waitFor({ state: 'detached' })
    expect((await (await page.request.get(`/api/v1/users/${adminId}`)).json()).mfaEnabled).toBe(
      true,
    )

    // out and in again: the password alone is not enough, the app's next code is
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${base}/login`)
    await page.getByLabel('Company').fill(company.slug)
    await page.getByLabel('Email').fill(adminUser.email)
    await page.getByLabel('Password').fill(strongPassword)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByLabel('One-time code').waitFor()
    expect(page.url()).toBe(`${base}/login`)
    // the step after the one spent on enrolment (a code is accepted once, ±1 step of drift)
    await page.getByLabel('One-time code').fill(generateSync({ secret, epoch: now + 30 }))
    await page.getByRole('button', { name: 'Sign in' }).click()
    // signed in, and home: signing out forgets the page it left
    await page.waitForURL(`${base}/`)
    await page.getByRole('button', { name: 'Sign out' }).waitFor()

    // the page reads it on; new recovery codes with an old one, then off with a new one
    await open(page, '/security')
    await expect.poll(() => status.innerText()).toBe('On')
    const code = page.getByLabel('Code from the app or a recovery code')
    await code.fill(recovery[0] ?? '')
    await page.getByRole('button', { name: 'Replace recovery codes' }).click()
    await expect.poll(() => codes.allInnerTexts()).toHaveLength(10)
    const replaced = await codes.allInnerTexts()
    expect(replaced.some((c) => recovery.includes(c))).toBe(false)
    // an old recovery code no longer works
    await code.fill(recovery[1] ?? '')
    await page.getByRole('button', { name: 'Turn off two-factor sign-in' }).click()
    await page.getByRole('alert').filter({ hasText: 'Some fields are not valid' }).waitFor()
    expect(await status.innerText()).toBe('On')
    await code.fill(replaced[0] ?? '')
    await page.getByRole('button', { name: 'Turn off two-factor sign-in' }).click()
    await expect.poll(() => status.innerText()).toBe('Off')
    expect((await (await page.request.get(`/api/v1/users/${adminId}`)).json()).mfaEnabled).toBe(
      false,
    )
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).waitFor()
  }, 90_000)

  it('creates an API key on the API keys page, shows it once, and revokes it', async () => {
    const asKey = (key: string) =>
      fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })
    await page.getByRole('navigation').getByRole('link', { name: 'API keys' }).click()
    await settle(page)
    await page.getByRole('button', { name: 'New API key' }).click()
    const dialog = await dialogOpen(page)
    await dialog.getByLabel('Name').fill('CRM sync')
    await pick(page, dialog.getByLabel('Role'), 'Operator', { type: 'Operator' })
    await dialog.getByRole('button', { name: 'Create key' }).click()
    const shown = page.getByTestId('new-api-key')
    await shown.waitFor()
    const key = (await shown.innerText()).trim()
    expect(key).toMatch(/^tsk_/)
    await axe(page, '/api-keys (the new key)')
    await page.getByRole('button', { name: 'Done' }).click()
    await shown.waitFor({ state: 'detached' })
    // the key works, as the role it was given
    const before = await asKey(key)
    expect(before.status).toBe(200)
    const keyMe = (await before.json()) as { apiKeyId: string | null; roles: { name: string }[] }
    expect(keyMe.apiKeyId).not.toBeNull()
    expect(keyMe.roles.map((r) => r.name)).toEqual(['Operator'])
    // listed without its secret
    const row = page.getByRole('row').filter({ hasText: 'CRM sync' })
    await expect.poll(() => row.innerText()).toContain('Operator')
    await expect.poll(() => row.innerText()).toContain('Active')
    expect(await page.locator('body').innerText()).not.toContain(key)

    await page.getByRole('button', { name: 'Revoke: CRM sync' }).click()
    await page.getByRole('button', { name: 'Revoke', exact: true }).click()
    await row.getByText('Revoked').waitFor()
    expect(await page.getByRole('button', { name: 'Revoke: CRM sync' }).count()).toBe(0)
    await page.screenshot({ path: `${SHOTS}api-keys.png` })
    expect((await asKey(key)).status).toBe(401)
  }, 60_000)

  it('shows the sign-up and the key in the audit log, filters it, and verifies the chain', async () => {
    // 20 more keys through the API (with the CSRF header a cookie session needs): the log then
    // holds more than a page of 50, so the sign-up is reached through Load more
    const csrf = (await admin.cookies()).find((c) => c.name === 'tessera_csrf')?.value ?? ''
    const roles = (await (await page.request.get('/api/v1/roles')).json()).items as {
      id: string
      name: string
    }[]
    const operator = roles.find((r) => r.name === 'Operator')?.id ?? ''
    for (let i = 1; i <= 20; i++) {
      const made = await page.request.post('/api/v1/api-keys', {
        headers: { 'x-csrf-token': csrf },
        data: { name: `Batch ${i}`, roleId: operator },
      })
      expect(made.status()).toBe(201)
    }
    const total = (await (await page.request.get('/api/v1/audit/verify')).json()).count as number
    expect(total).toBeGreaterThan(50)
    await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click()
    await settle(page)
    const actionCells = page.locator('tbody tr.ant-table-row td.audit-action')
    // newest first: the key's creation on the first page, the sign-up further down (50 a page)
    await page.getByRole('cell', { name: 'api_key.created', exact: true }).first().waitFor()
    expect(await actionCells.count()).toBe(50)
    const signup = page.getByRole('cell', { name: 'company.created', exact: true })
    expect(await signup.count()).toBe(0)
    while ((await signup.count()) === 0) {
      // wait for the next page's rows, not only for the network: a check made before they
      // render would click a Load more that the last page has already taken away
      const shown = await actionCells.count()
      await page.getByRole('button', { name: 'Load more' }).click()
      await expect.poll(() => actionCells.count()).toBeGreaterThan(shown)
      await settle(page)
    }
    const all = await actionCells.allInnerTexts()
    expect(all).toHaveLength(total)
    expect(all.indexOf('api_key.created')).toBeLessThan(all.indexOf('company.created'))
    expect(all.at(-1)).toBe('company.created')
    // by action: the key's creation alone, by the admin, on the api_key it made
    await page.getByLabel('Action', { exact: true }).fill('api_key.created')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await expect.poll(() => actionCells.count()).toBe(21)
    expect(new Set(await actionCells.allInnerTexts())).toEqual(new Set(['api_key.created']))
    const keyRow = page.getByRole('row').filter({ hasText: 'api_key.created' }).last()
    await expect.poll(() => keyRow.innerText()).toContain(adminUser.name)
    await expect.poll(() => keyRow.innerText()).toContain('api_key')
    // by resource type: the company's creation at sign-up
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await page.getByLabel('Resource type').fill('company')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await expect.poll(() => actionCells.allInnerTexts()).toEqual(['company.created'])
    // from a time to come: nothing
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await page.getByLabel('From', { exact: true }).fill('2099-01-01 00:00:00')
    await page.getByLabel('From', { exact: true }).press('Enter')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await expect.poll(() => actionCells.count()).toBe(0)
    await page.getByRole('button', { name: 'Clear filters' }).click()
    await expect.poll(() => actionCells.count()).toBeGreaterThan(2)

    await page.getByRole('button', { name: 'Verify the chain' }).click()
    const result = page.getByTestId('chain-result')
    await result.waitFor()
    const verified = await (await page.request.get('/api/v1/audit/verify')).json()
    expect(verified.ok).toBe(true)
    await expect.poll(() => result.innerText()).toContain('The chain is intact')
    expect(await result.innerText()).toMatch(/\d+ events checked/)
    // sign a checkpoint: offered as a file to keep outside; the verification then anchors to it
    await page.getByRole('button', { name: 'Sign a checkpoint' }).click()
    const signed = page.getByTestId('checkpoint-result')
    await signed.waitFor()
    const seq = Number(/Checkpoint signed at event (\d+)/.exec(await signed.innerText())?.[1])
    expect(seq).toBeGreaterThan(0)
    const href = await signed
      .getByRole('link', { name: /Download the signed checkpoint/ })
      .getAttribute('href')
    const file = JSON.parse(
      decodeURIComponent(href!.replace(/^data:application\/json;charset=utf-8,/, '')),
    )
    expect(file).toMatchObject({ seq, algorithm: 'Ed25519' })
    expect(file.signature).toEqual(expect.any(String))
    await expect.poll(() => result.innerText()).toContain(`Signed checkpoint at event ${seq}`)
    await axe(page, '/audit (checkpoint signed)')
    await page.evaluate('window.scrollTo(0, 0)')
    await page.screenshot({
      path: `${SHOTS}audit.png`,
      fullPage: true,
      clip: { x: 0, y: 0, width: 1280, height: 1000 },
    })
  }, 60_000)

  /** Every page of the console, with the ones that need a record filled in. */
  async function routes(): Promise<string[]> {
    const roles = (await (await page.request.get('/api/v1/roles')).json()).items as { id: string }[]
    return [
      '/',
      '/users',
      '/roles',
      `/roles/${roles[0]?.id}`,
      '/roles/new',
      '/explain',
      '/api-keys',
      '/audit',
      '/security',
      // administration, part 2
      '/positions',
      '/settings',
      '/outbound',
      '/sales',
      // the workspace's calls, QA and reports (test/console-ops.e2e.test.ts has their own cases)
      '/calls',
      '/chats',
      '/qa',
      '/reports',
      '/ivr-menus',
      '/shifts',
      '/no-such-page',
    ]
  }

  it('passes axe (no serious or critical violation) on every route', async () => {
    for (const route of await routes()) {
      await open(page, route)
      await axe(page, route)
    }
    const context = await browser.newContext({ baseURL: base, locale: 'en-US' })
    const p = await context.newPage()
    for (const route of ['/login', '/signup']) {
      await open(p, route)
      await axe(p, route)
    }
    await context.close()
  }, 120_000)

  for (const [label, code, strings, sample] of [
    ['中文', 'zh-CN', zh, '用户管理'],
    ['Русский', 'ru', ru, 'Пользователи'],
  ] as const) {
    it(`switches to ${label} and translates every route`, async () => {
      await open(page, '/')
      await page.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(page), { timeout: 15_000 }).toBe(code)
      expect(await navLabels(page)).toContain(sample)
      const check = async (p: Page, route: string) => {
        await open(p, route)
        const missing = await missingKeys(p)
        expect(missing, `untranslated keys on ${route}`).toEqual([])
        const text = await bodyText(p)
        expect(englishLeaks(text, strings), `English left on ${route}`).toEqual([])
      }
      for (const route of await routes()) await check(page, route)
      // the explain tool's answer too
      await open(page, '/explain')
      await pick(page, page.getByLabel(strings.explain.action), 'ticket.close', {
        type: 'ticket.close',
      })
      await page.getByRole('button', { name: strings.explain.submit, exact: true }).click()
      await page.getByTestId('decision').waitFor()
      expect(await missingKeys(page)).toEqual([])
      expect(englishLeaks(await bodyText(page), strings)).toEqual([])
      if (code === 'zh-CN') await page.screenshot({ path: `${SHOTS}explain-zh.png` })
      // and what the new pages show only when asked: the chain's verification, the enrolment
      // (cancelled: MFA stays off), the new key's form (cancelled)
      const settled = async (route: string) => {
        await settle(page)
        expect(await missingKeys(page), `untranslated keys on ${route}`).toEqual([])
        expect(englishLeaks(await bodyText(page), strings), `English left on ${route}`).toEqual([])
      }
      await open(page, '/audit')
      await page.getByRole('button', { name: strings.audit.verify }).click()
      await page.getByTestId('chain-result').waitFor()
      await page.getByRole('button', { name: strings.audit.sign }).click()
      await page.getByTestId('checkpoint-result').waitFor()
      await settled('/audit (verified, checkpoint signed)')
      await open(page, '/security')
      await page.getByRole('button', { name: strings.security.start }).click()
      await page.getByTestId('totp-secret').waitFor()
      await settled('/security (enrolment)')
      await page.getByRole('button', { name: strings.common.cancel }).click()
      await open(page, '/api-keys')
      await page.getByRole('button', { name: strings.apiKeys.create }).click()
      await dialogOpen(page)
      await settled('/api-keys (new key)')
      await page.getByRole('dialog').getByRole('button', { name: strings.common.cancel }).click()

      const context = await browser.newContext({ baseURL: base, locale: 'en-US' })
      const p = await context.newPage()
      await open(p, '/login')
      await p.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(p), { timeout: 15_000 }).toBe(code)
      for (const route of ['/login', '/signup']) await check(p, route)
      await context.close()
      // back to English for the rest
      await page.getByRole('button', { name: 'English' }).click()
    }, 120_000)
  }
})
