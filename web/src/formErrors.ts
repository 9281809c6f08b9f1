import type { FormInstance } from 'antd'
import { ApiError } from './api/client'

/**
 * Puts a refused save's field errors (`errors[].path` such as `body/phone`) on the form's own
 * fields, in the server's words; answers whether every error found its field (the rest is left
 * for the dialog's Problem, which shows the whole answer anyway).
 */
export function showFieldErrors(
  form: FormInstance,
  error: unknown,
  fields: readonly string[],
  /** a body field the form edits under another name (`ownerId` → the `ownedByMe` checkbox) */
  aliases: Readonly<Record<string, string>> = {},
): boolean {
  if (!(error instanceof ApiError)) return false
  const byField = new Map<string, string[]>()
  let unplaced = 0
  for (const e of error.errors) {
    const sent = /^body\/([^/]+)/.exec(e.path)?.[1]
    const field = sent === undefined ? undefined : (aliases[sent] ?? sent)
    if (field !== undefined && fields.includes(field)) {
      byField.set(field, [...(byField.get(field) ?? []), e.message])
    } else unplaced += 1
  }
  form.setFields([...byField].map(([name, errors]) => ({ name, errors })))
  return unplaced === 0 && byField.size > 0
}
