import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Button, Descriptions, Form, Input, List, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router'
import { api, ok } from '../api/client'
import { DeleteButton } from '../components/DeleteButton'
import { FieldValue } from '../components/FieldValue'
import { Problem } from '../components/Problem'
import { RefName } from '../components/RefName'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'
import { ChannelName, ChatStatusTag } from './Chats'

/**
 * One chat (`GET /chats/{id}`) as my field rules show it: its transcript in clear, each message
 * masked where a role masks it, or "hidden" where a role hides it. **Reply** and **Close the
 * chat** with `chat.reply` while it is open, the notes' form with `chat.note` (`/me`); the server
 * decides every write again, and its refusal is shown with its reason.
 */
export function ChatDetailPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const { id = '' } = useParams()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const me = useMe().data
  const may = allowedActions(me)
  const [replyForm] = Form.useForm<{ body: string }>()
  const chat = useQuery({
    queryKey: ['chat', id],
    queryFn: async () => ok(await api.GET('/api/v1/chats/{id}', { params: { path: { id } } })),
  })
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['chat', id] })
    await queryClient.invalidateQueries({ queryKey: ['chats'] })
  }
  const reply = useMutation({
    mutationFn: async (body: string) =>
      ok(
        await api.POST('/api/v1/chats/{id}/messages', {
          params: { path: { id } },
          body: { body },
        }),
      ),
    onSuccess: async () => {
      replyForm.resetFields()
      await refresh()
    },
  })
  const close = useMutation({
    mutationFn: async () =>
      ok(await api.POST('/api/v1/chats/{id}/close', { params: { path: { id } } })),
    onSuccess: refresh,
  })
  const remove = useMutation({
    mutationFn: async () =>
      ok(await api.DELETE('/api/v1/chats/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: ['chat', id] })
      await queryClient.invalidateQueries({ queryKey: ['chats'] })
      void navigate('/chats')
    },
  })
  const notes = useMutation({
    mutationFn: async (text: string) =>
      ok(
        await api.PUT('/api/v1/chats/{id}/notes', {
          params: { path: { id } },
          body: { notes: text },
        }),
      ),
    onSuccess: refresh,
  })

  const back = (
    <Typography.Paragraph>
      <Link to="/chats">{t('work.chats.back')}</Link>
    </Typography.Paragraph>
  )
  if (chat.error) {
    return (
      <>
        {back}
        <Problem error={chat.error} />
      </>
    )
  }
  const x = chat.data
  if (!x) return null
  const masked = (f: string) => x.maskedFields?.includes(f) ?? false
  const isOpen = x.status === 'open'
  const name = typeof x.phone === 'string' ? x.phone : x.id
  const mayNote = may.has('chat.note') && typeof x.notes === 'string' && !masked('notes')

  return (
    <>
      {back}
      <Typography.Title level={2}>{t('work.chats.detailTitle', { name })}</Typography.Title>
      <Descriptions
        bordered
        size="small"
        column={1}
        style={{ maxWidth: 760, marginBottom: 16 }}
        items={[
          {
            key: 'status',
            label: t('work.chats.status'),
            children: (
              <span data-testid="chat-status">
                <ChatStatusTag status={x.status} />
              </span>
            ),
          },
          { key: 'channel', label: t('work.chats.channel'), children: <ChannelName chat={x} /> },
          {
            key: 'phone',
            label: t('work.chats.number'),
            children: <FieldValue value={x.phone} masked={masked('phone')} />,
          },
          {
            key: 'agent',
            label: t('refs.agent'),
            children: <RefName type="user" id={x.agentId} />,
          },
          ...(x.customerId
            ? [
                {
                  key: 'customer',
                  label: t('work.chats.customer'),
                  children: <RefName type="customer" id={x.customerId} />,
                },
              ]
            : []),
          {
            key: 'started',
            label: t('work.chats.started'),
            children: x.startedAt ? formatDateTime(x.startedAt, i18n.language, timeZone) : '—',
          },
          ...(x.closedAt
            ? [
                {
                  key: 'closed',
                  label: t('work.chats.closedAt'),
                  children: formatDateTime(x.closedAt, i18n.language, timeZone),
                },
              ]
            : []),
          {
            key: 'duration',
            label: t('work.chats.duration'),
            children: <FieldValue value={x.durationSec} masked={masked('durationSec')} />,
          },
        ]}
      />

      <Typography.Title level={3}>{t('work.chats.transcript')}</Typography.Title>
      {x.transcript === undefined ? (
        <Typography.Paragraph data-testid="transcript-hidden">
          <Tag>{t('work.customers.hidden')}</Tag> {t('work.chats.transcriptHidden')}
        </Typography.Paragraph>
      ) : (
        <>
          {masked('transcript') && (
            <Typography.Paragraph type="secondary">
              {t('work.chats.transcriptMasked')}
            </Typography.Paragraph>
          )}
          <List
            style={{ maxWidth: 760 }}
            bordered
            data-testid="transcript"
            dataSource={x.transcript}
            locale={{ emptyText: t('work.chats.noMessages') }}
            renderItem={(m) => (
              <List.Item>
                <List.Item.Meta
                  title={
                    <Space>
                      {m.author === 'customer' ? (
                        t('work.chats.customerSays')
                      ) : m.authorId === me?.user?.id ? (
                        t('work.chats.you')
                      ) : (
                        <RefName type="user" id={m.authorId} />
                      )}
                      <Typography.Text type="secondary">
                        {formatDateTime(m.createdAt, i18n.language, timeZone)}
                      </Typography.Text>
                    </Space>
                  }
                  description={
                    <span style={{ whiteSpace: 'pre-wrap', color: 'rgba(0,0,0,0.88)' }}>
                      <FieldValue value={m.body} masked={masked('transcript')} />
                    </span>
                  }
                />
              </List.Item>
            )}
          />
        </>
      )}

      {may.has('chat.reply') && isOpen && (
        <Form
          form={replyForm}
          layout="vertical"
          name="chat-reply"
          style={{ maxWidth: 760, marginTop: 16 }}
          onFinish={(v) => reply.mutate(v.body.trim())}
        >
          <Form.Item
            label={t('work.chats.reply')}
            name="body"
            rules={[{ required: true, whitespace: true, message: t('form.required') }]}
          >
            <Input.TextArea rows={3} maxLength={4000} />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" disabled={reply.isPending}>
              {t('work.chats.send')}
            </Button>
            <Button danger disabled={close.isPending} onClick={() => close.mutate()}>
              {t('work.chats.close')}
            </Button>
          </Space>
        </Form>
      )}
      <div style={{ maxWidth: 760, marginTop: 8 }}>
        <Problem error={reply.error} />
        <Problem error={close.error} />
      </div>

      <Typography.Title level={3} style={{ marginTop: 24 }}>
        {t('work.chats.notes')}
      </Typography.Title>
      {mayNote ? (
        <Form
          layout="vertical"
          name="chat-notes"
          style={{ maxWidth: 760 }}
          initialValues={{ notes: x.notes }}
          onFinish={(v: { notes?: string }) => notes.mutate(v.notes ?? '')}
        >
          <Form.Item label={t('work.chats.notesLabel')} name="notes">
            <Input.TextArea rows={3} maxLength={10000} />
          </Form.Item>
          <Button type="primary" htmlType="submit" disabled={notes.isPending}>
            {t('work.chats.saveNotes')}
          </Button>
          {notes.isSuccess && !notes.isPending && (
            <Typography.Text role="status" style={{ marginLeft: 12 }} data-testid="notes-saved">
              {t('work.chats.notesSaved')}
            </Typography.Text>
          )}
          <div style={{ marginTop: 8 }}>
            <Problem error={notes.error} />
          </div>
        </Form>
      ) : (
        <Typography.Paragraph data-testid="chat-notes">
          <FieldValue value={x.notes} masked={masked('notes')} />
        </Typography.Paragraph>
      )}

      {may.has('chat.delete') && (
        <DeleteButton
          label={t('work.chats.delete')}
          confirm={t('work.chats.deleteConfirm', { name })}
          remove={remove}
          style={{ maxWidth: 760 }}
        />
      )}
    </>
  )
}
