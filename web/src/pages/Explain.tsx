import { DeleteOutlined, PlusOutlined } from '@ant-design/icons'
import { useMutation, useQuery } from '@tanstack/react-query'
import {
  Alert,
  Badge,
  Button,
  Card,
  Form,
  Input,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { RemotePicker, withEmail } from '../components/RemotePicker'
import { useMe } from '../me'

/** GET /api/v1/permissions, as far as this page reads it. */
interface Catalog {
  resources: {
    type: string
    label: string
    module: string
    actions: { action: string; highRisk: boolean }[]
  }[]
}

interface Attribute {
  name?: string
  value?: string
}

interface Question {
  userId: string
  action: string
  recordId?: string
  attrs?: Attribute[]
}

const OUTCOME_STATUS: Record<string, 'success' | 'warning' | 'default'> = {
  matched: 'success',
  out_of_scope: 'warning',
  condition_not_met: 'warning',
}

/** `"true"` → true, `"12"` → 12, `"null"` → null; anything else stays text. */
function attrValue(text: string): string | number | boolean | null {
  const v = text.trim()
  if (v === 'true') return true
  if (v === 'false') return false
  if (v === 'null') return null
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v)
  return v
}

/**
 * The explain tool: pick a person, an action and (optionally) a record, and read the decision
 * and every rule that was considered, in words (POST /api/v1/authz/explain).
 */
