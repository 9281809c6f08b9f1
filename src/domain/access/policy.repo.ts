import { sql, type Kysely } from 'kysely'
import {
  adminRole,
  operatorRole,
  supervisorRole,
  type Grant,
  type PermissionGroup,
  type Policy,
  type Restriction,
  type Role,
  type Subject,
  type TemporaryGrant,
} from '../../authz/index.js'
import type { Database } from '../../db/index.js'

type Db = Kysely<Database>

/** R1: built-in roles are defined in code (immutable); the row only names which one. */
const builtins: Readonly<Record<string, Role>> = {
  admin: adminRole,
  supervisor: supervisorRole,
  operator: operatorRole,
  Admin: adminRole,
  Supervisor: supervisorRole,
  Operator: operatorRole,
}

export function builtinDefinition(name: string): Role | undefined {
  return builtins[name]
}

/** The stored shape of a role's or group's definition column. */
export interface StoredDefinition {
  readonly builtin?: string
  readonly grants?: readonly Grant[]
  readonly restrictions?: Role['restrictions']
}

export async function policyVersion(db: Db, companyId: string): Promise<number> {
  const row = await db
    .selectFrom('companies')
    .select('policy_version')
    .where('id', '=', companyId)
    .executeTakeFirst()
  return row?.policy_version ?? 0
}

/** Called in the same transaction as any policy change: every server recompiles next request. */
export async function bumpPolicyVersion(db: Db, companyId: string): Promise<void> {
  await db
    .updateTable('companies')
    .set((eb) => ({ policy_version: eb('policy_version', '+', 1) }))
    .where('id', '=', companyId)
    .execute()
}

/** A company's whole setup, as the engine takes it. */
export async function loadPolicy(db: Db, companyId: string): Promise<Policy> {
  const [company, units, roles, groups, restrictions] = await Promise.all([
    db
      .selectFrom('companies')
      .select(['time_zone', 'policy_version'])
      .where('id', '=', companyId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('org_units')
      .select(['id', 'parent_id'])
      .where('company_id', '=', companyId)
      .execute(),
    db
      .selectFrom('roles')
      .select(['id', 'name', 'kind', 'definition', 'mfa_required'])
      .where('company_id', '=', companyId)
      .execute(),
    db
      .selectFrom('permission_groups')
      .select(['id', 'name', 'definition'])
      .where('company_id', '=', companyId)
      .execute(),
    db
      .selectFrom('restrictions')
      .select(['id', 'name', 'definition'])
      .where('company_id', '=', companyId)
      .execute(),
  ])
  return {
    version: company.policy_version,
    timeZone: company.time_zone,
    orgUnits: Object.fromEntries(units.map((u) => [u.id, u.parent_id])),
    roles: roles.map((r) =>
      storedRole(r.id, r.name, r.kind, r.definition as StoredDefinition, r.mfa_required),
    ),
    groups: groups.map((g): PermissionGroup => ({
      id: g.id,
      name: g.name,
      grants: (g.definition as StoredDefinition).grants ?? [],
    })),
    restrictions: restrictions.map((x): Restriction => ({
      ...(x.definition as unknown as Omit<Restriction, 'id'>),
      id: x.id,
    })),
  }
}

export function storedRole(
  id: string,
  name: string,
  kind: Role['kind'],
  def: StoredDefinition,
  mfaRequired: boolean,
): Role {
  const builtin = kind === 'builtin' ? builtinDefinition(def.builtin ?? name) : undefined
  return {
    id,
    name,
    kind,
    mfaRequired,
    grants: builtin ? builtin.grants : (def.grants ?? []),
    ...(def.restrictions ? { restrictions: def.restrictions } : {}),
  }
}

interface SubjectRow {
  id: string
  company_id: string
  org_unit_id: string | null
  manager_id: string | null
  level: string
  position: string | null
  status: string
  roles: string[]
  groups: string[]
  projects: string[]
  grants:
    | { id: string; definition: Record<string, unknown>; valid_from: string; valid_until: string }[]
    | null
  policy_version: number | string
}

/**
 * The person as the engine sees them, read fresh on every request in one query: roles,
 * groups, projects and the temporary grants active now. Undefined for an unknown user.
 */
export async function loadSubject(
  db: Db,
  companyId: string,
  userId: string,
  now: Date,
): Promise<(Subject & { status: string; policyVersion: number }) | undefined> {
  const result = await sql<SubjectRow>`
    select u.id, u.company_id, u.org_unit_id, u.manager_id, u.level, u.position, u.status,
      array(select role_id from user_roles r where r.company_id = u.company_id and r.user_id = u.id) as roles,
      array(select group_id from user_groups g where g.company_id = u.company_id and g.user_id = u.id) as groups,
      array(select project_id from project_members p where p.company_id = u.company_id and p.user_id = u.id) as projects,
      (select json_agg(json_build_object('id', t.id, 'definition', t.definition,
          'valid_from', t.valid_from, 'valid_until', t.valid_until))
        from grants t where t.company_id = u.company_id and t.user_id = u.id
          and t.revoked_at is null and t.valid_until > ${now}) as grants
      , (select policy_version from companies c where c.id = u.company_id) as policy_version
    from users u where u.company_id = ${companyId} and u.id = ${userId}`.execute(db)
  const row = result.rows[0]
  if (!row) return undefined
  return {
    id: row.id,
    companyId: row.company_id,
    orgUnitId: row.org_unit_id,
    projectIds: row.projects,
    roles: row.roles,
    groups: row.groups,
    grants: (row.grants ?? []).map((g): TemporaryGrant => ({
      ...(g.definition as unknown as Grant),
      id: g.id,
      validFrom: Date.parse(g.valid_from),
      validUntil: Date.parse(g.valid_until),
    })),
    attrs: { level: row.level, position: row.position, managerId: row.manager_id },
    status: row.status,
    policyVersion: Number(row.policy_version),
  }
}
