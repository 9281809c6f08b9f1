import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { Button, Flex, Form, Input, Select, Space, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router'
import { api, ok } from '../api/client'
import { CsvExport } from '../components/CsvExport'
import { FieldValue } from '../components/FieldValue'
import { FormDialog, useDialogSave } from '../components/FormDialog'
import { Problem } from '../components/Problem'
import { RefName } from '../components/RefName'
import { RemotePicker } from '../components/RemotePicker'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

/** The API's channels (`chatChannels`) and statuses. */
export const CHAT_CHANNELS = [
  'web',
  'app',
  'wechat',
  'telegram',
  'whatsapp',
  'sms',
  'email',
] as const
export const CHAT_STATUSES = ['open', 'closed'] as const
type Channel = (typeof CHAT_CHANNELS)[number]
type ChatStatus = (typeof CHAT_STATUSES)[number]

interface Filter {
  q?: string
  status?: ChatStatus
  channel?: Channel
}

type ChatRow = NonNullable<Awaited<ReturnType<typeof fetchChats>>['items']>[number]

async function fetchChats(filter: Filter, cursor: string | undefined) {
  return ok(
    await api.GET('/api/v1/chats', {
      params: { query: { limit: 50, ...filter, ...(cursor ? { cursor } : {}) } },
    }),
  )
}

/** A chat's status as a tag (plain: antd's coloured tags fail the 4.5:1 contrast). */
export function ChatStatusTag({ status }: { status: string | undefined }) {
  const { t } = useTranslation()
  if (status !== 'open' && status !== 'closed') return <>—</>
  return <Tag>{t(`work.chats.statuses.${status}`)}</Tag>
}

/** A channel's name, or the field as the API gave it (masked, hidden). */
export function ChannelName({ chat }: { chat: Pick<ChatRow, 'channel' | 'maskedFields'> }) {
  const { t } = useTranslation()
  const masked = chat.maskedFields?.includes('channel') ?? false
  if (!masked && (CHAT_CHANNELS as readonly unknown[]).includes(chat.channel)) {
    return <>{t(`work.chats.channels.${chat.channel as Channel}`)}</>
  }
  return <FieldValue value={chat.channel} masked={masked} />
}

/**
 * The chat log I may view (`GET /chats`: my scope applied by the server, each field as my field
 * rules show it), filtered by words or a number, status and channel, 50 a page; how many match
 * (`GET /chats/count`); each chat opens on its own page with its transcript. Opened by its
 * address without `chat.view`, the page shows the server's refusal.
 */
export function ChatsPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const may = allowedActions(useMe().data)
  const [creating, setCreating] = useState(false)
  const [filter, setFilter] = useState<Filter>({})
  const [form] = Form.useForm<Filter>()

  const chats = useInfiniteQuery({
    queryKey: ['chats', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchChats(filter, pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const count = useQuery({
    queryKey: ['chats', filter, 'count'],
    queryFn: async () => ok(await api.GET('/api/v1/chats/count', { params: { query: filter } })),
  })
  const rows = chats.data?.pages.flatMap((p) => p.items) ?? []

  return (
    <>
      <Typography.Title level={2}>{t('work.chats.title')}</Typography.Title>
      {may.has('chat.create') && (
        <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setCreating(true)}>
          {t('work.chats.new.open')}
        </Button>
      )}
      {creating && <NewChat onClose={() => setCreating(false)} />}
      <Form
        form={form}
        layout="vertical"
        name="chat-filter"
        onFinish={(v) => {
          const q = v.q?.trim()
          setFilter({
            ...(q ? { q } : {}),
            ...(v.status ? { status: v.status } : {}),
            ...(v.channel ? { channel: v.channel } : {}),
          })
        }}
      >
        <Flex wrap gap={16} align="flex-end">
          <Form.Item
            label={t('work.chats.search')}
            name="q"
            style={{ marginBottom: 8, width: 280 }}
            extra={t('work.chats.searchHelp')}
          >
            <Input allowClear maxLength={100} />
          </Form.Item>
          <Form.Item
            label={t('work.chats.status')}
            name="status"
            style={{ marginBottom: 8, width: 160 }}
          >
            <Select
              allowClear
              options={CHAT_STATUSES.map((s) => ({
                value: s,
                label: t(`work.chats.statuses.${s}`),
              }))}
            />
          </Form.Item>
          <Form.Item
            label={t('work.chats.channel')}
            name="channel"
            style={{ marginBottom: 8, width: 160 }}
          >
            <Select
              allowClear
              options={CHAT_CHANNELS.map((c) => ({
                value: c,
                label: t(`work.chats.channels.${c}`),
              }))}
            />
          </Form.Item>
          <Space style={{ marginBottom: 8 }}>
            <Button type="primary" htmlType="submit">
              {t('work.chats.apply')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields()
                setFilter({})
              }}
            >
              {t('work.chats.clear')}
            </Button>
          </Space>
        </Flex>
      </Form>
      <Problem error={chats.error} />
      {count.data && (
        <Typography.Paragraph data-testid="chat-count">
          {t('work.chats.count', { n: count.data.count })}
        </Typography.Paragraph>
      )}
      {!chats.error && (
        <Table
          size="small"
          rowKey="id"
          style={{ marginTop: 8 }}
          loading={chats.isPending}
          dataSource={rows}
          pagination={false}
          locale={{ emptyText: t('work.chats.none') }}
          columns={[
            {
              title: t('work.chats.started'),
              dataIndex: 'startedAt',
              render: (d: string | undefined) =>
                d ? formatDateTime(d, i18n.language, timeZone) : '—',
            },
            {
              title: t('work.chats.channel'),
              key: 'channel',
              render: (_: unknown, c) => <ChannelName chat={c} />,
            },
            {
              title: t('work.chats.number'),
              key: 'phone',
              render: (_: unknown, c) => (
                <FieldValue value={c.phone} masked={c.maskedFields?.includes('phone') ?? false} />
              ),
            },
            {
              title: t('refs.agent'),
              dataIndex: 'agentId',
              render: (id: string | undefined) => <RefName type="user" id={id} />,
            },
            {
              title: t('work.chats.status'),
              dataIndex: 'status',
              render: (s: string | undefined) => <ChatStatusTag status={s} />,
            },
            {
              title: t('work.chats.messages'),
              dataIndex: 'messageCount',
              render: (n: number | undefined) => (n === undefined ? '—' : n),
            },
            {
              title: t('work.chats.actions'),
              key: 'open',
              render: (_: unknown, c) => (
                <Link
                  to={`/chats/${c.id}`}
                  aria-label={t('work.chats.openOf', {
                    name: typeof c.phone === 'string' ? c.phone : c.id,
                  })}
                  style={{ textDecoration: 'underline' }}
                >
                  {t('work.chats.open')}
                </Link>
              ),
            },
          ]}
        />
      )}
      {chats.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={chats.isFetchingNextPage}
          onClick={() => void chats.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
      {may.has('chat.export') && !chats.error && (
        <CsvExport
          load={(headers) =>
            api.GET('/api/v1/chats/export', {
              params: { query: filter },
              headers,
              parseAs: 'blob',
            })
          }
          file="chats.csv"
          label={t('work.chats.export')}
        />
      )}
    </>
  )
}

interface NewChatForm {
  channel: Channel
  phone?: string
  customerId?: string
  projectId?: string
  message?: string
}

/**
 * A new chat (`POST /chats`, `chat.create` decided on the chat as it would be: mine, in my team):
 * its channel, and as it may have them a number, a customer, a project and the customer's first
 * message. Once the server takes it, its page opens; a refusal stays in the dialog.
 */
function NewChat({ onClose }: { onClose(): void }) {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const [form] = Form.useForm<NewChatForm>()
  const save = useDialogSave(form, {
    save: async (v: NewChatForm) => {
      const phone = v.phone?.trim()
      const message = v.message?.trim()
      return ok(
        await api.POST('/api/v1/chats', {
          body: {
            channel: v.channel,
            ...(phone ? { phone } : {}),
            ...(v.customerId ? { customerId: v.customerId } : {}),
            ...(v.projectId ? { projectId: v.projectId } : {}),
            ...(message ? { message } : {}),
          },
        }),
      )
    },
    fields: ['channel', 'phone', 'customerId', 'projectId', 'message'],
    invalidate: [['chats']],
    onSaved: (created) => {
      onClose()
      void navigate(`/chats/${created.id}`)
    },
  })
  return (
    <FormDialog
      form={form}
      name="new-chat"
      title={t('work.chats.new.title')}
      okText={t('work.chats.new.save')}
      save={save}
      onClose={onClose}
      initialValues={{ channel: 'web' }}
    >
      <Form.Item
        label={t('work.chats.channel')}
        name="channel"
        rules={[{ required: true, message: t('form.required') }]}
      >
        <Select
          options={CHAT_CHANNELS.map((c) => ({ value: c, label: t(`work.chats.channels.${c}`) }))}
        />
      </Form.Item>
      <Form.Item label={t('work.chats.number')} name="phone" extra={t('work.chats.new.phoneHelp')}>
        <Input maxLength={40} inputMode="tel" />
      </Form.Item>
      <Form.Item label={t('work.chats.customer')} name="customerId">
        <RemotePicker kind="customer" allowClear />
      </Form.Item>
      <Form.Item label={t('work.chats.new.project')} name="projectId">
        <RemotePicker kind="project" allowClear />
      </Form.Item>
      <Form.Item label={t('work.chats.new.message')} name="message">
        <Input.TextArea rows={3} maxLength={4000} />
      </Form.Item>
    </FormDialog>
  )
}
