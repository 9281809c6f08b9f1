import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  App,
  Button,
  DatePicker,
  Form,
  Input,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd'
import dayjs, { type Dayjs } from 'dayjs'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { FormDialog, useDialogSave } from '../components/FormDialog'
import { Problem } from '../components/Problem'
import { RefName } from '../components/RefName'
import { useDayjsLocale } from '../dates'
import { formatDateTime, wallTimeToIso } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

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
  const may = allowedActions(useMe().data)
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState<Shift | 'new' | null>(null)
  const shifts = useInfiniteQuery({
    queryKey: ['shifts'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/api/v1/shifts', {
          params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const rows = (shifts.data?.pages.flatMap((p) => p.items) ?? []) as Shift[]
  const remove = useMutation({
    mutationFn: async (s: Shift) => {
      ok(await api.DELETE('/api/v1/shifts/{id}', { params: { path: { id: s.id } } }))
    },
    onSuccess: async () => {
      void message.success(t('shifts.deleted'))
      await queryClient.invalidateQueries({ queryKey: ['shifts'] })
    },
  })
  const when = (d: string | undefined) => (d ? formatDateTime(d, i18n.language, timeZone) : '—')
  return (
    <>
      <Typography.Title level={2}>{t('shifts.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">
        {t('shifts.help', { zone: timeZone })}
      </Typography.Paragraph>
      {may.has('schedule.create') && (
        <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setEditing('new')}>
          {t('shifts.create')}
        </Button>
      )}
      <Problem error={shifts.error ?? remove.error} />
      <Table
        size="small"
        rowKey="id"
        loading={shifts.isPending}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('shifts.none') }}
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
          {
            title: t('shifts.actions'),
            key: 'actions',
            render: (_: unknown, s: Shift) => (
              <Space>
                {may.has('schedule.edit') && (
                  <Button
                    size="small"
                    aria-label={t('shifts.editOf', { when: when(s.startsAt) })}
                    onClick={() => setEditing(s)}
                  >
                    {t('shifts.edit')}
                  </Button>
                )}
                {may.has('schedule.delete') && (
                  <Popconfirm
                    title={t('shifts.deleteConfirm')}
                    okText={t('shifts.delete')}
                    cancelText={t('common.cancel')}
                    okButtonProps={{ danger: true }}
                    onConfirm={() => remove.mutate(s)}
                  >
                    <Button
                      size="small"
                      danger
                      aria-label={t('shifts.deleteOf', { when: when(s.startsAt) })}
                    >
                      {t('shifts.delete')}
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
      {shifts.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={shifts.isFetchingNextPage}
          onClick={() => void shifts.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}
      {editing !== null && (
        <ShiftEditor
          shift={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </>
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
