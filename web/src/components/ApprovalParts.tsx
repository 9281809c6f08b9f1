import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Button, Form, Input, Modal, Space, Tag } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { api, ok } from '../api/client'
import { allowedActions, useMe } from '../me'
import { Problem } from './Problem'
import { useNames } from './RemotePicker'

export type Approval = Awaited<ReturnType<typeof fetchApproval>>

export async function fetchApproval(id: string) {
  return ok(await api.GET('/api/v1/approvals/{id}', { params: { path: { id } } }))
}

/**
 * The names of the people these ids name (the rows on the page), each read by id when my roles
 * let me view people; otherwise "me" and their ids.
 */
export function usePeople(ids: readonly (string | null | undefined)[]) {
  const { t } = useTranslation()
  const me = useMe()
  const may = allowedActions(me.data)
  const name = useNames('user', ids, may.has('user.view'))
  return (id: string | null | undefined): string => {
    if (id === null || id === undefined) return '—'
    if (id === me.data?.user?.id) return t('work.approvals.me')
    return name(id) ?? id
  }
}

/** What a request asks for, in words. */
export function RequestSummary({ r }: { r: Approval }) {
  const { t } = useTranslation()
  const p = r.payload
  if ('actions' in p) {
    const resource = p.resource ?? null
    return (
      <Space size={[4, 4]} wrap>
        {p.actions.map((a) => (
          <Tag key={a}>
            <code>{a}</code>
          </Tag>
        ))}
        {resource?.type === 'customer' ? (
          <Link to={`/customers/${resource.id}`}>{t('work.approvals.onCustomer')}</Link>
        ) : resource ? (
          <code>
            {resource.type} {resource.id}
          </code>
        ) : (
          <span>{t(`scope.${p.scope ?? 'own'}`)}</span>
        )}
        <span>{t('work.approvals.forMinutes', { n: p.durationMinutes })}</span>
      </Space>
    )
  }
  if ('tags' in p) {
    return (
      <Space size={[4, 4]} wrap>
        <Link to={`/customers/${p.customerId}`}>{t('work.approvals.tagsOf')}</Link>
        {p.tags.map((tag) => (
          <Tag key={tag}>{tag}</Tag>
        ))}
      </Space>
    )
  }
  if ('fields' in p) {
    // W3: a data supplement names the fields it fills (their values are the customer's, shown
    // on the customer as the reader's field rules allow, not here)
    return (
      <Space size={[4, 4]} wrap>
        <Link to={`/customers/${p.customerId}`}>{t('work.approvals.supplementOf')}</Link>
        {Object.keys(p.fields).map((f) => (
          <Tag key={f}>{f}</Tag>
        ))}
      </Space>
    )
  }
  if ('scriptId' in p) {
    return <span>{t('work.approvals.scriptChange', { title: p.title, version: p.version })}</span>
  }
  return <span>{t('work.approvals.numbers', { numbers: p.numbers.join(', ') })}</span>
}

/**
 * W2: approve (with an optional comment) or reject (with a required one) a request routed to
 * me. The server decides again: my own request, one routed to someone else, or one asking for
 * more than I could give is refused with its reason, shown here.
 */
export function Decide({ r, onDone }: { r: Approval; onDone?: () => void }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [verb, setVerb] = useState<'approve' | 'reject' | null>(null)
  const [form] = Form.useForm<{ comment?: string }>()
  const decide = useMutation({
    mutationFn: async (v: { verb: 'approve' | 'reject'; comment: string }) =>
      ok(
        v.verb === 'approve'
          ? await api.POST('/api/v1/approvals/{id}/approve', {
              params: { path: { id: r.id } },
              body: v.comment ? { reason: v.comment } : {},
            })
          : await api.POST('/api/v1/approvals/{id}/reject', {
              params: { path: { id: r.id } },
              body: { reason: v.comment },
            }),
      ),
    onSuccess: async () => {
      setVerb(null)
      await queryClient.invalidateQueries({ queryKey: ['approvals'] })
      await queryClient.invalidateQueries({ queryKey: ['approval', r.id] })
      await queryClient.invalidateQueries({ queryKey: ['grants'] })
      onDone?.()
    },
  })
  return (
    <>
      <Space>
        <Button
          type="primary"
          size="small"
          aria-label={t('work.approvals.approveWhich', { id: r.id })}
          onClick={() => setVerb('approve')}
        >
          {t('work.approvals.approve')}
        </Button>
        <Button
          danger
          size="small"
          aria-label={t('work.approvals.rejectWhich', { id: r.id })}
          onClick={() => setVerb('reject')}
        >
          {t('work.approvals.reject')}
        </Button>
      </Space>
      {verb && (
        <Modal
          open
          title={
            verb === 'approve' ? t('work.approvals.approveTitle') : t('work.approvals.rejectTitle')
          }
          okText={verb === 'approve' ? t('work.approvals.approve') : t('work.approvals.reject')}
          cancelText={t('common.cancel')}
          okButtonProps={{ danger: verb === 'reject' }}
          confirmLoading={decide.isPending}
          onOk={() => form.submit()}
          onCancel={() => {
            decide.reset()
            setVerb(null)
          }}
          destroyOnHidden
        >
          <Form
            form={form}
            layout="vertical"
            name={`decide-${verb}`}
            onFinish={(v) => decide.mutate({ verb, comment: v.comment?.trim() ?? '' })}
          >
            <Form.Item
              label={t('work.approvals.comment')}
              name="comment"
              rules={[
                ...(verb === 'reject'
                  ? [{ required: true, whitespace: true, message: t('form.required') }]
                  : []),
                { max: 500, message: t('form.tooLong', { n: 500 }) },
              ]}
            >
              <Input.TextArea rows={3} maxLength={500} autoFocus />
            </Form.Item>
          </Form>
          <Problem error={decide.error} />
        </Modal>
      )}
    </>
  )
}
