import { describe, expect, it } from 'vitest'
import { hashPassword, passwordProblems, verifyPassword } from './password.js'

describe('passwords', () => {
  it('verifies the right password against its salted hash and refuses others', async () => {
    const hash = await hashPassword('Correct-Horse-42')
    expect(hash).not.toBe(await hashPassword('Correct-Horse-42'))
    expect(await verifyPassword('Correct-Horse-42', hash)).toBe(true)
    expect(await verifyPassword('correct-horse-42', hash)).toBe(false)
    expect(await verifyPassword('Correct-Horse-42', 'md5$whatever')).toBe(false)
  })

  it.each([
    ['Correct-Horse-42', []],
    ['short1A', ['must be at least 10 characters']],
    [
      'alllowercaseletters',
      ['must mix at least two of: lower case, upper case, digits, other characters'],
    ],
    [
      '1111111111',
      [
        'must mix at least two of: lower case, upper case, digits, other characters',
        'must not repeat one character',
      ],
    ],
    ['ann.smith-2026', ['must not contain your email']],
  ])('policy for %s', (password, problems) => {
    expect(passwordProblems(password, { email: 'ann.smith@example.com' })).toEqual(problems)
  })
})
