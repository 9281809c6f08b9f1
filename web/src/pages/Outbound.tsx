import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  Button,
  Card,
  Empty,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd'
import { Tabs } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { RemotePicker, useNames } from '../components/RemotePicker'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

const KINDS = ['queue', 'dialer', 'campaign'] as const
type Kind = (typeof KINDS)[number]

/** What the three lists share, as the API gives it (a field may be hidden: absent). */
interface Row {
  id: string
  name?: string
  projectId?: string
  strategy?: string
  mode?: string
  state?: string
  status?: string
  updatedAt?: string
}

/** The choice each kind has besides its name: a queue's strategy, a dialer's mode. */
const CHOICES: Partial<Record<Kind, { field: 'strategy' | 'mode'; values: readonly string[] }>> = {
  queue: {
    field: 'strategy',
    values: ['longest-idle', 'round-robin', 'ring-all', 'fewest-calls'] as const,
  },
  dialer: { field: 'mode', values: ['preview', 'progressive', 'predictive'] as const },
}

async function fetchAll(kind: Kind): Promise<Row[]> {
  const query = { limit: 200 }
  switch (kind) {
    case 'queue':
      return ok(await api.GET('/api/v1/queues', { params: { query } })).items
    case 'dialer':
      return ok(await api.GET('/api/v1/dialers', { params: { query } })).items
    case 'campaign':
      return ok(await api.GET('/api/v1/campaigns', { params: { query } })).items
  }
}

interface Draft {
  name: string
  projectId?: string
  choice?: string
}

async function saveRow(kind: Kind, row: Row | undefined, d: Draft) {
  const name = d.name.trim()
  const projectId = d.projectId ?? ''
  switch (kind) {
    case 'queue': {
      const strategy = d.choice as 'longest-idle' | 'round-robin' | 'ring-all' | 'fewest-calls'
      const body = { name, ...(d.choice ? { strategy } : {}) }
      return row
        ? ok(await api.PATCH('/api/v1/queues/{id}', { params: { path: { id: row.id } }, body }))
        : ok(await api.POST('/api/v1/queues', { body: { ...body, projectId } }))
    }
    case 'dialer': {
      const mode = d.choice as 'preview' | 'progressive' | 'predictive'
      const body = { name, ...(d.choice ? { mode } : {}) }
      return row
        ? ok(await api.PATCH('/api/v1/dialers/{id}', { params: { path: { id: row.id } }, body }))
        : ok(await api.POST('/api/v1/dialers', { body: { ...body, projectId } }))
    }
    case 'campaign':
      return row
        ? ok(
            await api.PATCH('/api/v1/campaigns/{id}', {
              params: { path: { id: row.id } },
              body: { name },
            }),
          )
        : ok(await api.POST('/api/v1/campaigns', { body: { name, projectId } }))
  }
}

/**
 * P10: queues, dialers and campaigns belong to projects; each is listed under its project. The
 * server lists only the projects' records this person may see (a non-member sees none of a
 * project's); the page shows what it gets, and offers creating and editing where /me allows.
 */
