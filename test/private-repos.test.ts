import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// docs/resources.md: a module's `*.repo.ts` is private to it. Its index.ts exports none of it,
// and no file outside the module's folder imports it (eslint.config.js refuses such an import
// too; this test also catches a re-export from index.ts, which the lint rule lets through).

const self = fileURLToPath(import.meta.url)
const root = join(dirname(self), '..')
const domain = join(root, 'src/domain')

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === 'node_modules'
        ? []
        : tsFiles(join(dir, e.name))
      : /\.tsx?$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  )
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(source: string): string[] {
  const found = source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)
  return [...found].map((m) => m[1]!)
}

const isRepo = (specifier: string) => /\.repo(\.[jt]s)?$/.test(specifier)

describe('repositories are private to their module', () => {
  it('no index.ts under src/domain exports from a .repo.js file', () => {
    const indexes = tsFiles(domain).filter((f) => f.endsWith('/index.ts'))
    expect(indexes.length).toBeGreaterThan(10)
    const leaking = indexes.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter(isRepo)
        .map((s) => `${relative(root, file)} → ${s}`),
    )
    expect(leaking).toEqual([])
  })

  it('only files in the same folder import a repository', () => {
    const files = ['src', 'test', 'bench', 'web/scripts']
      .flatMap((d) => tsFiles(join(root, d)))
      .filter((f) => f !== self)
    const outside = files.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter(isRepo)
        .filter((s) => !/^\.\/[^/]+$/.test(s))
        .map((s) => `${relative(root, file)} → ${s}`),
    )
    expect(outside).toEqual([])
  })

  it('the check sees a leak when there is one', () => {
    expect(specifiers("export { insertUser } from './users.repo.js'").filter(isRepo)).toEqual([
      './users.repo.js',
    ])
    expect(specifiers("import * as repo from '../roles/roles.repo.js'").filter(isRepo)).toEqual([
      '../roles/roles.repo.js',
    ])
  })
})
