import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Descriptions, Form, Input, Modal, Select, Space, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router'
import { api, ApiError, ok } from '../api/client'
import { FieldValue } from '../components/FieldValue'
import { RefName, type RefType } from '../components/RefName'
import { Problem } from '../components/Problem'
import { RequestGrant } from '../components/RequestGrant'
import { WhoCanSee } from '../components/WhoCanSee'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

const UNMASKABLE = ['phone', 'email', 'idNumber', 'bankCard'] as const
type Unmaskable = (typeof UNMASKABLE)[number]
const isUnmaskable = (f: string): f is Unmaskable => (UNMASKABLE as readonly string[]).includes(f)

const SHOWN = [
  'phone',
  'email',
  'idNumber',
  'bankCard',
  'level',
  'tags',
  'region',
  'branch',
  'orgUnitId',
  'ownerId',
  'projectId',
] as const

/** Fields naming another record: shown by its name as I may see it, never by its id. */
const REFS = {
  region: 'orgUnit',
  branch: 'orgUnit',
  orgUnitId: 'orgUnit',
  ownerId: 'user',
  projectId: 'project',
} as const satisfies Record<string, RefType>

/**
 * One customer as my field levels show them (P4): hidden fields absent, masked ones as the API
 * masked them. Unmask (G2) asks for a reason and shows the clear value once, kept nowhere; a tag
 * change that needs approval (W3) answers 202 and is shown as sent, with its request.
 */
export function CustomerDetailPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const { id = '' } = useParams()
  const me = useMe()
  const may = allowedActions(me.data)
  const [unmasking, setUnmasking] = useState<Unmaskable | null>(null)
  const [requesting, setRequesting] = useState(false)
  const customer = useQuery({
    queryKey: ['customer', id],
    queryFn: async () => ok(await api.GET('/api/v1/customers/{id}', { params: { path: { id } } })),
  })
  if (customer.error) return <Problem error={customer.error} />
  if (!customer.data) return null
  const c = customer.data
  const masked = new Set(c.maskedFields ?? [])
  const name = c.name ?? c.id
  return (
    <>
      <Typography.Paragraph>
        <Link to="/customers">{t('work.customers.back')}</Link>
      </Typography.Paragraph>
      <Typography.Title level={2}>{name}</Typography.Title>
      {(may.has('approval.create') || may.has('audit.view')) && (
        <Space style={{ marginBottom: 16 }}>
          {may.has('approval.create') && (
            <Button onClick={() => setRequesting(true)}>{t('work.request.open')}</Button>
          )}
          {/* an access review (issue 12) needs audit.view, as the API does */}
          {may.has('audit.view') && <WhoCanSee type="customer" id={c.id} />}
        </Space>
      )}
      <Descriptions
        bordered
        size="small"
        column={1}
        style={{ maxWidth: 760, marginBottom: 24 }}
        items={[
          ...SHOWN.map((field) => ({
            key: field,
            label: t(`work.customers.field.${field}`),
            children: (
              <Space wrap>
                <span data-testid={`field-${field}`}>
                  {field in REFS && !masked.has(field) && c[field] !== undefined ? (
                    <RefName
                      type={REFS[field as keyof typeof REFS]}
                      id={c[field] as string | null}
                    />
                  ) : (
                    <FieldValue value={c[field]} masked={masked.has(field)} />
                  )}
                </span>
                {masked.has(field) && isUnmaskable(field) && may.has('customer.unmask') && (
                  <Button
                    size="small"
                    aria-label={t('work.unmask.buttonFor', {
                      field: t(`work.customers.field.${field}`),
                    })}
                    onClick={() => setUnmasking(field)}
                  >
                    {t('work.unmask.button')}
                  </Button>
                )}
              </Space>
            ),
          })),
          ...(c.updatedAt
            ? [
                {
                  key: 'updatedAt',
                  label: t('work.customers.updated'),
                  children: formatDateTime(c.updatedAt, i18n.language, timeZone),
                },
              ]
            : []),
        ]}
      />
      {may.has('customer.tag') && Array.isArray(c.tags) && !masked.has('tags') && (
        <TagsEditor id={c.id} tags={c.tags} />
      )}
      {unmasking && <Unmask id={c.id} field={unmasking} onClose={() => setUnmasking(null)} />}
      {requesting && (
        <RequestGrant customer={{ id: c.id, name }} onClose={() => setRequesting(false)} />
      )}
    </>
  )
}

/**
 * G2: the reason first (required), then the value once. The answer is `no-store` and lives only
 * in this dialog's state: closing it forgets the value, and it is never put in the query cache.
 */
