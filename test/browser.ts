import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from 'playwright-core'
import { expect } from 'vitest'
import { systemClock } from '../src/clock.js'
import { CONSOLE_DIST } from '../src/http/plugins/console.js'
import en from '../web/src/locales/en.json' with { type: 'json' }
import { createTestApp, strongPassword } from './test-app.js'

// What the console's browser tests share: the real server on a fresh database, Debian's
// Chromium driven by playwright-core, axe, and the checks of a page's language.

export const CHROMIUM = '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export const hasChromium = existsSync(CHROMIUM)

/** `npm run screenshots` renews the README's pictures; other runs keep theirs out of the tree. */
export const SHOTS = process.env.TESSERA_CONSOLE_SCREENSHOTS
  ? fileURLToPath(new URL('../docs/console/', import.meta.url))
  : join(tmpdir(), 'tessera-console-screenshots/')

/** Says once per file why its browser tests are skipped (apt-get install -y chromium). */
export function warnWithoutChromium(name: string): void {
  if (!hasChromium) {
    console.warn(
      `${name}: SKIPPED, ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does it)`,
    )
  }
}

/** The app listening on a free port of 127.0.0.1 with the built console, and a browser. */
export async function startConsole(): Promise<{
  base: string
  browser: Browser
  db: Awaited<ReturnType<typeof createTestApp>>['db']
}> {
  if (!existsSync(`${CONSOLE_DIST}/index.html`)) {
    throw new Error('web/dist is not built: npm install builds it (or npm run build:web)')
  }
  const { app, db } = await createTestApp({ clock: systemClock })
  return { ...(await listenWithBrowser(app)), db }
}

/** `app` (its data set up already) listening on a free port of 127.0.0.1, and a browser. */
export async function listenWithBrowser(
  app: Awaited<ReturnType<typeof createTestApp>>['app'],
): Promise<{ base: string; browser: Browser }> {
  if (!existsSync(`${CONSOLE_DIST}/index.html`)) {
    throw new Error('web/dist is not built: npm install builds it (or npm run build:web)')
  }
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true })
  await mkdir(SHOTS, { recursive: true })
  return { base, browser }
}

/**
 * A browser context of its own (English), signed in as `email` through the login page, as a
 * person would; the context is also pushed on `contexts` (closed by the file's afterAll).
 */
export async function signInThroughPage(
  browser: Browser,
  base: string,
  login: {
    slug: string
    email: string
    password?: string
    /** where the person starts (the login page; `/` sends there) */
    from?: string
    contexts?: BrowserContext[]
  },
): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, locale: 'en-US' })
  login.contexts?.push(context)
  const p = await context.newPage()
  await open(p, login.from ?? '/login')
  await p.getByLabel('Company').fill(login.slug)
  await p.getByLabel('Email').fill(login.email)
  await p.getByLabel('Password').fill(login.password ?? strongPassword)
  await p.getByRole('button', { name: 'Sign in' }).click()
  await p.waitForURL(`${base}/`)
  await settle(p)
  return p
}

/** Opens a path and waits until the page has settled (data loaded, no spinner). */
export async function open(p: Page, path: string): Promise<void> {
  await p.goto(path)
  await settle(p)
}

export async function settle(p: Page): Promise<void> {
  await p.waitForLoadState('networkidle')
  await p.locator('.ant-spin-spinning').first().waitFor({ state: 'detached', timeout: 10_000 })
}

const OPEN_POPUPS =
  '.ant-select-dropdown:not(.ant-select-dropdown-hidden), .ant-picker-dropdown:not(.ant-picker-dropdown-hidden)'

/**
 * Waits until no select list or date picker is open. Ant Design's pop-ups fade out over the
 * fields below them (a click meant for the next field lands on the closing list) and have no
 * accessible name of their own (axe would report them).
 */
export async function popupsClosed(p: Page): Promise<void> {
  await p.locator(OPEN_POPUPS).first().waitFor({ state: 'detached', timeout: 10_000 })
}

/**
 * Picks `option` in the select labelled by `field`, and waits until the select shows it and its
 * list is closed. The option is found by its title (`prefix`: a title starting with `option`, a
 * person's name before their email; `text`: an option whose text contains it) in this select's
 * own list (the one its combobox owns), never in another select's list still fading out.
 * `type` is typed into the select's search first (a long list shows only what matches; a virtual
 * list renders only what is in view). Under load a click can land while the list is still sliding
 * in or re-rendering (its options loading) and choose nothing: then the pick is tried again,
 * unless the select already shows the option (a second click would take it out of a multiple
 * select).
 */
