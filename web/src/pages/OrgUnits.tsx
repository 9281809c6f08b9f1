import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  Row,
  Select,
  Space,
  Tree,
  Typography,
} from 'antd'
import type { TreeDataNode, TreeProps } from 'antd'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { DeleteButton } from '../components/DeleteButton'
import { Problem } from '../components/Problem'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

const KINDS = ['region', 'branch', 'department', 'team'] as const
type Kind = (typeof KINDS)[number]

/** Every org unit I may view: the list is paged by id (200 a page), so read every page. */
async function fetchUnits() {
  const first = ok(await api.GET('/api/v1/org-units', { params: { query: { limit: 200 } } }))
  const items = [...first.items]
  let cursor = first.nextCursor
  while (cursor) {
    const page = ok(
      await api.GET('/api/v1/org-units', { params: { query: { limit: 200, cursor } } }),
    )
    items.push(...page.items)
    cursor = page.nextCursor
  }
  return items
}

type Unit = Awaited<ReturnType<typeof fetchUnits>>[number]

/** The units as a tree: a unit whose parent I may not view shows at the top level. */
function treeOf(units: readonly Unit[]): TreeDataNode[] {
  const ids = new Set(units.map((u) => u.id))
  const children = new Map<string | null, Unit[]>()
  for (const u of units) {
    const parent = u.parentId !== null && ids.has(u.parentId) ? u.parentId : null
    children.set(parent, [...(children.get(parent) ?? []), u])
  }
  const build = (parent: string | null): TreeDataNode[] =>
    (children.get(parent) ?? [])
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((u) => ({ key: u.id, title: u.name, children: build(u.id) }))
  return build(null)
}

/**
 * The org structure (P3, [004]): regions, branches, departments and teams as a tree. A unit is
 * created under the one selected, renamed, moved (dragged onto another, or "Move to…") and
 * deleted; the server decides each change (a move is a delegation) and says why when it refuses.
 */
