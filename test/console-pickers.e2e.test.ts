import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ru from '../web/src/locales/ru.json' with { type: 'json' }
import zh from '../web/src/locales/zh-CN.json' with { type: 'json' }
import { withCompany } from '../src/db/index.js'
import { hashPassword } from '../src/domain/accounts/index.js'
import { addUser } from '../src/domain/users/index.js'
import {
  axe,
  bodyText,
  dialogClosed,
  dialogOpen,
  englishLeaks,
  hasChromium,
  lang,
  missingKeys,
  open,
  pick,
  popupsClosed,
  settle,
  signInThroughPage,
  signUpAdmin,
  startConsole,
  warnWithoutChromium,
  type AdminBrowser,
} from './browser.js'
import { strongPassword } from './test-app.js'

// The console's pickers over long lists (issue 12) and its chat "new" and "delete", in Debian's
// Chromium against the real server. A company of 260 people: the Explain page's person picker
// names the chosen person though no list page is loaded (read by id), finds person 250 by a part
// of their name (the server's `q`), and loads the next page by the cursor when its list is
// scrolled to the end. A chat is opened through the "New chat" dialog and deleted from its page
// by the Admin; a reader with `chat.view` only has neither button; a project-scoped creator gets
// the server's refusal in the dialog. axe on the dialogs; 中文 and Русский leave no key.

warnWithoutChromium('console-pickers.e2e')

const PEOPLE = 260
const padded = (n: number) => String(n).padStart(3, '0')

