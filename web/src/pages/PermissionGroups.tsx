import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Button, Card, Form, Input, List, Modal, Radio, Select, Space, Tag, Typography } from 'antd'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ApiError, ok, type Schemas } from '../api/client'
import { Problem } from '../components/Problem'
import { RecordListPage } from '../components/RecordList'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

type Grant = Schemas['Grant']

/** GET /api/v1/permissions, as far as this page reads it. */
interface Resource {
  type: string
  module: string
  actions: { action: string; highRisk: boolean }[]
  scopeAttributes: Record<string, string>
}

const SCOPES = ['own', 'team', 'subtree', 'project', 'company'] as const
type Scope = (typeof SCOPES)[number]

/** The attribute of a record a scope reads (`company` reads none). */
const SCOPE_ATTRIBUTE: Record<Scope, string | undefined> = {
  own: 'owner',
  team: 'orgUnit',
  subtree: 'orgUnit',
  project: 'project',
  company: undefined,
}

/** One row of the editor: actions at one scope (a grant with nothing else to it). */
interface Line {
  actions: string[]
  scope: Scope
}

/** A grant the editor shows as a line: a plain scope, no condition, limit or obligation. */
function isSimple(g: Grant): boolean {
  return (
    typeof g.scope === 'string' &&
    (SCOPES as readonly string[]).includes(g.scope) &&
    g.when === undefined &&
    g.limits === undefined &&
    g.fields === undefined &&
    !g.audit &&
    !g.reasonRequired &&
    !g.approvalRequired
  )
}

function useCatalog() {
  return useQuery({
    queryKey: ['permissions'],
    queryFn: async () => ok(await api.GET('/api/v1/permissions')) as { resources: Resource[] },
    staleTime: Infinity,
  })
}

type Group = Awaited<ReturnType<typeof fetchGroups>>[number]

async function fetchGroups() {
  return ok(await api.GET('/api/v1/permission-groups')).items
}

/**
 * Permission groups (R4): add-on bundles of permissions given on top of roles, e.g. "report
 * export, temporary". Listed, created, edited and deleted here; and given to many people at
 * once (R5), each person's change reported on its own: one refusal does not hide the others.
 */
export function PermissionGroupsPage() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const me = useMe()
  const may = allowedActions(me.data)
  const groups = useQuery({ queryKey: ['permission-groups'], queryFn: fetchGroups })
  return (
    <RecordListPage<Group>
      strings="permissionGroups"
      empty={false}
      rights={{
        create: 'permissionGroup.create',
        edit: 'permissionGroup.edit',
        delete: 'permissionGroup.delete',
      }}
      list={{ rows: groups.data ?? [], isPending: groups.isPending, error: groups.error }}
      remove={async (g) =>
        ok(await api.DELETE('/api/v1/permission-groups/{id}', { params: { path: { id: g.id } } }))
      }
      invalidate={['permission-groups']}
      names={(g) => ({ name: g.name })}
      editor={(group, close) => <GroupEditor group={group} onClose={close} />}
      columns={[
        { title: t('permissionGroups.name'), dataIndex: 'name' },
        { title: t('permissionGroups.description'), dataIndex: 'description' },
        {
          title: t('permissionGroups.permissions'),
          key: 'grants',
          render: (_: unknown, g: Group) => <GrantTags grants={g.grants} />,
        },
        {
          title: t('permissionGroups.updated'),
          dataIndex: 'updatedAt',
          render: (d: string) => formatDateTime(d, i18n.language, timeZone),
        },
      ]}
    >
      {may.has('permissionGroup.assign') && <BulkAssign groups={groups.data ?? []} />}
    </RecordListPage>
  )
}

function GrantTags({ grants }: { grants: readonly Grant[] }) {
  const { t } = useTranslation()
  return (
    <Space size={[0, 4]} wrap>
      {grants.flatMap((g, i) =>
        g.actions.map((a) => (
          <Tag key={`${i}-${a}`}>
            {a}
            {typeof g.scope === 'string' && (SCOPES as readonly string[]).includes(g.scope)
              ? ` · ${t(`scope.${g.scope}`)}`
              : ''}
          </Tag>
        )),
      )}
    </Space>
  )
}

