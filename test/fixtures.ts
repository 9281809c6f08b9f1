import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Kysely } from 'kysely'
import { withCompany } from '../src/db/index.js'
import type { Database } from '../src/domain/database.js'
import { bumpPolicyVersion } from '../src/domain/access/index.js'
import { assignRoleUnchecked, storeRole } from '../src/domain/roles/index.js'
import { bearer, logIn, strongPassword, type SignedUp } from './test-app.js'

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
    const role = await storeRole(
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
  await withCompany(db, companyId, (trx) => assignRoleUnchecked(trx, companyId, userId, roleId, at))
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

type Caller = ReturnType<ReturnType<typeof caller>>

/** A team (an org unit at the root) made through the API by `as`; its id. */
export async function newTeam(as: Caller, name: string): Promise<string> {
  const res = await as('POST', '/api/v1/org-units', { kind: 'team', name, parentId: null })
  if (res.statusCode !== 201) throw new Error(`team: ${res.statusCode} ${res.body}`)
  return res.json().id as string
}

/**
 * A person of `company` holding one built-in or preset role (by name), made through the users
 * API by the company's Admin and logged in: their id and a caller with their token.
 */
export async function newPerson(
  app: FastifyInstance,
  db: Kysely<Database>,
  company: SignedUp,
  person: { email: string; role: string; orgUnitId: string | null },
): Promise<{ id: string; as: Caller }> {
  const call = caller(app)
  const roleId = await builtinRoleId(db, company.companyId, person.role)
  const res = await call(company.token)('POST', '/api/v1/users', {
    email: person.email,
    name: person.email.split('@')[0],
    password: strongPassword,
    orgUnitId: person.orgUnitId,
    roleIds: [roleId],
  })
  if (res.statusCode !== 201) throw new Error(`user: ${res.statusCode} ${res.body}`)
  const login = await logIn(app, { company: company.slug, email: person.email })
  return { id: res.json().id as string, as: call(login.json().token as string) }
}
