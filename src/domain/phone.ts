import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'

/**
 * A phone number in any usual format (`+86 138-1234-5678`, `0086 13812345678`, `(+7) 912…`, or
 * a national one with its `country`, ISO 3166 alpha-2) → E.164 (`+8613812345678`); null when
 * it is not a valid number. Shared by every resource that stores a phone.
 */
export function normalisePhone(input: string, country?: string): string | null {
  const text = input.trim().replace(/^00(?=[1-9])/, '+')
  if (text === '' || text.length > 40) return null
  const parsed = parsePhoneNumberFromString(text, country?.toUpperCase() as CountryCode | undefined)
  return parsed?.isValid() === true ? parsed.number : null
}

/**
 * What a free-text search `q` looks for in an E.164 column: the E.164 form when `q` is a valid
 * international number, else its digits (at least 3) when `q` is written only with phone
 * characters, so `138 1234 5678` finds `+8613812345678`; null when `q` is not a phone at all.
 */
export function phoneSearchTerm(q: string): string | null {
  if (!/^[\d\s()+\-./]+$/.test(q)) return null
  const e164 = normalisePhone(q)
  if (e164 !== null) return e164
  const digits = q.replace(/\D/g, '')
  return digits.length >= 3 ? digits : null
}
