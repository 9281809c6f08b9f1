import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  Alert,
  App,
  Badge,
  Button,
  DatePicker,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Table,
  Typography,
} from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { useDayjsLocale } from '../dates'
import { formatDateTime } from '../format'
import { useTimeZone } from '../me'

interface NewKey {
  name: string
  roleId: string
  expiresAt?: Dayjs | null
}

type KeyStatus = 'active' | 'expired' | 'revoked'

const BADGE: Record<KeyStatus, 'success' | 'default' | 'error'> = {
  active: 'success',
  expired: 'default',
  revoked: 'error',
}

/**
 * API keys for integrations (`Authorization: Bearer tsk_…`): each acts with one role of the
 * company, never more than its creator holds. The list, a new key (its secret shown this once)
 * and revocation; the section is shown to those holding `role.assign`, which the API needs.
 */
export function ApiKeysPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [creating, setCreating] = useState(false)
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null)

  const keys = useInfiniteQuery({
    queryKey: ['api-keys'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/api/v1/api-keys', {
          params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const roles = useQuery({
    queryKey: ['roles'],
    queryFn: async () => ok(await api.GET('/api/v1/roles')),
  })
  const roleName = new Map((roles.data?.items ?? []).map((r) => [r.id, r.name]))
  const rows = keys.data?.pages.flatMap((p) => p.items) ?? []
  // "expired" as of when the list was read (no clock read while rendering)
  const readAt = keys.dataUpdatedAt
  const statusOf = (k: (typeof rows)[number]): KeyStatus =>
    k.revokedAt !== null
      ? 'revoked'
      : k.expiresAt !== null && Date.parse(k.expiresAt) <= readAt
        ? 'expired'
        : 'active'
  const when = (iso: string | null) =>
    iso === null ? '—' : formatDateTime(iso, i18n.language, timeZone)

  const revoke = useMutation({
    mutationFn: async (k: { id: string; name: string }) => {
      ok(await api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id: k.id } } }))
      return k
    },
    onSuccess: async (k) => {
      await queryClient.invalidateQueries({ queryKey: ['api-keys'] })
      void message.success(t('apiKeys.revokedOk', { name: k.name }))
    },
    onError: (e) => void message.error(e instanceof Error ? e.message : String(e)),
  })

  return (
    <>
      <Typography.Title level={2}>{t('apiKeys.title')}</Typography.Title>
      <Typography.Paragraph type="secondary" style={{ maxWidth: 760 }}>
        {t('apiKeys.help')}
      </Typography.Paragraph>
      <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setCreating(true)}>
        {t('apiKeys.create')}
      </Button>
      <Problem error={keys.error} />
      <Table
        size="small"
        rowKey="id"
        loading={keys.isPending}
        dataSource={rows}
        pagination={false}
        columns={[
          { title: t('apiKeys.name'), dataIndex: 'name' },
          {
            title: t('apiKeys.role'),
            dataIndex: 'roleId',
            render: (id: string) => roleName.get(id) ?? <code>{id}</code>,
          },
          {
            title: t('apiKeys.status'),
            key: 'status',
            render: (_: unknown, k) => {
              const s = statusOf(k)
              return <Badge status={BADGE[s]} text={t(`apiKeys.statuses.${s}`)} />
            },
          },
          { title: t('apiKeys.created'), dataIndex: 'createdAt', render: when },
          { title: t('apiKeys.lastUsed'), dataIndex: 'lastUsedAt', render: when },
          {
            title: t('apiKeys.expires'),
            dataIndex: 'expiresAt',
            render: (iso: string | null) => (iso === null ? t('apiKeys.never') : when(iso)),
          },
          {
            title: t('apiKeys.actions'),
            key: 'actions',
            render: (_: unknown, k) =>
              k.revokedAt === null && (
                <Popconfirm
                  title={t('apiKeys.revokeConfirm', { name: k.name })}
                  okText={t('apiKeys.revoke')}
                  cancelText={t('common.cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => revoke.mutate({ id: k.id, name: k.name })}
                >
                  <Button size="small" danger aria-label={t('apiKeys.revokeWho', { name: k.name })}>
                    {t('apiKeys.revoke')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      {keys.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={keys.isFetchingNextPage}
          onClick={() => void keys.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
      {creating && (
        <CreateKey
          roles={roles.data?.items ?? []}
          rolesLoading={roles.isPending}
          rolesError={roles.error}
          onClose={() => setCreating(false)}
          onCreated={(name, key) => {
            setCreating(false)
            setCreated({ name, key })
          }}
        />
      )}
      {created && (
        <Modal
          open
          title={t('apiKeys.shownOnceTitle', { name: created.name })}
          onCancel={() => setCreated(null)}
          footer={
            <Button type="primary" onClick={() => setCreated(null)}>
              {t('apiKeys.done')}
            </Button>
          }
        >
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 16 }}
            title={t('apiKeys.shownOnce')}
          />
          <Typography.Paragraph copyable={{ text: created.key }}>
            <code data-testid="new-api-key" style={{ wordBreak: 'break-all' }}>
              {created.key}
            </code>
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary">{t('apiKeys.howToUse')}</Typography.Paragraph>
        </Modal>
      )}
    </>
  )
}

function CreateKey(props: {
  roles: readonly { id: string; name: string }[]
  rolesLoading: boolean
  rolesError: unknown
  onClose: () => void
  onCreated: (name: string, key: string) => void
}) {
  const { t } = useTranslation()
  useDayjsLocale()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<NewKey>()
  const create = useMutation({
    mutationFn: async (v: NewKey) =>
      ok(
        await api.POST('/api/v1/api-keys', {
          body: {
            name: v.name.trim(),
            roleId: v.roleId,
            ...(v.expiresAt ? { expiresAt: v.expiresAt.toISOString() } : {}),
          },
        }),
      ),
    onSuccess: async (answer) => {
      await queryClient.invalidateQueries({ queryKey: ['api-keys'] })
      props.onCreated(answer.apiKey.name, answer.key)
    },
  })
  return (
    <Modal
      open
      title={t('apiKeys.createTitle')}
      onCancel={props.onClose}
      okText={t('apiKeys.createSubmit')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        name="new-api-key"
        requiredMark={false}
        onFinish={(v) => create.mutate(v)}
      >
        <Form.Item
          label={t('apiKeys.name')}
          name="name"
          extra={t('apiKeys.nameHelp')}
          rules={[
            { required: true, whitespace: true, message: t('form.required') },
            { max: 200, message: t('form.tooLong', { n: 200 }) },
          ]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          label={t('apiKeys.role')}
          name="roleId"
          extra={t('apiKeys.roleHelp')}
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Select
            showSearch
            loading={props.rolesLoading}
            optionFilterProp="label"
            options={props.roles.map((r) => ({ value: r.id, label: r.name }))}
          />
        </Form.Item>
        <Form.Item label={t('apiKeys.expires')} name="expiresAt" extra={t('apiKeys.expiresHelp')}>
          <DatePicker
            showTime
            style={{ width: '100%' }}
            disabledDate={(d) => d.isBefore(dayjs().startOf('day'))}
          />
        </Form.Item>
        <Problem error={create.error ?? props.rolesError} />
      </Form>
    </Modal>
  )
}
