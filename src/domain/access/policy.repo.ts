import { sql, type Kysely, type RawBuilder } from 'kysely'
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
import { localEpochOf, plainLiteral, READS_ONLY } from '../../db/index.js'
import type { Database } from '../database.js'

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

/** The channel on which a company's new policy version is announced (payload: PolicyNotice). */
export const POLICY_CHANNEL = 'tessera_policy'

/** What a NOTIFY on POLICY_CHANNEL carries. */
export interface PolicyNotice {
  readonly companyId: string
  readonly version: number
  /**
   * The cache of the process whose write this was, when that process seeds its own cache after
   * commit (policyChanged): it ignores its own notice, which may arrive before its seed and
   * would otherwise load and compile the same version a second time.
   */
  readonly origin?: string
}

/**
 * Called in the same transaction as any policy change; returns the new version. The row lock it
 * takes serialises a company's policy writers until commit, and the NOTIFY it sends is delivered
 * to every listening process only when (and if) the transaction commits, so caches elsewhere
 * are dropped or warmed at once. Correctness does not depend on the notice: every request reads
 * the version anyway.
 */
export async function bumpPolicyVersion(
  db: Db,
  companyId: string,
  origin?: string,
): Promise<number> {
  const result = await sql<{ policy_version: number | string }>`
    update companies set policy_version = policy_version + 1 where id = ${companyId}
    returning policy_version, pg_notify(${POLICY_CHANNEL},
      json_build_object('companyId', id, 'version', policy_version,
        'origin', ${origin ?? null}::text)::text)`.execute(db)
  return Number(result.rows[0]?.policy_version ?? 0)
}

interface PolicyRow {
  time_zone: string
  policy_version: number | string
  units: [string, string | null][]
  roles: {
    id: string
    name: string
    kind: Role['kind']
    definition: StoredDefinition
    mfa_required: boolean
  }[]
  groups: { id: string; name: string; definition: StoredDefinition }[]
  restrictions: { id: string; name: string; definition: Record<string, unknown> }[]
}

