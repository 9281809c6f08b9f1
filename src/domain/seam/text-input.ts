/**
 * One short text a write sets (a name, a title): trimmed, not blank, within its limit and
 * storable (S9). Each problem goes to `errors` at `path`; the trimmed text is returned.
 */
import type { ErrorDetail } from '../../errors.js'
import { unstorableText } from '../storable-text.js'

export function requiredText(
  value: string,
  path: string,
  limit: number,
  errors: ErrorDetail[],
): string {
  const text = value.trim()
  const unstorable = unstorableText(value)
  if (unstorable !== null) errors.push({ path, message: unstorable })
  else if (text === '') errors.push({ path, message: 'must not be blank' })
  else if (text.length > limit) errors.push({ path, message: `at most ${limit} characters` })
  return text
}
