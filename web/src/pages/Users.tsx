import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Badge, Button, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { StartPreview } from '../components/Preview'
import { Problem } from '../components/Problem'
import { RemotePicker } from '../components/RemotePicker'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

const LEVELS = ['novice', 'senior', 'lead', 'admin'] as const
type Level = (typeof LEVELS)[number]

interface NewUser {
  name: string
  email: string
  password: string
  level?: Level
  positionId?: string
  roleIds?: string[]
}

export function UsersPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const me = useMe()
  const may = allowedActions(me.data)
  const mayCreate = may.has('user.create')
  const [q, setQ] = useState('')
  const [creating, setCreating] = useState(false)

  const users = useInfiniteQuery({
    queryKey: ['users', q],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/api/v1/users', {
          params: {
            query: { limit: 50, ...(q ? { q } : {}), ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows = users.data?.pages.flatMap((p) => p.items) ?? []

  return (
    <>
      <Typography.Title level={2}>{t('users.title')}</Typography.Title>
      <Space style={{ marginBottom: 16 }} wrap>
        <Input.Search
          aria-label={t('users.search')}
          placeholder={t('users.searchPlaceholder')}
          allowClear
          onSearch={(value) => setQ(value.trim())}
          style={{ width: 320 }}
        />
        {mayCreate && (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('users.create')}
          </Button>
        )}
      </Space>
      <Problem error={users.error} />
      <Table
        size="small"
        rowKey="id"
        loading={users.isPending}
        dataSource={rows}
        pagination={false}
        columns={[
          { title: t('users.name'), dataIndex: 'name' },
          {
            title: t('users.email'),
            dataIndex: 'email',
            render: (email: string | undefined) => email ?? <Tag>{t('users.hidden')}</Tag>,
          },
          {
            title: t('users.status'),
            dataIndex: 'status',
            render: (s: string) => (
              <Badge
                status={s === 'active' ? 'success' : 'default'}
                text={t(`users.statuses.${s}`)}
              />
            ),
          },
          {
            title: t('users.level'),
            dataIndex: 'level',
            render: (l: string | undefined) =>
              l && (LEVELS as readonly string[]).includes(l) ? t(`users.levels.${l}`) : (l ?? ''),
          },
          { title: t('users.position'), dataIndex: 'position' },
          {
            title: t('users.mfa'),
            dataIndex: 'mfaEnabled',
            render: (m: boolean) => (m ? t('common.yes') : t('common.no')),
          },
          {
            title: t('users.created'),
            dataIndex: 'createdAt',
            render: (d: string) => formatDateTime(d, i18n.language, timeZone),
          },
          ...(may.has('user.edit') || may.has('user.forceOffline') || may.has('user.impersonate')
            ? [
                {
                  title: t('users.actions'),
                  key: 'actions',
                  render: (_: unknown, u: (typeof rows)[number]) =>
                    u.id === me.data?.user?.id ? null : (
                      <UserActions
                        id={u.id}
                        name={u.name}
                        status={u.status}
                        mayEdit={may.has('user.edit')}
                        mayForceOffline={may.has('user.forceOffline')}
                        mayPreview={may.has('user.impersonate')}
                      />
                    ),
                },
              ]
            : []),
        ]}
      />
      {users.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={users.isFetchingNextPage}
          onClick={() => void users.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
      {creating && <CreateUser onClose={() => setCreating(false)} />}
    </>
  )
}

/** Suspend or reactivate a person, end their sessions: the server decides and says why not. */
function UserActions(props: {
  id: string
  name: string
  status: string
  mayEdit: boolean
  mayForceOffline: boolean
  mayPreview: boolean
}) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const { id, name, status } = props
  const fail = (e: unknown) => void message.error(e instanceof Error ? e.message : String(e))
  const setStatus = useMutation({
    mutationFn: async (next: 'active' | 'suspended') =>
      ok(
        await api.PATCH('/api/v1/users/{id}', {
          params: { path: { id } },
          body: { status: next },
        }),
      ),
    onSuccess: async () => queryClient.invalidateQueries({ queryKey: ['users'] }),
    onError: fail,
  })
  const offline = useMutation({
    mutationFn: async () =>
      ok(await api.POST('/api/v1/users/{id}/force-offline', { params: { path: { id } } })),
    onSuccess: (r) => void message.success(t('users.offlineDone', { name, n: r.revoked })),
    onError: fail,
  })
  return (
    <Space size="small">
      {props.mayEdit && status === 'active' && (
        <Button
          size="small"
          aria-label={t('users.suspendWho', { name })}
          loading={setStatus.isPending}
          onClick={() => setStatus.mutate('suspended')}
        >
          {t('users.suspend')}
        </Button>
      )}
      {props.mayEdit && status === 'suspended' && (
        <Button
          size="small"
          aria-label={t('users.reactivateWho', { name })}
          loading={setStatus.isPending}
          onClick={() => setStatus.mutate('active')}
        >
          {t('users.reactivate')}
        </Button>
      )}
      {props.mayForceOffline && (
        <Button
          size="small"
          aria-label={t('users.offlineWho', { name })}
          loading={offline.isPending}
          onClick={() => offline.mutate()}
        >
          {t('users.offline')}
        </Button>
      )}
      {props.mayPreview && status === 'active' && (
        <StartPreview subject={{ userId: id }} name={name} size="small" />
      )}
    </Space>
  )
}

function CreateUser({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<NewUser>()
  const roles = useQuery({
    queryKey: ['roles'],
    queryFn: async () => ok(await api.GET('/api/v1/roles')),
  })
  const create = useMutation({
    mutationFn: async (values: NewUser) =>
      ok(
        await api.POST('/api/v1/users', {
          body: {
            name: values.name.trim(),
            email: values.email.trim(),
            password: values.password,
            ...(values.level ? { level: values.level } : {}),
            ...(values.positionId ? { positionId: values.positionId } : {}),
            ...(values.roleIds?.length ? { roleIds: values.roleIds } : {}),
          },
        }),
      ),
    onSuccess: async (user) => {
      await queryClient.invalidateQueries({ queryKey: ['users'] })
      void message.success(t('users.createdOk', { name: user.name }))
      onClose()
    },
  })
  return (
    <Modal
      open
      title={t('users.createTitle')}
      onCancel={onClose}
      okText={t('users.createSubmit')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        name="new-user"
        requiredMark={false}
        onFinish={(v) => create.mutate(v)}
      >
        <Form.Item
          label={t('users.name')}
          name="name"
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input />
        </Form.Item>
        <Form.Item
          label={t('users.email')}
          name="email"
          rules={[
            { required: true, message: t('form.required') },
            { type: 'email', message: t('form.email') },
          ]}
        >
          <Input type="email" autoComplete="off" />
        </Form.Item>
        <Form.Item
          label={t('users.password')}
          name="password"
          extra={t('signup.passwordHelp')}
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item label={t('users.level')} name="level">
          <Select
            allowClear
            options={LEVELS.map((l) => ({ value: l, label: t(`users.levels.${l}`) }))}
          />
        </Form.Item>
        <Form.Item label={t('users.position')} name="positionId" extra={t('users.positionHelp')}>
          <RemotePicker kind="position" allowClear />
        </Form.Item>
        <Form.Item label={t('users.roles')} name="roleIds">
          <Select
            mode="multiple"
            loading={roles.isPending}
            optionFilterProp="label"
            options={(roles.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))}
          />
        </Form.Item>
        <Problem error={create.error ?? roles.error} />
      </Form>
    </Modal>
  )
}
