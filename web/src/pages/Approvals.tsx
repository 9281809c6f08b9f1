import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query'
import { Button, Popconfirm, Radio, Space, Table, Tabs, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useSearchParams } from 'react-router'
import { api, ok } from '../api/client'
import { Decide, RequestSummary, usePeople, type Approval } from '../components/ApprovalParts'
import { Problem } from '../components/Problem'
import { RequestGrant } from '../components/RequestGrant'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

const TABS = ['mine', 'to-decide', 'grants'] as const
type TabKey = (typeof TABS)[number]

/**
 * W1–W3: my requests, the requests I may decide now (a lead: the team's; an admin: everyone's,
 * never my own), asking for a temporary grant, and the temporary grants I may see (mine; a lead's
 * team's) with revoke.
 */
export function ApprovalsPage() {
  const { t } = useTranslation()
  const me = useMe()
  const may = allowedActions(me.data)
  const [params, setParams] = useSearchParams()
  const asked = params.get('tab')
  const tab: TabKey = (TABS as readonly string[]).includes(asked ?? '') ? (asked as TabKey) : 'mine'
  const [requesting, setRequesting] = useState(false)
  return (
    <>
      <Typography.Title level={2}>{t('work.approvals.title')}</Typography.Title>
      {may.has('approval.create') && (
        <Space style={{ marginBottom: 16 }}>
          <Button type="primary" onClick={() => setRequesting(true)}>
            {t('work.request.open')}
          </Button>
        </Space>
      )}
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams({ tab: key })}
        items={[
          { key: 'mine', label: t('work.approvals.mine'), children: <Requests view="mine" /> },
          {
            key: 'to-decide',
            label: t('work.approvals.toDecide'),
            children: <Requests view="to-decide" />,
          },
          { key: 'grants', label: t('work.grants.title'), children: <Grants /> },
        ]}
      />
      {requesting && <RequestGrant onClose={() => setRequesting(false)} />}
    </>
  )
}

function StatusText({ status }: { status: string }) {
  const { t } = useTranslation()
  return <Tag>{t(`work.approvals.status.${status}`)}</Tag>
}

