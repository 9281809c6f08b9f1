import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { masks, maskValue } from './index.js'

describe('maskValue (P4 patterns)', () => {
  it.each([
    [
      'ID number keeps the first 6 and last 4',
      '110101199003071234',
      masks.idNumber,
      '110101********1234',
    ],
    ['bank card keeps the last 4', '6222020200112233', masks.bankCard, '************2233'],
    ['phone keeps 3 + 4', '13812345678', masks.phone, '138****5678'],
    ['a value too short to keep anything is masked whole', '12345', masks.idNumber, '*****'],
    ['a custom character', '13812345678', { ...masks.phone, char: '•' }, '138••••5678'],
  ])('%s', (_name, value, pattern, expected) => {
    expect(maskValue(value, pattern)).toBe(expected)
  })

  it('never reveals more than keepStart + keepEnd characters, and never the whole value', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat(8),
        fc.nat(8),
        (s, keepStart, keepEnd) => {
          const out = [...maskValue(s, { keepStart, keepEnd, char: '\u0000' })]
          const revealed = out.filter((c) => c !== '\u0000').length
          expect(revealed).toBeLessThanOrEqual(keepStart + keepEnd)
          expect(revealed).toBeLessThan([...s].length || 1)
        },
      ),
    )
  })
})