export function OrgUnitsPage() {
  const { t } = useTranslation()
  const me = useMe()
  const may = allowedActions(me.data)
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const units = useQuery({ queryKey: ['org-units'], queryFn: fetchUnits })
  const [selected, setSelected] = useState<string | null>(null)
  const byId = useMemo(() => new Map((units.data ?? []).map((u) => [u.id, u])), [units.data])
  const tree = useMemo(() => treeOf(units.data ?? []), [units.data])
  const unit = selected === null ? undefined : byId.get(selected)

  const move = useMutation({
    mutationFn: async (v: { id: string; parentId: string | null }) =>
      ok(
        await api.PATCH('/api/v1/org-units/{id}', {
          params: { path: { id: v.id } },
          body: { parentId: v.parentId },
        }),
      ),
    onSuccess: async (moved) => {
      void message.success(t('orgUnits.moved', { name: moved.name }))
      await queryClient.invalidateQueries({ queryKey: ['org-units'] })
    },
  })

  // dropped onto a unit: under it; dropped between two units: beside them (under their parent)
  const onDrop: TreeProps['onDrop'] = (info) => {
    const target = byId.get(String(info.node.key))
    if (!target) return
    const parentId = info.dropToGap ? target.parentId : target.id
    move.mutate({ id: String(info.dragNode.key), parentId })
  }

  return (
    <>
      <Typography.Title level={2}>{t('orgUnits.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('orgUnits.help')}</Typography.Paragraph>
      <Problem error={units.error} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={10}>
          <Card title={t('orgUnits.tree')}>
            {units.data && units.data.length === 0 ? (
              <Empty description={t('orgUnits.empty')} />
            ) : (
              <Tree
                aria-label={t('orgUnits.tree')}
                blockNode
                defaultExpandAll
                key={units.dataUpdatedAt}
                treeData={tree}
                selectedKeys={selected ? [selected] : []}
                onSelect={(keys) => setSelected(keys[0] === undefined ? null : String(keys[0]))}
                draggable={may.has('orgUnit.edit') ? { icon: false } : false}
                onDrop={onDrop}
              />
            )}
            <div style={{ marginTop: 12 }}>
              <Problem error={move.error} />
            </div>
          </Card>
        </Col>
        <Col xs={24} lg={14}>
          <Space direction="vertical" style={{ width: '100%' }} size={16}>
            {unit && (
              <UnitDetail
                key={unit.id}
                unit={unit}
                units={units.data ?? []}
                may={may}
                onDeleted={() => setSelected(null)}
              />
            )}
            {may.has('orgUnit.create') && (
              <CreateUnit parent={unit} onCreated={(id) => setSelected(id)} />
            )}
          </Space>
        </Col>
      </Row>
    </>
  )
}

function KindSelect(props: { id: string; value: Kind; onChange(k: Kind): void }) {
  const { t } = useTranslation()
  return (
    <Select
      id={props.id}
      value={props.value}
      onChange={props.onChange}
      options={KINDS.map((k) => ({ value: k, label: t(`orgUnits.kinds.${k}`) }))}
    />
  )
}

function CreateUnit({ parent, onCreated }: { parent?: Unit; onCreated(id: string): void }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [name, setName] = useState('')
  const [kind, setKind] = useState<Kind>('team')
  const create = useMutation({
    mutationFn: async () =>
      ok(
        await api.POST('/api/v1/org-units', {
          body: { name: name.trim(), kind, parentId: parent?.id ?? null },
        }),
      ),
    onSuccess: async (made) => {
      setName('')
      await queryClient.invalidateQueries({ queryKey: ['org-units'] })
      onCreated(made.id)
    },
  })
  return (
    <Card
      title={parent ? t('orgUnits.createUnder', { name: parent.name }) : t('orgUnits.createAtTop')}
    >
      <Form layout="vertical" name="org-unit-new" onFinish={() => create.mutate()}>
        <Form.Item label={t('orgUnits.name')} htmlFor="org-unit-new-name" required>
          <Input
            id="org-unit-new-name"
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
          />
        </Form.Item>
        <Form.Item label={t('orgUnits.kind')} htmlFor="org-unit-new-kind">
          <KindSelect id="org-unit-new-kind" value={kind} onChange={setKind} />
        </Form.Item>
        <Problem error={create.error} />
        <Button
          type="primary"
          htmlType="submit"
          style={{ marginTop: 12 }}
          loading={create.isPending}
          disabled={name.trim() === ''}
        >
          {t('orgUnits.create')}
        </Button>
      </Form>
    </Card>
  )
}

function UnitDetail(props: {
  unit: Unit
  units: readonly Unit[]
  may: Set<string>
  onDeleted(): void
}) {
  const { unit, units, may, onDeleted } = props
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const [name, setName] = useState(unit.name)
  const [kind, setKind] = useState<Kind>(unit.kind)
  const [target, setTarget] = useState<string | undefined>(undefined)
  // the unit and everything below it: never a place to move it to
  const subtree = useQuery({
    queryKey: ['org-units', unit.id, 'subtree'],
    queryFn: async () =>
      ok(await api.GET('/api/v1/org-units/{id}/subtree', { params: { path: { id: unit.id } } })),
  })
  const below = new Set((subtree.data?.items ?? []).map((u) => u.id))
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['org-units'] })

  const save = useMutation({
    mutationFn: async () =>
      ok(
        await api.PATCH('/api/v1/org-units/{id}', {
          params: { path: { id: unit.id } },
          body: { name: name.trim(), kind },
        }),
      ),
    onSuccess: async () => {
      void message.success(t('orgUnits.saved'))
      await refresh()
    },
  })
  const move = useMutation({
    mutationFn: async (parentId: string | null) =>
      ok(
        await api.PATCH('/api/v1/org-units/{id}', {
          params: { path: { id: unit.id } },
          body: { parentId },
        }),
      ),
    onSuccess: async (moved) => {
      void message.success(t('orgUnits.moved', { name: moved.name }))
      setTarget(undefined)
      await refresh()
    },
  })
  const remove = useMutation({
    mutationFn: async () =>
      ok(await api.DELETE('/api/v1/org-units/{id}', { params: { path: { id: unit.id } } })),
    onSuccess: async () => {
      void message.success(t('orgUnits.deleted', { name: unit.name }))
      onDeleted()
      await refresh()
    },
  })

  const TOP = '\u0000top'
  const parent = units.find((u) => u.id === unit.parentId)
  const mayEdit = may.has('orgUnit.edit')
  return (
    <Card title={unit.name}>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: 'kind', label: t('orgUnits.kind'), children: t(`orgUnits.kinds.${unit.kind}`) },
          {
            key: 'parent',
            label: t('orgUnits.parent'),
            children: parent?.name ?? t('orgUnits.topLevel'),
          },
          {
            key: 'below',
            label: t('orgUnits.below'),
            children: subtree.data ? String(subtree.data.items.length - 1) : '…',
          },
          {
            key: 'created',
            label: t('orgUnits.created'),
            children: formatDateTime(unit.createdAt, i18n.language, timeZone),
          },
        ]}
      />
      {mayEdit && (
        <>
          <Typography.Title level={3} style={{ fontSize: 16, marginTop: 16 }}>
            {t('orgUnits.rename')}
          </Typography.Title>
          <Form layout="vertical" name="org-unit-edit" onFinish={() => save.mutate()}>
            <Form.Item label={t('orgUnits.name')} htmlFor="org-unit-name" required>
              <Input
                id="org-unit-name"
                value={name}
                maxLength={200}
                onChange={(e) => setName(e.target.value)}
              />
            </Form.Item>
            <Form.Item label={t('orgUnits.kind')} htmlFor="org-unit-kind">
              <KindSelect id="org-unit-kind" value={kind} onChange={setKind} />
            </Form.Item>
            <Problem error={save.error} />
            <Button
              htmlType="submit"
              style={{ marginTop: 12 }}
              loading={save.isPending}
              disabled={name.trim() === '' || (name.trim() === unit.name && kind === unit.kind)}
            >
              {t('orgUnits.save')}
            </Button>
          </Form>
          <Typography.Title level={3} style={{ fontSize: 16, marginTop: 24 }}>
            {t('orgUnits.move')}
          </Typography.Title>
          <Space wrap>
            <label htmlFor="org-unit-move">{t('orgUnits.moveTo')}</label>
            <Select
              id="org-unit-move"
              style={{ minWidth: 260 }}
              showSearch
              optionFilterProp="label"
              value={target}
              onChange={setTarget}
              loading={subtree.isPending}
              options={[
                ...(unit.parentId !== null ? [{ value: TOP, label: t('orgUnits.topLevel') }] : []),
                ...units
                  .filter((u) => !below.has(u.id) && u.id !== unit.parentId)
                  .sort((a, b) => a.name.localeCompare(b.name))
                  .map((u) => ({ value: u.id, label: u.name })),
              ]}
            />
            <Button
              loading={move.isPending}
              disabled={target === undefined || subtree.isPending}
              onClick={() => target !== undefined && move.mutate(target === TOP ? null : target)}
            >
              {t('orgUnits.moveSubmit')}
            </Button>
          </Space>
          <div style={{ marginTop: 12 }}>
            <Problem error={move.error} />
          </div>
        </>
      )}
      {may.has('orgUnit.delete') && (
        <DeleteButton
          label={t('orgUnits.delete')}
          confirm={t('orgUnits.deleteConfirm', { name: unit.name })}
          remove={remove}
        />
      )}
    </Card>
  )
}