export async function pick(
  p: Page,
  field: Locator,
  option: string,
  how: { type?: string; prefix?: boolean; text?: boolean } = {},
): Promise<void> {
  const select = field.locator(
    'xpath=ancestor::*[contains(concat(" ", normalize-space(@class), " "), " ant-select ")][1]',
  )
  await p
    .locator(OPEN_POPUPS)
    .first()
    .waitFor({ state: 'detached', timeout: 5_000 })
    .catch(() => undefined)
  // the select's list holds the listbox `${id}_list` of the combobox's id (rc-select)
  const id = (await field.getAttribute('id')) ?? ''
  const list = id
    ? p.locator(`.ant-select-dropdown:has([id="${id}_list"])`)
    : p.locator(OPEN_POPUPS).last()
  const choice = how.text
    ? list.locator('.ant-select-item-option').filter({ hasText: option })
    : list.locator(`.ant-select-item-option[title${how.prefix ? '^' : ''}="${option}"]`)
  const shows = (timeout: number) =>
    expect
      .poll(() => select.innerText(), { timeout })
      .toContain(option)
      .then(
        () => true,
        () => false,
      )
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (attempt > 0 && (await select.innerText()).includes(option)) break
    if ((await field.getAttribute('aria-expanded')) !== 'true') await field.click()
    if (how.type !== undefined) await field.fill(how.type)
    await choice.first().click()
    if (await shows(3_000)) break
  }
  if ((await field.getAttribute('aria-expanded')) === 'true') await field.press('Escape')
  await popupsClosed(p)
  await expect.poll(() => select.innerText()).toContain(option)
}

/**
 * Waits until the page is still. Ant Design fades, zooms and slides things in: colours read
 * mid-animation can fail axe's contrast rule, and a click made while a dialog is still zooming in
 * can land beside its button once the box has grown (a CI run saw an approval's OK click do
 * nothing this way). So first no element may be entering or leaving (rc-motion's classes, set
 * before the animation starts) and then the finite animations running now finish. Both waits are
 * bounded (5 s): a motion that never ends (a button's loading icon, seen once) must not hang a
 * test; the page is then taken as it is.
 */
export async function still(p: Page): Promise<void> {
  await expect
    .poll(
      () =>
        p.evaluate<string[]>(
          "[...document.querySelectorAll('[class]')].map((e) => String(e.className)).filter((c) => /\\bant-[a-z-]+-(appear|enter|leave)-active\\b/.test(c))",
        ),
      { timeout: 5_000 },
    )
    .toEqual([])
    .catch(() => undefined)
  await p.evaluate(
    `Promise.race([
      Promise.all(document.getAnimations()
        .filter((a) => a.effect?.getTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => undefined))),
      new Promise((resolve) => setTimeout(resolve, 5000)),
    ])`,
  )
}

/** The open dialog (a modal or a drawer; the one named `name`), once it has finished coming in. */
export async function dialogOpen(p: Page, name?: string): Promise<Locator> {
  const dialog = name === undefined ? p.getByRole('dialog') : p.getByRole('dialog', { name })
  await dialog.waitFor()
  await still(p)
  return dialog
}

/** Waits until `dialog` has gone; when it stays, fails with what it shows (an error, say). */
export async function dialogClosed(dialog: Locator): Promise<void> {
  try {
    await dialog.waitFor({ state: 'detached', timeout: 20_000 })
  } catch (error) {
    const shows = await dialog.innerText({ timeout: 1_000 }).catch(() => '(unreadable)')
    throw new Error(`the dialog stayed open, showing: ${shows}`, { cause: error })
  }
}

let axeSource: Promise<string> | undefined

