import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  Button,
  Card,
  Flex,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
} from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { CsvExport } from '../components/CsvExport'
import { FieldValue } from '../components/FieldValue'
import { Problem } from '../components/Problem'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

export const CALL_STATUSES = ['ringing', 'answered', 'ended'] as const
type CallStatus = (typeof CALL_STATUSES)[number]

interface Filter {
  q?: string
  status?: CallStatus
}

type CallRow = NonNullable<Awaited<ReturnType<typeof fetchCalls>>['items']>[number]

async function fetchCalls(filter: Filter, cursor: string | undefined) {
  return ok(
    await api.GET('/api/v1/calls', {
      params: { query: { limit: 50, ...filter, ...(cursor ? { cursor } : {}) } },
    }),
  )
}

/** What a call is called in a button's name: its number as I may see it, else its id. */
const callName = (c: CallRow) => (typeof c.phone === 'string' ? c.phone : c.id)

/**
 * The call log I may view (P3: scope in the query; P4: each field as my field levels show it),
 * searched by number or notes; my lines (in use / my limit) and Dial when I may dial (`/me`
 * grants `call.dial`: a QA inspector listens but never dials); Answer (the simulator) and Hang up
 * on my calls that hold a line; notes and recordings of a call (playback is audited, G2). A
 * refused dial shows the server's reason: not in my pools, blacklisted, every line busy.
 */
