import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { catalog } from '../src/authz/index.js'

describe('docs/conditions.md', () => {
  it('lists exactly the attributes the catalog declares, with their kinds', () => {
    const text = readFileSync(new URL('../docs/conditions.md', import.meta.url), 'utf8')
    const section = text.slice(
      text.indexOf('<!-- attributes:start -->'),
      text.indexOf('<!-- attributes:end -->'),
    )
    for (const [type, def] of Object.entries(catalog)) {
      const line = section.split('\n').find((l) => new RegExp(`^\\| \`${type}\` +\\|`).test(l))
      const listed = [...(line ?? '').matchAll(/`(\w+)` \((\w+)\)/g)].map((m) => [m[1], m[2]])
      expect(listed, type).toEqual(Object.entries(def.attributes))
    }
  })
})
