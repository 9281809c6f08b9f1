import { useQuery } from '@tanstack/react-query'
import { Button, DatePicker, Flex, Form, Space, Table, Typography } from 'antd'
import type { Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { CsvExport } from '../components/CsvExport'
import { Problem } from '../components/Problem'
import { useDayjsLocale } from '../dates'
import { formatDateTime, wallTimeToIso } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

interface Span {
  from?: string
  to?: string
}

/** The start of a picked day, or of the day after it, on the company's clock. */
function dayStart(d: Dayjs, timeZone: string, plusDays = 0): string {
  const day = d.add(plusDays, 'day')
  return wallTimeToIso(
    { year: day.year(), month: day.month() + 1, day: day.date(), hour: 0, minute: 0, second: 0 },
    timeZone,
  )
}

/** Seconds as m:ss (or h:mm:ss). */
function clock(seconds: number): string {
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/**
 * Team metrics over exactly my scope (a lead their team, the analyst and management every team):
 * calls, connect rate, handle time and tickets in a window of days picked on the company's clock
 * (by default the 7 days before now). Satisfaction is not measured yet, and says so. The CSV
 * export (P2: high-risk, audited) is offered where I may `report.export`.
 */
export function ReportsPage() {
  const { t, i18n } = useTranslation()
  useDayjsLocale()
  const timeZone = useTimeZone()
  const me = useMe()
  const may = allowedActions(me.data)
  const [span, setSpan] = useState<Span>({})
  const [form] = Form.useForm<{ from?: Dayjs | null; to?: Dayjs | null }>()
  const report = useQuery({
    queryKey: ['reports', 'team-metrics', span],
    queryFn: async () =>
      ok(await api.GET('/api/v1/reports/team-metrics', { params: { query: span } })),
  })
  const percent = new Intl.NumberFormat(i18n.language, {
    style: 'percent',
    maximumFractionDigits: 1,
  })
  const data = report.data
  return (
    <>
      <Typography.Title level={2}>{t('work.reports.title')}</Typography.Title>
      <Typography.Paragraph>{t('work.reports.help')}</Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        name="report-window"
        onFinish={(v) =>
          setSpan({
            ...(v.from ? { from: dayStart(v.from, timeZone) } : {}),
            ...(v.to ? { to: dayStart(v.to, timeZone, 1) } : {}),
          })
        }
      >
        <Flex wrap gap={16} align="flex-end">
          <Form.Item label={t('work.reports.from')} name="from" style={{ marginBottom: 8 }}>
            <DatePicker />
          </Form.Item>
          <Form.Item label={t('work.reports.to')} name="to" style={{ marginBottom: 8 }}>
            <DatePicker />
          </Form.Item>
          <Space style={{ marginBottom: 8 }}>
            <Button type="primary" htmlType="submit">
              {t('work.reports.apply')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields()
                setSpan({})
              }}
            >
              {t('work.reports.lastWeek')}
            </Button>
          </Space>
        </Flex>
      </Form>
      {data && (
        <Typography.Paragraph data-testid="report-window">
          {t('work.reports.window', {
            from: formatDateTime(data.from, i18n.language, timeZone),
            to: formatDateTime(data.to, i18n.language, timeZone),
            timeZone,
          })}
        </Typography.Paragraph>
      )}
      <Problem error={report.error} />
      <Table
        size="small"
        rowKey={(r) => r.orgUnitId ?? '-'}
        loading={report.isPending}
        dataSource={data?.teams ?? []}
        pagination={false}
        locale={{ emptyText: t('work.reports.none') }}
        columns={[
          {
            title: t('work.reports.team'),
            key: 'team',
            render: (_: unknown, r) => r.orgUnitName ?? t('work.reports.noTeam'),
          },
          { title: t('work.reports.calls'), dataIndex: 'calls' },
          { title: t('work.reports.connected'), dataIndex: 'connected' },
          {
            title: t('work.reports.connectRate'),
            dataIndex: 'connectRate',
            render: (v: number | null) => (v === null ? '—' : percent.format(v)),
          },
          {
            title: t('work.reports.handleTime'),
            dataIndex: 'averageHandleSeconds',
            render: (v: number | null) => (v === null ? '—' : clock(v)),
          },
          {
            title: t('work.reports.satisfaction'),
            key: 'satisfaction',
            render: () => t('work.reports.notMeasured'),
          },
          { title: t('work.reports.ticketsOpened'), dataIndex: 'ticketsOpened' },
          { title: t('work.reports.ticketsOpenNow'), dataIndex: 'ticketsOpenNow' },
        ]}
      />
      {may.has('report.export') && (
        <CsvExport
          load={(headers) =>
            api.GET('/api/v1/reports/team-metrics/export', {
              params: { query: span },
              headers,
              parseAs: 'blob',
            })
          }
          file="team-metrics.csv"
          label={t('work.reports.export')}
        />
      )}
    </>
  )
}
