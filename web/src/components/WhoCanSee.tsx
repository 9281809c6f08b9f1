import { useQuery } from '@tanstack/react-query'
import { Button, Modal, Table, Tag, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { Problem } from './Problem'

type ReviewType = 'customer' | 'ticket'

/**
 * "Who can see": the people of my company who may view this record, with the fields hidden or
 * masked to them and the rules that allow it (GET /authz/who-can-see). Asked only when opened
 * (each answer is audited); the caller shows the button only to holders of audit.view.
 */
export function WhoCanSee({ type, id }: { type: ReviewType; id: string }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState(false)
  return (
    <>
      <Button onClick={() => setOpen(true)}>{t('oversight.who.open')}</Button>
      {open && <WhoCanSeeDialog type={type} id={id} onClose={() => setOpen(false)} />}
    </>
  )
}

function WhoCanSeeDialog(props: { type: ReviewType; id: string; onClose: () => void }) {
  const { t } = useTranslation()
  const { type, id, onClose } = props
  const answer = useQuery({
    queryKey: ['who-can-see', type, id],
    gcTime: 0,
    queryFn: async () =>
      ok(await api.GET('/api/v1/authz/who-can-see', { params: { query: { type, id } } })),
  })
  const people = answer.data?.people ?? []
  return (
    <Modal
      open
      width={860}
      title={t('oversight.who.title')}
      onCancel={onClose}
      destroyOnHidden
      footer={<Button onClick={onClose}>{t('oversight.close')}</Button>}
    >
      <Typography.Paragraph type="secondary">{t('oversight.who.help')}</Typography.Paragraph>
      <Problem error={answer.error} />
      {answer.data && (
        <Table
          size="small"
          rowKey="userId"
          pagination={false}
          aria-label={t('oversight.who.title')}
          dataSource={people}
          locale={{ emptyText: t('oversight.who.nobody') }}
          columns={[
            { title: t('oversight.who.person'), dataIndex: 'name' },
            {
              title: t('oversight.who.masks'),
              key: 'masks',
              render: (_: unknown, p: (typeof people)[number]) => {
                const masks = Object.entries(p.masks)
                return masks.length === 0
                  ? t('oversight.who.allClear')
                  : masks.map(([field, level]) => (
                      <Tag key={field}>{`${field}: ${t(`fieldLevel.${level}`)}`}</Tag>
                    ))
              },
            },
            {
              title: t('oversight.who.why'),
              key: 'why',
              render: (_: unknown, p: (typeof people)[number]) =>
                p.why.map((w) => (
                  <Tag key={`${w.kind}:${w.id}`} color="blue">
                    {`${t(`oversight.kind.${w.kind}`)}: ${w.name}`}
                  </Tag>
                )),
            },
            {
              title: t('oversight.who.obligations'),
              key: 'obligations',
              render: (_: unknown, p: (typeof people)[number]) =>
                [
                  p.reasonRequired && t('oversight.who.reasonRequired'),
                  p.approvalRequired && t('oversight.who.approvalRequired'),
                  p.audited && t('oversight.who.audited'),
                ]
                  .filter(Boolean)
                  .join(', ') || '—',
            },
          ]}
        />
      )}
    </Modal>
  )
}