/** A company's whole setup, as the engine takes it, in one statement. */
export async function loadPolicy(db: Db, companyId: string): Promise<Policy> {
  const result = await sql<PolicyRow>`
    select c.time_zone, c.policy_version,
      coalesce((select json_agg(json_build_array(o.id, o.parent_id))
        from org_units o where o.company_id = c.id), '[]') as units,
      coalesce((select json_agg(json_build_object('id', r.id, 'name', r.name, 'kind', r.kind,
          'definition', r.definition, 'mfa_required', r.mfa_required))
        from roles r where r.company_id = c.id), '[]') as roles,
      coalesce((select json_agg(json_build_object('id', g.id, 'name', g.name,
          'definition', g.definition))
        from permission_groups g where g.company_id = c.id), '[]') as groups,
      coalesce((select json_agg(json_build_object('id', x.id, 'name', x.name,
          'definition', x.definition))
        from restrictions x where x.company_id = c.id), '[]') as restrictions
    from companies c where c.id = ${companyId}`.execute(db)
  const company = result.rows[0]
  if (company === undefined) throw new Error(`no company ${companyId}`)
  return {
    version: Number(company.policy_version),
    timeZone: company.time_zone,
    orgUnits: Object.fromEntries(company.units),
    roles: company.roles.map((r) => storedRole(r.id, r.name, r.kind, r.definition, r.mfa_required)),
    groups: company.groups.map((g): PermissionGroup => ({
      id: g.id,
      name: g.name,
      grants: g.definition.grants ?? [],
    })),
    restrictions: company.restrictions.map((x): Restriction => ({
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
    ...(Array.isArray(def.restrictions)
      ? { restrictions: def.restrictions.map(withRestrictionId) }
      : def.restrictions !== undefined
        ? { restrictions: def.restrictions }
        : {}),
  }
}

/**
 * A role restriction stored without an id (written before ids were required) is named by its
 * place, so decisions and explanations can name it; the write path refuses such a restriction.
 */
function withRestrictionId(
  x: NonNullable<Role['restrictions']>[number],
  i: number,
): NonNullable<Role['restrictions']>[number] {
  if (typeof x !== 'object' || x === null || (typeof x.id === 'string' && x.id !== '')) return x
  return { ...x, id: `restriction-${i + 1}` }
}

/**
 * W5: a record shared with a person's team reaches the engine as one more temporary grant of the
 * person (a grant of `<type>.view` on that record, its field rules hiding every field not
 * chosen), whose id is the share's behind this prefix; a grant's own id is a UUID, never so.
 */
const SHARE_PREFIX = 'share:'

/** The engine's id of a share's grant. */
export function shareGrantId(shareId: string): string {
  return `${SHARE_PREFIX}${shareId}`
}

/** Is this temporary grant of a subject a share with their team (not one given to them)? */
export function isShareGrant(grant: { readonly id: string }): boolean {
  return grant.id.startsWith(SHARE_PREFIX)
}

/**
 * Does a decision allow only through shares with the caller's team? A share opens the record to
 * be read (list, search, count, single read) and nothing else: a service that would do more with
 * the record than show it (watch it, copy from it, name it in a write) asks this and treats such
 * a record as one the caller may not see.
 */
export function allowedOnlyByShares(decision: {
  readonly allowed: boolean
  readonly matched: readonly { readonly kind: string; readonly id: string }[]
}): boolean {
  return (
    decision.allowed &&
    decision.matched.length > 0 &&
    decision.matched.every((r) => r.kind === 'grant' && isShareGrant(r))
  )
}

/** A share without an end: the engine's window runs to the last representable time. */
const NO_END = 8.64e15

/** The columns subjectColumns() selects: a user row and what the engine needs about them. */
export interface SubjectRow {
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
  /** W5: the records shared with the person's team, in force now (valid_until null: no end). */
  shares:
    | {
        id: string
        definition: Record<string, unknown>
        valid_from: string
        valid_until: string | null
      }[]
    | null
  policy_version: number | string
  subject_version: number | string
}

/**
 * A person as the engine sees them, with their status and the company's two counters as read
 * in the same statement (so a copy kept in memory is good while both still hold).
 */
export type LoadedSubject = Subject & {
  status: string
  policyVersion: number
  subjectVersion: number
}

/** The company's counters: what a caller or subject kept in memory was read under. */
export interface Versions {
  readonly policy: number
  readonly subject: number
}

/**
 * The counters alone, outside any transaction: one round trip, no tenant binding. On embedded
 * PGlite none while the database has been sent nothing since they were last read: every
 * statement that could move them is this process's own and moves its epoch (db/local-epoch.ts).
 */
export async function readVersions(db: Db, companyId: string): Promise<Versions | undefined> {
  const read = async (): Promise<Versions | undefined> => {
    const result = await sql<{
      policy_version: number | string
      subject_version: number | string
    }>`${sql.raw(READS_ONLY)} select policy_version, subject_version from companies where id = ${companyId}`.execute(
      db,
    )
    const row = result.rows[0]
    return row && { policy: Number(row.policy_version), subject: Number(row.subject_version) }
  }
  const epoch = localEpochOf(db)
  return epoch === undefined ? read() : epoch.keep(`versions/${companyId}`, read)
}

/**
 * The counters, and the transaction bound to the company as `tessera_app` in the same statement
 * (withCompany's binding; the read comes first, as the connecting role). The company id and the
 * role are written as literals when plain (db/literal.ts), so this first statement of a request
 * has no parameters and travels with its BEGIN in one round trip (db/deferred-begin.ts).
 */
export async function bindAndReadVersions(
  db: Db,
  companyId: string,
  appRole: string,
): Promise<Versions | undefined> {
  const company = plainLiteral(companyId)
  const result = await sql<{ policy_version: number | string; subject_version: number | string }>`
    with c as materialized (
      select policy_version, subject_version from companies where id = ${company}
    )
    select c.*, set_config('tessera.company_id', ${company}, true) as bound_company,
      set_config('role', ${plainLiteral(appRole)}, true) as bound_role
    from c`.execute(db)
  const row = result.rows[0]
  return row && { policy: Number(row.policy_version), subject: Number(row.subject_version) }
}

/**
 * The select list of a subject for the users row aliased `u`: roles, groups, projects, the
 * temporary grants active at `now` and the company's policy version, as subqueries of one
 * statement (shared by loadSubject and the per-request session and key statements).
 */
export function subjectColumns(now: Date): RawBuilder<SubjectRow> {
  return sql<SubjectRow>`u.id, u.company_id, u.org_unit_id, u.manager_id, u.level, u.position, u.status,
      array(select role_id from user_roles r where r.company_id = u.company_id and r.user_id = u.id order by role_id) as roles,
      array(select group_id from user_groups g where g.company_id = u.company_id and g.user_id = u.id order by group_id) as groups,
      array(select project_id from project_members p where p.company_id = u.company_id and p.user_id = u.id order by project_id) as projects,
      (select json_agg(json_build_object('id', t.id, 'definition', t.definition,
          'valid_from', t.valid_from, 'valid_until', t.valid_until))
        from grants t where t.company_id = u.company_id and t.user_id = u.id
          and t.revoked_at is null and t.valid_until > ${now}) as grants,
      (select json_agg(json_build_object('id', h.id, 'definition', h.definition,
          'valid_from', h.created_at, 'valid_until', h.valid_until))
        from shares h where h.company_id = u.company_id and h.org_unit_id = u.org_unit_id
          and h.revoked_at is null and (h.valid_until is null or h.valid_until > ${now})) as shares,
      (select policy_version from companies c where c.id = u.company_id) as policy_version,
      (select subject_version from companies c where c.id = u.company_id) as subject_version`
}

export function subjectOfRow(row: SubjectRow): LoadedSubject {
  return {
    id: row.id,
    companyId: row.company_id,
    orgUnitId: row.org_unit_id,
    projectIds: row.projects,
    roles: row.roles,
    groups: row.groups,
    grants: [
      ...(row.grants ?? []).map((g): TemporaryGrant => ({
        ...(g.definition as unknown as Grant),
        id: g.id,
        validFrom: Date.parse(g.valid_from),
        validUntil: Date.parse(g.valid_until),
      })),
      ...(row.shares ?? []).map((h): TemporaryGrant => ({
        ...(h.definition as unknown as Grant),
        id: shareGrantId(h.id),
        label: `shared with the team (share ${h.id})`,
        validFrom: Date.parse(h.valid_from),
        validUntil: h.valid_until === null ? NO_END : Date.parse(h.valid_until),
      })),
    ],
    attrs: { level: row.level, position: row.position, managerId: row.manager_id },
    status: row.status,
    policyVersion: Number(row.policy_version),
    subjectVersion: Number(row.subject_version),
  }
}

/**
 * The person as the engine sees them, read fresh in one query: roles, groups, projects and the
 * temporary grants active now. Undefined for an unknown user.
 */
export async function loadSubject(
  db: Db,
  companyId: string,
  userId: string,
  now: Date,
): Promise<LoadedSubject | undefined> {
  const result = await sql<SubjectRow>`
    select ${subjectColumns(now)}
    from users u where u.company_id = ${companyId} and u.id = ${userId}`.execute(db)
  const row = result.rows[0]
  return row && subjectOfRow(row)
}

/**
 * Whose rights the current transaction changed, as the database noted them (migration 0055):
 * `'everyone'` (the policy, a team share, or very many people), the people's ids, or undefined
 * when it changed none.
 */
export async function rightsChangedHere(db: Db): Promise<'everyone' | string[] | undefined> {
  const result = await sql<{ noted: string | null }>`
    select current_setting('tessera.rights_changed', true) as noted`.execute(db)
  const noted = result.rows[0]?.noted ?? ''
  if (noted === '') return undefined
  if (noted === '*') return 'everyone'
  return noted.split(',').filter((id) => id !== '')
}