export function ExplainPage() {
  const { t } = useTranslation()
  const me = useMe()
  const [form] = Form.useForm<Question>()
  const catalog = useQuery({
    queryKey: ['permissions'],
    queryFn: async () => ok(await api.GET('/api/v1/permissions')) as Catalog,
    staleTime: Infinity,
  })
  const explain = useMutation({
    mutationFn: async (q: Question) => {
      const type = q.action.split('.')[0] ?? ''
      const attrs = Object.fromEntries(
        (q.attrs ?? [])
          .filter((a): a is Required<Attribute> => !!a.name?.trim() && a.value !== undefined)
          .map((a) => [a.name.trim(), attrValue(a.value)]),
      )
      const hasRecord = !!q.recordId?.trim() || Object.keys(attrs).length > 0
      return ok(
        await api.POST('/api/v1/authz/explain', {
          body: {
            subject: { userId: q.userId },
            action: q.action,
            ...(hasRecord
              ? {
                  resource: {
                    type,
                    ...(q.recordId?.trim() ? { id: q.recordId.trim() } : {}),
                    ...(Object.keys(attrs).length > 0 ? { attrs } : {}),
                  },
                }
              : {}),
          },
        }),
      )
    },
  })

  const actionOptions = (catalog.data?.resources ?? []).map((r) => ({
    label: `${r.label} (${r.type})`,
    title: r.type,
    options: r.actions.map((a) => ({ value: a.action, label: a.action })),
  }))
  const result = explain.data

  return (
    <>
      <Typography.Title level={2}>{t('explain.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('explain.help')}</Typography.Paragraph>
      <Card style={{ maxWidth: 760, marginBottom: 24 }}>
        <Form
          form={form}
          layout="vertical"
          name="explain"
          requiredMark={false}
          initialValues={{ userId: me.data?.user?.id, attrs: [] }}
          onFinish={(q) => explain.mutate(q)}
        >
          <Form.Item
            label={t('explain.person')}
            name="userId"
            rules={[{ required: true, message: t('form.required') }]}
          >
            <RemotePicker kind="user" describe={(u) => withEmail(u, '<', '>')} />
          </Form.Item>
          <Form.Item
            label={t('explain.action')}
            name="action"
            extra={t('explain.actionHelp')}
            rules={[{ required: true, message: t('form.required') }]}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              loading={catalog.isPending}
              options={actionOptions}
            />
          </Form.Item>
          <Form.Item label={t('explain.recordId')} name="recordId" extra={t('explain.recordHelp')}>
            <Input />
          </Form.Item>
          <Form.List name="attrs">
            {(fields, { add, remove }) => (
              <>
                <Typography.Text strong>{t('explain.attributes')}</Typography.Text>
                <Typography.Paragraph type="secondary">
                  {t('explain.attributesHelp')}
                </Typography.Paragraph>
                {fields.map((field, i) => (
                  <Space key={field.key} align="start" wrap>
                    <Form.Item
                      label={t('explain.attrName', { n: i + 1 })}
                      name={[field.name, 'name']}
                    >
                      <Input placeholder="status" />
                    </Form.Item>
                    <Form.Item
                      label={t('explain.attrValue', { n: i + 1 })}
                      name={[field.name, 'value']}
                    >
                      <Input placeholder="closed" />
                    </Form.Item>
                    <Button
                      aria-label={t('explain.removeAttr', { n: i + 1 })}
                      icon={<DeleteOutlined aria-hidden />}
                      style={{ marginTop: 30 }}
                      onClick={() => remove(field.name)}
                    />
                  </Space>
                ))}
                <Form.Item>
                  <Button icon={<PlusOutlined aria-hidden />} onClick={() => add({})}>
                    {t('explain.addAttr')}
                  </Button>
                </Form.Item>
              </>
            )}
          </Form.List>
          <Problem error={catalog.error ?? explain.error} />
          <Button type="primary" htmlType="submit" loading={explain.isPending}>
            {t('explain.submit')}
          </Button>
        </Form>
      </Card>
      {result && (
        <section aria-labelledby="explain-result">
          <Typography.Title level={3} id="explain-result">
            {t('explain.result')}
          </Typography.Title>
          <Alert
            type={result.allowed ? 'success' : 'error'}
            showIcon
            title={
              <span data-testid="decision">
                {result.allowed ? t('explain.allowed') : t('explain.denied')} —{' '}
                <code>{result.reason}</code>
              </span>
            }
            description={t(`reason.${result.reason}`, { defaultValue: result.reason })}
            style={{ marginBottom: 16, maxWidth: 760 }}
          />
          <Obligations obligations={result.obligations} />
          <Typography.Title level={4}>{t('explain.trace')}</Typography.Title>
          <Typography.Paragraph type="secondary">{t('explain.traceHelp')}</Typography.Paragraph>
          <Table
            size="small"
            pagination={false}
            rowKey={(e) => `${e.rule.kind}:${e.rule.id}:${e.rule.index}`}
            dataSource={result.trace}
            locale={{ emptyText: t('explain.noRules') }}
            columns={[
              {
                title: t('explain.rule'),
                key: 'rule',
                render: (_: unknown, e) => (
                  <>
                    <Tag>{t(`ruleKind.${e.rule.kind}`, { defaultValue: e.rule.kind })}</Tag>
                    {e.rule.label ?? e.rule.id}{' '}
                    <Typography.Text type="secondary">
                      {t('explain.ruleNumber', { n: e.rule.index + 1 })}
                    </Typography.Text>
                  </>
                ),
              },
              {
                title: t('explain.effect'),
                dataIndex: 'effect',
                render: (effect: string) => t(`effect.${effect}`, { defaultValue: effect }),
              },
              {
                title: t('explain.outcome'),
                dataIndex: 'outcome',
                render: (outcome: string) => (
                  <Badge
                    status={OUTCOME_STATUS[outcome] ?? 'default'}
                    text={t(`outcome.${outcome}`, { defaultValue: outcome })}
                  />
                ),
              },
            ]}
          />
        </section>
      )}
    </>
  )
}

function Obligations({
  obligations,
}: {
  obligations: {
    fields: Record<string, string>
    audit: boolean
    reasonRequired: boolean
    approvalRequired: boolean
    limits?: { perDay?: number; concurrent?: number }
  }
}) {
  const { t } = useTranslation()
  const fields = Object.entries(obligations.fields)
  const items = [
    obligations.audit && t('roles.audit'),
    obligations.reasonRequired && t('roles.reasonRequired'),
    obligations.approvalRequired && t('roles.approvalRequired'),
    obligations.limits?.perDay !== undefined && t('roles.perDay', { n: obligations.limits.perDay }),
    obligations.limits?.concurrent !== undefined &&
      t('roles.concurrent', { n: obligations.limits.concurrent }),
  ].filter((x): x is string => typeof x === 'string')
  if (fields.length === 0 && items.length === 0) return null
  return (
    <div style={{ marginBottom: 16 }}>
      <Typography.Text strong>{t('explain.obligations')}</Typography.Text>{' '}
      <Space size={[4, 4]} wrap>
        {items.map((i) => (
          <Tag key={i}>{i}</Tag>
        ))}
        {fields.map(([name, level]) => (
          <Tag key={name}>
            {name}: {t(`fieldLevel.${level}`, { defaultValue: level })}
          </Tag>
        ))}
      </Space>
    </div>
  )
}