export function CallsPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const me = useMe()
  const may = allowedActions(me.data)
  const myId = me.data?.user?.id
  const queryClient = useQueryClient()
  const [filter, setFilter] = useState<Filter>({})
  const [open, setOpen] = useState<CallRow | null>(null)
  const [form] = Form.useForm<Filter>()
  const [dialForm] = Form.useForm<{ phone: string }>()

  const calls = useInfiniteQuery({
    queryKey: ['calls', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchCalls(filter, pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const lines = useQuery({
    queryKey: ['calls-lines'],
    queryFn: async () => ok(await api.GET('/api/v1/calls/lines')),
  })
  const mayDial = may.has('call.dial') && lines.data?.mayDial === true
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['calls'] })
    await queryClient.invalidateQueries({ queryKey: ['calls-lines'] })
  }
  const dial = useMutation({
    mutationFn: async (phone: string) => ok(await api.POST('/api/v1/calls', { body: { phone } })),
    onSuccess: async () => {
      dialForm.resetFields()
      await refresh()
    },
  })
  const event = useMutation({
    mutationFn: async ({ id, to }: { id: string; to: 'answer' | 'hangup' }) =>
      to === 'answer'
        ? ok(await api.POST('/api/v1/calls/{id}/answer', { params: { path: { id } } }))
        : ok(await api.POST('/api/v1/calls/{id}/hangup', { params: { path: { id } } })),
    onSettled: refresh,
  })
  const rows = calls.data?.pages.flatMap((p) => p.items) ?? []

  return (
    <>
      <Typography.Title level={2}>{t('work.calls.title')}</Typography.Title>
      {mayDial && lines.data && (
        <Card size="small" style={{ maxWidth: 760, marginBottom: 16 }}>
          <Flex wrap gap={32} align="flex-end">
            <Statistic
              title={t('work.calls.lines')}
              value={
                lines.data.limit === null
                  ? t('work.calls.linesNoLimit', { inUse: lines.data.inUse })
                  : t('work.calls.linesOf', { inUse: lines.data.inUse, limit: lines.data.limit })
              }
              valueRender={(v) => <span data-testid="line-counter">{v}</span>}
            />
            <Form
              form={dialForm}
              layout="vertical"
              name="dial"
              onFinish={(v) => dial.mutate(v.phone.trim())}
            >
              <Flex wrap gap={8} align="flex-end">
                <Form.Item
                  label={t('work.calls.number')}
                  name="phone"
                  rules={[{ required: true, whitespace: true, message: t('form.required') }]}
                  style={{ marginBottom: 0, width: 240 }}
                >
                  <Input maxLength={40} inputMode="tel" autoComplete="off" />
                </Form.Item>
                <Button type="primary" htmlType="submit" disabled={dial.isPending}>
                  {t('work.calls.dial')}
                </Button>
              </Flex>
            </Form>
          </Flex>
          <div style={{ marginTop: 8 }}>
            <Problem error={dial.error} />
          </div>
        </Card>
      )}
      <Problem error={lines.error} />
      <Form
        form={form}
        layout="vertical"
        name="call-filter"
        onFinish={(v) => {
          const q = v.q?.trim()
          setFilter({ ...(q ? { q } : {}), ...(v.status ? { status: v.status } : {}) })
        }}
      >
        <Flex wrap gap={16} align="flex-end">
          <Form.Item
            label={t('work.calls.search')}
            name="q"
            style={{ marginBottom: 8, width: 280 }}
            extra={t('work.calls.searchHelp')}
          >
            <Input allowClear maxLength={100} />
          </Form.Item>
          <Form.Item
            label={t('work.calls.status')}
            name="status"
            style={{ marginBottom: 8, width: 200 }}
          >
            <Select
              allowClear
              options={CALL_STATUSES.map((s) => ({
                value: s,
                label: t(`work.calls.statuses.${s}`),
              }))}
            />
          </Form.Item>
          <Space style={{ marginBottom: 8 }}>
            <Button type="primary" htmlType="submit">
              {t('work.calls.apply')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields()
                setFilter({})
              }}
            >
              {t('work.calls.clear')}
            </Button>
          </Space>
        </Flex>
      </Form>
      <Problem error={calls.error} />
      <Problem error={event.error} />
      <Table
        size="small"
        rowKey="id"
        style={{ marginTop: 16 }}
        loading={calls.isPending}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('work.calls.none') }}
        columns={[
          {
            title: t('work.calls.number'),
            key: 'phone',
            render: (_: unknown, c) => (
              <FieldValue value={c.phone} masked={c.maskedFields?.includes('phone') ?? false} />
            ),
          },
          {
            title: t('work.calls.status'),
            dataIndex: 'status',
            render: (s: CallStatus | undefined) =>
              s ? <Tag data-testid="call-status">{t(`work.calls.statuses.${s}`)}</Tag> : '—',
          },
          {
            title: t('work.calls.started'),
            dataIndex: 'startedAt',
            render: (d: string | undefined) =>
              d ? formatDateTime(d, i18n.language, timeZone) : '—',
          },
          {
            title: t('work.calls.duration'),
            key: 'durationSec',
            render: (_: unknown, c) => (
              <FieldValue
                value={c.durationSec}
                masked={c.maskedFields?.includes('durationSec') ?? false}
              />
            ),
          },
          {
            title: t('work.calls.notes'),
            key: 'notes',
            render: (_: unknown, c) => (
              <FieldValue value={c.notes} masked={c.maskedFields?.includes('notes') ?? false} />
            ),
          },
          {
            title: t('work.calls.actions'),
            key: 'actions',
            render: (_: unknown, c) => {
              const mine = c.agentId === myId
              const live = c.status === 'ringing' || c.status === 'answered'
              const name = callName(c)
              return (
                <Space wrap>
                  {mine && c.status === 'ringing' && (
                    <Button
                      size="small"
                      aria-label={t('work.calls.answerCall', { name })}
                      onClick={() => event.mutate({ id: c.id, to: 'answer' })}
                    >
                      {t('work.calls.answer')}
                    </Button>
                  )}
                  {mine && live && (
                    <Button
                      size="small"
                      danger
                      aria-label={t('work.calls.hangUpCall', { name })}
                      onClick={() => event.mutate({ id: c.id, to: 'hangup' })}
                    >
                      {t('work.calls.hangUp')}
                    </Button>
                  )}
                  <Button
                    size="small"
                    aria-label={t('work.calls.detailsOf', { name })}
                    onClick={() => setOpen(c)}
                  >
                    {t('work.calls.details')}
                  </Button>
                </Space>
              )
            },
          },
        ]}
      />
      {calls.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={calls.isFetchingNextPage}
          onClick={() => void calls.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
      {may.has('call.export') && (
        <CsvExport
          load={(headers) =>
            api.GET('/api/v1/calls/export', {
              params: { query: filter },
              headers,
              parseAs: 'blob',
            })
          }
          file="calls.csv"
          label={t('work.calls.export')}
        />
      )}
      {open && (
        <CallDetails
          call={open}
          mayNote={may.has('call.note')}
          mayPlay={may.has('recording.play')}
          onClose={() => setOpen(null)}
          onSaved={refresh}
        />
      )}
    </>
  )
}

