import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { Button, Descriptions, Drawer, Flex, Form, Input, Table, Tabs, Tag } from 'antd'
import { Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { FieldValue } from '../components/FieldValue'
import { Problem } from '../components/Problem'
import { RefName, type RefType } from '../components/RefName'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

const KINDS = ['lead', 'opportunity', 'quote', 'contract'] as const
type Kind = (typeof KINDS)[number]

/** A sales record as the API gives it: a hidden field absent, a masked one as its mask. */
type Row = { id: string; maskedFields?: string[]; updatedAt?: string } & Record<string, unknown>

/** The fields each kind's drawer shows, in order (the list shows the first three). */
const FIELDS: Record<Kind, readonly string[]> = {
  lead: ['name', 'status', 'phone', 'email', 'source', 'ownerId', 'projectId', 'createdAt'],
  opportunity: ['name', 'stage', 'amount', 'customerId', 'ownerId', 'projectId', 'createdAt'],
  quote: ['name', 'status', 'amount', 'opportunityId', 'ownerId', 'approvedAt', 'createdAt'],
  contract: ['name', 'status', 'amount', 'quoteId', 'opportunityId', 'ownerId', 'createdAt'],
}

/** Fields whose value is one of the API's words: shown translated. */
const WORDS = new Set(['status', 'stage'])
const DATES = new Set(['createdAt', 'approvedAt', 'updatedAt'])
/** Fields naming another record: shown by its name (or "not visible to you"), never its id. */
const REFS: Record<string, RefType> = {
  ownerId: 'user',
  customerId: 'customer',
  projectId: 'project',
  opportunityId: 'opportunity',
  quoteId: 'quote',
}

async function fetchPage(kind: Kind, q: string, cursor: string | undefined) {
  const query = { limit: 50, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) }
  switch (kind) {
    case 'lead':
      return ok(await api.GET('/api/v1/leads', { params: { query } }))
    case 'opportunity':
      return ok(await api.GET('/api/v1/opportunities', { params: { query } }))
    case 'quote':
      return ok(await api.GET('/api/v1/quotes', { params: { query } }))
    case 'contract':
      return ok(await api.GET('/api/v1/contracts', { params: { query } }))
  }
}

async function fetchOne(kind: Kind, id: string): Promise<Row> {
  const params = { path: { id } }
  switch (kind) {
    case 'lead':
      return ok(await api.GET('/api/v1/leads/{id}', { params }))
    case 'opportunity':
      return ok(await api.GET('/api/v1/opportunities/{id}', { params }))
    case 'quote':
      return ok(await api.GET('/api/v1/quotes/{id}', { params }))
    case 'contract':
      return ok(await api.GET('/api/v1/contracts/{id}', { params }))
  }
}

/**
 * Sales (issue 12): leads, opportunities, quotes and contracts I may view, searched on the
 * server; one opened in a drawer. Masked fields are shown as the API masks them, hidden ones as
 * hidden: the page never has the value to show.
 */
export function SalesPage() {
  const { t } = useTranslation()
  const may = allowedActions(useMe().data)
  return (
    <>
      <Typography.Title level={2}>{t('admin2.sales.title')}</Typography.Title>
      <Tabs
        items={KINDS.filter((k) => may.has(`${k}.view`)).map((k) => ({
          key: k,
          label: t(`admin2.sales.kinds.${k}`),
          children: <SalesList kind={k} />,
        }))}
      />
    </>
  )
}

function Value({ kind, field, row }: { kind: Kind; field: string; row: Row }) {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const masked = (row.maskedFields ?? []).includes(field)
  const value = row[field]
  if (!masked && typeof value === 'string' && WORDS.has(field)) {
    return <Tag>{t(`admin2.sales.words.${kind}.${value}`)}</Tag>
  }
  const ref = REFS[field]
  if (!masked && ref !== undefined && (typeof value === 'string' || value === null)) {
    return <RefName type={ref} id={value} />
  }
  if (!masked && typeof value === 'string' && DATES.has(field)) {
    return <>{formatDateTime(value, i18n.language, timeZone)}</>
  }
  return <FieldValue value={value} masked={masked} />
}

function SalesList({ kind }: { kind: Kind }) {
  const { t } = useTranslation()
  const [q, setQ] = useState('')
  const [openId, setOpenId] = useState<string | null>(null)
  const list = useInfiniteQuery({
    queryKey: ['sales', kind, q],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchPage(kind, q, pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows: Row[] = list.data?.pages.flatMap((p) => p.items as Row[]) ?? []
  const shown = FIELDS[kind].slice(0, 3)
  return (
    <>
      <Form
        layout="vertical"
        name={`sales-${kind}-search`}
        onFinish={(v: { q?: string }) => setQ(v.q?.trim() ?? '')}
      >
        <Flex gap={16} align="flex-end">
          <Form.Item
            label={t('admin2.sales.search')}
            name="q"
            htmlFor={`sales-${kind}-q`}
            style={{ marginBottom: 8, width: 280 }}
          >
            <Input id={`sales-${kind}-q`} allowClear maxLength={100} />
          </Form.Item>
          <Button type="primary" htmlType="submit" style={{ marginBottom: 8 }}>
            {t('admin2.sales.apply')}
          </Button>
        </Flex>
      </Form>
      <Problem error={list.error} />
      <Table
        size="small"
        rowKey="id"
        style={{ marginTop: 16 }}
        loading={list.isPending}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('admin2.sales.none') }}
        columns={[
          ...shown.map((field) => ({
            title: t(`admin2.sales.field.${field}`),
            key: field,
            render: (_: unknown, r: Row) =>
              field === 'name' ? (
                <Button
                  type="link"
                  style={{ padding: 0 }}
                  aria-label={t('admin2.sales.openOf', {
                    name: typeof r.name === 'string' ? r.name : r.id,
                  })}
                  onClick={() => setOpenId(r.id)}
                >
                  {typeof r.name === 'string' ? r.name : r.id}
                </Button>
              ) : (
                <Value kind={kind} field={field} row={r} />
              ),
          })),
          {
            title: t('admin2.sales.updated'),
            key: 'updatedAt',
            render: (_: unknown, r: Row) => <Value kind={kind} field="updatedAt" row={r} />,
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
      {openId !== null && <Detail kind={kind} id={openId} onClose={() => setOpenId(null)} />}
    </>
  )
}

function Detail({ kind, id, onClose }: { kind: Kind; id: string; onClose(): void }) {
  const { t } = useTranslation()
  const record = useQuery({
    queryKey: ['sales', kind, 'one', id],
    queryFn: () => fetchOne(kind, id),
  })
  const r = record.data
  return (
    <Drawer
      open
      width={520}
      onClose={onClose}
      closeIcon={<span aria-label={t('admin2.sales.close')}>×</span>}
      title={r && typeof r.name === 'string' ? r.name : t(`admin2.sales.kinds.${kind}`)}
    >
      <Problem error={record.error} />
      {r && (
        <Descriptions
          bordered
          size="small"
          column={1}
          items={FIELDS[kind].map((field) => ({
            key: field,
            label: t(`admin2.sales.field.${field}`),
            children: (
              <span data-testid={`sales-field-${field}`}>
                <Value kind={kind} field={field} row={r} />
              </span>
            ),
          }))}
        />
      )}
    </Drawer>
  )
}
