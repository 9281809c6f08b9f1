import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Collapse,
  Form,
  Input,
  Select,
  Space,
  Table,
  Typography,
} from 'antd'
import { memo, useCallback, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams } from 'react-router'
import { api, ok, type Schemas } from '../api/client'
import { Problem } from '../components/Problem'
import { ConditionalGrants } from '../components/ConditionalGrants'
import {
  grantFrom,
  ruleFrom,
  sharedAttributes,
  type RuleDraft,
} from '../components/condition-draft'
import { RoleImpact } from '../components/RoleImpact'

type Grant = Schemas['Grant']

/** GET /api/v1/permissions, as far as the editor reads it. */
interface Resource {
  type: string
  label: string
  module: string
  actions: { action: string; highRisk: boolean }[]
  fields: { name: string; sensitivity: string }[]
  scopeAttributes: Record<string, string>
  attributes: Record<string, string>
}

const SCOPES = ['own', 'team', 'subtree', 'project', 'company'] as const
type Scope = (typeof SCOPES)[number]
const LEVELS = ['hidden', 'masked', 'read', 'edit'] as const
type Level = (typeof LEVELS)[number]

/** What the editor holds: checked actions (P1/P2), a scope per module (P3), field levels (P4). */
interface Draft {
  actions: Set<string>
  scopes: Record<string, Scope>
  fields: Record<string, Record<string, Level>>
}

/** A grant the editor shows as checkboxes: no condition, limit, obligation or special scope. */
function isSimple(g: Grant): boolean {
  return (
    typeof g.scope === 'string' &&
    g.when === undefined &&
    g.limits === undefined &&
    !g.audit &&
    !g.reasonRequired &&
    !g.approvalRequired
  )
}

function typeOf(action: string): string {
  return action.split('.')[0] ?? ''
}

function draftFrom(grants: readonly Grant[], resources: readonly Resource[]) {
  const byType = new Map(resources.map((r) => [r.type, r]))
  const draft: Draft = { actions: new Set(), scopes: {}, fields: {} }
  const kept: Grant[] = []
  const rules: RuleDraft[] = []
  for (const g of grants) {
    if (!isSimple(g)) {
      const rule = ruleFrom(g)
      if (rule === undefined) kept.push(g)
      else rules.push(rule)
      continue
    }
    for (const a of g.actions) {
      const resource = byType.get(typeOf(a))
      if (resource === undefined) continue
      if (a.endsWith('.*')) for (const x of resource.actions) draft.actions.add(x.action)
      else draft.actions.add(a)
      draft.scopes[resource.module] = g.scope as Scope
      if (g.fields) {
        draft.fields[resource.type] = {
          ...draft.fields[resource.type],
          ...(g.fields as Record<string, Level>),
        }
      }
    }
  }
  return { draft, kept, rules }
}

/**
 * One grant per resource type with a checked action, at its module's scope; then the
 * permissions with conditions, and those the editor cannot show, as they were.
 */
function grantsFrom(
  draft: Draft,
  resources: readonly Resource[],
  rules: readonly RuleDraft[],
  kept: readonly Grant[],
) {
  const grants: Grant[] = []
  for (const r of resources) {
    const actions = r.actions.map((a) => a.action).filter((a) => draft.actions.has(a))
    if (actions.length === 0) continue
    const fields = draft.fields[r.type]
    grants.push({
      actions,
      scope: draft.scopes[r.module] ?? defaultScope(r),
      ...(fields && Object.keys(fields).length > 0 ? { fields } : {}),
    })
  }
  const conditional = rules.map((rule) =>
    grantFrom(rule, (attr) => sharedAttributes(rule.actions, resources)[attr]),
  )
  return [...grants, ...conditional, ...kept]
}

function defaultScope(r: Resource): Scope {
  return 'owner' in r.scopeAttributes ? 'own' : 'company'
}

/**
 * The role editor: the catalog's modules, each a panel with its resource types and their actions
 * as checkboxes (P1, P2), the records the module's permissions reach (P3) and a field table per
 * resource (P4). Permissions with conditions, limits or obligations are kept as they are and
 * listed below. The server decides (delegation, validation) and says why when it refuses.
 */
export function RoleEditorPage() {
  const { id } = useParams()
  const catalog = useQuery({
    queryKey: ['permissions'],
    queryFn: async () => ok(await api.GET('/api/v1/permissions')) as { resources: Resource[] },
    staleTime: Infinity,
  })
  const role = useQuery({
    queryKey: ['role', id],
    enabled: id !== undefined,
    queryFn: async () =>
      ok(await api.GET('/api/v1/roles/{id}', { params: { path: { id: id ?? '' } } })),
  })
  if (catalog.error || role.error) return <Problem error={catalog.error ?? role.error} />
  if (!catalog.data || (id !== undefined && !role.data)) return null
  return <Editor key={id ?? 'new'} resources={catalog.data.resources} role={role.data} />
}

