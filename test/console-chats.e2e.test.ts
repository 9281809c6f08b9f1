import type { Browser, BrowserContext, Page } from 'playwright-core'
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
  navLabels,
  open,
  pick,
  settle,
  signInAs,
  signUpAdmin,
  startConsole,
  warnWithoutChromium,
  type AdminBrowser,
} from './browser.js'
import { strongPassword } from './test-app.js'

// The console's Chats pages (issue 12) in Debian's Chromium against the real server: an agent
// sees her own chat (not her teammate's), filters the log, opens the chat, replies, writes its
// notes and closes it — the reply and close buttons gone once closed; a reviewer whose role masks
// the transcript sees it masked and gets no reply, close or notes form; a reader whose role hides
// it sees "hidden"; a person without chat rights has no Chats entry and, opening the address,
// reads the server's refusal. axe on the list and the chat; 中文 and Русский leave no key.

warnWithoutChromium('console-chats.e2e')

describe.skipIf(!hasChromium)('the Chats pages in Chromium', () => {
  let base = ''
  let browser: Browser
  let admin: AdminBrowser
  const contexts: BrowserContext[] = []
  const NIAS = '+8613811110001'
  const NEDS = '+8613811110002'
  let niasChat = ''

  const person = async (name: string, email: string, roleId: string, orgUnitId: string | null) =>
    (
      await admin.post('/api/v1/users', {
        name,
        email,
        password: strongPassword,
        orgUnitId,
        roleIds: [roleId],
      })
    ).id

  const signIn = async (email: string): Promise<{ context: BrowserContext; p: Page }> => {
    const signed = await signInAs(browser, base, admin.slug, email)
    contexts.push(signed.context)
    return signed
  }

  /** POST as a signed-in person (the CSRF cookie repeated in its header): the answer's JSON. */
  const postAs = async (context: BrowserContext, path: string, data: unknown) => {
    const csrf = (await context.cookies()).find((c) => c.name === 'tessera_csrf')?.value ?? ''
    const res = await context.request.post(path, { headers: { 'x-csrf-token': csrf }, data })
    expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300)
    return (await res.json()) as { id: string }
  }

  beforeAll(async () => {
    ;({ base, browser } = await startConsole())
    admin = await signUpAdmin(browser, base, {
      companyName: 'Peony Chats',
      name: 'Ada Admin',
      email: 'ada@peony.example',
    })
    const roles = (await admin.get('/api/v1/roles')) as { items: { id: string; name: string }[] }
    const builtin = (name: string) => roles.items.find((r) => r.name === name)?.id ?? ''
    const team = (
      await admin.post('/api/v1/org-units', { kind: 'team', name: 'Hotline', parentId: null })
    ).id
    const reviewer = (
      await admin.post('/api/v1/roles', {
        name: 'Chat reviewer',
        grants: [
          {
            actions: ['chat.view'],
            scope: 'company',
            fields: { transcript: 'masked', phone: 'masked' },
          },
        ],
      })
    ).id
    const counter = (
      await admin.post('/api/v1/roles', {
        name: 'Chat counter',
        grants: [{ actions: ['chat.view'], scope: 'company', fields: { transcript: 'hidden' } }],
      })
    ).id
    await person('Nia Novak', 'nia@peony.example', builtin('Novice agent'), team)
    await person('Ned Novak', 'ned@peony.example', builtin('Novice agent'), team)
    await person('Rex Review', 'rex@peony.example', reviewer, null)
    await person('Hal Count', 'hal@peony.example', counter, null)
    await person('Mia Market', 'mia@peony.example', builtin('Marketing'), null)
    // each agent's chat, opened as the channel would deliver it
    const nia = await signIn('nia@peony.example')
    niasChat = (
      await postAs(nia.context, '/api/v1/chats', {
        channel: 'wechat',
        phone: NIAS,
        message: 'My router blinks red',
      })
    ).id
    const ned = await signIn('ned@peony.example')
    await postAs(ned.context, '/api/v1/chats', {
      channel: 'web',
      phone: NEDS,
      message: 'Where is my invoice?',
    })
  }, 120_000)

  afterAll(async () => {
    for (const c of contexts) await c.close()
    await admin?.context.close()
    await browser?.close()
  })

  it('lets an agent see her chat, reply, write notes and close it', async () => {
    const { p } = await signIn('nia@peony.example')
    await open(p, '/')
    expect(await navLabels(p)).toContain('Chats')
    await open(p, '/chats')
    // her own chat only: her teammate's is not in her scope
    await expect.poll(() => p.getByTestId('chat-count').innerText()).toBe('Chats found: 1')
    expect(await bodyText(p)).toContain(NIAS)
    expect(await bodyText(p)).not.toContain(NEDS)
    // filtering by channel: no web chat of hers
    await pick(p, p.getByLabel('Channel'), 'Web')
    await p.getByRole('button', { name: 'Apply filters' }).click()
    await expect.poll(() => p.getByTestId('chat-count').innerText()).toBe('Chats found: 0')
    await p.getByRole('button', { name: 'Clear filters' }).click()
    await expect.poll(() => p.getByTestId('chat-count').innerText()).toBe('Chats found: 1')
    await axe(p, '/chats')

    await p.getByRole('link', { name: `Open the chat with ${NIAS}` }).click()
    await p.waitForURL(`${base}/chats/${niasChat}`)
    await settle(p)
    const transcript = p.getByTestId('transcript')
    await expect.poll(() => transcript.innerText()).toContain('My router blinks red')
    expect(await p.getByTestId('chat-status').innerText()).toBe('Open')
    await p.getByLabel('Your reply').fill('Please restart it and wait a minute.')
    await p.getByRole('button', { name: 'Send the reply' }).click()
    await expect
      .poll(() => transcript.innerText())
      .toContain('Please restart it and wait a minute.')
    await expect.poll(() => transcript.innerText()).toContain('You')
    await p.getByLabel('Chat notes').fill('router: asked to restart')
    await p.getByRole('button', { name: 'Save notes' }).click()
    await p.getByTestId('notes-saved').waitFor()
    await axe(p, '/chats/:id')

    await p.getByRole('button', { name: 'Close the chat' }).click()
    await expect.poll(() => p.getByTestId('chat-status').innerText()).toBe('Closed')
    expect(await p.getByRole('button', { name: 'Send the reply' }).count()).toBe(0)
    expect(await p.getByRole('button', { name: 'Close the chat' }).count()).toBe(0)
    await axe(p, '/chats/:id (closed)')

    // what the server holds: two messages, closed, the notes
    const chat = (await (await p.request.get(`/api/v1/chats/${niasChat}`)).json()) as {
      status: string
      notes: string
      transcript: { author: string; body: string }[]
    }
    expect(chat.status).toBe('closed')
    expect(chat.notes).toBe('router: asked to restart')
    expect(chat.transcript.map((m) => m.author)).toEqual(['customer', 'agent'])
  }, 120_000)

  it('shows a reviewer the transcript masked, a counter no transcript, and neither may write', async () => {
    const rex = (await signIn('rex@peony.example')).p
    await open(rex, '/chats')
    await expect.poll(() => rex.getByTestId('chat-count').innerText()).toBe('Chats found: 2')
    // the numbers masked: neither shows in clear
    expect(await bodyText(rex)).not.toContain(NIAS)
    await open(rex, `/chats/${niasChat}`)
    const transcript = rex.getByTestId('transcript')
    await expect.poll(() => transcript.innerText()).toContain('masked')
    expect(await transcript.innerText()).not.toContain('My router blinks red')
    expect(await bodyText(rex)).toContain('Your role shows this transcript masked.')
    expect(await rex.getByRole('button', { name: 'Send the reply' }).count()).toBe(0)
    expect(await rex.getByRole('button', { name: 'Close the chat' }).count()).toBe(0)
    expect(await rex.getByRole('button', { name: 'Save notes' }).count()).toBe(0)
    await axe(rex, '/chats/:id (masked)')

    const hal = (await signIn('hal@peony.example')).p
    await open(hal, `/chats/${niasChat}`)
    await hal.getByTestId('transcript-hidden').waitFor()
    expect(await hal.getByTestId('transcript').count()).toBe(0)
    expect(await bodyText(hal)).not.toContain('My router blinks red')
  }, 120_000)

  it('gives a person without chat rights no entry, and the server’s refusal at the address', async () => {
    const { p } = await signIn('mia@peony.example')
    await open(p, '/')
    expect(await navLabels(p)).not.toContain('Chats')
    await open(p, '/chats')
    const alert = p.getByRole('alert')
    await alert.waitFor()
    const refusal = (await (await p.request.get('/api/v1/chats')).json()) as {
      status: number
      detail: string
    }
    expect(refusal.status).toBe(403)
    await expect.poll(() => alert.innerText()).toContain(refusal.detail)
    expect(await p.getByRole('table').count()).toBe(0)
    await axe(p, '/chats (refused)')
    // a chat's own address: 404, as an id never issued
    await open(p, `/chats/${niasChat}`)
    await p.getByRole('alert').waitFor()
    const notFound = (await (await p.request.get(`/api/v1/chats/${niasChat}`)).json()) as {
      detail: string
    }
    await expect.poll(() => p.getByRole('alert').innerText()).toContain(notFound.detail)
  }, 60_000)

  for (const [label, code, strings] of [
    ['中文', 'zh-CN', zh],
    ['Русский', 'ru', ru],
  ] as const) {
    it(`translates the Chats pages into ${label}`, async () => {
      const { p } = await signIn('nia@peony.example')
      await open(p, '/chats')
      await p.getByRole('button', { name: label }).click()
      await expect.poll(() => lang(p), { timeout: 15_000 }).toBe(code)
      expect(await navLabels(p)).toContain(strings.work.nav.chats)
      for (const route of ['/chats', `/chats/${niasChat}`]) {
        await open(p, route)
        expect(await missingKeys(p), `untranslated keys on ${route}`).toEqual([])
        expect(englishLeaks(await bodyText(p), strings), `English left on ${route}`).toEqual([])
      }
    }, 60_000)
  }
})
