import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { catalog } from './authz/index.js'

// docs/catalog.md's tables, generated from src/authz/catalog.ts: `npx tsx src/catalog-doc.ts`
// rewrites them; test/docs.test.ts fails when they drift.

export const catalogDocPath = fileURLToPath(new URL('../docs/catalog.md', import.meta.url))
const start = '<!-- catalog:start -->'
const end = '<!-- catalog:end -->'

interface TypeDef {
  readonly label: string
  readonly module: string
  readonly actions: readonly string[]
  readonly fields: Readonly<Record<string, { sensitivity: string; mask?: unknown }>>
  readonly scope: Readonly<Record<string, string>>
  readonly highRisk?: readonly string[]
}

/** One section per resource type: its module, actions (high-risk in bold), fields, scope. */
export function catalogMarkdown(): string {
  const sections = Object.entries(catalog as Record<string, TypeDef>).map(([type, def]) => {
    const risky = new Set(def.highRisk ?? [])
    const actions = def.actions
      .map((a) => (risky.has(a) ? `**\`${type}.${a}\`**` : `\`${type}.${a}\``))
      .join(', ')
    const fields = Object.entries(def.fields)
      .map(([name, f]) => `\`${name}\` (${f.sensitivity}${f.mask ? ', masked' : ''})`)
      .join(', ')
    const scope = Object.entries(def.scope)
      .map(([kind, attr]) => `${kind}: \`${attr}\``)
      .join(', ')
    return [
      `### \`${type}\` — ${def.label}`,
      '',
      `- module: \`${def.module}\``,
      `- actions: ${actions}`,
      `- fields: ${fields || '—'}`,
      `- scoped by: ${scope || 'company only'}`,
    ].join('\n')
  })
  return `${start}\n\n${sections.join('\n\n')}\n\n${end}`
}

/** The generated part of docs/catalog.md as it stands in the file. */
export function catalogSection(text: string): string {
  return text.slice(text.indexOf(start), text.indexOf(end) + end.length)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = readFileSync(catalogDocPath, 'utf8')
  writeFileSync(catalogDocPath, text.replace(catalogSection(text), catalogMarkdown()))
}