function Requests({ view }: { view: 'mine' | 'to-decide' }) {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const list = useInfiniteQuery({
    queryKey: ['approvals', view],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/api/v1/approvals', {
          params: { query: { view, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows = list.data?.pages.flatMap((p) => p.items) ?? []
  const who = usePeople(rows.map((r) => r.requesterId))
  return (
    <>
      <Problem error={list.error} />
      <Table<Approval>
        size="small"
        rowKey="id"
        loading={list.isPending}
        dataSource={rows}
        pagination={false}
        locale={{
          emptyText:
            view === 'mine' ? t('work.approvals.noneMine') : t('work.approvals.noneToDecide'),
        }}
        columns={[
          {
            title: t('work.approvals.request'),
            dataIndex: 'type',
            render: (type: string, r) => (
              <Link to={`/approvals/${r.id}`}>{t(`work.approvals.type.${type}`)}</Link>
            ),
          },
          {
            title: t('work.approvals.what'),
            key: 'what',
            render: (_: unknown, r) => <RequestSummary r={r} />,
          },
          ...(view === 'to-decide'
            ? [
                {
                  title: t('work.approvals.requester'),
                  dataIndex: 'requesterId',
                  render: (id: string) => who(id),
                },
              ]
            : []),
          { title: t('work.approvals.reason'), dataIndex: 'reason' },
          {
            title: t('work.approvals.statusLabel'),
            dataIndex: 'status',
            render: (s: string) => <StatusText status={s} />,
          },
          {
            title: t('work.approvals.created'),
            dataIndex: 'createdAt',
            render: (d: string) => formatDateTime(d, i18n.language, timeZone),
          },
          ...(view === 'to-decide'
            ? [
                {
                  title: t('work.approvals.decide'),
                  key: 'decide',
                  render: (_: unknown, r: Approval) => <Decide r={r} />,
                },
              ]
            : []),
        ]}
      />
      {list.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
    </>
  )
}

type Grant = Awaited<ReturnType<typeof fetchGrants>>['items'][number]

async function fetchGrants(state: 'current' | 'all', cursor: string | undefined) {
  return ok(
    await api.GET('/api/v1/grants', {
      params: { query: { state, limit: 50, ...(cursor ? { cursor } : {}) } },
    }),
  )
}

/** W1: temporary grants, mine and (with `grant.view`) my team's; revoke one that still holds. */
function Grants() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const queryClient = useQueryClient()
  const [state, setState] = useState<'current' | 'all'>('current')
  const list = useInfiniteQuery({
    queryKey: ['grants', state],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => fetchGrants(state, pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      ok(await api.DELETE('/api/v1/grants/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['grants'] })
      await queryClient.invalidateQueries({ queryKey: ['me'] })
    },
  })
  const rows = list.data?.pages.flatMap((p) => p.items) ?? []
  const who = usePeople(rows.map((g) => g.userId))
  const at = (d: string) => formatDateTime(d, i18n.language, timeZone)
  return (
    <>
      <Radio.Group
        aria-label={t('work.grants.which')}
        value={state}
        onChange={(e) => setState(e.target.value as 'current' | 'all')}
        style={{ marginBottom: 12 }}
        options={[
          { value: 'current', label: t('work.grants.current') },
          { value: 'all', label: t('work.grants.all') },
        ]}
        optionType="button"
      />
      <Typography.Paragraph type="secondary">
        {t('work.grants.timeZone', { zone: timeZone })}
      </Typography.Paragraph>
      <Problem error={list.error ?? revoke.error} />
      <Table<Grant>
        size="small"
        rowKey="id"
        loading={list.isPending}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('work.grants.none') }}
        columns={[
          { title: t('work.grants.holder'), dataIndex: 'userId', render: (id: string) => who(id) },
          {
            title: t('work.grants.actions'),
            dataIndex: 'actions',
            render: (a: string[]) => (
              <Space size={[4, 4]} wrap>
                {a.map((x) => (
                  <Tag key={x}>
                    <code>{x}</code>
                  </Tag>
                ))}
              </Space>
            ),
          },
          {
            title: t('work.grants.on'),
            key: 'on',
            render: (_: unknown, g) =>
              g.resource?.type === 'customer' ? (
                <Link to={`/customers/${g.resource.id}`}>{t('work.approvals.onCustomer')}</Link>
              ) : g.resource ? (
                <code>
                  {g.resource.type} {g.resource.id}
                </code>
              ) : typeof g.scope === 'string' ? (
                t(`scope.${g.scope}`)
              ) : (
                '—'
              ),
          },
          { title: t('work.grants.from'), dataIndex: 'validFrom', render: at },
          { title: t('work.grants.until'), dataIndex: 'validUntil', render: at },
          {
            title: t('work.grants.state'),
            dataIndex: 'state',
            render: (s: string) => <Tag>{t(`work.grants.states.${s}`)}</Tag>,
          },
          {
            title: t('work.grants.revoke'),
            key: 'revoke',
            render: (_: unknown, g) =>
              g.state === 'active' || g.state === 'upcoming' ? (
                <Popconfirm
                  title={t('work.grants.revokeConfirm')}
                  okText={t('work.grants.revoke')}
                  cancelText={t('common.cancel')}
                  onConfirm={() => revoke.mutate(g.id)}
                >
                  <Button
                    danger
                    size="small"
                    aria-label={t('work.grants.revokeWhich', { who: who(g.userId) })}
                    loading={revoke.isPending && revoke.variables === g.id}
                  >
                    {t('work.grants.revoke')}
                  </Button>
                </Popconfirm>
              ) : null,
          },
        ]}
      />
      {list.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
    </>
  )
}
