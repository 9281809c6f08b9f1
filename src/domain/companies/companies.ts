import { AppError } from '../../errors.js'

export interface Company {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly timeZone: string
  readonly settings: Record<string, unknown>
  readonly createdAt: Date
}

/** `"Acme Support GmbH"` → `"acme-support-gmbh"`; never empty. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '')
  return slug === '' ? 'company' : slug
}

/** Throws validation_failed unless `timeZone` is an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string, path = 'body/timezone'): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
  } catch {
    throw new AppError('validation_failed', `unknown time zone "${timeZone}"`, {
      errors: [{ path, message: 'must be an IANA time zone such as Europe/Berlin' }],
    })
  }
}
