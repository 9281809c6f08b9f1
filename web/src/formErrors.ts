import type { FormInstance } from 'antd'
import { ApiError } from './api/client'

/**
 * Puts a refused save's field errors (`errors[].path` such as `body/phone`, or a list item's
 * `body/criteria/1/key`) on the form's own fields, in the server's words; answers whether every
 * error found its field (the rest is left for the dialog's Problem, which shows the whole answer
 * anyway). A path below one of `fields` lands on the item's field of a `Form.List`.
 */
export function showFieldErrors(
  form: FormInstance,
  error: unknown,
  fields: readonly string[],
  /** a body field the form edits under another name (`ownerId` → the `ownedByMe` checkbox) */
  aliases: Readonly<Record<string, string>> = {},
): boolean {
  if (!(error instanceof ApiError)) return false
  const byField = new Map<string, { name: (string | number)[]; errors: string[] }>()
  let unplaced = 0
  for (const e of error.errors) {
    const [body, sent, ...below] = e.path.split('/')
    const field = body !== 'body' || sent === undefined ? undefined : (aliases[sent] ?? sent)
    if (field !== undefined && fields.includes(field)) {
      // a list's item (`criteria/1/key`); anything else stays on the field itself
      const name = /^\d+$/.test(below[0] ?? '')
        ? [field, ...below.map((s) => (/^\d+$/.test(s) ? Number(s) : s))]
        : [field]
      const key = JSON.stringify(name)
      const placed = byField.get(key) ?? { name, errors: [] }
      placed.errors.push(e.message)
      byField.set(key, placed)
    } else unplaced += 1
  }
  form.setFields(
    [...byField.values()].map(({ name, errors }) => ({
      name: name.length === 1 ? (name[0] as string) : name,
      errors,
    })),
  )
  return unplaced === 0 && byField.size > 0
}
