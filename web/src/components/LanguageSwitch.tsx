import { Button, Space } from 'antd'
import { useTranslation } from 'react-i18next'
import { LANGUAGES, setLanguage } from '../i18n'

/** One button per language, each named in its own language (so anyone finds theirs). */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation()
  return (
    <Space.Compact role="group" aria-label={t('common.language')}>
      {LANGUAGES.map((l) => (
        <Button
          key={l.code}
          size="small"
          lang={l.htmlLang}
          type={i18n.language === l.code ? 'primary' : 'default'}
          aria-pressed={i18n.language === l.code}
          onClick={() => void setLanguage(l.code)}
        >
          {l.label}
        </Button>
      ))}
    </Space.Compact>
  )
}
