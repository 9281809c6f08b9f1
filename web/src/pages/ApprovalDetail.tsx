import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Button, Descriptions, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router'
import { api, ok } from '../api/client'
import { Decide, fetchApproval, RequestSummary, usePeople } from '../components/ApprovalParts'
import { Problem } from '../components/Problem'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

/** One approval request (W1–W3): what, who asked and why, who decided and why; decide or withdraw. */
export function ApprovalDetailPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const { id = '' } = useParams()
  const me = useMe()
  const may = allowedActions(me.data)
  const queryClient = useQueryClient()
  const request = useQuery({ queryKey: ['approval', id], queryFn: () => fetchApproval(id) })
  const who = usePeople([request.data?.requesterId, request.data?.decidedBy])
  const cancel = useMutation({
    mutationFn: async () =>
      ok(await api.POST('/api/v1/approvals/{id}/cancel', { params: { path: { id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['approval', id] })
      await queryClient.invalidateQueries({ queryKey: ['approvals'] })
    },
  })
  if (request.error) return <Problem error={request.error} />
  if (!request.data) return null
  const r = request.data
  const at = (d: string | null) => (d ? formatDateTime(d, i18n.language, timeZone) : '—')
  const mine = r.requesterId === me.data?.user?.id
  return (
    <>
      <Typography.Paragraph>
        <Link to="/approvals">{t('work.approvals.back')}</Link>
      </Typography.Paragraph>
      <Typography.Title level={2}>{t(`work.approvals.type.${r.type}`)}</Typography.Title>
      <Descriptions
        bordered
        size="small"
        column={1}
        style={{ maxWidth: 760, marginBottom: 16 }}
        items={[
          {
            key: 'status',
            label: t('work.approvals.statusLabel'),
            children: (
              <Tag data-testid="approval-status">{t(`work.approvals.status.${r.status}`)}</Tag>
            ),
          },
          { key: 'what', label: t('work.approvals.what'), children: <RequestSummary r={r} /> },
          { key: 'requester', label: t('work.approvals.requester'), children: who(r.requesterId) },
          { key: 'reason', label: t('work.approvals.reason'), children: r.reason },
          {
            key: 'route',
            label: t('work.approvals.route'),
            children: t(`work.approvals.routes.${r.route}`),
          },
          { key: 'created', label: t('work.approvals.created'), children: at(r.createdAt) },
          { key: 'expires', label: t('work.approvals.expires'), children: at(r.expiresAt) },
          ...(r.decidedAt
            ? [
                {
                  key: 'decidedBy',
                  label: t('work.approvals.decidedBy'),
                  children: who(r.decidedBy),
                },
                {
                  key: 'decidedAt',
                  label: t('work.approvals.decidedAt'),
                  children: at(r.decidedAt),
                },
                {
                  key: 'comment',
                  label: t('work.approvals.comment'),
                  children: r.decisionReason ?? '—',
                },
              ]
            : []),
        ]}
      />
      {r.status === 'pending' && (
        <Space>
          {!mine && (may.has('approval.approve') || may.has('approval.reject')) && <Decide r={r} />}
          {mine && (
            <Button loading={cancel.isPending} onClick={() => cancel.mutate()}>
              {t('work.approvals.cancel')}
            </Button>
          )}
        </Space>
      )}
      <Problem error={cancel.error} />
    </>
  )
}
