import { useInfiniteQuery, useQueries } from '@tanstack/react-query'
import { Select } from 'antd'
import { useEffect, useState, type UIEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ok } from '../api/client'
import { formatDateTime } from '../format'
import { useTimeZone } from '../me'
import { fetchRef, LABEL } from './RefName'

/** What a picker lists: each is a list endpoint with a `q` search and a read by id. */
export type PickKind = 'user' | 'customer' | 'project' | 'position' | 'orgUnit' | 'call'

export type PickItem = { id: string } & Record<string, unknown>
type Page = { items: PickItem[]; nextCursor: string | null }

/** How many rows one request of a picker asks for. */
export const PICK_PAGE = 50

/** Extra filters a picker's list takes (calls: only the ended ones). */
export interface PickFilter {
  readonly status?: 'ended'
}

async function listOf(
  kind: PickKind,
  q: string,
  cursor: string | undefined,
  filter: PickFilter,
): Promise<Page> {
  const query = { limit: PICK_PAGE, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) }
  switch (kind) {
    case 'user':
      return ok(await api.GET('/api/v1/users', { params: { query } }))
    case 'customer':
      return ok(await api.GET('/api/v1/customers', { params: { query } }))
    case 'project':
      return ok(await api.GET('/api/v1/projects', { params: { query } }))
    case 'position':
      return ok(await api.GET('/api/v1/positions', { params: { query } }))
    case 'orgUnit':
      return ok(await api.GET('/api/v1/org-units', { params: { query } }))
    case 'call':
      return ok(await api.GET('/api/v1/calls', { params: { query: { ...query, ...filter } } }))
  }
}

async function oneOf(kind: PickKind, id: string): Promise<PickItem> {
  if (kind === 'position') {
    return ok(await api.GET('/api/v1/positions/{id}', { params: { path: { id } } }))
  }
  return fetchRef(kind, id)
}

/** The words a record is shown by: its name, a call its number and start; the id otherwise. */
function useLabel(kind: PickKind) {
  const { i18n } = useTranslation()
  const timeZone = useTimeZone()
  return (item: PickItem): string => {
    const main = item[kind === 'position' ? 'name' : LABEL[kind]]
    const text = typeof main === 'string' ? main : item.id.slice(0, 8)
    if (kind !== 'call' || typeof item.startedAt !== 'string') return text
    return `${text} · ${formatDateTime(item.startedAt, i18n.language, timeZone)}`
  }
}

/** A person by name and email (where the email is shown to me), the email in these brackets. */
export function withEmail(user: PickItem, open: string, close: string): string {
  const name = typeof user.name === 'string' ? user.name : user.id
  return typeof user.email === 'string' ? `${name} ${open}${user.email}${close}` : name
}

/**
 * The records of these ids, each read by id once per page (the query cache shared with
 * `RefName`), for naming what a list shows or a picker holds without loading the whole list.
 * Missing: an id not yet read, or one the server refuses (out of my scope).
 */
export function useRecordsById(
  kind: PickKind,
  ids: readonly (string | null | undefined)[],
  enabled = true,
) {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))]
  const found = useQueries({
    queries: wanted.map((id) => ({
      queryKey: ['ref', kind, id],
      enabled,
      staleTime: 60_000,
      retry: false,
      queryFn: () => oneOf(kind, id),
    })),
  })
  const byId = new Map<string, PickItem>()
  for (const q of found) if (q.data) byId.set(q.data.id, q.data)
  return byId
}

/** A debounced copy of a value: what was typed once typing pauses. */
function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/**
 * A picker over a list endpoint of any length: typing asks the server (`q`, debounced), the list
 * pages on by its cursor as it is scrolled to its end, and the chosen value is named even when it
 * is on no page loaded (read by id). A form field: takes the `value`, `onChange` and `id` of its
 * `Form.PickItem`, whose label names it.
 */
export function RemotePicker({
  kind,
  value,
  onChange,
  id,
  filter = {},
  multiple = false,
  allowClear = false,
  disabled = false,
  style,
  describe,
  empty,
}: {
  kind: PickKind
  value?: string | string[] | null
  onChange?: (value: string | string[] | undefined) => void
  id?: string
  filter?: PickFilter
  multiple?: boolean
  allowClear?: boolean
  disabled?: boolean
  style?: React.CSSProperties
  /** The words an option shows, instead of the record's name. */
  describe?: (item: PickItem) => string
  /** What the list says when nothing matches. */
  empty?: string
}) {
  const { t } = useTranslation()
  const byName = useLabel(kind)
  const label = describe ?? byName
  const [typed, setTyped] = useState('')
  const [open, setOpen] = useState(false)
  const q = useDebounced(typed.trim())
  const pages = useInfiniteQuery({
    queryKey: ['pick', kind, filter, q],
    enabled: open || q !== '',
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => listOf(kind, q, pageParam, filter),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  })
  const chosen = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value]
  const named = useRecordsById(kind, chosen)
  const loaded = pages.data?.pages.flatMap((p) => p.items) ?? []
  const seen = new Set(loaded.map((i) => i.id))
  // the chosen values off the loaded pages, named by id (not while a search shows its matches)
  const options = [
    ...chosen
      .filter((v) => !seen.has(v) && typed === '')
      .map((v) => {
        const item = named.get(v)
        return { value: v, label: item ? label(item) : t('refs.notVisible') }
      }),
    ...loaded.map((i) => ({ value: i.id, label: label(i) })),
  ]
  const onScroll = (e: UIEvent<HTMLDivElement>) => {
    const el = e.currentTarget
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 8 && pages.hasNextPage) {
      if (!pages.isFetchingNextPage) void pages.fetchNextPage()
    }
  }
  return (
    <Select
      id={id}
      mode={multiple ? 'multiple' : undefined}
      showSearch={{ filterOption: false, searchValue: typed, onSearch: setTyped }}
      onOpenChange={setOpen}
      onPopupScroll={onScroll}
      value={multiple ? chosen : (chosen[0] ?? undefined)}
      onChange={(v: string | string[] | undefined) => {
        setTyped('')
        onChange?.(v)
      }}
      options={options}
      loading={pages.isFetching}
      notFoundContent={pages.isFetching ? t('pick.loading') : (empty ?? t('pick.none'))}
      allowClear={allowClear}
      disabled={disabled}
      style={style}
    />
  )
}

/** The name of one record, for a text that must be a string (an aria-label); the id until read. */
export function useNames(
  kind: PickKind,
  ids: readonly (string | null | undefined)[],
  enabled = true,
) {
  const label = useLabel(kind)
  const byId = useRecordsById(kind, ids, enabled)
  return (id: string): string | undefined => {
    const item = byId.get(id)
    return item ? label(item) : undefined
  }
}
