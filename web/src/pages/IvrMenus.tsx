import { Button, Card, Form, Input, Select, Space, Tag, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { FormDialog, useDialogSave } from '../components/FormDialog'
import { RecordListPage, usePagedList } from '../components/RecordList'
import { RefName } from '../components/RefName'
import { RemotePicker } from '../components/RemotePicker'
import { formatDateTime } from '../format'
import { useTimeZone } from '../me'

const DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*', '#'] as const
const ACTIONS = ['queue', 'submenu', 'message', 'hangup'] as const
/** The API's deepest menu (ivrLimits.depth). */
const DEPTH = 5

type Action = (typeof ACTIONS)[number]
type Digit = (typeof DIGITS)[number]
interface OptionForm {
  digit: Digit
  label: string
  action: Action
  queue?: string
  message?: string
  options?: OptionForm[]
}
type Menu = { id: string; name?: string; projectId?: string; updatedAt?: string } & {
  options?: OptionForm[]
  maskedFields?: string[]
}

/** An option tree as the API takes it: only the field its action uses, trimmed. */
function toBody(options: readonly OptionForm[] | undefined): OptionForm[] {
  return (options ?? []).map((o) => ({
    digit: o.digit,
    label: o.label.trim(),
    action: o.action,
    ...(o.action === 'queue' && { queue: (o.queue ?? '').trim() }),
    ...(o.action === 'message' && { message: (o.message ?? '').trim() }),
    ...(o.action === 'submenu' && { options: toBody(o.options) }),
  }))
}

/**
 * IVR menus ([004] IVR导航, P1, P10): a project's voice menus, those of the projects I reach.
 * Created and deleted by those the server lets (among the presets Admin and Supervisor), edited
 * by them and the trainer; the server decides every save and its refusal is shown with its
 * reason.
 */
export function IvrMenusPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const list = usePagedList<Menu>(['ivr-menus'], async (cursor) =>
    ok(
      await api.GET('/api/v1/ivr-menus', {
        params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } },
      }),
    ),
  )
  return (
    <RecordListPage<Menu>
      strings="ivr"
      rights={{ create: 'ivrMenu.create', edit: 'ivrMenu.edit', delete: 'ivrMenu.delete' }}
      list={list}
      remove={async (m) =>
        ok(await api.DELETE('/api/v1/ivr-menus/{id}', { params: { path: { id: m.id } } }))
      }
      invalidate={['ivr-menus']}
      names={(m) => ({ name: m.name ?? '' })}
      editor={(menu, close) => <MenuEditor menu={menu} onClose={close} />}
      columns={[
        { title: t('ivr.name'), dataIndex: 'name' },
        {
          title: t('ivr.project'),
          dataIndex: 'projectId',
          render: (id: string | undefined) => <RefName type="project" id={id} />,
        },
        {
          title: t('ivr.options'),
          key: 'options',
          render: (_: unknown, m: Menu) => (
            <Space size={[0, 4]} wrap>
              {(m.options ?? []).map((o) => (
                <Tag key={o.digit}>
                  {o.digit} · {o.label}
                </Tag>
              ))}
            </Space>
          ),
        },
        {
          title: t('ivr.updated'),
          dataIndex: 'updatedAt',
          render: (d: string | undefined) => (d ? formatDateTime(d, i18n.language, timeZone) : '—'),
        },
      ]}
    />
  )
}

interface MenuForm {
  name: string
  projectId: string
  options: OptionForm[]
}

function MenuEditor({ menu, onClose }: { menu?: Menu; onClose(): void }) {
  const { t } = useTranslation()
  const [form] = Form.useForm<MenuForm>()
  const save = useDialogSave(form, {
    save: async (v: MenuForm) => {
      const body = { name: v.name.trim(), projectId: v.projectId, options: toBody(v.options) }
      return menu === undefined
        ? ok(await api.POST('/api/v1/ivr-menus', { body }))
        : ok(
            await api.PATCH('/api/v1/ivr-menus/{id}', {
              params: { path: { id: menu.id } },
              body,
            }),
          )
    },
    fields: ['name', 'projectId'],
    invalidate: [['ivr-menus']],
    onSaved: onClose,
  })
  return (
    <FormDialog
      form={form}
      name="ivr-menu"
      width={760}
      title={menu ? t('ivr.editTitle', { name: menu.name ?? '' }) : t('ivr.newTitle')}
      okText={t('ivr.save')}
      save={save}
      onClose={onClose}
      initialValues={{
        name: menu?.name ?? '',
        projectId: menu?.projectId,
        options: menu?.options ?? [{ digit: '1', label: '', action: 'queue' }],
      }}
    >
      <Form.Item
        label={t('ivr.name')}
        name="name"
        rules={[{ required: true, whitespace: true, message: t('form.required') }]}
      >
        <Input maxLength={100} />
      </Form.Item>
      <Form.Item
        label={t('ivr.project')}
        name="projectId"
        rules={[{ required: true, message: t('form.required') }]}
      >
        <RemotePicker kind="project" />
      </Form.Item>
      <Typography.Text strong>{t('ivr.options')}</Typography.Text>
      <Typography.Paragraph type="secondary">{t('ivr.optionsHelp')}</Typography.Paragraph>
      <OptionsEditor path={['options']} abs={['options']} depth={1} label="" />
    </FormDialog>
  )
}