/** Create or edit a group: its name, description and the permissions it bundles. */
function GroupEditor({ group, onClose }: { group?: Group; onClose(): void }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const catalog = useCatalog()
  const kept = useMemo(() => (group?.grants ?? []).filter((g) => !isSimple(g)), [group])
  const [name, setName] = useState(group?.name ?? '')
  const [description, setDescription] = useState(group?.description ?? '')
  const [lines, setLines] = useState<Line[]>(() => {
    const simple = (group?.grants ?? []).filter(isSimple)
    return simple.length > 0
      ? simple.map((g) => ({ actions: [...g.actions], scope: g.scope as Scope }))
      : [{ actions: [], scope: 'own' }]
  })
  // one flat list (a grouped one gives its group headers aria-selected, which axe refuses)
  const actionOptions = useMemo(
    () =>
      (catalog.data?.resources ?? []).flatMap((r) =>
        r.actions.map((a) => ({ value: a.action, label: a.action })),
      ),
    [catalog.data],
  )
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name: name.trim(),
        description: description.trim(),
        grants: [
          ...lines
            .filter((l) => l.actions.length > 0)
            .map((l): Grant => ({ actions: l.actions, scope: l.scope })),
          ...kept,
        ],
      }
      return group === undefined
        ? ok(await api.POST('/api/v1/permission-groups', { body }))
        : ok(
            await api.PATCH('/api/v1/permission-groups/{id}', {
              params: { path: { id: group.id } },
              body,
            }),
          )
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['permission-groups'] })
      await queryClient.invalidateQueries({ queryKey: ['me'] })
      onClose()
    },
  })
  const byType = useMemo(
    () => new Map((catalog.data?.resources ?? []).map((r) => [r.type, r])),
    [catalog.data],
  )
  const fits = (scope: Scope, actions: readonly string[]) => {
    const attribute = SCOPE_ATTRIBUTE[scope]
    return (
      attribute === undefined ||
      actions.every(
        (a) => byType.get(a.split('.')[0] ?? '')?.scopeAttributes[attribute] !== undefined,
      )
    )
  }
  const update = (i: number, line: Partial<Line>) =>
    setLines((ls) => ls.map((l, j) => (j === i ? { ...l, ...line } : l)))

  return (
    <Modal
      open
      width={760}
      title={
        group
          ? t('permissionGroups.editTitle', { name: group.name })
          : t('permissionGroups.newTitle')
      }
      onCancel={onClose}
      okText={t('permissionGroups.save')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: name.trim() === '', loading: save.isPending }}
      onOk={() => save.mutate()}
    >
      <Form layout="vertical" name="permission-group">
        <Form.Item label={t('permissionGroups.name')} htmlFor="group-name" required>
          <Input
            id="group-name"
            value={name}
            maxLength={100}
            onChange={(e) => setName(e.target.value)}
          />
        </Form.Item>
        <Form.Item label={t('permissionGroups.description')} htmlFor="group-description">
          <Input.TextArea
            id="group-description"
            rows={2}
            maxLength={1000}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </Form.Item>
        <Typography.Paragraph strong>{t('permissionGroups.bundles')}</Typography.Paragraph>
        <Problem error={catalog.error} />
        {lines.map((line, i) => (
          <fieldset
            key={i}
            style={{ border: '1px solid #e5e5e5', padding: '8px 12px', marginBottom: 12 }}
          >
            <legend style={{ fontSize: 14, width: 'auto', margin: 0 }}>
              {t('permissionGroups.line', { n: i + 1 })}
            </legend>
            <Form.Item
              label={t('permissionGroups.lineActions', { n: i + 1 })}
              htmlFor={`group-actions-${i}`}
              style={{ marginBottom: 8 }}
            >
              <Select
                id={`group-actions-${i}`}
                mode="multiple"
                allowClear
                loading={catalog.isPending}
                value={line.actions}
                onChange={(actions: string[]) =>
                  // the scope stays unless the records of the actions do not carry it: then the
                  // narrowest one they do
                  update(i, {
                    actions,
                    scope: fits(line.scope, actions)
                      ? line.scope
                      : (SCOPES.find((s) => fits(s, actions)) ?? 'company'),
                  })
                }
                options={actionOptions}
              />
            </Form.Item>
            <Space wrap>
              <Form.Item
                label={t('permissionGroups.lineScope', { n: i + 1 })}
                htmlFor={`group-scope-${i}`}
                style={{ marginBottom: 0 }}
              >
                <Select
                  id={`group-scope-${i}`}
                  style={{ width: 280 }}
                  value={line.scope}
                  onChange={(scope: Scope) => update(i, { scope })}
                  options={SCOPES.map((s) => ({
                    value: s,
                    label: t(`scope.${s}`),
                    // a scope the chosen actions' records do not carry is refused by the server
                    disabled: !fits(s, line.actions),
                  }))}
                />
              </Form.Item>
              {lines.length > 1 && (
                <Button
                  onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}
                  aria-label={t('permissionGroups.removeLine', { n: i + 1 })}
                >
                  {t('permissionGroups.remove')}
                </Button>
              )}
            </Space>
          </fieldset>
        ))}
        <Button onClick={() => setLines((ls) => [...ls, { actions: [], scope: 'own' }])}>
          {t('permissionGroups.addLine')}
        </Button>
        {kept.length > 0 && (
          <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
            {t('permissionGroups.kept', { n: kept.length })}
          </Typography.Paragraph>
        )}
      </Form>
      <div style={{ marginTop: 12 }}>
        <Problem error={save.error} />
      </div>
    </Modal>
  )
}

interface Outcome {
  id: string
  name: string
  error?: unknown
}

