import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Alert, Button } from 'antd'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'
import { api, ok } from '../api/client'
import { formatDateTime } from '../format'
import { useMe, useTimeZone, type MeAnswer } from '../me'
import { Problem } from './Problem'

/**
 * G4: the banner of a session with a preview open (`GET /me` `preview`; the server marks every
 * answer with `Tessera-Preview` too). Everything the console shows meanwhile is the preview's,
 * and every write is refused with `preview_read_only`; "End preview" gives the session back.
 */
export function PreviewBanner({ me }: { me: MeAnswer }) {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const queryClient = useQueryClient()
  const end = useMutation({
    mutationFn: async () => {
      const res = await api.DELETE('/api/v1/previews/current')
      // already ended (run out, or ended in another tab): nothing left to end
      if (res.response.status !== 404) ok(res)
    },
    // every answer seen so far was the preview's
    onSuccess: async () => queryClient.resetQueries(),
  })
  const preview = me.preview
  if (preview === null || preview === undefined) return null
  const roles = me.roles.map((r) => r.name).join(', ')
  return (
    <Alert
      type="warning"
      showIcon
      role="status"
      data-testid="preview-banner"
      style={{ marginBottom: 16 }}
      title={
        preview.kind === 'role'
          ? t('work.preview.asRole', { roles: roles || '—' })
          : t('work.preview.asUser', { id: preview.userId ?? '', roles: roles || '—' })
      }
      description={
        <>
          {t('work.preview.readOnly', {
            until: formatDateTime(preview.expiresAt, i18n.language, timeZone),
          })}
          <Problem error={end.error} />
        </>
      }
      action={
        <Button type="primary" loading={end.isPending} onClick={() => end.mutate()}>
          {t('work.preview.end')}
        </Button>
      }
    />
  )
}

/** G4: start a preview of a role or a person on my session, then look around as them. */
export function StartPreview({
  subject,
  name,
  size,
}: {
  subject: { roleId: string } | { userId: string }
  name: string
  size?: 'small'
}) {
  const { t } = useTranslation()
  const me = useMe()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const start = useMutation({
    mutationFn: async () => ok(await api.POST('/api/v1/previews', { body: subject })),
    onSuccess: async () => {
      await queryClient.resetQueries()
      await navigate('/')
    },
  })
  // one preview at a time: a session in a preview ends it first
  if (me.data?.preview) return null
  return (
    <>
      <Button
        size={size}
        aria-label={t('work.preview.startWho', { name })}
        loading={start.isPending}
        onClick={() => start.mutate()}
      >
        {t('work.preview.start')}
      </Button>
      <Problem error={start.error} />
    </>
  )
}
