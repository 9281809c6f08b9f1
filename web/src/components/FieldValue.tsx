import { Tag } from 'antd'
import { useTranslation } from 'react-i18next'

/** A field as the API gave it: masked strings as they are, a hidden field as "hidden". */
export function FieldValue({ value, masked }: { value: unknown; masked: boolean }) {
  const { t } = useTranslation()
  if (value === undefined) return <Tag>{t('work.customers.hidden')}</Tag>
  if (value === null || value === '') return <>—</>
  const text = Array.isArray(value) ? value.join(', ') : String(value)
  return masked ? (
    <span>
      <code>{text}</code> <Tag>{t('work.customers.masked')}</Tag>
    </span>
  ) : (
    <>{text}</>
  )
}