interface RoleData {
  id: string
  name: string
  description: string
  kind: string
  grants: Grant[]
}

function Editor({ resources, role }: { resources: Resource[]; role: RoleData | undefined }) {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const initial = useMemo(() => draftFrom(role?.grants ?? [], resources), [role, resources])
  const [draft, setDraft] = useState<Draft>(initial.draft)
  const [rules, setRules] = useState<RuleDraft[]>(initial.rules)
  const [name, setName] = useState(role?.name ?? '')
  const [description, setDescription] = useState(role?.description ?? '')
  const modules = useMemo(() => {
    const m = new Map<string, Resource[]>()
    for (const r of resources) m.set(r.module, [...(m.get(r.module) ?? []), r])
    return [...m]
  }, [resources])

  const toggle = useCallback((actions: readonly string[], on: boolean) => {
    setDraft((d) => {
      const next = new Set(d.actions)
      for (const a of actions) {
        if (on) next.add(a)
        else next.delete(a)
      }
      return { ...d, actions: next }
    })
  }, [])
  const setScope = useCallback((module: string, scope: Scope) => {
    setDraft((d) => ({ ...d, scopes: { ...d.scopes, [module]: scope } }))
  }, [])
  const setField = useCallback((type: string, field: string, level: Level | undefined) => {
    setDraft((d) => {
      const fields = { ...d.fields[type] }
      if (level === undefined) delete fields[field]
      else fields[field] = level
      return { ...d, fields: { ...d.fields, [type]: fields } }
    })
  }, [])

  const bodyOf = () => ({
    name: name.trim(),
    description: description.trim(),
    grants: grantsFrom(draft, resources, rules, initial.kept),
  })
  // the impact step (issue 12): what each holder would gain and lose, and whether the save
  // would be refused; shown for the body previewed, dropped as soon as the draft changes
  const preview = useMutation({
    mutationFn: async (input: { id: string; body: ReturnType<typeof bodyOf> }) =>
      ok(
        await api.POST('/api/v1/roles/{id}/impact', {
          params: { path: { id: input.id } },
          body: input.body,
        }),
      ),
  })
  const previewed =
    preview.data !== undefined &&
    JSON.stringify(preview.variables?.body) === JSON.stringify(bodyOf())
  const save = useMutation({
    mutationFn: async () => {
      const body = bodyOf()
      return role === undefined
        ? ok(await api.POST('/api/v1/roles', { body }))
        : ok(await api.PATCH('/api/v1/roles/{id}', { params: { path: { id: role.id } }, body }))
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['roles'] })
      await queryClient.invalidateQueries({ queryKey: ['role', saved.id] })
      await queryClient.invalidateQueries({ queryKey: ['me'] })
      await navigate(`/roles/${saved.id}`)
    },
  })

  return (
    <>
      <Typography.Paragraph>
        <Link to={role ? `/roles/${role.id}` : '/roles'}>{t('roles.back')}</Link>
      </Typography.Paragraph>
      <Typography.Title level={2}>
        {role ? t('editor.titleEdit', { name: role.name }) : t('editor.titleNew')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('editor.help')}</Typography.Paragraph>
      <Card style={{ maxWidth: 760, marginBottom: 16 }}>
        <Form layout="vertical" name="role">
          <Form.Item label={t('roles.name')} htmlFor="role-name" required>
            <Input id="role-name" value={name} onChange={(e) => setName(e.target.value)} />
          </Form.Item>
          <Form.Item label={t('roles.description')} htmlFor="role-description">
            <Input.TextArea
              id="role-description"
              rows={2}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          </Form.Item>
        </Form>
      </Card>
      <Typography.Paragraph>
        {t('editor.count', {
          n: draft.actions.size,
          total: resources.flatMap((r) => r.actions).length,
        })}
      </Typography.Paragraph>
      <Collapse
        items={modules.map(([module, types]) => {
          const all = types.flatMap((r) => r.actions.map((a) => a.action))
          const on = all.filter((a) => draft.actions.has(a)).length
          return {
            key: module,
            label: (
              <span>
                {t(`module.${module}`, { defaultValue: module })}{' '}
                <Typography.Text type="secondary">
                  {t('editor.moduleCount', { n: on, total: all.length })}
                </Typography.Text>
              </span>
            ),
            children: (
              <ModulePanel
                module={module}
                types={types}
                checked={all.filter((a) => draft.actions.has(a)).join(' ')}
                scope={draft.scopes[module] ?? defaultScope(types[0] as Resource)}
                fields={draft.fields}
                toggle={toggle}
                setScope={setScope}
                setField={setField}
              />
            ),
          }
        })}
      />
      <ConditionalGrants rules={rules} resources={resources} onChange={setRules} />
      {initial.kept.length > 0 && (
        <Alert
          style={{ marginTop: 16 }}
          type="info"
          showIcon
          title={t('editor.kept', { n: initial.kept.length })}
        />
      )}
      {previewed && preview.data && <RoleImpact impact={preview.data} />}
      <div style={{ marginTop: 16 }}>
        <Problem error={save.error ?? preview.error} />
      </div>
      <Space style={{ marginTop: 16 }}>
        {role !== undefined && (
          <Button
            loading={preview.isPending}
            disabled={name.trim() === ''}
            onClick={() => preview.mutate({ id: role.id, body: bodyOf() })}
          >
            {t('oversight.impact.preview')}
          </Button>
        )}
        <Button
          type="primary"
          loading={save.isPending}
          disabled={name.trim() === ''}
          onClick={() => save.mutate()}
        >
          {t('editor.save')}
        </Button>
        <Link to={role ? `/roles/${role.id}` : '/roles'}>{t('common.cancel')}</Link>
      </Space>
    </>
  )
}

