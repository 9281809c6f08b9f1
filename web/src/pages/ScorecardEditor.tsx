import { Button, Flex, Form, Input, InputNumber } from 'antd'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { FormDialog, useDialogSave } from '../components/FormDialog'

export interface Criterion {
  key: string
  label: string
  weight: number
  max: number
}

export interface Scorecard {
  id: string
  name: string
  criteria: Criterion[]
}

interface ScorecardForm {
  name: string
  criteria: Criterion[]
}

const EMPTY: Criterion = { key: '', label: '', weight: 1, max: 5 }

/**
 * A scorecard's name and its items (key, label, weight, highest score), added and removed in
 * place: `POST /qa/scorecards` for a new one (`qaScorecard.create`), `PATCH /qa/scorecards/{id}`
 * replacing the whole list for an existing one (`qaScorecard.edit`). The server checks every
 * item again; its field errors (`body/criteria/1/key`, a name taken) land on their fields, and
 * the whole answer is shown below the form.
 */
export function ScorecardEditor({
  card,
  onClose,
}: {
  /** the scorecard to edit; none: a new one */
  card?: Scorecard | undefined
  onClose: () => void
}) {
  const { t } = useTranslation()
  const [form] = Form.useForm<ScorecardForm>()
  const save = useDialogSave(form, {
    save: async (v: ScorecardForm) => {
      const body = {
        name: v.name.trim(),
        criteria: v.criteria.map((c) => ({
          key: c.key.trim(),
          label: c.label.trim(),
          weight: c.weight,
          max: c.max,
        })),
      }
      return card
        ? ok(
            await api.PATCH('/api/v1/qa/scorecards/{id}', {
              params: { path: { id: card.id } },
              body,
            }),
          )
        : ok(await api.POST('/api/v1/qa/scorecards', { body }))
    },
    fields: ['name', 'criteria'],
    invalidate: [['qa', 'scorecards']],
    onSaved: onClose,
  })
  const required = [{ required: true, message: t('form.required') }]
  return (
    <FormDialog
      form={form}
      name="qa-scorecard"
      width={820}
      title={card ? t('work.qa.editTitle', { name: card.name }) : t('work.qa.newScorecard')}
      okText={t('work.qa.saveScorecard')}
      save={save}
      onClose={onClose}
      initialValues={card ? { name: card.name, criteria: card.criteria } : { criteria: [EMPTY] }}
    >
      <Form.Item
        label={t('work.qa.name')}
        name="name"
        rules={[{ required: true, whitespace: true, message: t('form.required') }]}
      >
        <Input maxLength={100} />
      </Form.Item>
      <Form.List name="criteria">
        {(items, { add, remove }) => (
          <>
            {items.map(({ key, name }, i) => (
              <fieldset
                key={key}
                style={{ border: '1px solid #d9d9d9', padding: '8px 12px', marginBottom: 12 }}
              >
                <legend style={{ fontSize: 14, width: 'auto', marginBottom: 0 }}>
                  {t('work.qa.item', { n: i + 1 })}
                </legend>
                <Flex wrap gap={12} align="flex-start">
                  <Form.Item
                    label={t('work.qa.itemKey', { n: i + 1 })}
                    name={[name, 'key']}
                    rules={required}
                    extra={i === 0 ? t('work.qa.itemKeyHelp') : undefined}
                    style={{ width: 170, marginBottom: 8 }}
                  >
                    <Input maxLength={40} />
                  </Form.Item>
                  <Form.Item
                    label={t('work.qa.itemLabel', { n: i + 1 })}
                    name={[name, 'label']}
                    rules={required}
                    style={{ width: 260, marginBottom: 8 }}
                  >
                    <Input maxLength={100} />
                  </Form.Item>
                  <Form.Item
                    label={t('work.qa.itemWeight', { n: i + 1 })}
                    name={[name, 'weight']}
                    rules={required}
                    style={{ width: 110, marginBottom: 8 }}
                  >
                    <InputNumber precision={0} style={{ width: '100%' }} />
                  </Form.Item>
                  <Form.Item
                    label={t('work.qa.itemMax', { n: i + 1 })}
                    name={[name, 'max']}
                    rules={required}
                    style={{ width: 110, marginBottom: 8 }}
                  >
                    <InputNumber precision={0} style={{ width: '100%' }} />
                  </Form.Item>
                  {items.length > 1 && (
                    <Button
                      danger
                      style={{ marginTop: 30 }}
                      aria-label={t('work.qa.removeItem', { n: i + 1 })}
                      onClick={() => remove(name)}
                    >
                      {t('work.qa.remove')}
                    </Button>
                  )}
                </Flex>
              </fieldset>
            ))}
            {items.length < 30 && (
              <Button onClick={() => add({ ...EMPTY })}>{t('work.qa.addItem')}</Button>
            )}
          </>
        )}
      </Form.List>
    </FormDialog>
  )
}