function Unmask({ id, field, onClose }: { id: string; field: Unmaskable; onClose: () => void }) {
  const { t } = useTranslation()
  const [form] = Form.useForm<{ reason: string }>()
  const unmask = useMutation({
    gcTime: 0,
    mutationFn: async (reason: string) =>
      ok(
        await api.POST('/api/v1/customers/{id}/unmask', {
          params: { path: { id } },
          body: { field, reason },
        }),
      ),
  })
  const label = t(`work.customers.field.${field}`)
  const close = () => {
    unmask.reset()
    onClose()
  }
  return (
    <Modal
      open
      title={t('work.unmask.title', { field: label })}
      onCancel={close}
      destroyOnHidden
      footer={
        unmask.data ? (
          <Button type="primary" onClick={close}>
            {t('work.unmask.done')}
          </Button>
        ) : (
          <Space>
            <Button onClick={close}>{t('common.cancel')}</Button>
            <Button type="primary" loading={unmask.isPending} onClick={() => form.submit()}>
              {t('work.unmask.submit')}
            </Button>
          </Space>
        )
      }
    >
      {unmask.data ? (
        <>
          <Alert type="info" showIcon title={t('work.unmask.once')} style={{ marginBottom: 12 }} />
          <Typography.Paragraph>
            {label}: <code data-testid="unmasked-value">{unmask.data.value ?? '—'}</code>
          </Typography.Paragraph>
        </>
      ) : (
        <Form
          form={form}
          layout="vertical"
          name="unmask"
          onFinish={(v) => unmask.mutate(v.reason.trim())}
        >
          <Typography.Paragraph type="secondary">{t('work.unmask.help')}</Typography.Paragraph>
          <Form.Item
            label={t('work.unmask.reason')}
            name="reason"
            rules={[
              { required: true, whitespace: true, message: t('form.required') },
              { max: 500, message: t('form.tooLong', { n: 500 }) },
            ]}
          >
            <Input.TextArea rows={3} maxLength={500} autoFocus />
          </Form.Item>
        </Form>
      )}
      <Problem error={unmask.error} />
    </Modal>
  )
}

/** W3: a customer's tags; when my change needs approval the API opens a request (202) instead. */
function TagsEditor({ id, tags }: { id: string; tags: string[] }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<{ tags: string[]; reason?: string }>()
  const save = useMutation({
    mutationFn: async (v: { tags: string[]; reason?: string }) => {
      const reason = v.reason?.trim()
      const res = await api.PATCH('/api/v1/customers/{id}', {
        params: { path: { id } },
        body: { tags: v.tags.map((x) => x.trim()).filter((x) => x !== '') },
        // headers carry Latin-1: the server decodes the percent-encoding (plugins/auth.ts)
        ...(reason ? { headers: { 'x-tessera-reason': encodeURIComponent(reason) } } : {}),
      })
      if (!res.response.ok) throw new ApiError(res.response.status, res.error)
      return { status: res.response.status, body: res.data as unknown }
    },
    onSuccess: async (r) => {
      if (r.status === 200) await queryClient.invalidateQueries({ queryKey: ['customer', id] })
      await queryClient.invalidateQueries({ queryKey: ['customers'] })
    },
  })
  const pending =
    save.data?.status === 202
      ? (save.data.body as { approvalRequest: { id: string } }).approvalRequest
      : undefined
  return (
    <section aria-labelledby="tags-title" style={{ maxWidth: 760 }}>
      <Typography.Title level={3} id="tags-title">
        {t('work.tags.title')}
      </Typography.Title>
      <Form
        form={form}
        layout="vertical"
        name="customer-tags"
        initialValues={{ tags }}
        onFinish={(v) => save.mutate(v)}
      >
        <Form.Item label={t('work.tags.tags')} name="tags">
          <Select mode="tags" tokenSeparators={[',']} open={false} suffixIcon={null} />
        </Form.Item>
        <Form.Item label={t('work.tags.reason')} name="reason" extra={t('work.tags.reasonHelp')}>
          <Input maxLength={500} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('work.tags.save')}
        </Button>
      </Form>
      <div style={{ marginTop: 12 }}>
        {pending && (
          <Alert
            type="info"
            showIcon
            role="status"
            title={t('work.tags.sentForApproval')}
            description={<Link to={`/approvals/${pending.id}`}>{t('work.tags.seeRequest')}</Link>}
          />
        )}
        {save.data?.status === 200 && (
          <Alert type="success" showIcon role="status" title={t('work.tags.saved')} />
        )}
        <Problem error={save.error} />
      </div>
    </section>
  )
}
