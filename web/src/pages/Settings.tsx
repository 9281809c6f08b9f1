import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Form, Input, InputNumber, Select, Spin, Tabs, Typography } from 'antd'
import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { allowedActions, useMe } from '../me'

const SECTIONS = ['finance', 'kpi', 'security'] as const
type Section = (typeof SECTIONS)[number]
const TYPE: Record<Section, string> = {
  finance: 'financeSettings',
  kpi: 'kpiSettings',
  security: 'securitySettings',
}

async function fetchSection(section: Section) {
  switch (section) {
    case 'finance':
      return ok(await api.GET('/api/v1/settings/finance'))
    case 'kpi':
      return ok(await api.GET('/api/v1/settings/kpi'))
    case 'security':
      return ok(await api.GET('/api/v1/settings/security'))
  }
}

/**
 * The company's finance, KPI and security settings (P1, R1). Each tab asks the server for its
 * section: a role it refuses (the Supervisor, among others) sees the server's reason in the tab,
 * never an empty form; only a person who may edit the section gets a Save button.
 */
export function SettingsPage() {
  const { t } = useTranslation()
  return (
    <>
      <Typography.Title level={2}>{t('admin2.settings.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('admin2.settings.help')}</Typography.Paragraph>
      <Tabs
        items={SECTIONS.map((s) => ({
          key: s,
          label: t(`admin2.settings.sections.${s}`),
          children: <SectionForm section={s} />,
        }))}
      />
    </>
  )
}

interface Values {
  currency?: string
  refundApprovalThreshold?: number | null
  satisfactionTarget?: number | null
  handleTimeTargetSec?: number | null
  connectRateTarget?: number | null
  start?: string
  end?: string
  days?: number[]
  ipRanges?: string[]
}

type Doc = Awaited<ReturnType<typeof fetchSection>>

function toValues(doc: Doc): Values {
  if ('loginRestrictions' in doc) {
    const r = doc.loginRestrictions
    return {
      start: r.hours?.start ?? '',
      end: r.hours?.end ?? '',
      days: r.hours?.days ?? [],
      ipRanges: r.ipRanges ?? [],
    }
  }
  return { ...doc }
}

const orNull = (v: number | null | undefined) => (v === undefined ? null : v)

function SectionForm({ section }: { section: Section }) {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const may = allowedActions(useMe().data)
  const editable = may.has(`${TYPE[section]}.edit`)
  const [form] = Form.useForm<Values>()
  const doc = useQuery({ queryKey: ['settings', section], queryFn: () => fetchSection(section) })
  useEffect(() => {
    if (doc.data) form.setFieldsValue(toValues(doc.data))
  }, [doc.data, form])
  const save = useMutation({
    mutationFn: async (v: Values) => {
      switch (section) {
        case 'finance':
          return ok(
            await api.PUT('/api/v1/settings/finance', {
              body: {
                currency: (v.currency ?? '').trim().toUpperCase(),
                refundApprovalThreshold: orNull(v.refundApprovalThreshold),
              },
            }),
          )
        case 'kpi':
          return ok(
            await api.PUT('/api/v1/settings/kpi', {
              body: {
                satisfactionTarget: orNull(v.satisfactionTarget),
                handleTimeTargetSec: orNull(v.handleTimeTargetSec),
                connectRateTarget: orNull(v.connectRateTarget),
              },
            }),
          )
        case 'security': {
          const start = v.start?.trim() ?? ''
          const end = v.end?.trim() ?? ''
          const days = v.days ?? []
          const ipRanges = (v.ipRanges ?? []).map((x) => x.trim()).filter((x) => x !== '')
          return ok(
            await api.PUT('/api/v1/settings/security', {
              body: {
                loginRestrictions: {
                  ...(start || end
                    ? { hours: { start, end, ...(days.length > 0 ? { days } : {}) } }
                    : {}),
                  ...(ipRanges.length > 0 ? { ipRanges } : {}),
                },
              },
            }),
          )
        }
      }
    },
    onSuccess: async () => {
      void message.success(t('admin2.settings.saved'))
      await queryClient.invalidateQueries({ queryKey: ['settings', section] })
    },
  })

  if (doc.isPending) return <Spin />
  if (doc.error) return <Problem error={doc.error} />
  const number = (name: keyof Values, label: string, max: number, min = 0) => (
    <Form.Item label={t(label)} name={name} htmlFor={`settings-${section}-${name}`}>
      <InputNumber id={`settings-${section}-${name}`} min={min} max={max} style={{ width: 200 }} />
    </Form.Item>
  )
  return (
    <Form
      form={form}
      layout="vertical"
      name={`settings-${section}`}
      disabled={!editable}
      onFinish={(v) => save.mutate(v)}
      style={{ maxWidth: 520 }}
    >
      {section === 'finance' && (
        <>
          <Form.Item
            label={t('admin2.settings.currency')}
            name="currency"
            htmlFor="settings-finance-currency"
            rules={[{ required: true, pattern: /^[A-Za-z]{3}$/, message: t('form.required') }]}
          >
            <Input id="settings-finance-currency" maxLength={3} style={{ width: 120 }} />
          </Form.Item>
          {number('refundApprovalThreshold', 'admin2.settings.refundApprovalThreshold', 1e12)}
        </>
      )}
      {section === 'kpi' && (
        <>
          {number('satisfactionTarget', 'admin2.settings.satisfactionTarget', 100)}
          {number('handleTimeTargetSec', 'admin2.settings.handleTimeTargetSec', 86_400, 1)}
          {number('connectRateTarget', 'admin2.settings.connectRateTarget', 100)}
        </>
      )}
      {section === 'security' && (
        <>
          <Form.Item
            label={t('admin2.settings.hoursStart')}
            name="start"
            htmlFor="settings-security-start"
          >
            <Input id="settings-security-start" placeholder="08:00" style={{ width: 120 }} />
          </Form.Item>
          <Form.Item
            label={t('admin2.settings.hoursEnd')}
            name="end"
            htmlFor="settings-security-end"
          >
            <Input id="settings-security-end" placeholder="20:00" style={{ width: 120 }} />
          </Form.Item>
          <Form.Item label={t('admin2.settings.days')} name="days" htmlFor="settings-security-days">
            <Select
              id="settings-security-days"
              mode="multiple"
              allowClear
              options={[0, 1, 2, 3, 4, 5, 6].map((d) => ({
                value: d,
                label: t(`admin2.settings.weekdays.${d}`),
              }))}
            />
          </Form.Item>
          <Form.Item
            label={t('admin2.settings.ipRanges')}
            name="ipRanges"
            htmlFor="settings-security-ips"
            extra={t('admin2.settings.ipRangesHelp')}
          >
            <Select id="settings-security-ips" mode="tags" tokenSeparators={[',', ' ']} />
          </Form.Item>
        </>
      )}
      {editable ? (
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t('admin2.settings.save')}
        </Button>
      ) : (
        <Typography.Paragraph type="secondary">
          {t('admin2.settings.readOnly')}
        </Typography.Paragraph>
      )}
      <Problem error={save.error} />
    </Form>
  )
}
