import { useQuery } from '@tanstack/react-query'
import { Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import { api, ApiError, ok } from '../api/client'
import { allowedActions, useMe } from '../me'
import { FieldValue } from './FieldValue'

/** The records another record names by id, and how the console names them. */
export type RefType = 'user' | 'customer' | 'call' | 'project' | 'opportunity' | 'quote' | 'orgUnit'

type Named = { id: string; maskedFields?: string[] } & Record<string, unknown>

/** One record by id, as the viewer may see it (the pickers name their chosen value with it). */
export async function fetchRef(type: RefType, id: string): Promise<Named> {
  const params = { path: { id } }
  switch (type) {
    case 'user':
      return ok(await api.GET('/api/v1/users/{id}', { params }))
    case 'customer':
      return ok(await api.GET('/api/v1/customers/{id}', { params }))
    case 'call':
      return ok(await api.GET('/api/v1/calls/{id}', { params }))
    case 'project':
      return ok(await api.GET('/api/v1/projects/{id}', { params }))
    case 'opportunity':
      return ok(await api.GET('/api/v1/opportunities/{id}', { params }))
    case 'quote':
      return ok(await api.GET('/api/v1/quotes/{id}', { params }))
    case 'orgUnit':
      return ok(await api.GET('/api/v1/org-units/{id}', { params }))
  }
}

/** A call is named by its number, everything else by its name. */
export const LABEL: Record<RefType, string> = {
  user: 'name',
  customer: 'name',
  call: 'phone',
  project: 'name',
  opportunity: 'name',
  quote: 'name',
  orgUnit: 'name',
}

/**
 * The name of a record another one points at (an evaluation's call and agent, an opportunity's
 * owner and customer), read through the API's own `GET /{type}/{id}` as the viewer may see it:
 * masked as the API masks it, and a neutral "not visible to you" — never the id — when the
 * viewer may not view that type (`/me`) or the server answers 404 (out of their scope). Each
 * record is asked for once per page (the query cache), whatever the number of rows naming it.
 */
export function RefName({ type, id }: { type: RefType; id: string | null | undefined }) {
  const { t } = useTranslation()
  const may = allowedActions(useMe().data)
  const enabled = typeof id === 'string' && id !== '' && may.has(`${type}.view`)
  const ref = useQuery({
    queryKey: ['ref', type, id],
    enabled,
    staleTime: 60_000,
    retry: false,
    queryFn: () => fetchRef(type, id ?? ''),
  })
  if (id === null || id === undefined || id === '') return <>—</>
  const hidden = (
    <Typography.Text type="secondary" data-testid="ref-hidden">
      {t('refs.notVisible')}
    </Typography.Text>
  )
  if (!enabled) return hidden
  if (ref.isPending) return <>…</>
  if (ref.error instanceof ApiError && ref.error.status < 500) return hidden
  if (ref.error) return <>?</>
  const field = LABEL[type]
  const value = ref.data[field]
  if (value === undefined || value === null) return hidden
  return <FieldValue value={value} masked={ref.data.maskedFields?.includes(field) ?? false} />
}
