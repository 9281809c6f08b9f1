import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Card, Form, Input, Modal, Select, Space, Tag } from 'antd'
import { Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { RecordListPage } from '../components/RecordList'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

type Position = Awaited<ReturnType<typeof fetchPositions>>[number]

async function fetchPositions() {
  return ok(await api.GET('/api/v1/positions', { params: { query: { limit: 200 } } })).items
}

function useRoles() {
  return useQuery({ queryKey: ['roles'], queryFn: async () => ok(await api.GET('/api/v1/roles')) })
}

/**
 * R8 positions: each with the roles a person placed in it receives by default. Listed, created,
 * edited and deleted here; a position given to a person (a transfer: their roles are reset to
 * the position's defaults, which the server checks as a delegation).
 */
export function PositionsPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const may = allowedActions(useMe().data)
  const positions = useQuery({ queryKey: ['positions'], queryFn: fetchPositions })
  const roles = useRoles()
  const roleName = new Map((roles.data?.items ?? []).map((r) => [r.id, r.name]))
  return (
    <RecordListPage<Position>
      strings="admin2.positions"
      rights={{ create: 'role.create', edit: 'role.edit', delete: 'role.delete' }}
      list={{
        rows: positions.data ?? [],
        isPending: positions.isPending,
        error: positions.error,
      }}
      remove={async (p) =>
        ok(await api.DELETE('/api/v1/positions/{id}', { params: { path: { id: p.id } } }))
      }
      invalidate={['positions']}
      names={(p) => ({ name: p.name })}
      editor={(position, close) => <PositionEditor position={position} onClose={close} />}
      columns={[
        { title: t('admin2.positions.name'), dataIndex: 'name' },
        { title: t('admin2.positions.description'), dataIndex: 'description' },
        {
          title: t('admin2.positions.defaultRoles'),
          key: 'roles',
          render: (_: unknown, p: Position) =>
            p.roleIds.length === 0 ? (
              '—'
            ) : (
              <Space size={[0, 4]} wrap>
                {p.roleIds.map((id) => (
                  <Tag key={id}>{roleName.get(id) ?? id}</Tag>
                ))}
              </Space>
            ),
        },
        {
          title: t('admin2.positions.updated'),
          dataIndex: 'updatedAt',
          render: (d: string) => formatDateTime(d, i18n.language, timeZone),
        },
      ]}
    >
      {may.has('user.edit') && <AssignPosition positions={positions.data ?? []} />}
    </RecordListPage>
  )
}

/** Create or edit a position: name, description, default roles (built-ins are not offered). */
function PositionEditor({ position, onClose }: { position?: Position; onClose(): void }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const roles = useRoles()
  const [name, setName] = useState(position?.name ?? '')
  const [description, setDescription] = useState(position?.description ?? '')
  const [roleIds, setRoleIds] = useState<string[]>(position ? [...position.roleIds] : [])
  const save = useMutation({
    mutationFn: async () => {
      const body = { name: name.trim(), description: description.trim(), roleIds }
      return position === undefined
        ? ok(await api.POST('/api/v1/positions', { body }))
        : ok(
            await api.PATCH('/api/v1/positions/{id}', {
              params: { path: { id: position.id } },
              body,
            }),
          )
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['positions'] })
      onClose()
    },
  })
  return (
    <Modal
      open
      title={
        position
          ? t('admin2.positions.editTitle', { name: position.name })
          : t('admin2.positions.newTitle')
      }
      onCancel={onClose}
      okText={t('admin2.positions.save')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: name.trim() === '', loading: save.isPending }}
      onOk={() => save.mutate()}
    >
      <Form layout="vertical" name="position">
        <Form.Item label={t('admin2.positions.name')} htmlFor="position-name" required>
          <Input
            id="position-name"
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
          />
        </Form.Item>
        <Form.Item label={t('admin2.positions.description')} htmlFor="position-description">
          <Input.TextArea
            id="position-description"
            rows={2}
            maxLength={2000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </Form.Item>
        <Form.Item
          label={t('admin2.positions.defaultRoles')}
          htmlFor="position-roles"
          extra={t('admin2.positions.defaultRolesHelp')}
        >
          <Select
            id="position-roles"
            mode="multiple"
            allowClear
            optionFilterProp="label"
            loading={roles.isPending}
            value={roleIds}
            onChange={setRoleIds}
            options={(roles.data?.items ?? [])
              .filter((r) => r.kind !== 'builtin')
              .map((r) => ({ value: r.id, label: r.name }))}
          />
        </Form.Item>
      </Form>
      <Problem error={roles.error ?? save.error} />
    </Modal>
  )
}

/** A position given to one person: the server resets their roles to its defaults, or refuses. */
function AssignPosition({ positions }: { positions: readonly Position[] }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [q, setQ] = useState('')
  const [userId, setUserId] = useState<string | undefined>()
  const [positionId, setPositionId] = useState<string | undefined>()
  const users = useQuery({
    queryKey: ['users', q, 'pick'],
    queryFn: async () =>
      ok(
        await api.GET('/api/v1/users', {
          params: { query: { limit: 50, ...(q ? { q } : {}) } },
        }),
      ).items,
  })
  const assign = useMutation({
    mutationFn: async () =>
      ok(
        await api.PATCH('/api/v1/users/{id}', {
          params: { path: { id: userId ?? '' } },
          body: { positionId: positionId ?? '' },
        }),
      ),
    onSuccess: async () => {
      const person = users.data?.find((u) => u.id === userId)?.name ?? ''
      const position = positions.find((p) => p.id === positionId)?.name ?? ''
      void message.success(t('admin2.positions.assigned', { person, position }))
      await queryClient.invalidateQueries({ queryKey: ['users'] })
    },
  })
  return (
    <Card title={t('admin2.positions.assignTitle')} style={{ marginTop: 24 }}>
      <Typography.Paragraph type="secondary">
        {t('admin2.positions.assignHelp')}
      </Typography.Paragraph>
      <Form layout="vertical" name="assign-position">
        <Space wrap align="end">
          <Form.Item label={t('admin2.positions.person')} htmlFor="assign-person">
            <Select
              id="assign-person"
              showSearch
              style={{ width: 280 }}
              filterOption={false}
              onSearch={setQ}
              value={userId}
              onChange={setUserId}
              loading={users.isFetching}
              options={(users.data ?? []).map((u) => ({
                value: u.id,
                label: `${u.name}${u.position ? ` · ${u.position}` : ''}`,
              }))}
            />
          </Form.Item>
          <Form.Item label={t('admin2.positions.position')} htmlFor="assign-position-id">
            <Select
              id="assign-position-id"
              showSearch
              optionFilterProp="label"
              style={{ width: 240 }}
              value={positionId}
              onChange={setPositionId}
              options={positions.map((p) => ({ value: p.id, label: p.name }))}
            />
          </Form.Item>
          <Form.Item>
            <Button
              type="primary"
              disabled={userId === undefined || positionId === undefined}
              loading={assign.isPending}
              onClick={() => assign.mutate()}
            >
              {t('admin2.positions.assign')}
            </Button>
          </Form.Item>
        </Space>
      </Form>
      <Problem error={users.error ?? assign.error} />
    </Card>
  )
}
