import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { catalogDocPath, catalogMarkdown, catalogSection } from '../src/catalog-doc.js'
import { createTestApp } from './test-app.js'

const root = new URL('../', import.meta.url)
const { app } = await createTestApp()

describe('docs/catalog.md', () => {
  it('lists exactly the catalog (regenerate with npx tsx src/catalog-doc.ts)', () => {
    expect(catalogSection(readFileSync(catalogDocPath, 'utf8'))).toBe(catalogMarkdown())
  })
})

describe('the documentation a clone carries', () => {
  // Issue 9, item 9: no link to product notes outside the repository (../shared/…)
  it('README, docs/ and the OpenAPI description point only at files in the repository', async () => {
    const files = [
      'README.md',
      ...readdirSync(new URL('docs/', root)).map((f) => `docs/${f}`),
    ].filter((f) => f.endsWith('.md'))
    for (const file of files) {
      const text = readFileSync(new URL(file, root), 'utf8')
      expect(text, file).not.toMatch(/\.\.\/shared|shared\/(PRODUCT|API|STYLE)\.md/)
      for (const [, target] of text.matchAll(/\]\(([^)#]+\.md)(#[^)]*)?\)/g)) {
        const from = new URL(file, root)
        expect(() => readFileSync(new URL(target ?? '', from)), `${file} → ${target}`).not.toThrow()
      }
    }
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()
    expect(doc.info.description).not.toMatch(/shared/)
    for (const named of doc.info.description.matchAll(/docs\/[\w-]+\.md/g))
      expect(() => readFileSync(new URL(named[0], root)), named[0]).not.toThrow()
  })
})
