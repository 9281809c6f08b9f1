import { describe, expect, it } from 'vitest'
import { slugify } from './companies.js'

describe('slugify', () => {
  it.each([
    ['Acme Support GmbH', 'acme-support-gmbh'],
    ['  Café Größe  ', 'cafe-grosse'],
    ['!!!', 'company'],
    ['中文公司', 'company'],
    ['a'.repeat(60), 'a'.repeat(40)],
  ])('%s → %s', (name, slug) => {
    expect(slugify(name)).toBe(slug)
  })
})
