// S9: text PostgreSQL cannot take. `text` and `jsonb` refuse U+0000 (an error, so a 500 if it
// gets that far); `jsonb` refuses a lone UTF-16 surrogate and `text` silently stores U+FFFD
// for it. Neither is text anyone meant to send: refuse both at the door.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** What is wrong with `text` for the database, as a message; null when it can be stored. */
export function unstorableText(text: string): string | null {
  const found = UNSTORABLE.exec(text)?.[0]
  if (found === undefined) return null
  return found === '\u0000'
    ? 'contains a NUL character (U+0000)'
    : 'contains a lone UTF-16 surrogate (not text)'
}

/** `text` with each unstorable character written as its `\uXXXX` escape, for messages. */
export function escapeUnstorable(text: string): string {
  return text.replace(
    new RegExp(UNSTORABLE.source, 'g'),
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
