import { LockOutlined } from '@ant-design/icons'
import { useQuery } from '@tanstack/react-query'
import { Button, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { allowedActions, useMe } from '../me'

export function KindTag({ kind }: { kind: string }) {
  const { t } = useTranslation()
  if (kind === 'builtin') {
    return <Tag icon={<LockOutlined aria-hidden />}>{t('roles.kinds.builtin')}</Tag>
  }
  return <Tag>{t(`roles.kinds.${kind}`)}</Tag>
}

export function RolesPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const me = useMe()
  const roles = useQuery({
    queryKey: ['roles'],
    queryFn: async () => ok(await api.GET('/api/v1/roles')),
  })
  return (
    <>
      <Typography.Title level={2}>{t('roles.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('roles.help')}</Typography.Paragraph>
      {allowedActions(me.data).has('role.create') && (
        <Button
          type="primary"
          style={{ marginBottom: 16 }}
          onClick={() => void navigate('/roles/new')}
        >
          {t('rolesActions.new')}
        </Button>
      )}
      <Problem error={roles.error} />
      <Table
        size="small"
        rowKey="id"
        loading={roles.isPending}
        dataSource={roles.data?.items ?? []}
        pagination={false}
        columns={[
          {
            title: t('roles.name'),
            dataIndex: 'name',
            render: (name: string, r) => <Link to={`/roles/${r.id}`}>{name}</Link>,
          },
          {
            title: t('roles.kind'),
            dataIndex: 'kind',
            render: (kind: string) => <KindTag kind={kind} />,
          },
          { title: t('roles.description'), dataIndex: 'description' },
          {
            title: t('roles.grants'),
            dataIndex: 'grants',
            render: (g: unknown[]) => g.length,
          },
          {
            title: t('roles.mfa'),
            dataIndex: 'mfaRequired',
            render: (m: boolean) => (m ? t('common.yes') : t('common.no')),
          },
        ]}
      />
    </>
  )
}
