import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  Button,
  Card,
  Flex,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { FieldValue } from '../components/FieldValue'
import { Problem } from '../components/Problem'
import { RefName } from '../components/RefName'
import { RemotePicker } from '../components/RemotePicker'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'
import { ScorecardEditor, type Scorecard } from './ScorecardEditor'

interface NewEvaluation {
  callId: string
  scorecardId: string
  scores: Record<string, number>
  comments?: string
}

/**
 * QA (issue 10, point 4): the company's scorecards, the evaluations I may view (scoped by the
 * evaluated call: a lead's team, QA's company), and scoring a call in my scope — the calls
 * offered are the ended ones my call log shows; the server decides again (`recording.play` on
 * the call, `qaEvaluation.create`). Listening and scoring is all: no Dial here.
 */
export function QaPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const me = useMe()
  const may = allowedActions(me.data)
  const [q, setQ] = useState<string | undefined>(undefined)
  const [search] = Form.useForm<{ q?: string }>()
  // the scorecard being edited; `null`: a new one; `undefined`: no editor open
  const [editing, setEditing] = useState<Scorecard | null | undefined>(undefined)

  const scorecards = useQuery({
    queryKey: ['qa', 'scorecards'],
    enabled: may.has('qaScorecard.view'),
    queryFn: async () => ok(await api.GET('/api/v1/qa/scorecards')),
  })
  const evaluations = useInfiniteQuery({
    queryKey: ['qa', 'evaluations', q],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/api/v1/qa/evaluations', {
          params: {
            query: {
              limit: 50,
              ...(q ? { q } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const cards = scorecards.data?.items ?? []
  const cardName = new Map(cards.map((c) => [c.id, c.name]))
  const rows = evaluations.data?.pages.flatMap((p) => p.items) ?? []

  return (
    <>
      <Typography.Title level={2}>{t('work.qa.title')}</Typography.Title>
      {may.has('qaEvaluation.create') && cards.length > 0 && <Evaluate cards={cards} />}

      <Typography.Title level={3}>{t('work.qa.evaluations')}</Typography.Title>
      <Form
        form={search}
        layout="vertical"
        name="qa-search"
        onFinish={(v) => setQ(v.q?.trim() || undefined)}
      >
        <Flex wrap gap={16} align="flex-end">
          <Form.Item label={t('work.qa.search')} name="q" style={{ marginBottom: 8, width: 320 }}>
            <Input allowClear maxLength={100} />
          </Form.Item>
          <Space style={{ marginBottom: 8 }}>
            <Button type="primary" htmlType="submit">
              {t('work.qa.find')}
            </Button>
            <Button
              onClick={() => {
                search.resetFields()
                setQ(undefined)
              }}
            >
              {t('work.qa.clear')}
            </Button>
          </Space>
        </Flex>
      </Form>
      <Problem error={evaluations.error} />
      <Table
        size="small"
        rowKey="id"
        style={{ marginTop: 16 }}
        loading={evaluations.isPending}
        dataSource={rows}
        pagination={false}
        locale={{ emptyText: t('work.qa.noEvaluations') }}
        columns={[
          {
            title: t('work.qa.call'),
            dataIndex: 'callId',
            render: (id: string | undefined) => <RefName type="call" id={id} />,
          },
          {
            title: t('refs.agent'),
            dataIndex: 'agentId',
            render: (id: string | null | undefined) => <RefName type="user" id={id} />,
          },
          {
            title: t('work.qa.scorecard'),
            dataIndex: 'scorecardId',
            render: (id: string | undefined) => (id ? (cardName.get(id) ?? id) : '—'),
          },
          {
            title: t('work.qa.score'),
            key: 'score',
            render: (_: unknown, e) => (
              <FieldValue
                value={typeof e.score === 'number' ? Math.round(e.score * 10) / 10 : e.score}
                masked={e.maskedFields?.includes('score') ?? false}
              />
            ),
          },
          {
            title: t('work.qa.comments'),
            key: 'comments',
            render: (_: unknown, e) => (
              <FieldValue
                value={e.comments}
                masked={e.maskedFields?.includes('comments') ?? false}
              />
            ),
          },
          {
            title: t('work.qa.when'),
            dataIndex: 'createdAt',
            render: (d: string | undefined) =>
              d ? formatDateTime(d, i18n.language, timeZone) : '—',
          },
        ]}
      />
      {evaluations.hasNextPage && (
        <Button
          style={{ marginTop: 12 }}
          loading={evaluations.isFetchingNextPage}
          onClick={() => void evaluations.fetchNextPage()}
        >
          {t('common.more')}
        </Button>
      )}

      {may.has('qaScorecard.view') && (
        <>
          <Typography.Title level={3} style={{ marginTop: 24 }}>
            {t('work.qa.scorecards')}
          </Typography.Title>
          {may.has('qaScorecard.create') && (
            <Button style={{ marginBottom: 12 }} onClick={() => setEditing(null)}>
              {t('work.qa.newScorecard')}
            </Button>
          )}
          <Problem error={scorecards.error} />
          <Table
            size="small"
            rowKey="id"
            loading={scorecards.isPending}
            dataSource={cards}
            pagination={false}
            locale={{ emptyText: t('work.qa.noScorecards') }}
            columns={[
              { title: t('work.qa.name'), dataIndex: 'name' },
              {
                title: t('work.qa.criteria'),
                key: 'criteria',
                render: (_: unknown, c) => (
                  <Space wrap>
                    {c.criteria.map((k) => (
                      <Tag key={k.key}>
                        {t('work.qa.criterion', { label: k.label, weight: k.weight, max: k.max })}
                      </Tag>
                    ))}
                  </Space>
                ),
              },
              ...(may.has('qaScorecard.edit')
                ? [
                    {
                      title: t('work.qa.actions'),
                      key: 'edit',
                      render: (_: unknown, c: Scorecard) => (
                        <Button
                          size="small"
                          aria-label={t('work.qa.editOf', { name: c.name })}
                          onClick={() => setEditing(c)}
                        >
                          {t('work.qa.edit')}
                        </Button>
                      ),
                    },
                  ]
                : []),
            ]}
          />
        </>
      )}
      {editing !== undefined && (
        <ScorecardEditor card={editing ?? undefined} onClose={() => setEditing(undefined)} />
      )}
    </>
  )
}

/** Scoring a call of my log against a scorecard: every criterion, 0 to its max. */
function Evaluate({ cards }: { cards: Scorecard[] }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<NewEvaluation>()
  const cardId = Form.useWatch('scorecardId', form)
  const card = cards.find((c) => c.id === cardId)
  const create = useMutation({
    mutationFn: async (v: NewEvaluation) =>
      ok(
        await api.POST('/api/v1/qa/evaluations', {
          body: {
            callId: v.callId,
            scorecardId: v.scorecardId,
            scores: v.scores,
            ...(v.comments?.trim() ? { comments: v.comments.trim() } : {}),
          },
        }),
      ),
    onSuccess: async () => {
      form.resetFields()
      await queryClient.invalidateQueries({ queryKey: ['qa', 'evaluations'] })
    },
  })
  return (
    <Card
      size="small"
      title={<h3 style={{ margin: 0, fontSize: 16 }}>{t('work.qa.newEvaluation')}</h3>}
      style={{ maxWidth: 760, marginBottom: 24 }}
    >
      <Form form={form} layout="vertical" name="qa-evaluate" onFinish={(v) => create.mutate(v)}>
        <Form.Item
          label={t('work.qa.call')}
          name="callId"
          rules={[{ required: true, message: t('form.required') }]}
        >
          <RemotePicker kind="call" filter={{ status: 'ended' }} empty={t('work.qa.noCalls')} />
        </Form.Item>
        <Form.Item
          label={t('work.qa.scorecard')}
          name="scorecardId"
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Select options={cards.map((c) => ({ value: c.id, label: c.name }))} />
        </Form.Item>
        {card?.criteria.map((k) => (
          <Form.Item
            key={`${card.id}-${k.key}`}
            label={t('work.qa.scoreOf', { label: k.label, max: k.max })}
            name={['scores', k.key]}
            rules={[{ required: true, message: t('form.required') }]}
          >
            <InputNumber min={0} max={k.max} precision={0} />
          </Form.Item>
        ))}
        <Form.Item label={t('work.qa.comments')} name="comments">
          <Input.TextArea rows={3} maxLength={5000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" disabled={create.isPending}>
          {t('work.qa.submit')}
        </Button>
      </Form>
      <div style={{ marginTop: 8 }}>
        <Problem error={create.error} />
      </div>
    </Card>
  )
}