interface PanelProps {
  module: string
  types: Resource[]
  /** The module's ticked actions, space-separated: a panel re-renders only when its own change. */
  checked: string
  scope: Scope
  fields: Draft['fields']
  toggle(actions: readonly string[], on: boolean): void
  setScope(module: string, scope: Scope): void
  setField(type: string, field: string, level: Level | undefined): void
}

/** One module: its records (P3), and per resource type the actions (P2) and fields (P4). */
const ModulePanel = memo(function ModulePanel(props: PanelProps) {
  const { t } = useTranslation()
  const { module, types, checked, scope, fields, toggle, setScope, setField } = props
  const actions = useMemo(() => new Set(checked.split(' ')), [checked])
  const scopeId = `scope-${module}`
  return (
    <>
      <Space style={{ marginBottom: 12 }}>
        <label htmlFor={scopeId}>
          {t('editor.scopeFor', { module: t(`module.${module}`, { defaultValue: module }) })}
        </label>
        <Select
          id={scopeId}
          style={{ width: 280 }}
          value={scope}
          onChange={(s: Scope) => setScope(module, s)}
          options={SCOPES.map((s) => ({ value: s, label: t(`scope.${s}`) }))}
        />
      </Space>
      {types.map((r) => {
        const names = r.actions.map((a) => a.action)
        const on = names.filter((a) => actions.has(a)).length
        return (
          <fieldset
            key={r.type}
            style={{ border: '1px solid #e5e5e5', padding: '8px 12px', marginBottom: 12 }}
          >
            <legend style={{ fontSize: 14, fontWeight: 600, width: 'auto', margin: 0 }}>
              {r.label} <code>{r.type}</code>
            </legend>
            <Checkbox
              checked={on === names.length}
              indeterminate={on > 0 && on < names.length}
              onChange={(e) => toggle(names, e.target.checked)}
            >
              {t('editor.allOf', { type: r.type })}
            </Checkbox>
            <div style={{ display: 'flex', flexWrap: 'wrap', gap: '4px 12px', marginTop: 6 }}>
              {r.actions.map((a) => (
                <Checkbox
                  key={a.action}
                  checked={actions.has(a.action)}
                  onChange={(e) => toggle([a.action], e.target.checked)}
                >
                  <code>{a.action}</code>
                  {a.highRisk && (
                    <Typography.Text type="danger"> {t('editor.highRisk')}</Typography.Text>
                  )}
                </Checkbox>
              ))}
            </div>
            {r.fields.length > 0 && on > 0 && (
              <Table
                style={{ marginTop: 8 }}
                size="small"
                pagination={false}
                rowKey="name"
                dataSource={r.fields}
                columns={[
                  { title: t('editor.field'), dataIndex: 'name' },
                  {
                    title: t('editor.sensitivity'),
                    dataIndex: 'sensitivity',
                    render: (s: string) => t(`sensitivity.${s}`, { defaultValue: s }),
                  },
                  {
                    title: t('editor.level'),
                    key: 'level',
                    // a native select: a resource's dozen of them mount in no time
                    render: (_: unknown, f) => (
                      <select
                        aria-label={t('editor.levelOf', { field: `${r.type}.${f.name}` })}
                        style={{ height: 28, minWidth: 180 }}
                        value={fields[r.type]?.[f.name] ?? ''}
                        onChange={(e) =>
                          setField(
                            r.type,
                            f.name,
                            (e.target.value || undefined) as Level | undefined,
                          )
                        }
                      >
                        <option value="">{t('editor.levelDefault')}</option>
                        {LEVELS.map((l) => (
                          <option key={l} value={l}>
                            {t(`fieldLevel.${l}`)}
                          </option>
                        ))}
                      </select>
                    ),
                  },
                ]}
              />
            )}
          </fieldset>
        )
      })}
    </>
  )
})
