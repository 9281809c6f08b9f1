import { useInfiniteQuery } from '@tanstack/react-query'
import { Button, Flex, Form, Input, Select, Space, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { formatDateTime } from '../format'
import { useTimeZone } from '../me'

/** The workflow's statuses (the API's `ticketStatuses`). */
export const TICKET_STATUSES = [
  'new',
  'processing',
  'escalated',
  'resolved',
  'closed',
  'reopened',
] as const
export type TicketStatus = (typeof TICKET_STATUSES)[number]

interface Filter {
  q?: string
  status?: TicketStatus
}

/** P3, P5: the tickets I may view, filtered in the database; by status and words. */
export function TicketsPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const [filter, setFilter] = useState<Filter>({})
  const [form] = Form.useForm<Filter>()
  const tickets = useInfiniteQuery({
    queryKey: ['tickets', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/api/v1/tickets', {
          params: {
            query: { limit: 50, ...filter, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows = tickets.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <>
      <Typography.Title level={2}>{t('work.tickets.title')}</Typography.Title>
      <Form
        form={form}
        layout="vertical"
        name="ticket-filter"
        onFinish={(v) => {
          const q = v.q?.trim()
          setFilter({ ...(q ? { q } : {}), ...(v.status ? { status: v.status } : {}) })
        }}
      >
        <Flex wrap gap={16} align="flex-end">
          <Form.Item
            label={t('work.tickets.search')}
            name="q"
            style={{ marginBottom: 8, width: 280 }}
          >
            <Input allowClear maxLength={100} />
          </Form.Item>
          <Form.Item
            label={t('work.tickets.status')}
            name="status"
            style={{ marginBottom: 8, width: 200 }}
          >
            <Select
              allowClear
              options={TICKET_STATUSES.map((s) => ({
                value: s,
                label: t(`work.tickets.statuses.${s}`),
              }))}
            />
          </Form.Item>
          <Space style={{ marginBottom: 8 }}>
            <Button type="primary" htmlType="submit">
              {t('work.tickets.apply')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields()
                setFilter({})
              }}
            >
              {t('work.tickets.clear')}
            </Button>
          </Space>
        </Flex>
      </Form>
      <Problem error={tickets.error} />
      <Table
        size="small"
        rowKey="id"
        style={{ marginTop: 16 }}
        loading={tickets.isPending}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('work.tickets.none') }}
        columns={[
          {
            title: t('work.tickets.ticket'),
            dataIndex: 'title',
            render: (title: string | undefined, x) => (
              <Link to={`/tickets/${x.id}`}>{title ?? x.id}</Link>
            ),
          },
          {
            title: t('work.tickets.status'),
            dataIndex: 'status',
            render: (s: string | undefined) => <StatusTag status={s} />,
          },
          {
            title: t('work.tickets.priority'),
            dataIndex: 'priority',
            render: (p: number | string | undefined) => p ?? '—',
          },
          {
            title: t('work.tickets.updated'),
            dataIndex: 'updatedAt',
            render: (d: string | undefined) =>
              d ? formatDateTime(d, i18n.language, timeZone) : '—',
          },
        ]}
      />
      {tickets.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={tickets.isFetchingNextPage}
          onClick={() => void tickets.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
    </>
  )
}

export function StatusTag({ status }: { status: string | undefined }) {
  const { t } = useTranslation()
  if (status === undefined) return <>—</>
  const known = (TICKET_STATUSES as readonly string[]).includes(status)
  return <Tag>{known ? t(`work.tickets.statuses.${status}`) : status}</Tag>
}
