import { useInfiniteQuery, useMutation } from '@tanstack/react-query'
import { Alert, Button, Card, DatePicker, Flex, Form, Input, Space, Table, Typography } from 'antd'
import type { Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { RemotePicker, useNames, withEmail } from '../components/RemotePicker'
import { useDayjsLocale } from '../dates'
import { formatDateTimeSeconds, wallTimeToIso } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

/** The filters GET /api/v1/audit takes (each an exact match; `to` is exclusive). */
interface Filter {
  actorId?: string
  action?: string
  targetType?: string
  targetId?: string
  from?: string
  to?: string
}

interface FilterForm {
  actorId?: string
  action?: string
  targetType?: string
  targetId?: string
  from?: Dayjs | null
  to?: Dayjs | null
}

/** A filter field: the form's rows close together. */
const FIELD = { marginBottom: 8 }

/** A picked date and time, read on the company's clock. */
function inZone(d: Dayjs, timeZone: string): string {
  return wallTimeToIso(
    {
      year: d.year(),
      month: d.month() + 1,
      day: d.date(),
      hour: d.hour(),
      minute: d.minute(),
      second: d.second(),
    },
    timeZone,
  )
}

/** Only the filled-in fields, trimmed: an empty field filters nothing. */
function filterOf(v: FilterForm, timeZone: string): Filter {
  const text = (s: string | undefined) => (s?.trim() ? s.trim() : undefined)
  const f: Filter = {
    actorId: text(v.actorId),
    action: text(v.action),
    targetType: text(v.targetType),
    targetId: text(v.targetId),
    from: v.from ? inZone(v.from, timeZone) : undefined,
    to: v.to ? inZone(v.to, timeZone) : undefined,
  }
  return Object.fromEntries(Object.entries(f).filter(([, x]) => x !== undefined)) as Filter
}

/**
 * G1: the company's audit log, newest first, filtered as the API allows (actor, action,
 * resource type and id, time range), a page at a time; and the hash chain's verification
 * (`audit.verify`). Times are shown in the browser's time zone: the API does not expose the
 * company's.
 */
export function AuditPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  useDayjsLocale()
  const me = useMe()
  const may = allowedActions(me.data)
  const [form] = Form.useForm<FilterForm>()
  const [filter, setFilter] = useState<Filter>({})

  const events = useInfiniteQuery({
    queryKey: ['audit', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/api/v1/audit', {
          params: { query: { limit: 50, ...filter, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows = events.data?.pages.flatMap((p) => p.items) ?? []
  // the actors of the events shown, each read by id (when my roles let me view people)
  const name = useNames(
    'user',
    rows.map((e) => (e.actorUserId?.startsWith('apikey:') ? null : e.actorUserId)),
    may.has('user.view'),
  )

  const actor = (id: string | null) => {
    if (id === null) return t('audit.system')
    if (id.startsWith('apikey:')) return t('audit.apiKeyActor', { id: id.slice('apikey:'.length) })
    return name(id) ?? id
  }

  return (
    <>
      <Typography.Title level={2}>{t('audit.title')}</Typography.Title>
      <Typography.Paragraph type="secondary" style={{ maxWidth: 760 }}>
        {t('audit.help')}
      </Typography.Paragraph>

      {may.has('audit.verify') && <ChainCheck />}

      <Card title={t('audit.filters')} size="small" style={{ marginBottom: 16 }}>
        <Form
          form={form}
          layout="vertical"
          name="audit-filter"
          onFinish={(v) => setFilter(filterOf(v, timeZone))}
        >
          <Flex wrap gap={16} align="flex-end">
            <Form.Item label={t('audit.actor')} name="actorId" style={{ ...FIELD, width: 240 }}>
              {may.has('user.view') ? (
                <RemotePicker kind="user" allowClear describe={(u) => withEmail(u, '(', ')')} />
              ) : (
                <Input placeholder={t('audit.actorIdPlaceholder')} allowClear />
              )}
            </Form.Item>
            <Form.Item label={t('audit.action')} name="action" style={{ ...FIELD, width: 220 }}>
              <Input placeholder={t('audit.actionPlaceholder')} allowClear />
            </Form.Item>
            <Form.Item
              label={t('audit.targetType')}
              name="targetType"
              style={{ ...FIELD, width: 180 }}
            >
              <Input placeholder={t('audit.targetTypePlaceholder')} allowClear />
            </Form.Item>
            <Form.Item label={t('audit.targetId')} name="targetId" style={{ ...FIELD, width: 220 }}>
              <Input allowClear />
            </Form.Item>
            <Form.Item label={t('audit.from')} name="from" style={FIELD}>
              <DatePicker showTime />
            </Form.Item>
            <Form.Item label={t('audit.to')} name="to" style={FIELD}>
              <DatePicker showTime />
            </Form.Item>
            <Space style={{ marginBottom: 8 }}>
              <Button type="primary" htmlType="submit">
                {t('audit.apply')}
              </Button>
              <Button
                onClick={() => {
                  form.resetFields()
                  setFilter({})
                }}
              >
                {t('audit.clear')}
              </Button>
            </Space>
          </Flex>
        </Form>
      </Card>

      <Typography.Paragraph type="secondary">
        {t('audit.timeZone', { zone: timeZone })}
      </Typography.Paragraph>
      <Problem error={events.error} />
      <Table
        size="small"
        rowKey="id"
        loading={events.isPending}
        dataSource={rows}
        pagination={false}
        expandable={{
          expandedRowRender: (e) => (
            <pre style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
              {JSON.stringify(
                {
                  before: e.before,
                  after: e.after,
                  sessionId: e.sessionId,
                  requestId: e.requestId,
                  prevHash: e.prevHash,
                  hash: e.hash,
                },
                null,
                2,
              )}
            </pre>
          ),
        }}
        columns={[
          { title: t('audit.seq'), dataIndex: 'seq', width: 70 },
          {
            title: t('audit.time'),
            dataIndex: 'occurredAt',
            render: (iso: string) => formatDateTimeSeconds(iso, i18n.language, timeZone),
          },
          { title: t('audit.actor'), dataIndex: 'actorUserId', render: actor },
          {
            title: t('audit.action'),
            dataIndex: 'action',
            className: 'audit-action',
            render: (a: string) => <code>{a}</code>,
          },
          {
            title: t('audit.target'),
            key: 'target',
            render: (_: unknown, e) =>
              e.targetType === null ? (
                '—'
              ) : (
                <span>
                  <code>{e.targetType}</code> {e.targetId && <code>{e.targetId}</code>}
                </span>
              ),
          },
          { title: t('audit.ip'), dataIndex: 'ip', render: (ip: string | null) => ip ?? '—' },
        ]}
      />
      {events.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={events.isFetchingNextPage}
          onClick={() => void events.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
    </>
  )
}

/** GET /api/v1/audit/verify: re-computes the whole chain, so only when asked. */
function ChainCheck() {
  const { t } = useTranslation()
  const verify = useMutation({
    mutationFn: async () => ok(await api.GET('/api/v1/audit/verify')),
  })
  const v = verify.data
  return (
    <Card title={t('audit.chainTitle')} size="small" style={{ marginBottom: 16 }}>
      <Typography.Paragraph type="secondary">{t('audit.chainHelp')}</Typography.Paragraph>
      <Button loading={verify.isPending} onClick={() => verify.mutate()}>
        {t('audit.verify')}
      </Button>
      <SignCheckpoint onSigned={() => verify.data && verify.mutate()} />
      <Problem error={verify.error} />
      {v && (
        <div data-testid="chain-result" style={{ marginTop: 12 }}>
          <Alert
            type={v.ok ? 'success' : 'error'}
            showIcon
            title={
              v.ok
                ? t('audit.chainOk', { n: v.count })
                : t('audit.chainBroken', { seq: v.brokenAt ?? 0 })
            }
            description={
              v.ok
                ? v.anchoredTo
                  ? t('audit.anchored', { seq: v.anchoredTo, n: v.unanchored ?? 0 })
                  : t('audit.notAnchored')
                : t('audit.brokenReason', { reason: v.reason ?? '' })
            }
          />
        </div>
      )}
    </Card>
  )
}

/**
 * GET /api/v1/audit/checkpoint: signs the chain's head (Ed25519) and stores it, so verify holds
 * the chain to it. The signed checkpoint is offered as a file to keep outside Tessera: with the
 * public key in it, anyone can check it offline.
 */
function SignCheckpoint({ onSigned }: { onSigned: () => void }) {
  const { t } = useTranslation()
  const sign = useMutation({
    mutationFn: async () => ok(await api.GET('/api/v1/audit/checkpoint')),
    onSuccess: onSigned,
  })
  const cp = sign.data
  return (
    <>
      <Button style={{ marginLeft: 8 }} loading={sign.isPending} onClick={() => sign.mutate()}>
        {t('audit.sign')}
      </Button>
      <Problem error={sign.error} />
      {cp && (
        <div data-testid="checkpoint-result" style={{ marginTop: 12 }}>
          <Alert
            type="info"
            showIcon
            title={t('audit.signed', { seq: cp.seq })}
            description={
              <>
                <Typography.Paragraph style={{ marginBottom: 4 }}>
                  {t('audit.signedKeep')}
                </Typography.Paragraph>
                <Typography.Text code copyable>
                  {cp.hash}
                </Typography.Text>
                <div style={{ marginTop: 8 }}>
                  <a
                    href={`data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(cp, null, 2))}`}
                    download={`audit-checkpoint-${cp.seq}.json`}
                  >
                    {t('audit.download')}
                  </a>
                </div>
              </>
            }
          />
        </div>
      )}
    </>
  )
}
