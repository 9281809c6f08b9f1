import type { UseMutationResult } from '@tanstack/react-query'
import { Button, Popconfirm } from 'antd'
import type { CSSProperties } from 'react'
import { useTranslation } from 'react-i18next'
import { Problem } from './Problem'

/**
 * A record's delete button: asks first (the question names the record), runs `remove`, and shows
 * the server's refusal under it. The page decides whether to show it (the person's actions).
 */
export function DeleteButton({
  label,
  confirm,
  remove,
  style,
}: {
  label: string
  confirm: string
  remove: UseMutationResult<unknown, Error, void>
  style?: CSSProperties
}) {
  const { t } = useTranslation()
  return (
    <div style={{ marginTop: 24, ...style }}>
      <Popconfirm
        title={confirm}
        okText={label}
        cancelText={t('common.cancel')}
        okButtonProps={{ danger: true }}
        onConfirm={() => remove.mutate()}
      >
        <Button danger loading={remove.isPending}>
          {label}
        </Button>
      </Popconfirm>
      <div style={{ marginTop: 12 }}>
        <Problem error={remove.error} />
      </div>
    </div>
  )
}
