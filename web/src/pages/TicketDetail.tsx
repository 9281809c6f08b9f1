import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Descriptions, Form, Input, List, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useParams } from 'react-router'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { RefName } from '../components/RefName'
import { WhoCanSee } from '../components/WhoCanSee'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'
import { StatusTag, TICKET_STATUSES, type TicketStatus } from './Tickets'

/** The workflow's moves (the API's `ticketTransitions`; a move it does not list is 409). */
const MOVES: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['processing', 'escalated', 'closed'],
  processing: ['escalated', 'resolved', 'closed'],
  escalated: ['processing', 'resolved', 'closed'],
  resolved: ['processing', 'closed'],
  closed: ['reopened'],
  reopened: ['processing', 'escalated', 'resolved', 'closed'],
}

/** The catalog action a move needs (the API's `transitionAction`). */
function moveAction(to: TicketStatus): string {
  if (to === 'escalated') return 'ticket.escalate'
  if (to === 'closed') return 'ticket.close'
  if (to === 'reopened') return 'ticket.reopen'
  return 'ticket.edit'
}

const isStatus = (s: unknown): s is TicketStatus =>
  typeof s === 'string' && (TICKET_STATUSES as readonly string[]).includes(s)

/** The attributes the engine's conditions read, as far as I see them in clear. */
const ATTRS = [
  'id',
  'assigneeId',
  'orgUnitId',
  'projectId',
  'status',
  'category',
  'priority',
  'faultCode',
  'customerLevel',
  'customerId',
  'escalated',
] as const

/**
 * A ticket (P5): its status and the moves the API allows me from it, as buttons. Which moves and
 * whether I may reply or record a return visit are asked of the API (`POST /authz/check`, on
 * this ticket as I see it): a closed ticket offers only Reopen and the return visit. Whatever I
 * click, the server decides again, and a refusal is shown with its reason.
 */
