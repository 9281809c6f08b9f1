import type { Kysely } from 'kysely'
import { AppError } from '../../errors.js'
import type { Database } from '../database.js'
import { assertTimeZone, slugify, type Company } from './companies.js'
import * as repo from './companies.repo.js'

// A company's own operations. Most run before anyone of the company is known (sign-up, login,
// the CLI), so they take a handle (the root one, or sign-up's new tenant transaction) rather
// than a Ctx; none of them decides on a caller.

type Db = Kysely<Database>

/**
 * Pre-tenant (login, CLI): the id of the company with this slug, or undefined. Runs on the root
 * handle, before any company is known; everything after it happens inside withCompany.
 */
export async function companyIdBySlug(db: Db, slug: string): Promise<string | undefined> {
  if (slug === '') return undefined
  return repo.findCompanyIdBySlug(db, slug)
}

/** The company `id` as its own transaction sees it (login reads its time zone and settings). */
export async function companyById(db: Db, id: string): Promise<Company | undefined> {
  return repo.findCompany(db, id)
}

/**
 * Pre-tenant, for sign-up: a slug derived from `name` that no company holds yet (`acme`, else
 * `acme-2`, `acme-3`, …). Another sign-up may take it before ours commits; the unique key
 * `companies_slug_key` then refuses the insert and sign-up asks again.
 */
export async function freeCompanySlug(db: Db, name: string): Promise<string> {
  const base = slugify(name)
  const taken = new Set(await repo.listSlugsLike(db, base))
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`
    if (!taken.has(candidate)) return candidate
  }
}

export interface NewCompany {
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly timeZone: string
}

/**
 * Sign-up's first write, in its transaction bound to the new company (withCompany on `id`):
 * the company row, with empty settings. The time zone must be an IANA zone and the slug one
 * slugify could give (lower-case letters, digits and single hyphens).
 */
export async function createCompany(db: Db, company: NewCompany, now: Date): Promise<Company> {
  assertTimeZone(company.timeZone)
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(company.slug)) {
    throw new AppError('validation_failed', `"${company.slug}" is not a company slug`, {
      errors: [{ path: 'body/companyName', message: 'gives no usable slug' }],
    })
  }
  return repo.insertCompany(db, company, now)
}

/**
 * For the settings sections (domain/settings), inside the caller's tenant transaction, deciding
 * on no caller: the company's settings document, its row locked until the transaction ends (a
 * concurrent change of a section waits, so before → after in the audit is exact).
 */
export async function lockedCompanySettings(db: Db, id: string): Promise<Record<string, unknown>> {
  const settings = await repo.lockCompanySettings(db, id)
  if (settings === undefined) throw new AppError('not_found', 'no such company')
  return settings
}

/** Sets these top-level keys of the company's settings, keeping the others; decides on no caller. */
export async function mergeCompanySettings(
  db: Db,
  id: string,
  entries: Record<string, unknown>,
): Promise<void> {
  await repo.mergeCompanySettings(db, id, entries)
}
