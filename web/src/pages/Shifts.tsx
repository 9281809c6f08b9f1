import { useQuery } from '@tanstack/react-query'
import { DatePicker, Form, Input, Select, Space, Tag } from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { FormDialog, useDialogSave } from '../components/FormDialog'
import { RecordListPage, usePagedList } from '../components/RecordList'
import { RefName } from '../components/RefName'
import { useDayjsLocale } from '../dates'
import { formatDateTime, wallTimeToIso } from '../format'
import { useTimeZone } from '../me'

const KINDS = ['work', 'break', 'training'] as const
type Kind = (typeof KINDS)[number]
type Shift = {
  id: string
  userId?: string
  orgUnitId?: string | null
  kind?: Kind
  startsAt?: string
  endsAt?: string
  note?: string
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

/** An instant as the company's wall clock, for the pickers (which read the browser's zone). */
function wallOf(iso: string, timeZone: string): Dayjs {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(iso))
  const n = (type: string) => parts.find((p) => p.type === type)?.value ?? '00'
  return dayjs(`${n('year')}-${n('month')}-${n('day')}T${n('hour')}:${n('minute')}`)
}

/**
 * Shifts and schedules ([004] смены и расписание): the shifts I may view (an agent their own, a
 * lead the team's, Admin and Supervisor everyone's), newest first; planned, changed and deleted
 * by those the server lets. One person's shifts never overlap: the server answers 409 and the
 * page shows its reason. Times are on the company's clock.
 */
export function ShiftsPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const list = usePagedList<Shift>(['shifts'], async (cursor) =>
    ok(
      await api.GET('/api/v1/shifts', {
        params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  )
  const when = (d: string | undefined) => (d ? formatDateTime(d, i18n.language, timeZone) : '—')
  return (
    <RecordListPage<Shift>
      strings="shifts"
      helpParams={{ zone: timeZone }}
      rights={{ create: 'schedule.create', edit: 'schedule.edit', delete: 'schedule.delete' }}
      list={list}
      remove={async (s) =>
        ok(await api.DELETE('/api/v1/shifts/{id}', { params: { path: { id: s.id } } }))
      }
      invalidate={['shifts']}
      names={(s) => ({ when: when(s.startsAt) })}
      editor={(shift, close) => <ShiftEditor shift={shift} onClose={close} />}
      columns={[
        {
          title: t('shifts.person'),
          dataIndex: 'userId',
          render: (id: string | undefined) => <RefName type="user" id={id} />,
        },
        {
          title: t('shifts.team'),
          dataIndex: 'orgUnitId',
          render: (id: string | null | undefined) => <RefName type="orgUnit" id={id} />,
        },
        {
          title: t('shifts.kind'),
          dataIndex: 'kind',
          render: (k: Kind | undefined) => (k ? <Tag>{t(`shifts.kinds.${k}`)}</Tag> : '—'),
        },
        { title: t('shifts.starts'), dataIndex: 'startsAt', render: when },
        { title: t('shifts.ends'), dataIndex: 'endsAt', render: when },
        {
          title: t('shifts.note'),
          dataIndex: 'note',
          render: (n: string | undefined) => n || '—',
        },
      ]}
    />
  )
}

interface ShiftForm {
  userId: string
  kind: Kind
  startsAt: Dayjs
  endsAt: Dayjs
  note?: string
}

function ShiftEditor({ shift, onClose }: { shift?: Shift; onClose(): void }) {
  const { t } = useTranslation()
  useDayjsLocale()
  const timeZone = useTimeZone()
  const [form] = Form.useForm<ShiftForm>()
  const [q, setQ] = useState('')
  const users = useQuery({
    queryKey: ['users', q, 'pick'],
    queryFn: async () =>
      ok(
        await api.GET('/api/v1/users', {
          params: { query: { limit: 50, ...(q.trim() ? { q: q.trim() } : {}) } },
        }),
      ).items,
  })
  const save = useDialogSave(form, {
    save: async (v: ShiftForm) => {
      const body = {
        userId: v.userId,
        kind: v.kind,
        startsAt: inZone(v.startsAt, timeZone),
        endsAt: inZone(v.endsAt, timeZone),
        note: v.note?.trim() ?? '',
      }
      return shift === undefined
        ? ok(await api.POST('/api/v1/shifts', { body }))
        : ok(
            await api.PATCH('/api/v1/shifts/{id}', {
              params: { path: { id: shift.id } },
              body,
            }),
          )
    },
    fields: ['userId', 'kind', 'startsAt', 'endsAt', 'note'],
    invalidate: [['shifts']],
    onSaved: onClose,
  })
  return (
    <FormDialog
      form={form}
      name="shift"
      title={shift ? t('shifts.editTitle') : t('shifts.newTitle')}
      okText={t('shifts.save')}
      save={save}
      onClose={onClose}
      error={users.error}
      initialValues={{
        userId: shift?.userId,
        kind: shift?.kind ?? 'work',
        startsAt: shift?.startsAt ? wallOf(shift.startsAt, timeZone) : undefined,
        endsAt: shift?.endsAt ? wallOf(shift.endsAt, timeZone) : undefined,
        note: shift?.note ?? '',
      }}
    >
      <Form.Item
        label={t('shifts.person')}
        name="userId"
        rules={[{ required: true, message: t('form.required') }]}
      >
        <Select
          showSearch
          filterOption={false}
          onSearch={setQ}
          loading={users.isFetching}
          options={(users.data ?? []).map((u) => ({ value: u.id, label: u.name }))}
        />
      </Form.Item>
      <Form.Item label={t('shifts.kind')} name="kind">
        <Select options={KINDS.map((k) => ({ value: k, label: t(`shifts.kinds.${k}`) }))} />
      </Form.Item>
      <Space wrap>
        <Form.Item
          label={t('shifts.starts')}
          name="startsAt"
          rules={[{ required: true, message: t('form.required') }]}
        >
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
        </Form.Item>
        <Form.Item
          label={t('shifts.ends')}
          name="endsAt"
          rules={[{ required: true, message: t('form.required') }]}
        >
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
        </Form.Item>
      </Space>
      <Form.Item label={t('shifts.note')} name="note">
        <Input.TextArea rows={2} maxLength={500} />
      </Form.Item>
    </FormDialog>
  )
}
