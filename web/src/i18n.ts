import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'
import type { Locale } from 'antd/es/locale'
import en from './locales/en.json'

export const LANGUAGES = [
  { code: 'en', label: 'English', htmlLang: 'en' },
  { code: 'zh-CN', label: '中文', htmlLang: 'zh-CN' },
  { code: 'ru', label: 'Русский', htmlLang: 'ru' },
] as const
export type Language = (typeof LANGUAGES)[number]['code']

const STORAGE_KEY = 'tessera.language'

/** Keys asked for that the current language lacks; the browser tests read this list. */
export const missingKeys: string[] = []
declare global {
  interface Window {
    tesseraMissingKeys?: string[]
  }
}
window.tesseraMissingKeys = missingKeys

function isLanguage(value: string | null): value is Language {
  return LANGUAGES.some((l) => l.code === value)
}

function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY)
  if (isLanguage(saved)) return saved
  const browser = navigator.language.toLowerCase()
  if (browser.startsWith('zh')) return 'zh-CN'
  if (browser.startsWith('ru')) return 'ru'
  return 'en'
}

/** Each language's strings and Ant Design's own, loaded when first chosen (their own chunks). */
const loaders: Record<Language, () => Promise<[Record<string, unknown>, Locale]>> = {
  en: async () => [en, (await import('antd/locale/en_US')).default],
  'zh-CN': async () =>
    Promise.all([
      import('./locales/zh-CN.json').then((m) => m.default),
      import('antd/locale/zh_CN').then((m) => m.default),
    ]),
  ru: async () =>
    Promise.all([
      import('./locales/ru.json').then((m) => m.default),
      import('antd/locale/ru_RU').then((m) => m.default),
    ]),
}

const antdLocales = new Map<Language, Locale>()

export function antdLocale(language: string): Locale | undefined {
  return isLanguage(language) ? antdLocales.get(language) : undefined
}

export async function setLanguage(language: Language): Promise<void> {
  if (!antdLocales.has(language)) {
    const [strings, locale] = await loaders[language]()
    i18next.addResourceBundle(language, 'translation', strings, true, true)
    antdLocales.set(language, locale)
  }
  localStorage.setItem(STORAGE_KEY, language)
  document.documentElement.lang = LANGUAGES.find((l) => l.code === language)?.htmlLang ?? 'en'
  await i18next.changeLanguage(language)
}

export async function initI18n(): Promise<void> {
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en } },
    lng: 'en',
    // No silent fallback to English: a key missing in a language is reported (and tested).
    fallbackLng: false,
    interpolation: { escapeValue: false },
    returnNull: false,
    saveMissing: true,
    missingKeyHandler: (languages, _ns, key) => {
      missingKeys.push(`${languages.join(',')}:${key}`)
    },
  })
  await setLanguage(initialLanguage())
}