export function OutboundPage() {
  const { t } = useTranslation()
  const may = allowedActions(useMe().data)
  const kinds = KINDS.filter((k) => may.has(`${k}.view`))
  return (
    <>
      <Typography.Title level={2}>{t('admin2.outbound.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('admin2.outbound.help')}</Typography.Paragraph>
      <Tabs
        items={kinds.map((k) => ({
          key: k,
          label: t(`admin2.outbound.kinds.${k}`),
          children: <KindList kind={k} />,
        }))}
      />
    </>
  )
}

function KindList({ kind }: { kind: Kind }) {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const may = allowedActions(useMe().data)
  const rows = useQuery({ queryKey: ['outbound', kind], queryFn: () => fetchAll(kind) })
  const [editing, setEditing] = useState<Row | 'new' | null>(null)
  const choice = CHOICES[kind]
  const groups = new Map<string, Row[]>()
  for (const r of rows.data ?? []) {
    const key = r.projectId ?? ''
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  // the projects' names where I may view them, each read by id; an id otherwise
  const projectName = useNames('project', [...groups.keys()], may.has('project.view'))
  const label = (projectId: string) =>
    projectId === '' ? t('admin2.outbound.noProject') : (projectName(projectId) ?? projectId)

  return (
    <>
      {may.has(`${kind}.create`) && (
        <Button type="primary" style={{ marginBottom: 16 }} onClick={() => setEditing('new')}>
          {t(`admin2.outbound.create.${kind}`)}
        </Button>
      )}
      <Problem error={rows.error} />
      {rows.data && groups.size === 0 && <Empty description={t('admin2.outbound.none')} />}
      {[...groups].map(([projectId, items]) => (
        <Card
          key={projectId}
          size="small"
          style={{ marginBottom: 16 }}
          title={<span data-testid="project-group">{label(projectId)}</span>}
        >
          <Table
            size="small"
            rowKey="id"
            dataSource={items}
            pagination={false}
            columns={[
              {
                title: t('admin2.outbound.name'),
                dataIndex: 'name',
                render: (n?: string) => n ?? '—',
              },
              ...(choice
                ? [
                    {
                      title: t(`admin2.outbound.${choice.field}`),
                      dataIndex: choice.field,
                      render: (v?: string) => (v ? t(`admin2.outbound.values.${v}`) : '—'),
                    },
                  ]
                : []),
              ...(kind !== 'queue'
                ? [
                    {
                      title: t('admin2.outbound.state'),
                      key: 'state',
                      render: (_: unknown, r: Row) => {
                        const s = r.status ?? r.state
                        return s ? <Tag>{t(`admin2.outbound.states.${s}`)}</Tag> : '—'
                      },
                    },
                  ]
                : []),
              {
                title: t('admin2.outbound.updated'),
                dataIndex: 'updatedAt',
                render: (d?: string) => (d ? formatDateTime(d, i18n.language, timeZone) : '—'),
              },
              ...(may.has(`${kind}.edit`)
                ? [
                    {
                      title: t('admin2.outbound.actions'),
                      key: 'actions',
                      render: (_: unknown, r: Row) => (
                        <Button
                          size="small"
                          aria-label={t('admin2.outbound.editOf', { name: r.name ?? r.id })}
                          onClick={() => setEditing(r)}
                        >
                          {t('admin2.outbound.edit')}
                        </Button>
                      ),
                    },
                  ]
                : []),
            ]}
          />
        </Card>
      ))}
      {editing !== null && (
        <Editor
          kind={kind}
          row={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </>
  )
}

function Editor({ kind, row, onClose }: { kind: Kind; row?: Row; onClose(): void }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const choice = CHOICES[kind]
  const [draft, setDraft] = useState<Draft>({
    name: row?.name ?? '',
    ...(row?.projectId ? { projectId: row.projectId } : {}),
    ...(choice && row?.[choice.field] ? { choice: row[choice.field] } : {}),
  })
  const save = useMutation({
    mutationFn: () => saveRow(kind, row, draft),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['outbound', kind] })
      onClose()
    },
  })
  const ready = draft.name.trim() !== '' && (row !== undefined || draft.projectId !== undefined)
  return (
    <Modal
      open
      title={
        row
          ? t('admin2.outbound.editTitle', { name: row.name ?? row.id })
          : t(`admin2.outbound.create.${kind}`)
      }
      onCancel={onClose}
      okText={t('admin2.outbound.save')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: !ready, loading: save.isPending }}
      onOk={() => save.mutate()}
    >
      <Form layout="vertical" name={`outbound-${kind}`}>
        <Form.Item label={t('admin2.outbound.name')} htmlFor="outbound-name" required>
          <Input
            id="outbound-name"
            value={draft.name}
            maxLength={100}
            onChange={(e) => setDraft({ ...draft, name: e.target.value })}
          />
        </Form.Item>
        {row === undefined && (
          <Form.Item label={t('admin2.outbound.project')} htmlFor="outbound-project" required>
            <RemotePicker
              kind="project"
              id="outbound-project"
              value={draft.projectId}
              onChange={(projectId) =>
                setDraft({ ...draft, ...(typeof projectId === 'string' ? { projectId } : {}) })
              }
            />
          </Form.Item>
        )}
        {choice && (
          <Form.Item label={t(`admin2.outbound.${choice.field}`)} htmlFor="outbound-choice">
            <Space>
              <Select
                id="outbound-choice"
                style={{ width: 220 }}
                value={draft.choice}
                onChange={(c: string) => setDraft({ ...draft, choice: c })}
                options={choice.values.map((v) => ({
                  value: v,
                  label: t(`admin2.outbound.values.${v}`),
                }))}
              />
            </Space>
          </Form.Item>
        )}
      </Form>
      <Problem error={save.error} />
    </Modal>
  )
}
