import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { Company } from './companies.js'
import type { CompanyRow } from './companies.table.js'

type Db = Kysely<Database>

export async function insertCompany(
  db: Db,
  company: Omit<Company, 'createdAt' | 'settings'> & { settings?: Record<string, unknown> },
  now: Date,
): Promise<Company> {
  const row = await db
    .insertInto('companies')
    .values({
      id: company.id,
      slug: company.slug,
      name: company.name,
      time_zone: company.timeZone,
      settings: JSON.stringify(company.settings ?? {}),
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return companyRowToCompany(row)
}

export async function findCompany(db: Db, id: string): Promise<Company | undefined> {
  const row = await db.selectFrom('companies').selectAll().where('id', '=', id).executeTakeFirst()
  return row && companyRowToCompany(row)
}

/**
 * Pre-tenant lookup (login, CLI): runs on the root handle, before any company is known, and
 * returns only the id; everything after it happens inside withCompany.
 */
export async function findCompanyIdBySlug(db: Db, slug: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('companies')
    .select('id')
    .where('slug', '=', slug)
    .executeTakeFirst()
  return row?.id
}

/** Pre-tenant: the taken slugs `base`, `base-2`, … so sign-up can pick a free one. */
export async function listSlugsLike(db: Db, base: string): Promise<string[]> {
  const rows = await db
    .selectFrom('companies')
    .select('slug')
    .where((eb) => eb.or([eb('slug', '=', base), eb('slug', 'like', `${base}-%`)]))
    .execute()
  return rows.map((r) => r.slug)
}

/** The company's settings document, its row locked until the transaction ends. */
export async function lockCompanySettings(
  db: Db,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const row = await db
    .selectFrom('companies')
    .select('settings')
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
  return row?.settings
}

/** Sets the top-level keys of `entries` in the company's settings, the other keys kept. */
export async function mergeCompanySettings(
  db: Db,
  id: string,
  entries: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('companies')
    .set((eb) => ({
      settings: sql`${eb.ref('settings')} || ${JSON.stringify(entries)}::jsonb`,
    }))
    .where('id', '=', id)
    .execute()
}

export function companyRowToCompany(row: CompanyRow): Company {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    timeZone: row.time_zone,
    settings: row.settings,
    createdAt: row.created_at,
  }
}
