import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, DatePicker, Form, Input, Modal, Radio, Select, Typography } from 'antd'
import type { Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'
import { api, ok } from '../api/client'
import { useDayjsLocale } from '../dates'
import { wallTimeToIso } from '../format'
import { useTimeZone } from '../me'
import { Problem } from './Problem'

/** The fields a "full record" request shows in clear (P4's masked ones). */
const FULL_RECORD = { idNumber: 'read', bankCard: 'read', phone: 'read', email: 'read' } as const
/** The API's longest grant (30 days), in minutes. */
const MAX_MINUTES = 43_200

interface RequestForm {
  customerId: string
  access: 'read' | 'unmask'
  until: Dayjs
  reason: string
}

/** A picked date and time, read on the company's clock (whatever the browser's zone). */
function inZone(d: Dayjs, timeZone: string): string {
  return wallTimeToIso(
    {
      year: d.year(),
      month: d.month() + 1,
      day: d.date(),
      hour: d.hour(),
      minute: d.minute(),
      second: 0,
    },
    timeZone,
  )
}

/**
 * W1: ask for a customer's full record for a while (`POST /approvals`, `temporaryGrant`). The
 * request goes to my team lead (a lead's to an admin); the grant lasts from the approval until
 * the end time picked here, read in the company's time zone, and ends by itself.
 */
export function RequestGrant({
  customer,
  onClose,
}: {
  customer?: { id: string; name: string }
  onClose: () => void
}) {
  const { t } = useTranslation()
  useDayjsLocale()
  const timeZone = useTimeZone()
  const { message } = App.useApp()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<RequestForm>()
  const [q, setQ] = useState('')
  const found = useQuery({
    queryKey: ['customers', 'pick', q],
    enabled: customer === undefined,
    queryFn: async () =>
      ok(
        await api.GET('/api/v1/customers', {
          params: { query: { limit: 20, ...(q ? { q } : {}) } },
        }),
      ),
  })
  const ask = useMutation({
    mutationFn: async (v: RequestForm) => {
      const minutes = Math.ceil((Date.parse(inZone(v.until, timeZone)) - Date.now()) / 60_000)
      return ok(
        await api.POST('/api/v1/approvals', {
          body: {
            type: 'temporaryGrant',
            reason: v.reason.trim(),
            payload: {
              actions:
                v.access === 'unmask' ? ['customer.view', 'customer.unmask'] : ['customer.view'],
              resource: { type: 'customer', id: v.customerId },
              fields: { ...FULL_RECORD },
              durationMinutes: Math.min(Math.max(minutes, 1), MAX_MINUTES),
            },
          },
        }),
      )
    },
    onSuccess: async (request) => {
      await queryClient.invalidateQueries({ queryKey: ['approvals'] })
      void message.success(t('work.request.sent'))
      onClose()
      await navigate(`/approvals/${request.id}`)
    },
  })
  return (
    <Modal
      open
      title={t('work.request.title')}
      okText={t('work.request.submit')}
      cancelText={t('common.cancel')}
      confirmLoading={ask.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('work.request.help')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        name="request-grant"
        initialValues={{ access: 'read', ...(customer ? { customerId: customer.id } : {}) }}
        onFinish={(v) => ask.mutate(v)}
      >
        <Form.Item
          label={t('work.request.customer')}
          name="customerId"
          rules={[{ required: true, message: t('form.required') }]}
        >
          {customer ? (
            <Select disabled options={[{ value: customer.id, label: customer.name }]} />
          ) : (
            <Select
              showSearch
              filterOption={false}
              onSearch={(v) => setQ(v.trim())}
              loading={found.isFetching}
              options={(found.data?.items ?? []).map((c) => ({
                value: c.id,
                label: c.name ?? c.id,
              }))}
            />
          )}
        </Form.Item>
        <Form.Item label={t('work.request.access')} name="access">
          <Radio.Group
            options={[
              { value: 'read', label: t('work.request.accessRead') },
              { value: 'unmask', label: t('work.request.accessUnmask') },
            ]}
          />
        </Form.Item>
        <Form.Item
          label={t('work.request.until')}
          name="until"
          extra={t('work.request.untilHelp', { zone: timeZone })}
          rules={[
            { required: true, message: t('form.required') },
            {
              validator: async (_, v: Dayjs | undefined) => {
                if (!v) return
                const end = Date.parse(inZone(v, timeZone))
                if (end <= Date.now()) throw new Error(t('work.request.untilPast'))
                // the API's longest grant: refused here rather than shortened in silence
                if (end - Date.now() > MAX_MINUTES * 60_000)
                  throw new Error(t('work.request.untilTooFar'))
              },
            },
          ]}
        >
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
        </Form.Item>
        <Form.Item
          label={t('work.request.reason')}
          name="reason"
          rules={[
            { required: true, whitespace: true, message: t('form.required') },
            { max: 500, message: t('form.tooLong', { n: 500 }) },
          ]}
        >
          <Input.TextArea rows={3} maxLength={500} />
        </Form.Item>
      </Form>
      <Problem error={ask.error} />
    </Modal>
  )
}
