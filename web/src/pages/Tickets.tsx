import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { App, Button, Flex, Form, Input, Select, Space, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router'
import { api, ok } from '../api/client'
import { FormDialog, useDialogSave } from '../components/FormDialog'
import { Problem } from '../components/Problem'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

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
  const mayCreate = allowedActions(useMe().data).has('ticket.create')
  const [creating, setCreating] = useState(false)
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
      {mayCreate && (
        <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setCreating(true)}>
          {t('create.ticket.open')}
        </Button>
      )}
      {creating && <NewTicket onClose={() => setCreating(false)} />}
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

const PRIORITIES = [1, 2, 3, 4] as const
const TICKET_FIELDS = ['title', 'description', 'category', 'priority', 'faultCode', 'customerId']

interface NewTicketForm {
  title: string
  description?: string
  category?: string
  priority?: (typeof PRIORITIES)[number]
  faultCode?: string
  customerId?: string
}

/**
 * A new ticket (`POST /tickets`), offered with `ticket.create`: assigned to me and placed in my
 * unit unless the server is told otherwise; the customer is one I may view (searched on the
 * server). The server decides (a fault code only tech support may set, P4) and its refusal is
 * shown with its reason, a field's on that field.
 */
function NewTicket({ onClose }: { onClose(): void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const navigate = useNavigate()
  const may = allowedActions(useMe().data)
  const [form] = Form.useForm<NewTicketForm>()
  const [q, setQ] = useState('')
  const customers = useQuery({
    queryKey: ['customers', 'pick', q],
    enabled: may.has('customer.view'),
    queryFn: async () =>
      ok(
        await api.GET('/api/v1/customers', {
          params: { query: { limit: 20, ...(q.trim() ? { q: q.trim() } : {}) } },
        }),
      ).items,
  })
  const save = useDialogSave(form, {
    save: async (v: NewTicketForm) => {
      const text = (s: string | undefined) => (s?.trim() ? s.trim() : undefined)
      const body = {
        title: v.title.trim(),
        ...(text(v.description) && { description: text(v.description) }),
        ...(text(v.category) && { category: text(v.category) }),
        ...(v.priority && { priority: v.priority }),
        ...(text(v.faultCode) && { faultCode: text(v.faultCode) }),
        ...(v.customerId && { customerId: v.customerId }),
      }
      return ok(await api.POST('/api/v1/tickets', { body }))
    },
    fields: TICKET_FIELDS,
    announce: (created) =>
      void message.success(t('create.ticket.created', { title: created.title ?? '' })),
    invalidate: [['tickets']],
    onSaved: (created) => {
      onClose()
      if (created.title !== undefined) void navigate(`/tickets/${created.id}`)
    },
  })
  return (
    <FormDialog
      form={form}
      name="new-ticket"
      title={t('create.ticket.title')}
      okText={t('create.ticket.save')}
      save={save}
      onClose={onClose}
    >
      <Form.Item
        label={t('create.ticket.subject')}
        name="title"
        rules={[{ required: true, whitespace: true, message: t('form.required') }]}
      >
        <Input maxLength={200} />
      </Form.Item>
      <Form.Item label={t('work.tickets.description')} name="description">
        <Input.TextArea rows={3} maxLength={10000} />
      </Form.Item>
      <Flex gap={16}>
        <Form.Item label={t('work.tickets.category')} name="category" style={{ flex: 1 }}>
          <Input maxLength={50} />
        </Form.Item>
        <Form.Item label={t('work.tickets.priority')} name="priority" style={{ width: 180 }}>
          <Select
            allowClear
            options={PRIORITIES.map((p) => ({
              value: p,
              label: t(`create.ticket.priorities.${p}`),
            }))}
          />
        </Form.Item>
      </Flex>
      {may.has('customer.view') && (
        <Form.Item label={t('create.ticket.customer')} name="customerId">
          <Select
            allowClear
            showSearch
            filterOption={false}
            onSearch={setQ}
            loading={customers.isFetching}
            notFoundContent={t('work.customers.none')}
            options={(customers.data ?? []).map((c) => ({
              value: c.id,
              label: c.name ?? t('refs.notVisible'),
            }))}
          />
        </Form.Item>
      )}
      <Form.Item
        label={t('work.tickets.faultCode')}
        name="faultCode"
        extra={t('create.ticket.faultCodeHelp')}
      >
        <Input maxLength={40} />
      </Form.Item>
    </FormDialog>
  )
}
