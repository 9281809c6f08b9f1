import { useMutation, useQuery } from '@tanstack/react-query'
import { Alert, Button, Descriptions, Space, Table, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router'
import { api, ok, type Schemas } from '../api/client'
import { StartPreview } from '../components/Preview'
import { Problem } from '../components/Problem'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'
import { KindTag } from './Roles'

type Grant = Schemas['Grant']
type Restriction = Schemas['RoleRestriction']

/** A scope in words: `own`, `team`, … or a named unit / record. */
function ScopeText({ scope }: { scope: Grant['scope'] | undefined }) {
  const { t } = useTranslation()
  if (scope === undefined) return <>{t('scope.any')}</>
  if (typeof scope === 'string') return <>{t(`scope.${scope}`)}</>
  if ('subtree' in scope) return <>{t('scope.subtreeOf', { id: scope.subtree })}</>
  return <>{t('scope.record', { id: scope.record })}</>
}

function Actions({ actions }: { actions: readonly string[] }) {
  return (
    <Space size={[4, 4]} wrap>
      {actions.map((a) => (
        <Tag key={a}>
          <code>{a}</code>
        </Tag>
      ))}
    </Space>
  )
}

function Condition({ when }: { when: unknown }) {
  const { t } = useTranslation()
  if (when === undefined) return <>{t('roles.always')}</>
  return <code style={{ whiteSpace: 'pre-wrap' }}>{JSON.stringify(when)}</code>
}

function Fields({ fields }: { fields: Record<string, string> | undefined }) {
  const { t } = useTranslation()
  const entries = Object.entries(fields ?? {})
  if (entries.length === 0) return null
  return (
    <Space size={[4, 4]} wrap>
      {entries.map(([name, level]) => (
        <Tag key={name}>
          {name === '*' ? t('roles.allFields') : name}: {t(`fieldLevel.${level}`)}
        </Tag>
      ))}
    </Space>
  )
}

/** A role read-only: what it allows (grants) and forbids (restrictions), and who holds it. */
export function RoleDetailPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const { id = '' } = useParams()
  const navigate = useNavigate()
  const me = useMe()
  const may = allowedActions(me.data)
  const role = useQuery({
    queryKey: ['role', id],
    queryFn: async () => ok(await api.GET('/api/v1/roles/{id}', { params: { path: { id } } })),
  })
  const clone = useMutation({
    mutationFn: async (name: string) =>
      ok(await api.POST('/api/v1/roles/{id}/clone', { params: { path: { id } }, body: { name } })),
    onSuccess: async (copy) => navigate(`/roles/${copy.id}/edit`),
  })
  if (role.error) return <Problem error={role.error} />
  if (!role.data) return null
  const r = role.data
  return (
    <>
      <Typography.Paragraph>
        <Link to="/roles">{t('roles.back')}</Link>
      </Typography.Paragraph>
      <Typography.Title level={2}>
        {r.name} <KindTag kind={r.kind} />
      </Typography.Title>
      {r.kind === 'builtin' && (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} title={t('roles.lockedHelp')} />
      )}
      <Space style={{ marginBottom: 16 }}>
        {r.kind !== 'builtin' && may.has('role.edit') && (
          <Button type="primary" onClick={() => void navigate(`/roles/${r.id}/edit`)}>
            {t('rolesActions.edit')}
          </Button>
        )}
        {may.has('role.create') && (
          <Button
            loading={clone.isPending}
            onClick={() => clone.mutate(t('rolesActions.copyName', { name: r.name }))}
          >
            {t('rolesActions.clone')}
          </Button>
        )}
        {may.has('role.preview') && <StartPreview subject={{ roleId: r.id }} name={r.name} />}
      </Space>
      <Problem error={clone.error} />
      <Descriptions bordered size="small" column={1} style={{ maxWidth: 720, marginBottom: 24 }}>
        <Descriptions.Item label={t('roles.description')}>{r.description}</Descriptions.Item>
        <Descriptions.Item label={t('roles.mfa')}>
          {r.mfaRequired ? t('common.yes') : t('common.no')}
        </Descriptions.Item>
        <Descriptions.Item label={t('roles.holders')}>{r.userIds?.length ?? 0}</Descriptions.Item>
        <Descriptions.Item label={t('roles.updated')}>
          {formatDateTime(r.updatedAt, i18n.language, timeZone)}
        </Descriptions.Item>
      </Descriptions>
      <Typography.Title level={3}>{t('roles.grants')}</Typography.Title>
      <Table<Grant>
        size="small"
        rowKey={(g) => JSON.stringify(g)}
        dataSource={r.grants}
        pagination={false}
        columns={[
          {
            title: t('roles.actions'),
            dataIndex: 'actions',
            render: (a: string[]) => <Actions actions={a} />,
          },
          {
            title: t('roles.scope'),
            dataIndex: 'scope',
            render: (s: Grant['scope']) => <ScopeText scope={s} />,
          },
          {
            title: t('roles.condition'),
            dataIndex: 'when',
            render: (w: unknown) => <Condition when={w} />,
          },
          {
            title: t('roles.fields'),
            dataIndex: 'fields',
            render: (f: Record<string, string> | undefined) => <Fields fields={f} />,
          },
          {
            title: t('roles.obligations'),
            key: 'obligations',
            render: (_: unknown, g) => (
              <Space size={[4, 4]} wrap>
                {g.audit && <Tag>{t('roles.audit')}</Tag>}
                {g.reasonRequired && <Tag>{t('roles.reasonRequired')}</Tag>}
                {g.approvalRequired && <Tag>{t('roles.approvalRequired')}</Tag>}
                {g.limits?.perDay !== undefined && (
                  <Tag>{t('roles.perDay', { n: g.limits.perDay })}</Tag>
                )}
                {g.limits?.concurrent !== undefined && (
                  <Tag>{t('roles.concurrent', { n: g.limits.concurrent })}</Tag>
                )}
              </Space>
            ),
          },
        ]}
      />
      <Typography.Title level={3} style={{ marginTop: 24 }}>
        {t('roles.restrictions')}
      </Typography.Title>
      <Table<Restriction>
        size="small"
        rowKey="id"
        dataSource={r.restrictions}
        pagination={false}
        locale={{ emptyText: t('roles.noRestrictions') }}
        columns={[
          {
            title: t('roles.restriction'),
            dataIndex: 'id',
            render: (id: string, x) => x.label ?? id,
          },
          {
            title: t('roles.actions'),
            dataIndex: 'actions',
            render: (a: string[]) => <Actions actions={a} />,
          },
          {
            title: t('roles.scope'),
            dataIndex: 'scope',
            render: (s: Grant['scope'] | undefined) => <ScopeText scope={s} />,
          },
          {
            title: t('roles.condition'),
            dataIndex: 'when',
            render: (w: unknown) => <Condition when={w} />,
          },
          {
            title: t('roles.fields'),
            dataIndex: 'fields',
            render: (f: Record<string, string> | undefined) => <Fields fields={f} />,
          },
        ]}
      />
    </>
  )
}
