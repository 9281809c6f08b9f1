import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Kysely } from 'kysely'
import { withCompany } from '../src/db/index.js'
import type { Database } from '../src/domain/database.js'
import { bumpPolicyVersion } from '../src/domain/access/index.js'
import { assignRole, insertRole } from '../src/domain/roles/index.js'
import { bearer } from './test-app.js'

// Helpers for the administration scenarios (users, org units, projects, API keys, G10).

const at = new Date('2026-11-23T09:00:00.000Z')

/**
 * A custom role stored directly (the roles API is not under test here), with the policy version
 * bumped as the roles service does, so the next request compiles it.
 */
export async function addRole(
  db: Kysely<Database>,
  companyId: string,
  name: string,
  definition: Record<string, unknown>,
  options: { mfaRequired?: boolean } = {},
): Promise<string> {
  return withCompany(db, companyId, async (trx) => {
    const role = await insertRole(
      trx,
      companyId,
      { name, kind: 'custom', definition, mfaRequired: options.mfaRequired ?? false },
      at,
    )
    await bumpPolicyVersion(trx, companyId)
    return role.id
  })
}

export async function giveRole(
  db: Kysely<Database>,
  companyId: string,
  userId: string,
  roleId: string,
) {
  await withCompany(db, companyId, (trx) => assignRole(trx, companyId, userId, roleId, at))
}

/** The id of a company's built-in role, read as the superuser. */
export async function builtinRoleId(db: Kysely<Database>, companyId: string, name: string) {
  const row = await db
    .selectFrom('roles')
    .select('id')
    .where('company_id', '=', companyId)
    .where('name', '=', name)
    .executeTakeFirstOrThrow()
  return row.id
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

/** `call(token)('POST', '/api/v1/users', body)`: one request with a bearer token. */
export function caller(app: FastifyInstance) {
  return (token: string) =>
    (method: Method, url: string, payload?: unknown): Promise<LightMyRequestResponse> =>
      app.inject({
        method,
        url,
        headers: bearer(token),
        ...(payload !== undefined && { payload: payload as object }),
      })
}

/** Rows of a table of one company, counted as the superuser (RLS bypassed on purpose). */
export async function countRows(
  db: Kysely<Database>,
  table: 'users' | 'org_units' | 'projects' | 'project_members' | 'user_roles' | 'api_keys',
  companyId: string,
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('company_id', '=', companyId)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
