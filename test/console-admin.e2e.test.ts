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
  settle,
  SHOTS,
  startConsole,
  warnWithoutChromium,
} from './browser.js'
import { strongPassword } from './test-app.js'

// The console's administration pages in Debian's Chromium against the real server (issue 12,
// item 3): the org structure (P3, [004]), permission groups and giving them to several people at
// once (R4, R5), which roles may enter a section (R7, P1); hidden from and refused to people who
// may not enter them; axe and every string in 中文 and Русский on each.

warnWithoutChromium('console-admin.e2e')

interface Unit {
  id: string
  name: string
  parentId: string | null
  kind: string
}

describe.skipIf(!hasChromium)("the console's administration pages in Chromium", () => {
  let base = ''
  let browser: Browser
  let admin: BrowserContext
  let page: Page
  let csrf = ''
  let slug = ''
  const people = [
    { name: 'Chen Jing', email: 'chen.jing@harbor.example', id: '' },
    { name: 'Olga Smirnova', email: 'olga.smirnova@harbor.example', id: '' },
  ]

  /** The API as the admin's browser session (the CSRF header a cookie session needs). */
  const get = async (path: string) => (await page.request.get(path)).json()
  const post = (request: APIRequestContext, path: string, data: unknown) =>
    request.post(path, { headers: { 'x-csrf-token': csrf }, data })
  const units = async () => (await get('/api/v1/org-units?limit=200')).items as Unit[]
  const unitNamed = async (name: string) => (await units()).find((u) => u.name === name)

  beforeAll(async () => {
    ;({ base, browser } = await startConsole())
    admin = await browser.newContext({ baseURL: base, locale: 'en-US' })
    page = await admin.newPage()
    const signup = await admin.request.post('/api/v1/signup', {
      data: {
        companyName: 'Harbor Support',
        name: 'Zhao Lei',
        email: 'zhao.lei@harbor.example',
        password: strongPassword,
        timezone: 'Asia/Shanghai',
      },
    })
    expect(signup.status()).toBe(201)
    slug = ((await signup.json()) as { company: { slug: string } }).company.slug
    csrf = (await admin.cookies()).find((c) => c.name === 'tessera_csrf')?.value ?? ''
    const roles = (await get('/api/v1/roles')).items as { id: string; name: string }[]
    const operator = roles.find((r) => r.name === 'Operator')?.id ?? ''
    for (const person of people) {
      const made = await post(admin.request, '/api/v1/users', {
        name: person.name,
        email: person.email,
        password: strongPassword,
        roleIds: [operator],
      })
      expect(made.status()).toBe(201)
      person.id = ((await made.json()) as { id: string }).id
    }
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('shows the three pages in the admin’s navigation', async () => {
    await open(page, '/')
    expect(await navLabels(page)).toEqual(
      expect.arrayContaining(['Org structure', 'Permission groups', 'Section access']),
    )
  }, 30_000)

  it('creates org units, renames one, moves it (chosen and dragged) and deletes, on the org structure page', async () => {
    await open(page, '/')
    await page.getByRole('navigation').getByRole('link', { name: 'Org structure' }).click()
    await settle(page)
    const create = page.locator('.ant-card').filter({ hasText: /^Add a unit/ })
    const tree = page.getByRole('tree', { name: 'Org units' })
    const node = (name: string) => tree.locator('.ant-tree-title', { hasText: name }).first()
    const add = async (name: string, kind: string) => {
      await create.getByLabel('Name').fill(name)
      await pick(page, create.getByLabel('Kind'), kind)
      await create.getByRole('button', { name: 'Add unit' }).click()
      await node(name).waitFor()
      await settle(page)
    }
    // at the top level, then a team under the region just made (it is selected once made)
    await add('North region', 'Region')
    await page.getByText('Add a unit under North region').waitFor()
    await add('Team A', 'Team')
    // nothing selected (a click on the selected unit lets go of it): the top level again
    await node('Team A').click()
    await page.getByText('Add a unit at the top level').waitFor()
    await add('South region', 'Region')
    const north = await unitNamed('North region')
    const teamA = await unitNamed('Team A')
    expect(north).toMatchObject({ kind: 'region', parentId: null })
    expect(teamA).toMatchObject({ kind: 'team', parentId: north?.id })

    // rename from the keyboard: the form submits on Enter
    await node('Team A').click()
    const detail = page.locator('.ant-card').filter({ hasText: 'Rename' })
    await detail.getByLabel('Name').fill('Team Alpha')
    await detail.getByLabel('Name').press('Enter')
    await node('Team Alpha').waitFor()
    expect(await unitNamed('Team Alpha')).toMatchObject({ id: teamA?.id })

    // move it under South region with "Move to…", picked from the keyboard
    const south = await unitNamed('South region')
    await page.getByLabel('Move to…').click()
    await page.getByLabel('Move to…').fill('South')
    await page.keyboard.press('Enter')
    await page.getByRole('button', { name: 'Move with its units' }).click()
    await page.getByText('Team Alpha moved').waitFor()
    await expect.poll(async () => (await unitNamed('Team Alpha'))?.parentId).toBe(south?.id)
    await settle(page)
    await axe(page, '/org-units (a unit selected)')
    await page.evaluate('window.scrollTo(0, 0)')
    await page.screenshot({ path: `${SHOTS}org-units.png`, fullPage: true })

    // and back under North region by dragging it there
    // (rc-tree reads "into" from a drop on the lower half of the row, moved right of the start)
    const row = tree.getByRole('treeitem').filter({ hasText: 'North region' })
    const from = await node('Team Alpha').boundingBox()
    const onto = await row.boundingBox()
    await node('Team Alpha').dragTo(row, {
      sourcePosition: { x: 4, y: (from?.height ?? 10) / 2 },
      targetPosition: {
        x: (from?.x ?? 0) - (onto?.x ?? 0) + 80,
        y: ((onto?.height ?? 10) * 3) / 4,
      },
    })
    await page.getByText('Team Alpha moved').last().waitFor()
    await expect.poll(async () => (await unitNamed('Team Alpha'))?.parentId).toBe(north?.id)

    // a unit with units under it is not deleted: the server's reason, and it stays
    const remove = async (name: string) => {
      await node(name).click()
      await page.getByRole('button', { name: 'Delete unit' }).click()
      await page.locator('.ant-popconfirm').getByRole('button', { name: 'Delete unit' }).click()
    }
    await remove('North region')
    await page
      .getByRole('alert')
      .filter({ hasText: 'The server says: the org unit has units under it' })
      .waitFor()
    expect(await unitNamed('North region')).toBeDefined()
    // an empty one is
    await remove('South region')
    await page.getByText('South region deleted').waitFor()
    await expect.poll(() => unitNamed('South region')).toBeUndefined()

    // the tree from the keyboard: into it, an arrow key to a unit, Enter selects it
    await tree.focus()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    const chosen = tree.getByRole('treeitem', { selected: true })
    await chosen.waitFor()
    await page.getByText(`Add a unit under ${(await chosen.innerText()).trim()}`).waitFor()
  }, 90_000)

  it('creates a permission group, edits it, gives it to two people at once, and deletes one', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Permission groups' }).click()
    await settle(page)
    await page.getByRole('button', { name: 'New permission group' }).click()
    const dialog = await dialogOpen(page)
    await dialog.getByLabel('Name').fill('Report export, temporary')
    await pick(page, dialog.getByLabel('Actions of line 1'), 'report.export', {
      type: 'report.export',
    })
    await pick(page, dialog.getByLabel('Records line 1 reaches'), 'my team')
    await axe(page, '/permission-groups (the editor)')
    await dialog.getByRole('button', { name: 'Save group' }).click()
    await dialogClosed(dialog)
    const row = page.getByRole('row').filter({ hasText: 'Report export, temporary' })
    // polled: the row can show before the list's refetch carries the group's grants
    await expect.poll(() => row.innerText()).toContain('report.export · my team')
    const groups = (await get('/api/v1/permission-groups')).items as {
      id: string
      name: string
      description: string
      grants: unknown[]
    }[]
    const group = groups.find((g) => g.name === 'Report export, temporary')
    expect(group?.grants).toEqual([{ actions: ['report.export'], scope: 'team' }])

    await page.getByRole('button', { name: 'Edit Report export, temporary' }).click()
    await dialogOpen(page)
    await dialog.getByLabel('Description').fill('For the quarter-end reports')
    await dialog.getByRole('button', { name: 'Save group' }).click()
    await dialogClosed(dialog)
    await row.getByText('For the quarter-end reports').waitFor()

    // both people, chosen by name, get it on top of what they hold
    const peopleField = page.getByLabel('People')
    for (const person of people) {
      await pick(page, peopleField, person.name, {
        type: person.name.split(' ')[0] ?? '',
        prefix: true,
      })
    }
    await pick(page, page.getByLabel('Permission groups to give'), 'Report export, temporary')
    await page.getByRole('button', { name: 'Apply to the chosen people (2)' }).click()
    const results = page.getByTestId('assign-result')
    await expect.poll(() => results.count()).toBe(2)
    expect(await results.allInnerTexts()).toEqual(
      people.map((p) => expect.stringContaining(`${p.name}: groups changed`)),
    )
    await page.getByText('Done: 2, refused: 0').waitFor()
    for (const person of people) {
      const held = await get(`/api/v1/users/${person.id}/roles`)
      expect(held.groupIds).toEqual([group?.id])
    }
    await axe(page, '/permission-groups (results)')
    await page.screenshot({ path: `${SHOTS}permission-groups.png`, fullPage: true })

    // and one no longer needed is deleted
    const old = await post(admin.request, '/api/v1/permission-groups', {
      name: 'Old bundle',
      grants: [{ actions: ['report.view'], scope: 'company' }],
    })
    expect(old.status()).toBe(201)
    await open(page, '/permission-groups')
    await page.getByRole('button', { name: 'Delete Old bundle' }).click()
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'Delete' }).click()
    await page.getByText('Old bundle deleted').waitFor()
    expect((await get('/api/v1/permission-groups')).items).not.toContainEqual(
      expect.objectContaining({ name: 'Old bundle' }),
    )
  }, 90_000)

  it('reports each person on their own: a lead gives a group in their team, and is refused outside it', async () => {
    // a desk lead who may give groups to the people of their own unit only
    const north = await unitNamed('North region')
    const role = await post(admin.request, '/api/v1/roles', {
      name: 'Desk lead',
      grants: [
        {
          actions: ['user.view', 'role.view', 'permissionGroup.view', 'permissionGroup.assign'],
          scope: 'company',
        },
        { actions: ['user.assignRole', 'report.view'], scope: 'team' },
      ],
    })
    expect(role.status()).toBe(201)
    const lead = { name: 'Ma Tao', email: 'ma.tao@harbor.example' }
    const made = await post(admin.request, '/api/v1/users', {
      ...lead,
      password: strongPassword,
      roleIds: [((await role.json()) as { id: string }).id],
    })
    expect(made.status()).toBe(201)
    const leadId = ((await made.json()) as { id: string }).id
    for (const id of [leadId, people[0]?.id]) {
      const moved = await admin.request.patch(`/api/v1/users/${id}`, {
        headers: { 'x-csrf-token': csrf },
        data: { orgUnitId: north?.id },
      })
      expect(moved.status()).toBe(200)
    }
    const group = await post(admin.request, '/api/v1/permission-groups', {
      name: 'Team reports',
      grants: [{ actions: ['report.view'], scope: 'team' }],
    })
    expect(group.status()).toBe(201)

    const context = await browser.newContext({ baseURL: base, locale: 'en-US' })
    const p = await context.newPage()
    const login = await context.request.post('/api/v1/auth/login', {
      data: { company: slug, email: lead.email, password: strongPassword },
    })
    expect(login.status()).toBe(200)
    await open(p, '/permission-groups')
    for (const person of people) {
      await pick(p, p.getByLabel('People'), person.name, {
        type: person.name.split(' ')[0] ?? '',
        prefix: true,
      })
    }
    await p.getByLabel('People').press('Escape')
    await pick(p, p.getByLabel('Permission groups to give'), 'Team reports')
    await p.getByRole('button', { name: 'Apply to the chosen people (2)' }).click()
    await p.getByText('Done: 1, refused: 1').waitFor()
    const results = await p.getByTestId('assign-result').allInnerTexts()
    expect(results[0]).toContain(`${people[0]?.name}: groups changed`)
    expect(results[1]).toContain(`${people[1]?.name}: not changed (403)`)
    expect(results[1]).toContain('The server says: not allowed')
    await axe(p, '/permission-groups (one refused)')
    await context.close()
    const groupId = ((await group.json()) as { id: string }).id
    expect((await get(`/api/v1/users/${people[0]?.id}/roles`)).groupIds).toContain(groupId)
    expect((await get(`/api/v1/users/${people[1]?.id}/roles`)).groupIds).not.toContain(groupId)
  }, 90_000)

  it("changes which roles may enter a section, and shows the server's reason for a refusal", async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Section access' }).click()
    await settle(page)
    type Access = { roles: { id: string; name: string; kind: string; enters: boolean }[] }
    const access = async (section: string) =>
      ((await get(`/api/v1/sections/${section}/roles`)) as Access).roles
    const pickSection = async (label: string) => {
      await pick(page, page.getByLabel('Section', { exact: true }), label, { type: label })
      await settle(page)
    }

    // Reports: a preset role kept out is let in
    await pickSection('Reports')
    const before = await access('reports')
    const outside = before.find((r) => r.kind !== 'builtin' && !r.enters)
    expect(outside, 'a preset role outside Reports').toBeDefined()
    const admin = page.getByRole('switch', { name: 'Admin may enter Reports' })
    expect(await admin.isDisabled()).toBe(true)
    await page.getByRole('switch', { name: `${outside?.name} may enter Reports` }).click()
    await page.getByRole('button', { name: 'Save access' }).click()
    await page.getByText('Access saved').waitFor()
    expect((await access('reports')).find((r) => r.id === outside?.id)?.enters).toBe(true)
    await axe(page, '/section-access')

    // Settings are company-wide: letting a role in would widen what it sees, so it is refused
    await pickSection('Settings')
    const kept = (await access('settings')).find((r) => r.kind !== 'builtin' && !r.enters)
    expect(kept).toBeDefined()
    await page.getByRole('switch', { name: `${kept?.name} may enter Settings` }).click()
    await page.getByRole('button', { name: 'Save access' }).click()
    await page
      .getByRole('alert')
      .filter({ hasText: `The server says: letting ${kept?.name} into settings would widen` })
      .waitFor()
    expect((await access('settings')).find((r) => r.id === kept?.id)?.enters).toBe(false)
    await axe(page, '/section-access (refused)')
    await page.screenshot({ path: `${SHOTS}section-access.png`, fullPage: true })
  }, 90_000)

  it('hides the pages from a person who may not enter them, and refuses them by address', async () => {
    const context = await browser.newContext({ baseURL: base, locale: 'en-US' })
    const p = await context.newPage()
    const login = await context.request.post('/api/v1/auth/login', {
      data: { company: slug, email: people[0]?.email, password: strongPassword },
    })
    expect(login.status()).toBe(200)
    await open(p, '/')
    const me = await (await p.request.get('/api/v1/me')).json()
    const actions = new Set<string>(me.permissions.map((x: { action: string }) => x.action))
    expect(actions.has('orgUnit.view') || actions.has('permissionGroup.view')).toBe(false)
    const labels = await navLabels(p)
    expect(labels).not.toContain('Org structure')
    expect(labels).not.toContain('Permission groups')
    expect(labels.includes('Section access')).toBe(actions.has('role.view'))
    const closed = [
      '/org-units',
      '/permission-groups',
      ...(actions.has('role.view') ? [] : ['/section-access']),
    ]
    for (const route of closed) {
      await open(p, route)
      await p.getByText('You may not enter this section').waitFor()
      expect(await bodyText(p), route).toContain('Your roles do not allow')
      await axe(p, `${route} (refused)`)
    }
    await context.close()
  }, 60_000)

  for (const [label, code, strings] of [
    ['中文', 'zh-CN', zh],
    ['Русский', 'ru', ru],
  ] as const) {
    it(`shows the three pages in ${label}, every string translated`, async () => {
      await open(page, '/')
      await page.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(page), { timeout: 15_000 }).toBe(code)
      const check = async (route: string) => {
        await settle(page)
        expect(await missingKeys(page), `untranslated keys on ${route}`).toEqual([])
        expect(englishLeaks(await bodyText(page), strings), `English left on ${route}`).toEqual([])
      }
      await open(page, '/org-units')
      await page.getByRole('tree').locator('.ant-tree-title').first().click()
      await check('/org-units')
      await open(page, '/permission-groups')
      await check('/permission-groups')
      await page.getByRole('button', { name: strings.permissionGroups.create }).click()
      await dialogOpen(page)
      await check('/permission-groups (editor)')
      await page.getByRole('dialog').getByRole('button', { name: strings.common.cancel }).click()
      await open(page, '/section-access?section=reports')
      await check('/section-access')
      await page.getByRole('button', { name: 'English' }).click()
      await expect.poll(() => lang(page), { timeout: 15_000 }).toBe('en')
    }, 60_000)
  }
})
