import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query'
import { App, Button, Popconfirm, Space, Table, Typography } from 'antd'
import type { ColumnsType } from 'antd/es/table'
import { useState, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { allowedActions, useMe } from '../me'
import { Problem } from './Problem'

/** What the list shows: its rows, and the next page where the API pages (Load more). */
export interface ListState<Row> {
  rows: Row[]
  isPending: boolean
  error: unknown
  hasNextPage?: boolean
  isFetchingNextPage?: boolean
  fetchNextPage?: () => unknown
}

/** A list the API gives a page at a time (`limit`, `cursor`), as a {@link ListState}. */
export function usePagedList<Row>(
  queryKey: readonly unknown[],
  fetchPage: (cursor: string | undefined) => Promise<{ items: Row[]; nextCursor?: string | null }>,
): ListState<Row> {
  const pages = useInfiniteQuery({
    queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  return {
    rows: pages.data?.pages.flatMap((p) => p.items) ?? [],
    isPending: pages.isPending,
    error: pages.error,
    hasNextPage: pages.hasNextPage,
    isFetchingNextPage: pages.isFetchingNextPage,
    fetchNextPage: () => void pages.fetchNextPage(),
  }
}

/**
 * The console's list-and-editor page: a title and its help, **Create** with the create right
 * (`/me`), the records in a table with **Edit** (opening the page's editor) and **Delete** (asked
 * to confirm) on each row with those rights, Load more where the API pages, and the server's
 * refusal of the list or of a delete with its reason. Its strings are `<strings>.title`, `help`,
 * `create`, `none` (with `empty`), `actions`, `edit`, `editOf`, `delete`, `deleteOf`,
 * `deleteConfirm` and `deleted`, the last five given `names(row)`.
 */
export function RecordListPage<Row extends { id: string }>({
  strings,
  helpParams,
  rights,
  list,
  remove,
  invalidate,
  names,
  columns,
  empty = true,
  editor,
  children,
}: {
  /** where the page's strings are (`ivr`, `admin2.positions`) */
  strings: string
  helpParams?: Record<string, string>
  /** the catalog actions that offer Create, Edit and Delete */
  rights: { create: string; edit: string; delete: string }
  list: ListState<Row>
  remove: (row: Row) => Promise<unknown>
  /** the list's query, read again after a delete */
  invalidate: readonly unknown[]
  /** what a row's buttons and messages call it (`{ name }`, `{ when }`) */
  names: (row: Row) => Record<string, string>
  columns: ColumnsType<Row>
  /** whether the table has its own "none" text */
  empty?: boolean
  /** the page's editor of one record (none: a new one) */
  editor: (row: Row | undefined, close: () => void) => ReactNode
  /** what the page shows below the list */
  children?: ReactNode
}) {
  const { t } = useTranslation()
  const may = allowedActions(useMe().data)
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState<Row | 'new' | null>(null)
  const deletion = useMutation({
    mutationFn: async (row: Row) => {
      await remove(row)
      return row
    },
    onSuccess: async (row) => {
      void message.success(t(`${strings}.deleted`, names(row)))
      await queryClient.invalidateQueries({ queryKey: invalidate })
    },
  })
  return (
    <>
      <Typography.Title level={2}>{t(`${strings}.title`)}</Typography.Title>
      <Typography.Paragraph type="secondary">
        {t(`${strings}.help`, helpParams)}
      </Typography.Paragraph>
      {may.has(rights.create) && (
        <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setEditing('new')}>
          {t(`${strings}.create`)}
        </Button>
      )}
      <Problem error={list.error ?? deletion.error} />
      <Table
        size="small"
        rowKey="id"
        loading={list.isPending}
        dataSource={list.rows}
        pagination={false}
        {...(empty && { locale: { emptyText: t(`${strings}.none`) } })}
        columns={[
          ...columns,
          {
            title: t(`${strings}.actions`),
            key: 'actions',
            render: (_: unknown, row: Row) => (
              <Space>
                {may.has(rights.edit) && (
                  <Button
                    size="small"
                    aria-label={t(`${strings}.editOf`, names(row))}
                    onClick={() => setEditing(row)}
                  >
                    {t(`${strings}.edit`)}
                  </Button>
                )}
                {may.has(rights.delete) && (
                  <Popconfirm
                    title={t(`${strings}.deleteConfirm`, names(row))}
                    okText={t(`${strings}.delete`)}
                    cancelText={t('common.cancel')}
                    okButtonProps={{ danger: true }}
                    onConfirm={() => deletion.mutate(row)}
                  >
                    <Button size="small" danger aria-label={t(`${strings}.deleteOf`, names(row))}>
                      {t(`${strings}.delete`)}
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      {list.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={list.isFetchingNextPage}
          onClick={() => list.fetchNextPage?.()}
        >
          {t('common.more')}
        </Button>
      )}
      {editing !== null && editor(editing === 'new' ? undefined : editing, () => setEditing(null))}
      {children}
    </>
  )
}
