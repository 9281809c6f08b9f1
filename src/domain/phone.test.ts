import { describe, expect, it } from 'vitest'
import { normalisePhone, phoneSearchTerm } from './phone.js'

describe('normalisePhone', () => {
  it.each([
    ['+86 138 1234 5678', undefined],
    ['+86-138-1234-5678', undefined],
    ['008613812345678', undefined],
    ['(+86) 13812345678', undefined],
    ['138 1234 5678', 'CN'],
    ['13812345678', 'cn'],
  ])('reads %s (%s) as +8613812345678', (input, country) => {
    expect(normalisePhone(input, country)).toBe('+8613812345678')
  })

  it('reads a Russian national number with its trunk prefix', () => {
    expect(normalisePhone('8 (912) 345-67-89', 'RU')).toBe('+79123456789')
  })

  it.each(['', '12', 'not a phone', '+86 1', '138 1234 5678', '+999 123456789'])(
    'refuses %j without a country',
    (input) => {
      expect(normalisePhone(input)).toBeNull()
    },
  )
})

describe('phoneSearchTerm', () => {
  it('is E.164 for an international number, digits for a part, null for text', () => {
    expect(phoneSearchTerm('+86 138-1234-5678')).toBe('+8613812345678')
    expect(phoneSearchTerm('1234 5678')).toBe('12345678')
    expect(phoneSearchTerm('12')).toBeNull()
    expect(phoneSearchTerm('Ann')).toBeNull()
  })
})
