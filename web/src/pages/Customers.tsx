import { useInfiniteQuery } from '@tanstack/react-query'
import { Button, Flex, Form, Input, Space, Table, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { api, ok } from '../api/client'
import { FieldValue } from '../components/FieldValue'
import { Problem } from '../components/Problem'

interface Search {
  q?: string
  tag?: string
}

/**
 * P3, P4: the customers I may view, filtered in the database by my scope, each field as my field
 * levels show it (masked strings as the API returns them). `q` finds a name, an email or a phone
 * in any format; `tag` one tag exactly. A page at a time ("Load more", the API's cursor).
 */
export function CustomersPage() {
  const { t } = useTranslation()
  const [search, setSearch] = useState<Search>({})
  const [form] = Form.useForm<Search>()

  const customers = useInfiniteQuery({
    queryKey: ['customers', search],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/api/v1/customers', {
          params: {
            query: { limit: 50, ...search, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows = customers.data?.pages.flatMap((p) => p.items) ?? []
  const maskedIn = (c: (typeof rows)[number], field: string) =>
    c.maskedFields?.includes(field) ?? false

  return (
    <>
      <Typography.Title level={2}>{t('work.customers.title')}</Typography.Title>
      <Form
        form={form}
        layout="vertical"
        name="customer-search"
        onFinish={(v) => {
          const q = v.q?.trim()
          const tag = v.tag?.trim()
          setSearch({ ...(q ? { q } : {}), ...(tag ? { tag } : {}) })
        }}
      >
        <Flex wrap gap={16} align="flex-end">
          <Form.Item
            label={t('work.customers.search')}
            name="q"
            style={{ marginBottom: 8, width: 320 }}
            extra={t('work.customers.searchHelp')}
          >
            <Input allowClear maxLength={100} />
          </Form.Item>
          <Form.Item
            label={t('work.customers.tag')}
            name="tag"
            style={{ marginBottom: 8, width: 200 }}
          >
            <Input allowClear maxLength={50} />
          </Form.Item>
          <Space style={{ marginBottom: 8 }}>
            <Button type="primary" htmlType="submit">
              {t('work.customers.find')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields()
                setSearch({})
              }}
            >
              {t('work.customers.clear')}
            </Button>
          </Space>
        </Flex>
      </Form>
      <Problem error={customers.error} />
      <Table
        size="small"
        rowKey="id"
        style={{ marginTop: 16 }}
        loading={customers.isPending}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('work.customers.none') }}
        columns={[
          {
            title: t('work.customers.name'),
            dataIndex: 'name',
            render: (name: string | undefined, c) => (
              <Link to={`/customers/${c.id}`}>{name ?? c.id}</Link>
            ),
          },
          ...(['phone', 'email', 'idNumber', 'level', 'tags'] as const).map((field) => ({
            title: t(`work.customers.field.${field}`),
            key: field,
            render: (_: unknown, c: (typeof rows)[number]) => (
              <FieldValue value={c[field]} masked={maskedIn(c, field)} />
            ),
          })),
        ]}
      />
      {customers.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={customers.isFetchingNextPage}
          onClick={() => void customers.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
    </>
  )
}
