import { Alert } from 'antd'
import { useTranslation } from 'react-i18next'
import { ApiError } from '../api/client'

/** A refusal or failure as the server explained it: never a blank page. */
export function Problem({ error }: { error: unknown }) {
  const { t } = useTranslation()
  if (error === null || error === undefined) return null
  const api = error instanceof ApiError ? error : null
  const title = api ? t(problemKey(api.code)) : t('problem.network')
  const fields = api?.errors ?? []
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={title}
      description={
        api && (
          <>
            <div>{t('problem.serverSays', { detail: api.detail })}</div>
            {fields.length > 0 && (
              <ul>
                {fields.map((f) => (
                  <li key={f.path + f.message}>
                    <code>{f.path}</code>: {f.message}
                  </li>
                ))}
              </ul>
            )}
          </>
        )
      }
    />
  )
}

const KNOWN = new Set([
  'validation_failed',
  'not_authenticated',
  'mfa_required',
  'mfa_enrolment_required',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'locked',
  'login_restricted',
])

/** The workspace's and governance's refusals (issue 12 item 4): their titles under `work.problem`. */
const WORK = new Set([
  'preview_read_only',
  'reason_required',
  'approval_required',
  'cannot_grant',
  'own_request',
  'not_approver',
  'quota_exceeded',
  // a dial refused (POST /calls)
  'number_not_in_pool',
  'number_blacklisted',
  'line_limit_reached',
])

function problemKey(code: string): string {
  if (WORK.has(code)) return `work.problem.${code}`
  return KNOWN.has(code) ? `problem.${code}` : 'problem.other'
}