/**
 * One level of a menu: each option's key, label, action and what the action needs; a submenu
 * holds the next level, down to the API's deepest. Every input is named by its option ("Key of
 * option 2", "Label of option 1.3") so a screen reader and the tests find each one.
 */
function OptionsEditor({
  path,
  abs,
  depth,
  label,
}: {
  /** the list's name where it stands (relative inside a parent option) */
  path: (string | number)[]
  /** the list's name from the form's root */
  abs: (string | number)[]
  depth: number
  label: string
}) {
  const { t } = useTranslation()
  const form = Form.useFormInstance()
  return (
    <Form.List name={path}>
      {(fields, { add, remove }) => (
        <Space direction="vertical" style={{ width: '100%' }}>
          {fields.map((field, i) => {
            const n = label ? `${label}.${i + 1}` : String(i + 1)
            const at = [...abs, field.name]
            return (
              <Card key={field.key} size="small" style={{ marginLeft: depth > 1 ? 24 : 0 }}>
                <Space wrap align="start">
                  <Form.Item
                    label={t('ivr.digitOf', { n })}
                    name={[field.name, 'digit']}
                    rules={[{ required: true, message: t('form.required') }]}
                  >
                    <Select
                      style={{ width: 90 }}
                      options={DIGITS.map((d) => ({ value: d, label: d }))}
                    />
                  </Form.Item>
                  <Form.Item
                    label={t('ivr.labelOf', { n })}
                    name={[field.name, 'label']}
                    rules={[{ required: true, whitespace: true, message: t('form.required') }]}
                  >
                    <Input maxLength={100} style={{ width: 200 }} />
                  </Form.Item>
                  <Form.Item
                    label={t('ivr.actionOf', { n })}
                    name={[field.name, 'action']}
                    rules={[{ required: true, message: t('form.required') }]}
                  >
                    <Select
                      style={{ width: 160 }}
                      options={ACTIONS.filter((a) => a !== 'submenu' || depth < DEPTH).map((a) => ({
                        value: a,
                        label: t(`ivr.action.${a}`),
                      }))}
                    />
                  </Form.Item>
                  <Form.Item noStyle shouldUpdate>
                    {() => {
                      const action = form.getFieldValue([...at, 'action']) as Action | undefined
                      if (action === 'queue') {
                        return (
                          <Form.Item
                            label={t('ivr.queueOf', { n })}
                            name={[field.name, 'queue']}
                            rules={[
                              { required: true, whitespace: true, message: t('form.required') },
                            ]}
                          >
                            <Input maxLength={100} style={{ width: 180 }} />
                          </Form.Item>
                        )
                      }
                      if (action === 'message') {
                        return (
                          <Form.Item
                            label={t('ivr.messageOf', { n })}
                            name={[field.name, 'message']}
                            rules={[
                              { required: true, whitespace: true, message: t('form.required') },
                            ]}
                          >
                            <Input maxLength={1000} style={{ width: 260 }} />
                          </Form.Item>
                        )
                      }
                      return null
                    }}
                  </Form.Item>
                  <Button
                    aria-label={t('ivr.removeOf', { n })}
                    onClick={() => remove(field.name)}
                    disabled={fields.length === 1}
                    style={{ marginTop: 30 }}
                  >
                    {t('ivr.remove')}
                  </Button>
                </Space>
                <Form.Item noStyle shouldUpdate>
                  {() =>
                    form.getFieldValue([...at, 'action']) === 'submenu' ? (
                      <OptionsEditor
                        path={[field.name, 'options']}
                        abs={[...at, 'options']}
                        depth={depth + 1}
                        label={n}
                      />
                    ) : null
                  }
                </Form.Item>
              </Card>
            )
          })}
          <Button
            onClick={() => {
              const used = new Set(
                fields.map(
                  (f) => form.getFieldValue([...abs, f.name, 'digit']) as Digit | undefined,
                ),
              )
              add({ digit: DIGITS.find((d) => !used.has(d)), label: '', action: 'queue' })
            }}
            disabled={fields.length >= DIGITS.length}
          >
            {label ? t('ivr.addUnder', { n: label }) : t('ivr.add')}
          </Button>
        </Space>
      )}
    </Form.List>
  )
}