interface Playback {
  id: string
  callId: string
  url: string
  expiresAt: string
}

/** A call's notes (`call.note`, audited) and its recordings, each played on request (G2). */
function CallDetails({
  call,
  mayNote,
  mayPlay,
  onClose,
  onSaved,
}: {
  call: CallRow
  mayNote: boolean
  mayPlay: boolean
  onClose: () => void
  onSaved: () => Promise<void>
}) {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const [form] = Form.useForm<{ notes: string }>()
  const [played, setPlayed] = useState<Playback | null>(null)
  const id = call.id
  const recordings = useQuery({
    queryKey: ['call', id, 'recordings'],
    queryFn: async () =>
      ok(await api.GET('/api/v1/calls/{id}/recordings', { params: { path: { id } } })),
  })
  const save = useMutation({
    mutationFn: async (notes: string) =>
      ok(await api.PUT('/api/v1/calls/{id}/notes', { params: { path: { id } }, body: { notes } })),
    onSuccess: async () => {
      await onSaved()
      onClose()
    },
  })
  const play = useMutation({
    mutationFn: async (rid: string) =>
      ok(await api.POST('/api/v1/recordings/{id}/play', { params: { path: { id: rid } } })),
    onSuccess: setPlayed,
  })
  const items = recordings.data?.items ?? []
  return (
    <Modal
      open
      title={t('work.calls.detailsTitle', { name: callName(call) })}
      onCancel={onClose}
      footer={null}
      width={640}
    >
      <Typography.Title level={3} style={{ fontSize: 16 }}>
        {t('work.calls.notes')}
      </Typography.Title>
      {mayNote && typeof call.notes === 'string' && !call.maskedFields?.includes('notes') ? (
        <Form
          form={form}
          layout="vertical"
          name="call-notes"
          initialValues={{ notes: call.notes }}
          onFinish={(v) => save.mutate(v.notes ?? '')}
        >
          <Form.Item label={t('work.calls.notesLabel')} name="notes">
            <Input.TextArea rows={4} maxLength={10000} />
          </Form.Item>
          <Button type="primary" htmlType="submit" disabled={save.isPending}>
            {t('work.calls.saveNotes')}
          </Button>
          <Problem error={save.error} />
        </Form>
      ) : (
        <Typography.Paragraph>
          <FieldValue value={call.notes} masked={call.maskedFields?.includes('notes') ?? false} />
        </Typography.Paragraph>
      )}
      <Typography.Title level={3} style={{ fontSize: 16, marginTop: 16 }}>
        {t('work.calls.recordings')}
      </Typography.Title>
      <Problem error={recordings.error} />
      {items.length === 0 && !recordings.isPending && (
        <Typography.Paragraph>{t('work.calls.noRecordings')}</Typography.Paragraph>
      )}
      {items.map((r) => (
        <Flex key={r.id} gap={8} align="center" wrap style={{ marginBottom: 8 }}>
          <span>
            {r.createdAt ? formatDateTime(r.createdAt, i18n.language, timeZone) : r.id}
            {typeof r.durationSec === 'number' &&
              ` · ${t('work.calls.seconds', { n: r.durationSec })}`}
          </span>
          {mayPlay && (
            <Button size="small" disabled={play.isPending} onClick={() => play.mutate(r.id)}>
              {t('work.calls.play')}
            </Button>
          )}
        </Flex>
      ))}
      <Problem error={play.error} />
      {played && (
        <Typography.Paragraph data-testid="playback">
          {t('work.calls.playbackReady', {
            until: formatDateTime(played.expiresAt, i18n.language, timeZone),
          })}{' '}
          <a
            href={played.url}
            target="_blank"
            rel="noreferrer"
            style={{ textDecoration: 'underline' }}
          >
            {t('work.calls.openRecording')}
          </a>
        </Typography.Paragraph>
      )}
    </Modal>
  )
}