export function TicketDetailPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const { id = '' } = useParams()
  const queryClient = useQueryClient()
  // an access review (issue 12) needs audit.view, as the API does
  const mayReview = allowedActions(useMe().data).has('audit.view')
  const ticket = useQuery({
    queryKey: ['ticket', id],
    queryFn: async () => ok(await api.GET('/api/v1/tickets/{id}', { params: { path: { id } } })),
  })
  const replies = useInfiniteQuery({
    queryKey: ['ticket', id, 'replies'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      ok(
        await api.GET('/api/v1/tickets/{id}/replies', {
          params: {
            path: { id },
            query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const x = ticket.data
  const status = isStatus(x?.status) && !x?.maskedFields?.includes('status') ? x.status : undefined
  const moves = status ? MOVES[status] : []
  const questions = [...moves.map(moveAction), 'ticket.reply', 'ticket.returnVisit']
  const allowed = useQuery({
    queryKey: ['ticket', id, 'allowed', x],
    enabled: x !== undefined,
    queryFn: async () => {
      const masked = new Set(x?.maskedFields ?? [])
      const attrs = Object.fromEntries(
        ATTRS.filter((a) => x?.[a] !== undefined && !masked.has(a)).map((a) => [a, x?.[a]]),
      ) as Record<string, string | number | boolean | null>
      const answer = ok(
        await api.POST('/api/v1/authz/check', {
          body: {
            checks: questions.map((action) => ({
              action,
              resource: { type: 'ticket', id, attrs },
            })),
          },
        }),
      )
      const results = 'results' in answer ? answer.results : [answer]
      return new Set(questions.filter((_, i) => results[i]?.allowed === true))
    },
  })
  const may = allowed.data ?? new Set<string>()
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['ticket', id] })
    await queryClient.invalidateQueries({ queryKey: ['tickets'] })
  }
  const move = useMutation({
    mutationFn: async (to: TicketStatus) =>
      ok(
        await api.POST('/api/v1/tickets/{id}/status', {
          params: { path: { id } },
          body: { status: to },
        }),
      ),
    onSuccess: refresh,
  })

  if (ticket.error) return <Problem error={ticket.error} />
  if (!x) return null
  const items = replies.data?.pages.flatMap((p) => p.items) ?? []
  return (
    <>
      <Typography.Paragraph>
        <Link to="/tickets">{t('work.tickets.back')}</Link>
      </Typography.Paragraph>
      <Typography.Title level={2}>{x.title ?? x.id}</Typography.Title>
      {mayReview && (
        <Space style={{ marginBottom: 16 }}>
          <WhoCanSee type="ticket" id={x.id} />
        </Space>
      )}
      {status === 'closed' && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16, maxWidth: 760 }}
          title={t('work.tickets.closedHelp')}
        />
      )}
      <Descriptions
        bordered
        size="small"
        column={1}
        style={{ maxWidth: 760, marginBottom: 16 }}
        items={[
          {
            key: 'status',
            label: t('work.tickets.status'),
            children: (
              <span data-testid="ticket-status">
                <StatusTag status={x.status} />
              </span>
            ),
          },
          {
            key: 'priority',
            label: t('work.tickets.priority'),
            children: x.priority ?? '—',
          },
          { key: 'category', label: t('work.tickets.category'), children: x.category ?? '—' },
          ...(x.customerId !== undefined
            ? [
                {
                  key: 'customerId',
                  label: t('create.ticket.customer'),
                  children: (
                    <span data-testid="ticket-customer">
                      <RefName type="customer" id={x.customerId} />
                    </span>
                  ),
                },
              ]
            : []),
          ...(x.assigneeId !== undefined
            ? [
                {
                  key: 'assigneeId',
                  label: t('refs.assignee'),
                  children: <RefName type="user" id={x.assigneeId} />,
                },
              ]
            : []),
          { key: 'faultCode', label: t('work.tickets.faultCode'), children: x.faultCode ?? '—' },
          {
            key: 'description',
            label: t('work.tickets.description'),
            children: <span style={{ whiteSpace: 'pre-wrap' }}>{x.description || '—'}</span>,
          },
          ...(x.updatedAt
            ? [
                {
                  key: 'updatedAt',
                  label: t('work.tickets.updated'),
                  children: formatDateTime(x.updatedAt, i18n.language, timeZone),
                },
              ]
            : []),
        ]}
      />
      <section aria-labelledby="moves-title" style={{ marginBottom: 24 }}>
        <Typography.Title level={3} id="moves-title">
          {t('work.tickets.moves')}
        </Typography.Title>
        <Space wrap data-testid="ticket-moves">
          {moves
            .filter((to) => may.has(moveAction(to)))
            .map((to) => (
              <Button
                key={to}
                loading={move.isPending && move.variables === to}
                onClick={() => move.mutate(to)}
              >
                {t(`work.tickets.move.${to}`)}
              </Button>
            ))}
        </Space>
        {allowed.isSuccess && !moves.some((to) => may.has(moveAction(to))) && (
          <Typography.Paragraph type="secondary">{t('work.tickets.noMoves')}</Typography.Paragraph>
        )}
        <Problem error={move.error ?? allowed.error} />
      </section>

      <section aria-labelledby="replies-title" style={{ maxWidth: 760 }}>
        <Typography.Title level={3} id="replies-title">
          {t('work.tickets.replies')}
        </Typography.Title>
        <Problem error={replies.error} />
        <List
          dataSource={items}
          // the empty text is read, not disabled: secondary grey has the contrast (axe, WCAG AA)
          locale={{
            emptyText: (
              <Typography.Text type="secondary">{t('work.tickets.noReplies')}</Typography.Text>
            ),
          }}
          renderItem={(r) => (
            <List.Item key={r.id}>
              <List.Item.Meta
                title={
                  <Space>
                    {r.kind === 'return_visit' && <Tag>{t('work.tickets.returnVisit')}</Tag>}
                    {r.createdAt && formatDateTime(r.createdAt, i18n.language, timeZone)}
                  </Space>
                }
                description={<span style={{ whiteSpace: 'pre-wrap' }}>{r.body ?? '—'}</span>}
              />
            </List.Item>
          )}
        />
        {replies.hasNextPage && (
          <Button loading={replies.isFetchingNextPage} onClick={() => void replies.fetchNextPage()}>
            {t('common.more')}
          </Button>
        )}
        {may.has('ticket.reply') && <Write id={id} kind="reply" onDone={refresh} />}
        {may.has('ticket.returnVisit') && <Write id={id} kind="returnVisit" onDone={refresh} />}
      </section>
    </>
  )
}

/** A reply, or a return visit on a closed ticket (P5). */
function Write({
  id,
  kind,
  onDone,
}: {
  id: string
  kind: 'reply' | 'returnVisit'
  onDone: () => Promise<void>
}) {
  const { t } = useTranslation()
  const [form] = Form.useForm<{ body: string }>()
  const send = useMutation({
    mutationFn: async (body: string) =>
      ok(
        kind === 'reply'
          ? await api.POST('/api/v1/tickets/{id}/replies', {
              params: { path: { id } },
              body: { body },
            })
          : await api.POST('/api/v1/tickets/{id}/return-visits', {
              params: { path: { id } },
              body: { body },
            }),
      ),
    onSuccess: async () => {
      form.resetFields()
      await onDone()
    },
  })
  return (
    <Form
      form={form}
      layout="vertical"
      name={`ticket-${kind}`}
      style={{ marginTop: 16 }}
      onFinish={(v) => send.mutate(v.body.trim())}
    >
      <Form.Item
        label={t(`work.tickets.${kind}Label`)}
        name="body"
        rules={[
          { required: true, whitespace: true, message: t('form.required') },
          { max: 10000, message: t('form.tooLong', { n: 10000 }) },
        ]}
      >
        <Input.TextArea rows={3} maxLength={10000} />
      </Form.Item>
      <Button htmlType="submit" loading={send.isPending}>
        {t(`work.tickets.${kind}Send`)}
      </Button>
      <div style={{ marginTop: 8 }}>
        <Problem error={send.error} />
      </div>
    </Form>
  )
}
