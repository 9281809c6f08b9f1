import { useInfiniteQuery } from '@tanstack/react-query'
import { App, Button, Checkbox, Flex, Form, Input, Select, Space, Table, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router'
import { api, ok } from '../api/client'
import { FieldValue } from '../components/FieldValue'
import { FormDialog, useDialogSave } from '../components/FormDialog'
import { Problem } from '../components/Problem'
import { RemotePicker } from '../components/RemotePicker'
import { allowedActions, useMe } from '../me'

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
  const me = useMe()
  const mayCreate = allowedActions(me.data).has('customer.create')
  const [creating, setCreating] = useState(false)

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
      {mayCreate && (
        <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setCreating(true)}>
          {t('create.customer.open')}
        </Button>
      )}
      {creating && <NewCustomer onClose={() => setCreating(false)} />}
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

const LEVELS = ['regular', 'silver', 'gold', 'vip'] as const
const CUSTOMER_FIELDS = [
  'name',
  'phone',
  'country',
  'email',
  'idNumber',
  'bankCard',
  'level',
  'tags',
  'orgUnitId',
  'ownedByMe',
] as const

interface NewCustomerForm {
  name: string
  phone?: string
  country?: string
  email?: string
  idNumber?: string
  bankCard?: string
  level?: (typeof LEVELS)[number]
  tags?: string[]
  orgUnitId?: string
  ownedByMe?: boolean
}

/**
 * A new customer (`POST /customers`), offered with `customer.create`: the server decides on the
 * customer as they would be (owner, team, level), checks the phone (E.164 through
 * libphonenumber), the email, ID number and card, and its refusal is shown with its reason —
 * a field's error on that field.
 */
function NewCustomer({ onClose }: { onClose(): void }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const navigate = useNavigate()
  const me = useMe()
  const may = allowedActions(me.data)
  const [form] = Form.useForm<NewCustomerForm>()
  const save = useDialogSave(form, {
    save: async (v: NewCustomerForm) => {
      const text = (s: string | undefined) => (s?.trim() ? s.trim() : undefined)
      const phone = text(v.phone)
      const country = text(v.country)?.toUpperCase()
      const body = {
        name: v.name.trim(),
        ...(phone && { phone }),
        ...(phone && country && { country }),
        ...(text(v.email) && { email: text(v.email) }),
        ...(text(v.idNumber) && { idNumber: text(v.idNumber) }),
        ...(text(v.bankCard) && { bankCard: text(v.bankCard) }),
        ...(v.level && { level: v.level }),
        ...(v.tags && v.tags.length > 0 && { tags: v.tags.map((x) => x.trim()) }),
        ...(v.orgUnitId && { orgUnitId: v.orgUnitId }),
        ...(v.ownedByMe && me.data?.user && { ownerId: me.data.user.id }),
      }
      return ok(await api.POST('/api/v1/customers', { body }))
    },
    fields: CUSTOMER_FIELDS,
    aliases: { ownerId: 'ownedByMe' },
    announce: (created) =>
      void message.success(t('create.customer.created', { name: created.name ?? '' })),
    invalidate: [['customers']],
    onSaved: (created) => {
      onClose()
      // a customer the creator may not view after all comes back as its id only
      if (created.name !== undefined) void navigate(`/customers/${created.id}`)
    },
  })
  return (
    <FormDialog
      form={form}
      name="new-customer"
      title={t('create.customer.title')}
      okText={t('create.customer.save')}
      save={save}
      onClose={onClose}
    >
      <Form.Item
        label={t('work.customers.name')}
        name="name"
        rules={[{ required: true, whitespace: true, message: t('form.required') }]}
      >
        <Input maxLength={200} />
      </Form.Item>
      <Flex gap={16}>
        <Form.Item
          label={t('work.customers.field.phone')}
          name="phone"
          extra={t('create.customer.phoneHelp')}
          style={{ flex: 1 }}
        >
          <Input maxLength={40} inputMode="tel" />
        </Form.Item>
        <Form.Item
          label={t('create.customer.country')}
          name="country"
          style={{ width: 120 }}
          rules={[{ pattern: /^[A-Za-z]{2}$/, message: t('create.customer.countryRule') }]}
        >
          <Input maxLength={2} />
        </Form.Item>
      </Flex>
      <Form.Item
        label={t('work.customers.field.email')}
        name="email"
        rules={[{ type: 'email', message: t('form.email') }]}
      >
        <Input maxLength={254} />
      </Form.Item>
      <Flex gap={16}>
        <Form.Item label={t('work.customers.field.idNumber')} name="idNumber" style={{ flex: 1 }}>
          <Input maxLength={40} />
        </Form.Item>
        <Form.Item label={t('work.customers.field.bankCard')} name="bankCard" style={{ flex: 1 }}>
          <Input maxLength={30} />
        </Form.Item>
      </Flex>
      <Form.Item label={t('work.customers.field.level')} name="level">
        <Select
          allowClear
          options={LEVELS.map((l) => ({ value: l, label: t(`create.customer.levels.${l}`) }))}
        />
      </Form.Item>
      <Form.Item
        label={t('work.customers.field.tags')}
        name="tags"
        extra={t('create.customer.tagsHelp')}
      >
        <Select mode="tags" tokenSeparators={[',']} />
      </Form.Item>
      {may.has('orgUnit.view') && (
        <Form.Item label={t('work.customers.field.orgUnitId')} name="orgUnitId">
          <RemotePicker kind="orgUnit" allowClear />
        </Form.Item>
      )}
      <Form.Item name="ownedByMe" valuePropName="checked">
        <Checkbox>{t('create.customer.ownedByMe')}</Checkbox>
      </Form.Item>
    </FormDialog>
  )
}