/** axe-core on the page once it is still: no serious or critical violation. */
export async function axe(p: Page, route: string): Promise<void> {
  await popupsClosed(p)
  axeSource ??= readFile(
    fileURLToPath(new URL('../node_modules/axe-core/axe.min.js', import.meta.url)),
    'utf8',
  )
  if (!(await p.evaluate<boolean>("'axe' in window"))) await p.evaluate(await axeSource)
  await still(p)
  const violations = await p.evaluate(async () => {
    const w = globalThis as unknown as {
      axe: {
        run(): Promise<{
          violations: {
            id: string
            impact: string
            help: string
            nodes: { target: string[]; failureSummary: string }[]
          }[]
        }>
      }
    }
    return (await w.axe.run()).violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }))
  })
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(serious, `axe on ${route}`).toEqual([])
}

/** The sections the navigation offers, in its order. */
export async function navLabels(p: Page): Promise<string[]> {
  await p.getByRole('navigation').getByRole('link').first().waitFor()
  return p.getByRole('navigation').getByRole('link').allInnerTexts()
}

export type Strings = { [key: string]: string | Strings }

/** Every leaf of a locale file as `key → text`. */
export function leaves(strings: Strings, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(strings)) {
    if (typeof v === 'string') out.set(prefix + k, v)
    else for (const [kk, vv] of leaves(v, `${prefix}${k}.`)) out.set(kk, vv)
  }
  return out
}

const english = leaves(en)

/**
 * English sentences (two words or more) a page in another language must not show: each one the
 * other language translates differently. Interpolated parts are cut off at the placeholder.
 */
export function englishLeaks(text: string, other: Strings): string[] {
  const theirs = leaves(other)
  return [...english]
    .filter(([key, value]) => theirs.get(key) !== value)
    .map(([, value]) => value.split('{{')[0]?.trim() ?? '')
    .filter((value) => value.includes(' ') && value.length >= 8 && text.includes(value))
}

// (the test files are checked without the DOM's types: what runs in the page is given as text)
export const lang = (p: Page) => p.evaluate<string>('document.documentElement.lang')
export const bodyText = (p: Page) => p.evaluate<string>('document.body.innerText')
/** The keys the page asked i18next for and its language lacks (web/src/i18n.ts). */
export const missingKeys = (p: Page) => p.evaluate<string[]>('window.tesseraMissingKeys ?? []')

/** An admin's browser after signing a company up through the API, and the API as that admin. */
export interface AdminBrowser {
  context: BrowserContext
  page: Page
  /** the company's sign-in name */
  slug: string
  /** the CSRF cookie's value, which every change repeats in its header */
  csrf: string
  /** GET as the admin: the answer's JSON (any status) */
  get(path: string): Promise<unknown>
  /** POST as the admin, expecting 2xx: the answer's JSON */
  post(path: string, data: unknown): Promise<{ id: string } & Record<string, unknown>>
}

/**
 * Signs a company up in a new browser context (English), as the console's e2e files do before
 * setting up their people through the API as its Admin.
 */
export async function signUpAdmin(
  browser: Browser,
  base: string,
  company: { companyName: string; name: string; email: string; timezone?: string },
): Promise<AdminBrowser> {
  const context = await browser.newContext({ baseURL: base, locale: 'en-US' })
  const page = await context.newPage()
  const signup = await context.request.post('/api/v1/signup', {
    data: { timezone: 'Asia/Shanghai', ...company, password: strongPassword },
  })
  expect(signup.status(), await signup.text()).toBe(201)
  const slug = ((await signup.json()) as { company: { slug: string } }).company.slug
  const csrf = (await context.cookies()).find((c) => c.name === 'tessera_csrf')?.value ?? ''
  return {
    context,
    page,
    slug,
    csrf,
    get: async (path) => (await context.request.get(path)).json(),
    post: async (path, data) => {
      const res = await context.request.post(path, { headers: { 'x-csrf-token': csrf }, data })
      expect(res.status(), `${path}: ${await res.text()}`).toBeLessThan(300)
      return (await res.json()) as { id: string } & Record<string, unknown>
    },
  }
}

/** A browser context of its own (English), signed in through the API as one person. */
export async function signInAs(
  browser: Browser,
  base: string,
  slug: string,
  email: string,
): Promise<{ context: BrowserContext; p: Page }> {
  const context = await browser.newContext({ baseURL: base, locale: 'en-US' })
  const login = await context.request.post('/api/v1/auth/login', {
    data: { company: slug, email, password: strongPassword },
  })
  expect(login.status(), await login.text()).toBe(200)
  return { context, p: await context.newPage() }
}
