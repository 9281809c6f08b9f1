import { Descriptions, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { useMe } from '../me'

/** Who I am and what I may do: the same /me the navigation is built from. */
export function HomePage() {
  const { t } = useTranslation()
  const me = useMe()
  if (!me.data) return null
  const { user, roles, permissions } = me.data
  return (
    <>
      <Typography.Title level={2}>{t('home.title', { name: user?.name ?? '' })}</Typography.Title>
      <Descriptions bordered size="small" column={1} style={{ maxWidth: 720, marginBottom: 24 }}>
        <Descriptions.Item label={t('home.email')}>{user?.email}</Descriptions.Item>
        <Descriptions.Item label={t('home.roles')}>
          {roles.map((r) => (
            <Tag key={r.id}>{r.name}</Tag>
          ))}
        </Descriptions.Item>
      </Descriptions>
      <Typography.Title level={3}>{t('home.permissions')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('home.permissionsHelp')}</Typography.Paragraph>
      <Table
        size="small"
        rowKey="action"
        dataSource={[...permissions]}
        pagination={{ pageSize: 20, showSizeChanger: false }}
        columns={[
          { title: t('home.action'), dataIndex: 'action', render: (a: string) => <code>{a}</code> },
          {
            title: t('home.scopes'),
            dataIndex: 'scopes',
            render: (scopes: unknown[]) =>
              scopes.map((s) => (
                <Tag key={JSON.stringify(s)}>
                  {typeof s === 'string' ? t(`scope.${s}`) : JSON.stringify(s)}
                </Tag>
              )),
          },
          {
            title: t('home.conditional'),
            dataIndex: 'conditional',
            render: (c: boolean) => (c ? t('common.yes') : t('common.no')),
          },
        ]}
      />
    </>
  )
}
