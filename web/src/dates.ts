import dayjs from 'dayjs'
import 'dayjs/locale/ru'
import 'dayjs/locale/zh-cn'
import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'

const DAYJS_LOCALE: Record<string, string> = { en: 'en', 'zh-CN': 'zh-cn', ru: 'ru' }

/**
 * Ant Design's date pickers name months and weekdays through dayjs: the same language as the
 * page. Only the pages with a date picker load dayjs's locales (their own chunk).
 */
export function useDayjsLocale(): void {
  const { i18n } = useTranslation()
  useEffect(() => {
    dayjs.locale(DAYJS_LOCALE[i18n.language] ?? 'en')
  }, [i18n.language])
}

/** The browser's time zone, which the console's dates are shown in. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}
