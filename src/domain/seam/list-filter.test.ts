import { describe, expect, it } from 'vitest'
import { Kysely, PostgresDialect } from 'kysely'
import type { Database } from '../database.js'
import { AppError } from '../../errors.js'
import { defineListFilter } from './list-filter.js'

// Compiles only (never connects): the SQL a filter adds to a list is read off the query.
const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: {} as never }) })

interface F {
  q?: string | undefined
  country?: string | undefined
  status?: string | undefined
  phone?: string | undefined
  tag?: string | undefined
  orgUnitId?: string | undefined
}
const filter = defineListFilter<'customers', { phone: string; tags: string[]; level: string }, F>(
  'customers',
  {
    status: { column: 'level', field: 'level' },
    phone: { column: 'phone', field: 'phone', match: 'phone' },
    tag: { column: 'tags', field: 'tags', match: 'tag' },
    orgUnitId: 'org_unit_id',
  },
)
const compiled = (f: F) => {
  const { where } = filter(f)
  const q = db.selectFrom('customers').select('id')
  return (where === undefined ? q : q.where(where)).compile()
}

describe('defineListFilter', () => {
  it('no narrowing: no where, nothing to read in clear, q passed on', () => {
    expect(filter({ q: 'wang' })).toEqual({ q: 'wang', where: undefined, readable: [] })
  })

  it('each given key narrows its column; catalog fields are named to be read in clear', () => {
    const out = filter({ status: 'vip', orgUnitId: 'u1', tag: ' gold ' })
    expect(out.readable).toEqual(['level', 'tags'])
    const { sql, parameters } = compiled({ status: 'vip', orgUnitId: 'u1', tag: ' gold ' })
    expect(sql).toContain('"customers"."level" = $1')
    expect(sql).toContain('"customers"."tags" @> ARRAY[$2]::text[]')
    expect(sql).toContain('"customers"."org_unit_id" = $3')
    expect(parameters).toEqual(['vip', 'gold', 'u1'])
  })

  it('a phone in any format is looked for as E.164; a national one with its country', () => {
    expect(compiled({ phone: '0086 138-1234-5678' }).parameters).toEqual(['+8613812345678'])
    expect(compiled({ phone: '13812345678', country: 'cn' }).parameters).toEqual(['+8613812345678'])
  })

  it('a phone that is not a number is a 400 naming its query key, never an empty page', () => {
    let thrown: unknown
    try {
      filter({ phone: 'abc' })
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(AppError)
    expect(thrown).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: 'querystring/phone' }],
    })
  })
})