/**
 * R5: several people at once. "Add" keeps each person's groups and adds the chosen ones;
 * "replace" makes them exactly the chosen ones. One PUT per person; each answer is reported.
 */
function BulkAssign({ groups }: { groups: readonly Group[] }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [q, setQ] = useState('')
  const [userIds, setUserIds] = useState<string[]>([])
  const [groupIds, setGroupIds] = useState<string[]>([])
  const [mode, setMode] = useState<'add' | 'replace'>('add')
  const [outcomes, setOutcomes] = useState<Outcome[]>([])
  const [names, setNames] = useState<Record<string, string>>({})
  const users = useQuery({
    queryKey: ['users', q, 'pick'],
    queryFn: async () =>
      ok(
        await api.GET('/api/v1/users', {
          params: { query: { limit: 50, ...(q ? { q } : {}) } },
        }),
      ).items,
  })
  const assign = useMutation({
    mutationFn: async () => {
      const results: Outcome[] = []
      for (const id of userIds) {
        const name = names[id] ?? id
        try {
          let wanted = groupIds
          if (mode === 'add') {
            const held = ok(await api.GET('/api/v1/users/{id}/roles', { params: { path: { id } } }))
            wanted = [...new Set([...held.groupIds, ...groupIds])]
          }
          ok(
            await api.PUT('/api/v1/users/{id}/groups', {
              params: { path: { id } },
              body: { groupIds: wanted },
            }),
          )
          results.push({ id, name })
        } catch (error) {
          results.push({ id, name, error })
        }
      }
      return results
    },
    onSuccess: async (results) => {
      setOutcomes(results)
      await queryClient.invalidateQueries({ queryKey: ['me'] })
    },
  })

  return (
    <Card title={t('permissionGroups.assignTitle')} style={{ marginTop: 24, maxWidth: 760 }}>
      <Typography.Paragraph type="secondary">
        {t('permissionGroups.assignHelp')}
      </Typography.Paragraph>
      <Form layout="vertical" name="group-assign" onFinish={() => assign.mutate()}>
        <Form.Item label={t('permissionGroups.people')} htmlFor="assign-users" required>
          <Select
            id="assign-users"
            mode="multiple"
            showSearch
            filterOption={false}
            onSearch={(v) => setQ(v.trim())}
            loading={users.isFetching}
            value={userIds}
            onChange={(ids: string[]) => {
              setUserIds(ids)
              setNames((n) => ({
                ...n,
                ...Object.fromEntries((users.data ?? []).map((u) => [u.id, u.name])),
              }))
            }}
            options={(users.data ?? []).map((u) => ({
              value: u.id,
              label: u.email ? `${u.name} <${u.email}>` : u.name,
            }))}
          />
        </Form.Item>
        <Form.Item label={t('permissionGroups.groups')} htmlFor="assign-groups">
          <Select
            id="assign-groups"
            mode="multiple"
            optionFilterProp="label"
            value={groupIds}
            onChange={setGroupIds}
            options={groups.map((g) => ({ value: g.id, label: g.name }))}
          />
        </Form.Item>
        <Form.Item label={t('permissionGroups.mode')}>
          <Radio.Group
            value={mode}
            onChange={(e) => setMode(e.target.value as 'add' | 'replace')}
            options={[
              { value: 'add', label: t('permissionGroups.modeAdd') },
              { value: 'replace', label: t('permissionGroups.modeReplace') },
            ]}
          />
        </Form.Item>
        <Button
          type="primary"
          htmlType="submit"
          loading={assign.isPending}
          disabled={userIds.length === 0 || (mode === 'add' && groupIds.length === 0)}
        >
          {t('permissionGroups.assign', { n: userIds.length })}
        </Button>
      </Form>
      {outcomes.length > 0 && (
        <List
          style={{ marginTop: 16 }}
          aria-label={t('permissionGroups.results')}
          header={t('permissionGroups.resultsSummary', {
            ok: outcomes.filter((o) => o.error === undefined).length,
            failed: outcomes.filter((o) => o.error !== undefined).length,
          })}
          dataSource={outcomes}
          renderItem={(o) => (
            <List.Item data-testid="assign-result">
              <div style={{ width: '100%' }}>
                <Typography.Text strong>{o.name}</Typography.Text>
                {': '}
                {o.error === undefined ? (
                  // antd's success green is 2.3:1 on white: a darker one reads (axe, WCAG AA)
                  <Typography.Text style={{ color: '#237804' }}>
                    {t('permissionGroups.assigned')}
                  </Typography.Text>
                ) : (
                  <>
                    <Typography.Text type="danger">
                      {t('permissionGroups.notAssigned')}
                      {o.error instanceof ApiError ? ` (${o.error.status})` : ''}
                    </Typography.Text>
                    <Problem error={o.error} />
                  </>
                )}
              </div>
            </List.Item>
          )}
        />
      )}
    </Card>
  )
}
