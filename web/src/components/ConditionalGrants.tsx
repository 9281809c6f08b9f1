import { Button, Card, Checkbox, Input, InputNumber, Select, Space, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import {
  emptyRule,
  OPS,
  ORDERED,
  scopesFor,
  sharedAttributes,
  type CatalogResource,
  type Op,
  type RuleDraft,
  type Scope,
} from './condition-draft'

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const

interface Props {
  rules: RuleDraft[]
  resources: readonly CatalogResource[]
  onChange(rules: RuleDraft[]): void
}

/**
 * Permissions with conditions (issue 12, P6, P7, P8, P9): each one its actions and records, the
 * conditions on the record (ticket status, priority, …: only the attributes the catalog lets a
 * condition read), a time window on the company's clock, weekdays, address ranges, limits and
 * obligations. Everything must hold at once. The server checks kinds and ranges and says which
 * part it refuses.
 */
export function ConditionalGrants({ rules, resources, onChange }: Props) {
  const { t } = useTranslation()
  const actionOptions = resources.flatMap((r) =>
    r.actions.map((a) => ({ value: a.action, label: a.action })),
  )
  const update = (i: number, patch: Partial<RuleDraft>) =>
    onChange(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  return (
    <Card title={t('conditions.title')} style={{ marginTop: 16 }} size="small">
      <Typography.Paragraph type="secondary">{t('conditions.help')}</Typography.Paragraph>
      {rules.map((rule, i) => {
        const n = i + 1
        const attrs = sharedAttributes(rule.actions, resources)
        const id = (part: string) => `cond-${i}-${part}`
        return (
          <fieldset
            key={i}
            data-testid={`condition-rule-${n}`}
            style={{ border: '1px solid #e5e5e5', padding: '8px 12px', marginBottom: 12 }}
          >
            <legend style={{ fontSize: 14, fontWeight: 600, width: 'auto', margin: 0 }}>
              {t('conditions.rule', { n })}
            </legend>
            <Space direction="vertical" style={{ width: '100%' }}>
              <label htmlFor={id('actions')}>{t('conditions.actions', { n })}</label>
              <Select
                id={id('actions')}
                mode="multiple"
                style={{ width: '100%' }}
                value={rule.actions}
                options={actionOptions}
                onChange={(actions: string[]) => update(i, { actions })}
              />
              <Space wrap>
                <label htmlFor={id('scope')}>{t('conditions.scope', { n })}</label>
                <Select
                  id={id('scope')}
                  style={{ width: 260 }}
                  value={rule.scope}
                  onChange={(scope: Scope) => update(i, { scope })}
                  options={scopesFor(rule.actions, resources).map((s) => ({
                    value: s,
                    label: t(`scope.${s}`),
                  }))}
                />
              </Space>
              {rule.compares.map((c, k) => {
                const kind = attrs[c.attr]
                const ops = kind === 'number' ? OPS : OPS.filter((o) => !ORDERED.includes(o))
                const m = k + 1
                return (
                  <Space key={k} wrap data-testid={`condition-${n}-${m}`}>
                    <select
                      aria-label={t('conditions.attr', { n, m })}
                      style={{ height: 32, minWidth: 160 }}
                      value={c.attr}
                      onChange={(e) =>
                        update(i, {
                          compares: rule.compares.map((x, j) =>
                            j === k ? { ...x, attr: e.target.value } : x,
                          ),
                        })
                      }
                    >
                      {!(c.attr in attrs) && <option value={c.attr}>{c.attr}</option>}
                      {Object.keys(attrs).map((a) => (
                        <option key={a} value={a}>
                          {a}
                        </option>
                      ))}
                    </select>
                    <select
                      aria-label={t('conditions.op', { n, m })}
                      style={{ height: 32 }}
                      value={c.op}
                      onChange={(e) =>
                        update(i, {
                          compares: rule.compares.map((x, j) =>
                            j === k ? { ...x, op: e.target.value as Op } : x,
                          ),
                        })
                      }
                    >
                      {ops.map((o) => (
                        <option key={o} value={o}>
                          {t(`conditions.ops.${o}`)}
                        </option>
                      ))}
                    </select>
                    <Input
                      aria-label={t('conditions.value', { n, m })}
                      style={{ width: 220 }}
                      value={c.value}
                      placeholder={c.op === 'in' ? t('conditions.valuesHint') : undefined}
                      onChange={(e) =>
                        update(i, {
                          compares: rule.compares.map((x, j) =>
                            j === k ? { ...x, value: e.target.value } : x,
                          ),
                        })
                      }
                    />
                    <Button
                      onClick={() =>
                        update(i, { compares: rule.compares.filter((_, j) => j !== k) })
                      }
                    >
                      {t('conditions.removeCondition', { n, m })}
                    </Button>
                  </Space>
                )
              })}
              <Button
                disabled={Object.keys(attrs).length === 0}
                onClick={() =>
                  update(i, {
                    compares: [
                      ...rule.compares,
                      { attr: Object.keys(attrs)[0] ?? '', op: 'eq', value: '' },
                    ],
                  })
                }
              >
                {t('conditions.addCondition', { n })}
              </Button>
              <Space wrap>
                <Checkbox
                  checked={rule.time !== null}
                  onChange={(e) =>
                    update(i, { time: e.target.checked ? { from: '09:00', to: '18:00' } : null })
                  }
                >
                  {t('conditions.timeOn', { n })}
                </Checkbox>
                {rule.time && (
                  <>
                    <Input
                      aria-label={t('conditions.from', { n })}
                      style={{ width: 90 }}
                      value={rule.time.from}
                      onChange={(e) =>
                        update(i, { time: { ...(rule.time ?? { to: '' }), from: e.target.value } })
                      }
                    />
                    <Input
                      aria-label={t('conditions.to', { n })}
                      style={{ width: 90 }}
                      value={rule.time.to}
                      onChange={(e) =>
                        update(i, { time: { ...(rule.time ?? { from: '' }), to: e.target.value } })
                      }
                    />
                  </>
                )}
              </Space>
              <Space wrap role="group" aria-label={t('conditions.weekdays', { n })}>
                <span>{t('conditions.weekdays', { n })}</span>
                {WEEKDAYS.map((d) => (
                  <Checkbox
                    key={d}
                    checked={rule.weekdays.includes(d)}
                    onChange={(e) =>
                      update(i, {
                        weekdays: e.target.checked
                          ? [...rule.weekdays, d]
                          : rule.weekdays.filter((x) => x !== d),
                      })
                    }
                  >
                    {t(`conditions.day${d}`)}
                  </Checkbox>
                ))}
              </Space>
              <Space wrap>
                <label htmlFor={id('ip')}>{t('conditions.ip', { n })}</label>
                <Input
                  id={id('ip')}
                  style={{ width: 320 }}
                  placeholder="10.0.0.0/8, 192.168.1.0/24"
                  value={rule.ipRanges}
                  onChange={(e) => update(i, { ipRanges: e.target.value })}
                />
              </Space>
              <Space wrap>
                <label htmlFor={id('perDay')}>{t('conditions.perDay', { n })}</label>
                <InputNumber
                  id={id('perDay')}
                  min={0}
                  value={rule.perDay}
                  onChange={(v) => update(i, { perDay: typeof v === 'number' ? v : null })}
                />
                <label htmlFor={id('concurrent')}>{t('conditions.concurrent', { n })}</label>
                <InputNumber
                  id={id('concurrent')}
                  min={0}
                  value={rule.concurrent}
                  onChange={(v) => update(i, { concurrent: typeof v === 'number' ? v : null })}
                />
              </Space>
              <Space wrap>
                <Checkbox
                  checked={rule.audit}
                  onChange={(e) => update(i, { audit: e.target.checked })}
                >
                  {t('conditions.audit')}
                </Checkbox>
                <Checkbox
                  checked={rule.reasonRequired}
                  onChange={(e) => update(i, { reasonRequired: e.target.checked })}
                >
                  {t('conditions.reason')}
                </Checkbox>
                <Checkbox
                  checked={rule.approvalRequired}
                  onChange={(e) => update(i, { approvalRequired: e.target.checked })}
                >
                  {t('conditions.approval')}
                </Checkbox>
              </Space>
              <Button danger onClick={() => onChange(rules.filter((_, j) => j !== i))}>
                {t('conditions.removeRule', { n })}
              </Button>
            </Space>
          </fieldset>
        )
      })}
      <Button onClick={() => onChange([...rules, emptyRule()])}>{t('conditions.addRule')}</Button>
    </Card>
  )
}
