import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Select, Space, Switch, Table, Tag, Typography } from 'antd'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useSearchParams } from 'react-router'
import { api, ok } from '../api/client'
import type { paths } from '../api/schema'
import { Problem } from '../components/Problem'
import { allowedActions, useMe } from '../me'

/** The sections the API knows (`/sections/{section}/roles`), as its typed path names them. */
type Section = paths['/api/v1/sections/{section}/roles']['get']['parameters']['path']['section']

/**
 * R7 / P1: from a section (a module of the permission catalog), which roles may enter it, and
 * a change to that. Letting a role in never widens what it sees; when the server cannot do it
 * (a built-in role, a section of company-wide settings, a restriction) it says why, and nothing
 * changes.
 */
export function SectionAccessPage() {
  const { t } = useTranslation()
  const [params, setParams] = useSearchParams()
  const catalog = useQuery({
    queryKey: ['permissions'],
    queryFn: async () =>
      ok(await api.GET('/api/v1/permissions')) as { resources: { module: string }[] },
    staleTime: Infinity,
  })
  const sections = useMemo(
    () => [...new Set((catalog.data?.resources ?? []).map((r) => r.module))],
    [catalog.data],
  )
  const section = params.get('section') ?? sections[0]

  return (
    <>
      <Typography.Title level={2}>{t('sectionAccess.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('sectionAccess.help')}</Typography.Paragraph>
      <Problem error={catalog.error} />
      <Space style={{ marginBottom: 16 }} wrap>
        <label htmlFor="section-pick">{t('sectionAccess.section')}</label>
        <Select
          id="section-pick"
          style={{ minWidth: 260 }}
          showSearch
          optionFilterProp="label"
          loading={catalog.isPending}
          value={section}
          onChange={(s: string) => setParams({ section: s }, { replace: true })}
          options={sections.map((s) => ({
            value: s,
            label: t(`module.${s}`, { defaultValue: s }),
          }))}
        />
      </Space>
      {section !== undefined && <SectionRoles key={section} section={section as Section} />}
    </>
  )
}

function SectionRoles({ section }: { section: Section }) {
  const { t } = useTranslation()
  const me = useMe()
  const mayEdit = allowedActions(me.data).has('role.edit')
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const access = useQuery({
    queryKey: ['section-access', section],
    queryFn: async () =>
      ok(await api.GET('/api/v1/sections/{section}/roles', { params: { path: { section } } })),
  })
  // the switches as the person set them, over what the server answered
  const [changed, setChanged] = useState<Record<string, boolean>>({})
  const roles = access.data?.roles ?? []
  const enters = (r: { id: string; enters: boolean }) => changed[r.id] ?? r.enters
  const dirty = roles.some((r) => enters(r) !== r.enters)
  const save = useMutation({
    mutationFn: async () =>
      ok(
        await api.PUT('/api/v1/sections/{section}/roles', {
          params: { path: { section } },
          body: { roleIds: roles.filter(enters).map((r) => r.id) },
        }),
      ),
    onSuccess: async (answer) => {
      queryClient.setQueryData(['section-access', section], answer)
      setChanged({})
      void message.success(t('sectionAccess.saved'))
      await queryClient.invalidateQueries({ queryKey: ['roles'] })
      await queryClient.invalidateQueries({ queryKey: ['me'] })
    },
  })
  const name = t(`module.${section}`, { defaultValue: section })

  return (
    <>
      <Problem error={access.error} />
      <Table
        size="small"
        rowKey="id"
        loading={access.isPending}
        dataSource={roles}
        pagination={false}
        caption={t('sectionAccess.caption', { section: name })}
        columns={[
          {
            title: t('sectionAccess.role'),
            dataIndex: 'name',
            render: (n: string, r) => (
              <Space>
                {n}
                {r.kind === 'builtin' && <Tag>{t('sectionAccess.builtin')}</Tag>}
              </Space>
            ),
          },
          {
            title: t('sectionAccess.mayEnter'),
            key: 'enters',
            render: (_: unknown, r) => (
              <Space>
                <Switch
                  aria-label={t('sectionAccess.mayEnterOf', { role: r.name, section: name })}
                  checked={enters(r)}
                  disabled={!mayEdit || r.kind === 'builtin'}
                  onChange={(on) => setChanged((c) => ({ ...c, [r.id]: on }))}
                />
                <span>{enters(r) ? t('sectionAccess.enters') : t('sectionAccess.kept')}</span>
              </Space>
            ),
          },
        ]}
      />
      {mayEdit && (
        <Space style={{ marginTop: 16 }}>
          <Button
            type="primary"
            disabled={!dirty}
            loading={save.isPending}
            onClick={() => save.mutate()}
          >
            {t('sectionAccess.save')}
          </Button>
          <Button
            disabled={!dirty}
            onClick={() => {
              setChanged({})
              save.reset()
            }}
          >
            {t('sectionAccess.undo')}
          </Button>
        </Space>
      )}
      <div style={{ marginTop: 16 }}>
        <Problem error={save.error} />
      </div>
    </>
  )
}