describe.skipIf(!hasChromium)('pickers and chat actions in Chromium', () => {
  let base = ''
  let browser: Browser
  let admin: AdminBrowser
  const contexts: BrowserContext[] = []

  const person = async (name: string, email: string, roleIds: string[]) =>
    (
      await admin.post('/api/v1/users', {
        name,
        email,
        password: strongPassword,
        orgUnitId: null,
        roleIds,
      })
    ).id

  const signIn = (email: string) =>
    signInThroughPage(browser, base, { slug: admin.slug, email, contexts })

  /** The person picker's list: its options as shown (the virtual list renders the visible ones). */
  const popup = (p: Page) => p.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)')

  beforeAll(async () => {
    let db: Awaited<ReturnType<typeof startConsole>>['db']
    ;({ base, browser, db } = await startConsole())
    admin = await signUpAdmin(browser, base, {
      companyName: 'Lotus Pickers',
      name: 'Ada Admin',
      email: 'ada@lotus.example',
    })
    // 260 people, straight into the database (one password hash for all): the API is not
    // under test here, and 260 signed requests would take most of a minute
    const company = await db
      .selectFrom('companies')
      .select('id')
      .where('slug', '=', admin.slug)
      .executeTakeFirstOrThrow()
    const passwordHash = await hashPassword(strongPassword)
    const now = new Date()
    await withCompany(db, company.id, async (trx) => {
      for (let n = 1; n <= PEOPLE; n += 1) {
        await addUser(
          trx,
          company.id,
          { email: `pat${padded(n)}@lotus.example`, name: `Pat Number ${padded(n)}`, passwordHash },
          now,
        )
      }
    })
    const reader = (
      await admin.post('/api/v1/roles', {
        name: 'Chat reader',
        grants: [{ actions: ['chat.view'], scope: 'company' }],
      })
    ).id
    const projectOpener = (
      await admin.post('/api/v1/roles', {
        name: 'Project chats',
        grants: [
          { actions: ['chat.view'], scope: 'company' },
          { actions: ['chat.create'], scope: 'project' },
        ],
      })
    ).id
    await person('Rita Reader', 'rita@lotus.example', [reader])
    const otto = await person('Otto Opener', 'otto@lotus.example', [projectOpener])
    // a member of one project: chats of it are his to open, no other
    const harbour = (await admin.post('/api/v1/projects', { name: 'Harbour' })).id
    const member = await admin.context.request.put(`/api/v1/projects/${harbour}/members/${otto}`, {
      headers: { 'x-csrf-token': admin.csrf },
    })
    expect(member.status(), await member.text()).toBe(204)
  }, 180_000)

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await admin?.context.close()
    await browser?.close()
  })

  it('names the chosen person without a list, finds person 250 by name, pages on scrolling', async () => {
    const p = await signIn('ada@lotus.example')
    const lists: string[] = []
    p.on('request', (r) => {
      if (r.url().includes('/api/v1/users?')) lists.push(r.url())
    })
    await open(p, '/explain')
    const field = p.getByLabel('Person')
    const select = field.locator(
      'xpath=ancestor::*[contains(concat(" ", normalize-space(@class), " "), " ant-select ")][1]',
    )
    // the picker starts on me: named by a read by id, no page of the list asked for
    await expect.poll(() => select.innerText()).toContain('Ada Admin <ada@lotus.example>')
    expect(lists).toEqual([])

    // typing a part of the name asks the server (`q`); person 250 is found, whatever page
    await field.fill('number 250')
    const option = popup(p).locator('.ant-select-item-option[title^="Pat Number 250"]')
    await option.waitFor()
    expect(lists.some((u) => new URL(u).searchParams.get('q') === 'number 250')).toBe(true)
    await expect.poll(() => popup(p).locator('.ant-select-item-option').count()).toBe(1)
    await option.click()
    await expect.poll(() => select.innerText()).toContain('Pat Number 250')
    await settle(p)

    // opened afresh without a search: the first page; scrolled to its end, the next one by the
    // cursor
    await open(p, '/explain')
    lists.length = 0
    await p.getByLabel('Person').click()
    const holder = popup(p).locator('.ant-select-dropdown-list-holder')
    await holder.waitFor()
    await expect.poll(() => lists.filter((u) => !u.includes('q=')).length).toBeGreaterThan(0)
    expect(lists.some((u) => u.includes('cursor='))).toBe(false)
    // the list's full height: one row per option loaded
    const height = () =>
      holder.evaluate(
        (el) => (el.firstElementChild as { offsetHeight: number } | null)?.offsetHeight ?? 0,
      )
    await expect.poll(height).toBeGreaterThan(0)
    const firstPage = await height()
    await expect
      .poll(
        async () => {
          await holder.hover()
          await p.mouse.wheel(0, 2_000)
          return lists.filter((u) => u.includes('cursor=')).length
        },
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0)
    const next = lists.find((u) => u.includes('cursor=')) ?? ''
    expect(new URL(next).searchParams.get('limit')).toBe('50')
    // the next 50 are in the list now, below the first page
    await expect.poll(height).toBeGreaterThan(firstPage)
    await p.keyboard.press('Escape')
  }, 90_000)

  it('lets the Admin open a chat through "New chat" and delete it from its page', async () => {
    const p = await signIn('ada@lotus.example')
    await open(p, '/chats')
    await p.getByRole('button', { name: 'New chat' }).click()
    const dialog = await dialogOpen(p)
    await axe(p, '/chats (new chat)')
    await pick(p, dialog.getByLabel('Channel'), 'Telegram')
    await dialog.getByLabel('Phone number').fill('+8613877770001')
    await dialog.getByLabel("The customer's first message").fill('Is my parcel lost?')
    await dialog.getByRole('button', { name: 'Open the chat' }).click()
    await dialogClosed(dialog)
    await p.waitForURL(/\/chats\/[0-9a-f-]{36}$/)
    await settle(p)
    const id = p.url().split('/').pop() ?? ''
    await expect.poll(() => bodyText(p)).toContain('Is my parcel lost?')
    const made = (await admin.get(`/api/v1/chats/${id}`)) as { channel: string; phone: string }
    expect(made).toMatchObject({ channel: 'telegram', phone: '+8613877770001' })

    await p.getByRole('button', { name: 'Delete the chat' }).click()
    const confirm = p.locator('.ant-popconfirm')
    await confirm.waitFor()
    await settle(p)
    await axe(p, '/chats/:id (delete confirmation)')
    await confirm.getByRole('button', { name: 'Delete the chat' }).click()
    await p.waitForURL(`${base}/chats`)
    const gone = (await admin.get(`/api/v1/chats/${id}`)) as { code?: string }
    expect(gone.code).toBe('not_found')
  }, 90_000)

  it('shows neither button to a reader, and the server’s refusal to a project-scoped opener', async () => {
    const chat = await admin.post('/api/v1/chats', { channel: 'web', phone: '+8613877770002' })
    const rita = await signIn('rita@lotus.example')
    await open(rita, '/chats')
    await expect.poll(() => bodyText(rita)).toContain('+8613877770002')
    expect(await rita.getByRole('button', { name: 'New chat' }).count()).toBe(0)
    await open(rita, `/chats/${chat.id}`)
    await expect.poll(() => bodyText(rita)).toContain('+8613877770002')
    expect(await rita.getByRole('button', { name: 'Delete the chat' }).count()).toBe(0)

    // allowed to open chats of his projects only: one in no project is refused, in words
    const otto = await signIn('otto@lotus.example')
    await open(otto, '/chats')
    await otto.getByRole('button', { name: 'New chat' }).click()
    const dialog = await dialogOpen(otto)
    await dialog.getByRole('button', { name: 'Open the chat' }).click()
    await dialog.getByRole('alert').first().waitFor()
    expect(await dialog.innerText()).toMatch(/project/i)
    const list = (await admin.get('/api/v1/chats')) as { items: unknown[] }
    expect(list.items).toHaveLength(1)
    await axe(otto, '/chats (new chat refused)')
  }, 90_000)

  for (const [label, code, strings] of [
    ['中文', 'zh-CN', zh],
    ['Русский', 'ru', ru],
  ] as const) {
    it(`translates the picker, the new chat dialog and the delete confirmation into ${label}`, async () => {
      const chat = await admin.post('/api/v1/chats', { channel: 'sms', phone: '+8613877770003' })
      const p = await signIn('ada@lotus.example')
      await open(p, '/chats')
      await p.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(p), { timeout: 15_000 }).toBe(code)
      await p.getByRole('button', { name: strings.work.chats.new.open }).click()
      const dialog = await dialogOpen(p)
      await dialog.getByLabel(strings.work.chats.new.project).fill('nothing like this')
      await popup(p).getByText(strings.pick.none).waitFor()
      expect(await missingKeys(p), 'the new chat dialog').toEqual([])
      expect(englishLeaks(await bodyText(p), strings), 'the new chat dialog').toEqual([])
      await p.keyboard.press('Escape')
      await popupsClosed(p)
      await dialog.getByRole('button', { name: strings.common.cancel }).click()
      await dialogClosed(dialog)
      await open(p, `/chats/${chat.id}`)
      await p.getByRole('button', { name: strings.work.chats.delete }).click()
      await p.locator('.ant-popconfirm').waitFor()
      expect(await missingKeys(p), 'the chat page').toEqual([])
      expect(englishLeaks(await bodyText(p), strings), 'the chat page').toEqual([])
    }, 60_000)
  }
})
