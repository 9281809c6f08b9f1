import { stringify } from 'yaml'
import type { Grant, ResourceType, Role } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { authorize, rebindInTransaction } from '../access/index.js'
import { canonicalJson, recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import {
  companyGroups,
  companyRoles,
  createGroupIn,
  createRoleIn,
  deleteGroupIn,
  deleteRoleIn,
  groupMemberIds,
  orgUnitMoveReach,
  roleHolderIds,
  updateGroupIn,
  updateRoleIn,
} from '../roles/index.js'
import {
  companyPositions,
  createPositionIn,
  deletePositionIn,
  updatePositionIn,
} from '../positions/index.js'
import { affectedPeople, userRecords, type AffectedPeople } from '../users/index.js'
import {
  createOrgUnitIn,
  deleteOrgUnitIn,
  orgUnitRecords,
  updateOrgUnitIn,
  type OrgUnit,
  type OrgUnitKind,
} from '../org-units/index.js'
import { numberPoolRecords } from '../number-pools/index.js'
import {
  createProjectIn,
  deleteProjectIn,
  projectRecords,
  setProjectMemberIn,
  updateProjectIn,
  type Project,
} from '../projects/index.js'

// Policy as code (issue 11 point 5): a company's access setup as one YAML document. Names, not
// ids, so a document moves between companies; keys sorted and lists ordered by name, so an
// export → import → export round trip is byte-identical. Import goes through the roles service
// (create/update/delete role and group) in one transaction: the same authorization, delegation
// (you may grant only what you hold) and audit as one change at a time, all or nothing.

/** The format's name and version: the first key of every document. */
export const policyFormat = 'tessera.policy/v1'

export interface PolicyRoleDoc {
  readonly name: string
  readonly description?: string
  readonly mfaRequired?: boolean
  readonly grants: readonly Grant[]
  readonly restrictions?: Role['restrictions']
}

export interface PolicyGroupDoc {
  readonly name: string
  readonly description?: string
  readonly grants: readonly Grant[]
}

/** R8: a position and its defaults, by name. */
export interface PolicyPositionDoc {
  readonly name: string
  readonly description?: string
  readonly roles?: readonly string[]
  readonly groups?: readonly string[]
}

/**
 * An org unit and the units under it, by name: a unit is known by its stable `key` (which the
 * export writes) and, when the document gives none or the company lacks it, by its path of names.
 */
export interface PolicyOrgUnitDoc {
  readonly name: string
  readonly key?: string
  readonly kind: OrgUnitKind
  readonly units?: readonly PolicyOrgUnitDoc[]
}

/** P10: a project, by name (unique in a company), with its members by login email. */
export interface PolicyProjectDoc {
  readonly name: string
  readonly description?: string
  /** Absent: import leaves the project's members as they are. */
  readonly members?: readonly string[]
}

/** A document as the schema (http/policy-schemas.ts `PolicyDocument`) accepts it. */
export interface PolicyDocument {
  readonly format: typeof policyFormat
  /** Built-in and preset roles: named for reference only; import neither creates nor edits them. */
  readonly referencedRoles?: readonly string[]
  readonly roles: readonly PolicyRoleDoc[]
  readonly groups: readonly PolicyGroupDoc[]
  /** Every position; absent: import leaves the company's positions as they are. */
  readonly positions?: readonly PolicyPositionDoc[]
  /** The org-unit tree (the units the caller may view); absent: left as it is. */
  readonly orgUnits?: readonly PolicyOrgUnitDoc[]
  /** The projects (those the caller may view); absent: left as they are. */
  readonly projects?: readonly PolicyProjectDoc[]
}

export type PolicyChangeKind = 'added' | 'removed' | 'changed' | 'moved'

export interface PolicyChange {
  readonly type: 'role' | 'permissionGroup' | 'position' | 'orgUnit' | 'project'
  /** An org unit's is its path of names from the root, joined by ` / `. */
  readonly name: string
  readonly change: PolicyChangeKind
  /** For `changed` (and `moved`): which fields differ (`grants`, `description`, `members`, …). */
  fields?: string[]
  /** An org unit moved (or renamed): the path it had. */
  from?: string
}

export interface PolicyPlan {
  changes: PolicyChange[]
  /** The people whose effective permissions the changes alter (named: those the caller may see). */
  impact: AffectedPeople
}

/** Plain data with object keys in code-point order, arrays kept in order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort())
    out[key] = sortKeys((value as Record<string, unknown>)[key])
  return out
}

const byName = <T extends { name: string }>(a: T, b: T) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0

/** The normal form of a role entry: every field present, in a fixed order. */
function roleEntry(r: PolicyRoleDoc) {
  return {
    name: r.name,
    description: r.description ?? '',
    mfaRequired: r.mfaRequired ?? false,
    grants: sortKeys(r.grants ?? []) as Grant[],
    restrictions: sortKeys(r.restrictions ?? []) as NonNullable<Role['restrictions']>,
  }
}

function groupEntry(g: PolicyGroupDoc) {
  return {
    name: g.name,
    description: g.description ?? '',
    grants: sortKeys(g.grants ?? []) as Grant[],
  }
}

const sortedNames = (names: readonly string[] | undefined) => [...(names ?? [])].sort()

function positionEntry(p: PolicyPositionDoc) {
  return {
    name: p.name,
    description: p.description ?? '',
    roles: sortedNames(p.roles),
    groups: sortedNames(p.groups),
  }
}

interface OrgUnitEntry {
  name: string
  key?: string
  kind: OrgUnitKind
  units: OrgUnitEntry[]
}

/** A unit in normal form: its units by name (then kind), every field present (`key` if given). */
function orgUnitEntry(u: PolicyOrgUnitDoc): OrgUnitEntry {
  return {
    name: u.name,
    ...(u.key !== undefined && { key: u.key }),
    kind: u.kind,
    units: sortUnits((u.units ?? []).map(orgUnitEntry)),
  }
}

function sortUnits<T extends { name: string; kind: string }>(units: T[]): T[] {
  return units.sort((a, b) => byName(a, b) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
}

/** A login email as stored (lower-cased). */
const emailKey = (email: string) => email.toLowerCase()

function projectEntry(p: PolicyProjectDoc) {
  return {
    name: p.name,
    description: p.description ?? '',
    ...(p.members !== undefined && { members: p.members.map(emailKey).sort() }),
  }
}

/** A grant's or restriction's scope naming one unit by its path or key (the document's form). */
interface UnitRef {
  readonly path?: readonly string[]
  readonly key?: string
}

function unitRefOf(scope: unknown): UnitRef | undefined {
  if (typeof scope !== 'object' || scope === null || !('subtree' in scope)) return undefined
  const target = (scope as { subtree: unknown }).subtree
  return typeof target === 'object' && target !== null ? (target as UnitRef) : undefined
}

/** A grant or restriction as the document holds it: its actions and scope. */
interface RuleDoc {
  readonly actions?: readonly string[]
  readonly scope?: unknown
}

/** `entry` with each grant's and restriction's scope passed through `f` (with its place). */
function mapScopes<E extends { grants: readonly unknown[]; restrictions?: readonly unknown[] }>(
  entry: E,
  f: (scope: unknown, at: string, rule: RuleDoc) => unknown,
): E {
  const each = (list: readonly unknown[], name: string) =>
    list.map((rule, i) => {
      const r = rule as RuleDoc
      return r.scope === undefined ? rule : { ...r, scope: f(r.scope, `${name}/${i}/scope`, r) }
    })
  return {
    ...entry,
    grants: each(entry.grants, 'grants'),
    ...(entry.restrictions !== undefined && {
      restrictions: each(entry.restrictions, 'restrictions'),
    }),
  }
}

/**
 * How a `{ record: … }` scope names one record of each type that has a stable reference: a
 * person by login email, an org unit by key, the rest by their name (unique in a company). A
 * record of another type (a customer, a ticket, …) has none: it stays an id.
 */
const recordRefKinds = {
  user: 'email',
  orgUnit: 'key',
  project: 'name',
  role: 'name',
  permissionGroup: 'name',
  numberPool: 'name',
} as const satisfies Partial<Record<ResourceType, 'email' | 'key' | 'name'>>
type NamedType = keyof typeof recordRefKinds

/** The one resource type of a rule's actions (a record scope's type); undefined if several. */
function ruleType(rule: RuleDoc): NamedType | undefined {
  const types = new Set((rule.actions ?? []).map((a) => a.slice(0, a.indexOf('.'))))
  const [type] = types
  return types.size === 1 && type !== undefined && type in recordRefKinds
    ? (type as NamedType)
    : undefined
}

/** Of each named type, the records the caller may view: reference by id, id by reference. */
type RecordNames = ReadonlyMap<
  NamedType,
  { refOf: ReadonlyMap<string, string>; idOf: ReadonlyMap<string, string> }
>

function recordNames(pairs: Partial<Record<NamedType, [string, string][]>>): RecordNames {
  return new Map(
    Object.entries(pairs).map(([type, list]) => [
      type as NamedType,
      { refOf: new Map(list), idOf: new Map(list.map(([id, ref]) => [ref, id])) },
    ]),
  )
}

/**
 * Export: a scope of one unit (`{ subtree: id }`) names the unit by its path, and a scope of
 * one record (`{ record: id }`) the record by its stable reference, when the caller may view it.
 */
function scopesByRef<E extends { grants: readonly unknown[]; restrictions?: readonly unknown[] }>(
  entry: E,
  pathOf: ReadonlyMap<string, readonly string[]>,
  records: RecordNames,
): E {
  return mapScopes(entry, (scope, _at, rule) => {
    const { subtree, record } = scope as { subtree?: unknown; record?: unknown }
    if (typeof record === 'string') {
      const type = ruleType(rule)
      const ref = type === undefined ? undefined : records.get(type)?.refOf.get(record)
      return ref === undefined ? scope : { record: { [recordRefKinds[type!]]: ref } }
    }
    const path = typeof subtree === 'string' ? pathOf.get(subtree) : undefined
    return path === undefined ? scope : { subtree: { path } }
  })
}

/** Where the document's unit references lead: a unit id (`new:<path>` for one to be created). */
interface UnitLookup {
  readonly byPath: ReadonlyMap<string, string | null>
  readonly byKey: ReadonlyMap<string, string>
}

/** Where the document's record references lead: ids, or placeholders of what it creates. */
interface RefLookup extends UnitLookup {
  readonly records: RecordNames
  /** Projects the import creates: a reference to one is `newProject:<name>` until it exists. */
  readonly newProjects: ReadonlySet<string>
}

/** The id (or placeholder) a `{ record: { … } }` of a rule names, or why it names nothing. */
function recordId(ref: unknown, rule: RuleDoc, lookup: RefLookup): string | { error: string } {
  const type = ruleType(rule)
  if (type === undefined)
    return { error: 'only a person, org unit, project, role, group or pool is named here' }
  const kind = recordRefKinds[type]
  const value = (ref as Record<string, unknown>)[kind]
  if (typeof value !== 'string') return { error: `a ${type} is named by its ${kind}` }
  const id =
    type === 'orgUnit'
      ? lookup.byKey.get(value)
      : lookup.records.get(type)?.idOf.get(type === 'user' ? emailKey(value) : value)
  if (id !== undefined) return id
  if (type === 'project' && lookup.newProjects.has(value)) return `newProject:${value}`
  return { error: `no ${type} "${value}"` }
}

/**
 * Import: each scope naming a unit by path or key becomes `{ subtree: id }` (a placeholder for a
 * unit the import creates); one that leads nowhere is an error at its place in the document.
 */
function resolveScopes<E extends { grants: readonly unknown[]; restrictions?: readonly unknown[] }>(
  entry: E,
  at: string,
  lookup: RefLookup,
  errors: ErrorDetail[],
): E {
  return mapScopes(entry, (scope, rel, rule) => {
    const record = (scope as { record?: unknown }).record
    if (typeof record === 'object' && record !== null) {
      const id = recordId(record, rule, lookup)
      if (typeof id === 'string') return { record: id }
      errors.push({ path: `${at}/${rel}/record`, message: id.error })
      return { record: '' }
    }
    const ref = unitRefOf(scope)
    if (ref === undefined) return scope
    const id =
      ref.key !== undefined ? lookup.byKey.get(ref.key) : lookup.byPath.get(unitKey(ref.path ?? []))
    if (id === undefined || id === null)
      errors.push({
        path: `${at}/${rel}/subtree`,
        message:
          id === null
            ? 'two org units have this path'
            : ref.key !== undefined
              ? `no org unit with the key "${ref.key}"`
              : `no org unit "${unitName(ref.path ?? [])}"`,
      })
    return { subtree: id ?? '' }
  })
}

/** The placeholders of units just created, replaced with their ids. */
function fillCreated<E extends { grants: readonly unknown[]; restrictions?: readonly unknown[] }>(
  entry: E,
  created: ReadonlyMap<string, string>,
): E {
  return mapScopes(entry, (scope) => {
    const { subtree, record } = scope as { subtree?: unknown; record?: unknown }
    if (typeof record === 'string' && created.has(record)) return { record: created.get(record) }
    return typeof subtree === 'string' && created.has(subtree)
      ? { subtree: created.get(subtree) }
      : scope
  })
}

/**
 * The org units the caller may view (`orgUnit.view`, each decided by the engine), each with its
 * path of names from the root of the caller's view: a unit whose parent the caller may not
 * view starts a path of its own, in the export and in the import's comparison alike.
 */
async function visibleUnits(
  tx: TenantCtx,
): Promise<{ unit: OrgUnit; path: string[]; key: string }[]> {
  const rows = await tx.db
    .selectFrom('org_units')
    .selectAll()
    .where('company_id', '=', tx.actor.companyId)
    .orderBy('id')
    .execute()
  const allowed = await orgUnitRecords.keepAllowed(tx, 'orgUnit.view', rows)
  const units = allowed.map((f) => f.item)
  const byId = new Map(units.map((u) => [u.id, u]))
  const pathOf = (u: OrgUnit): string[] => {
    const names = [u.name]
    const seen = new Set([u.id])
    for (let p = u.parentId === null ? undefined : byId.get(u.parentId); p !== undefined;) {
      if (seen.has(p.id)) break
      seen.add(p.id)
      names.unshift(p.name)
      p = p.parentId === null ? undefined : byId.get(p.parentId)
    }
    return names
  }
  return allowed.map(({ item: unit, row }) => ({ unit, path: pathOf(unit), key: row.key }))
}

/** A unit's parent in the caller's view: null when it has none or the caller may not view it. */
function viewParent(unit: OrgUnit, visible: ReadonlySet<string>): string | null {
  return unit.parentId !== null && visible.has(unit.parentId) ? unit.parentId : null
}

/** The visible units as a tree (a unit under its parent when the caller may view it). */
function unitTree(units: readonly { unit: OrgUnit; key: string }[]): OrgUnitEntry[] {
  const visible = new Set(units.map((u) => u.unit.id))
  const children = new Map<string | null, { unit: OrgUnit; key: string }[]>()
  for (const u of units) {
    const parent = viewParent(u.unit, visible)
    children.set(parent, [...(children.get(parent) ?? []), u])
  }
  const entries = (parent: string | null): OrgUnitEntry[] =>
    sortUnits(
      (children.get(parent) ?? []).map(({ unit, key }) => ({
        name: unit.name,
        key,
        kind: unit.kind,
        units: entries(unit.id),
      })),
    )
  return entries(null)
}

/**
 * The people whose login email the caller may read (`user.view`, the email neither hidden nor
 * masked): a project's members are named by it, and only those are in the document.
 */
async function memberDirectory(tx: TenantCtx) {
  const rows = await tx.db
    .selectFrom('users')
    .selectAll()
    .where('company_id', '=', tx.actor.companyId)
    .orderBy('id')
    .execute()
  const emailOf = new Map<string, string>()
  for (const { row, decision } of await userRecords.keepAllowed(tx, 'user.view', rows)) {
    const level = decision.obligations.fields['email']
    if (level === undefined || level === 'read' || level === 'edit') emailOf.set(row.id, row.email)
  }
  const idOf = new Map([...emailOf].map(([id, email]) => [email, id]))
  return { emailOf, idOf }
}

/** The members of each project, those of `emailOf`, by project id (emails sorted). */
async function projectMembers(
  tx: TenantCtx,
  emailOf: ReadonlyMap<string, string>,
): Promise<Map<string, string[]>> {
  const rows = await tx.db
    .selectFrom('project_members')
    .select(['project_id', 'user_id'])
    .where('company_id', '=', tx.actor.companyId)
    .execute()
  const out = new Map<string, string[]>()
  for (const r of rows) {
    const email = emailOf.get(r.user_id)
    if (email !== undefined) out.set(r.project_id, [...(out.get(r.project_id) ?? []), email])
  }
  for (const list of out.values()) list.sort()
  return out
}

/** The projects the caller may view (`project.view`, each decided by the engine). */
async function visibleProjects(tx: TenantCtx): Promise<Project[]> {
  const rows = await tx.db
    .selectFrom('projects')
    .selectAll()
    .where('company_id', '=', tx.actor.companyId)
    .orderBy('id')
    .execute()
  return (await projectRecords.keepAllowed(tx, 'project.view', rows)).map((f) => f.item)
}

/** The company's setup as a document in normal form (sorted, every field present). */
async function currentDocument(tx: TenantCtx) {
  await authorize(tx, 'role.view')
  await authorize(tx, 'permissionGroup.view')
  const roles = await companyRoles(tx)
  const groups = await companyGroups(tx)
  const positions = await companyPositions(tx)
  const units = await visibleUnits(tx)
  const projects = await visibleProjects(tx)
  const directory = await memberDirectory(tx)
  const members = await projectMembers(tx, directory.emailOf)
  const roleName = new Map(roles.map((r) => [r.id, r.name]))
  const groupName = new Map(groups.map((g) => [g.id, g.name]))
  const pathOf = new Map(units.map((u) => [u.unit.id, u.path]))
  const pools = await numberPoolRecords.keepAllowed(
    tx,
    'numberPool.view',
    await tx.db
      .selectFrom('number_pools')
      .selectAll()
      .where('company_id', '=', tx.actor.companyId)
      .orderBy('id')
      .execute(),
  )
  const records = recordNames({
    user: [...directory.emailOf],
    orgUnit: units.map((u) => [u.unit.id, u.key]),
    project: projects.map((p) => [p.id, p.name]),
    role: roles.map((r) => [r.id, r.name]),
    permissionGroup: groups.map((g) => [g.id, g.name]),
    numberPool: pools.map(({ row }) => [row.id, row.name]),
  })
  // the custom roles and the groups as stored (unit scopes by id), to compare with a document's
  const stored = {
    roles: roles
      .filter((r) => r.kind === 'custom')
      .map((r) =>
        roleEntry({
          name: r.name,
          description: r.description,
          mfaRequired: r.mfaRequired,
          grants: r.grants,
          restrictions: r.restrictions,
        }),
      ),
    groups: groups.map((g) =>
      groupEntry({
        name: g.name,
        description: g.description,
        grants: ((g.definition as { grants?: Grant[] }).grants ?? []) as Grant[],
      }),
    ),
  }
  return {
    roles: roles,
    groups: groups,
    positions,
    units,
    projects,
    members,
    directory,
    records,
    stored,
    doc: {
      orgUnits: unitTree(units),
      projects: projects
        .map((p) =>
          projectEntry({
            name: p.name,
            description: p.description,
            members: members.get(p.id) ?? [],
          }),
        )
        .sort(byName),
      positions: positions
        .map((p) =>
          positionEntry({
            name: p.name,
            description: p.description,
            roles: p.roleIds.flatMap((id) => roleName.get(id) ?? []),
            groups: p.groupIds.flatMap((id) => groupName.get(id) ?? []),
          }),
        )
        .sort(byName),
      format: policyFormat as typeof policyFormat,
      referencedRoles: roles
        .filter((r) => r.kind !== 'custom')
        .map((r) => r.name)
        .sort(),
      roles: stored.roles.map((r) => roleEntry(scopesByRef(r, pathOf, records))).sort(byName),
      groups: stored.groups.map((g) => groupEntry(scopesByRef(g, pathOf, records))).sort(byName),
    },
  }
}

/** A document as YAML text: the same document always gives the same bytes. */
export function policyYaml(doc: PolicyDocument): string {
  const normal = {
    format: doc.format,
    referencedRoles: [...(doc.referencedRoles ?? [])].sort(),
    roles: doc.roles.map(roleEntry).sort(byName),
    groups: doc.groups.map(groupEntry).sort(byName),
    positions: (doc.positions ?? []).map(positionEntry).sort(byName),
    orgUnits: sortUnits((doc.orgUnits ?? []).map(orgUnitEntry)),
    projects: (doc.projects ?? [])
      .map((p) => ({ ...projectEntry(p), members: projectEntry(p).members ?? [] }))
      .sort(byName),
  }
  return stringify(normal, { lineWidth: 0, aliasDuplicateObjects: false })
}

/** GET /policy: the company's access setup as YAML (needs role.view and permissionGroup.view). */
export async function exportPolicy(ctx: Ctx): Promise<string> {
  return inCompany(ctx, async (tx) => policyYaml((await currentDocument(tx)).doc))
}

function duplicateNames(doc: PolicyDocument): ErrorDetail[] {
  const errors: ErrorDetail[] = []
  for (const list of ['roles', 'groups', 'positions', 'projects'] as const) {
    const seen = new Set<string>()
    ;(doc[list] ?? []).forEach((entry, i) => {
      if (seen.has(entry.name))
        errors.push({ path: `body/${list}/${i}/name`, message: `"${entry.name}" is listed twice` })
      seen.add(entry.name)
    })
  }
  return errors
}

/** A unit of the document, flattened: its path, stable key, kind and place in the document. */
interface WantedUnit {
  readonly path: string[]
  /** Its path as a map key. */
  readonly key: string
  /** The document's stable key of the unit, when it gives one. */
  readonly stableKey: string | undefined
  readonly kind: OrgUnitKind
  readonly at: string
}

const unitKey = (path: readonly string[]) => JSON.stringify(path)
const unitName = (path: readonly string[]) => path.join(' / ')

/**
 * The document's units, parents before children; two siblings of one name, or one key listed
 * twice, are refused (400).
 */
function wantedUnits(doc: PolicyDocument): WantedUnit[] {
  const out: WantedUnit[] = []
  const errors: ErrorDetail[] = []
  const keys = new Set<string>()
  const pending: { units: readonly PolicyOrgUnitDoc[]; path: string[]; at: string }[] = [
    { units: doc.orgUnits ?? [], path: [], at: 'body/orgUnits' },
  ]
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    const seen = new Set<string>()
    next.units.forEach((u, i) => {
      const at = `${next.at}/${i}`
      if (seen.has(u.name)) {
        errors.push({ path: `${at}/name`, message: `"${u.name}" is listed twice under one parent` })
        return
      }
      seen.add(u.name)
      if (u.key !== undefined && keys.has(u.key))
        errors.push({ path: `${at}/key`, message: `the key "${u.key}" is listed twice` })
      if (u.key !== undefined) keys.add(u.key)
      const path = [...next.path, u.name]
      out.push({ path, key: unitKey(path), stableKey: u.key, kind: u.kind, at })
      pending.push({ units: u.units ?? [], path, at: `${at}/units` })
    })
  }
  if (errors.length > 0)
    throw new AppError('validation_failed', 'the document is not valid', { errors })
  return out
}

interface Step {
  readonly change: PolicyChange
  /** Index of the entry in the document, for error paths. */
  readonly index: number
  readonly id?: string
}

/** A project's change: members (user ids) to add and to remove, with their places. */
interface ProjectStep extends Step {
  readonly join: { userId: string; at: string }[]
  readonly leave: { userId: string; email: string }[]
}

/**
 * An org-unit change: `w` the document's entry (added, changed, moved), `id` the company's unit,
 * `patch` what changes (a new parent may be a placeholder `new:<path>` of a unit created first).
 */
interface UnitStep {
  readonly change: PolicyChange
  readonly w?: WantedUnit
  readonly id?: string
  readonly depth?: number
  readonly patch?: { kind?: OrgUnitKind; name?: string; parentId?: string | null }
}

function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return Object.keys(a).filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]))
}

const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the document is not valid', { errors })

/**
 * The org-unit tree's changes, among the units the caller may view: each unit of the document is
 * the company's unit of the same key, else of the same path; one under another parent is
 * `moved` (renamed: `changed` with `name`), a kind differs: `kind`. Also where the document's
 * unit references lead once applied (`lookup`).
 */
function planUnits(doc: PolicyDocument, current: { unit: OrgUnit; path: string[]; key: string }[]) {
  const units: { added: UnitStep[]; changed: UnitStep[]; removed: UnitStep[] } = {
    added: [],
    changed: [],
    removed: [],
  }
  const byPath = new Map<string, string | null>()
  const byKey = new Map<string, string>()
  if (doc.orgUnits === undefined) {
    for (const { unit, path, key } of current) {
      byPath.set(unitKey(path), byPath.has(unitKey(path)) ? null : unit.id)
      byKey.set(key, unit.id)
    }
    return { units, lookup: { byPath, byKey } }
  }
  const wanted = wantedUnits(doc)
  const visible = new Set(current.map((c) => c.unit.id))
  const withKey = new Map(current.map((c) => [c.key, c]))
  const atPath = new Map<string, (typeof current)[number]>()
  for (const c of current) if (!atPath.has(unitKey(c.path))) atPath.set(unitKey(c.path), c)
  const matched = new Map<string, (typeof current)[number]>()
  const used = new Set<string>()
  for (const w of wanted) {
    const c = w.stableKey === undefined ? undefined : withKey.get(w.stableKey)
    if (c === undefined) continue
    matched.set(w.key, c)
    used.add(c.unit.id)
  }
  for (const w of wanted) {
    if (matched.has(w.key)) continue
    const c = atPath.get(w.key)
    if (c === undefined || used.has(c.unit.id)) continue
    matched.set(w.key, c)
    used.add(c.unit.id)
  }
  const target = (w: WantedUnit) => matched.get(w.key)?.unit.id ?? `new:${w.key}`
  for (const w of wanted) {
    const id = target(w)
    byPath.set(w.key, id)
    if (w.stableKey !== undefined) byKey.set(w.stableKey, id)
  }
  for (const w of wanted) {
    const change = { type: 'orgUnit' as const, name: unitName(w.path) }
    const c = matched.get(w.key)
    const parentId = w.path.length === 1 ? null : byPath.get(unitKey(w.path.slice(0, -1)))!
    if (c === undefined) {
      units.added.push({
        change: { ...change, change: 'added' },
        w,
        depth: w.path.length,
        patch: { parentId },
      })
      continue
    }
    const name = w.path.at(-1)!
    const patch = {
      ...(c.unit.kind !== w.kind && { kind: w.kind }),
      ...(c.unit.name !== name && { name }),
      ...(viewParent(c.unit, visible) !== parentId && { parentId }),
    }
    const fields = (['kind', 'name'] as const).filter((f) => f in patch)
    const moved = 'parentId' in patch
    if (!moved && fields.length === 0) continue
    const from = unitKey(c.path) === w.key ? {} : { from: unitName(c.path) }
    units.changed.push({
      change: {
        ...change,
        change: moved ? 'moved' : 'changed',
        ...(fields.length > 0 && { fields: [...fields] }),
        ...from,
      },
      w,
      id: c.unit.id,
      depth: w.path.length,
      patch,
    })
  }
  for (const { unit, path } of current) {
    if (used.has(unit.id)) continue
    units.removed.push({
      change: { type: 'orgUnit', name: unitName(path), change: 'removed' },
      id: unit.id,
      depth: path.length,
    })
  }
  return { units, lookup: { byPath, byKey } }
}

/** What applying `doc` would change, and whom it affects. Reads only. */
async function planIn(tx: TenantCtx, doc: PolicyDocument) {
  const dupes = duplicateNames(doc)
  if (dupes.length > 0) throw invalid(dupes)
  const current = await currentDocument(tx)
  // the org-unit tree first: the scopes of roles and groups name its units
  const { units, lookup } = planUnits(doc, current.units)
  const steps: { roles: Step[]; groups: Step[]; positions: Step[] } = {
    roles: [],
    groups: [],
    positions: [],
  }
  const affected = new Set<string>()
  const fixed = new Map(current.roles.filter((r) => r.kind !== 'custom').map((r) => [r.name, r]))
  const customs = new Map(current.roles.filter((r) => r.kind === 'custom').map((r) => [r.name, r]))
  const wanted = doc.roles.map(roleEntry)
  const wantedGroups = doc.groups.map(groupEntry)
  // what is written: unit references by path or key become ids (placeholders for new units)
  const refErrors: ErrorDetail[] = []
  const refs: RefLookup = {
    ...lookup,
    records: current.records,
    newProjects: new Set(
      (doc.projects ?? [])
        .map((p) => p.name)
        .filter((name) => !current.projects.some((p) => p.name === name)),
    ),
  }
  const resolvedRoles = wanted.map((r, i) =>
    roleEntry(resolveScopes(r, `body/roles/${i}`, refs, refErrors)),
  )
  const resolvedGroups = wantedGroups.map((g, i) =>
    groupEntry(resolveScopes(g, `body/groups/${i}`, refs, refErrors)),
  )
  if (refErrors.length > 0) throw invalid(refErrors)
  for (const [i, entry] of resolvedRoles.entries()) {
    if (fixed.has(entry.name)) {
      throw new AppError('conflict', `"${entry.name}" is a built-in or preset role`, {
        errors: [
          { path: `body/roles/${i}/name`, message: 'built-in and preset roles are not imported' },
        ],
      })
    }
    const have = customs.get(entry.name)
    if (have === undefined) {
      steps.roles.push({ change: { type: 'role', name: entry.name, change: 'added' }, index: i })
      continue
    }
    const was = current.stored.roles.find((r) => r.name === entry.name)
    const fields = was === undefined ? [] : changedFields(entry, was)
    if (fields.length === 0) continue
    steps.roles.push({
      change: { type: 'role', name: entry.name, change: 'changed', fields },
      index: i,
      id: have.id,
    })
    for (const u of await roleHolderIds(tx, have.id)) affected.add(u)
  }
  for (const [name, role] of customs) {
    if (wanted.some((r) => r.name === name)) continue
    steps.roles.push({ change: { type: 'role', name, change: 'removed' }, index: -1, id: role.id })
    for (const u of await roleHolderIds(tx, role.id)) affected.add(u)
  }
  const groups = new Map(current.groups.map((g) => [g.name, g]))
  for (const [i, entry] of resolvedGroups.entries()) {
    const have = groups.get(entry.name)
    if (have === undefined) {
      steps.groups.push({
        change: { type: 'permissionGroup', name: entry.name, change: 'added' },
        index: i,
      })
      continue
    }
    const was = current.stored.groups.find((g) => g.name === entry.name)
    const fields = was === undefined ? [] : changedFields(entry, was)
    if (fields.length === 0) continue
    steps.groups.push({
      change: { type: 'permissionGroup', name: entry.name, change: 'changed', fields },
      index: i,
      id: have.id,
    })
    for (const u of await groupMemberIds(tx, have.id)) affected.add(u)
  }
  for (const [name, group] of groups) {
    if (wantedGroups.some((g) => g.name === name)) continue
    steps.groups.push({
      change: { type: 'permissionGroup', name, change: 'removed' },
      index: -1,
      id: group.id,
    })
    for (const u of await groupMemberIds(tx, group.id)) affected.add(u)
  }
  // R8: positions, when the document lists them; their defaults name roles and groups the
  // company has or the document brings
  const wantedPositions = doc.positions?.map(positionEntry)
  if (wantedPositions !== undefined) {
    const roleNames = new Set([...fixed.keys(), ...wanted.map((r) => r.name)])
    const groupNames = new Set(wantedGroups.map((g) => g.name))
    const unknown: ErrorDetail[] = []
    doc.positions?.forEach((p, i) => {
      ;(p.roles ?? []).forEach((n, j) => {
        if (!roleNames.has(n))
          unknown.push({ path: `body/positions/${i}/roles/${j}`, message: `no role "${n}"` })
      })
      ;(p.groups ?? []).forEach((n, j) => {
        if (!groupNames.has(n))
          unknown.push({ path: `body/positions/${i}/groups/${j}`, message: `no group "${n}"` })
      })
    })
    if (unknown.length > 0)
      throw new AppError('validation_failed', 'the document is not valid', { errors: unknown })
    const have = new Map(current.positions.map((p) => [p.name, p]))
    const docIndex = (name: string) => (doc.positions ?? []).findIndex((p) => p.name === name)
    for (const entry of wantedPositions) {
      const existing = have.get(entry.name)
      const was = current.doc.positions.find((p) => p.name === entry.name)
      if (existing === undefined) {
        steps.positions.push({
          change: { type: 'position', name: entry.name, change: 'added' },
          index: docIndex(entry.name),
        })
        continue
      }
      const fields = was === undefined ? [] : changedFields(entry, was)
      if (fields.length > 0)
        steps.positions.push({
          change: { type: 'position', name: entry.name, change: 'changed', fields },
          index: docIndex(entry.name),
          id: existing.id,
        })
    }
    for (const p of current.positions) {
      if (wantedPositions.some((w) => w.name === p.name)) continue
      steps.positions.push({
        change: { type: 'position', name: p.name, change: 'removed' },
        index: -1,
        id: p.id,
      })
    }
  }
  // the projects, when the document lists them: by name, among those the caller may view
  const projects: ProjectStep[] = []
  const projectsWanted = doc.projects?.map(projectEntry)
  if (projectsWanted !== undefined) {
    // members by login email, among the people whose email the caller may read; each once
    const memberErrors: ErrorDetail[] = []
    const memberIds = (doc.projects ?? []).map((p, i) => {
      const seen = new Set<string>()
      return (p.members ?? []).flatMap((email, j) => {
        const at = `body/projects/${i}/members/${j}`
        const userId = current.directory.idOf.get(emailKey(email))
        if (seen.has(emailKey(email)))
          memberErrors.push({ path: at, message: `"${email}" is listed twice` })
        else if (userId === undefined)
          memberErrors.push({ path: at, message: `no user "${email}"` })
        seen.add(emailKey(email))
        return userId === undefined ? [] : [{ userId, at: `body/members/${j}` }]
      })
    })
    if (memberErrors.length > 0) throw invalid(memberErrors)
    const have = new Map(current.projects.map((p) => [p.name, p]))
    for (const [i, entry] of projectsWanted.entries()) {
      const existing = have.get(entry.name)
      const wantedIds = entry.members === undefined ? undefined : memberIds[i]!
      const had = existing === undefined ? [] : (current.members.get(existing.id) ?? [])
      const hadIds = had.map((email) => ({ userId: current.directory.idOf.get(email)!, email }))
      const join = (wantedIds ?? []).filter((m) => !hadIds.some((h) => h.userId === m.userId))
      const leave =
        wantedIds === undefined
          ? []
          : hadIds.filter((h) => !wantedIds.some((m) => m.userId === h.userId))
      for (const m of [...join, ...leave]) affected.add(m.userId)
      const fields = [
        ...(existing !== undefined && existing.description !== entry.description
          ? ['description']
          : []),
        ...(join.length + leave.length > 0 ? ['members'] : []),
      ]
      const change = { type: 'project' as const, name: entry.name }
      if (existing === undefined)
        projects.push({ change: { ...change, change: 'added' }, index: i, join, leave })
      else if (fields.length > 0)
        projects.push({
          change: { ...change, change: 'changed', fields },
          index: i,
          id: existing.id,
          join,
          leave,
        })
    }
    for (const p of current.projects) {
      if (projectsWanted.some((w) => w.name === p.name)) continue
      projects.push({
        change: { type: 'project', name: p.name, change: 'removed' },
        index: -1,
        id: p.id,
        join: [],
        leave: [],
      })
      // its members lose what membership gave them
      const members = await tx.db
        .selectFrom('project_members')
        .select('user_id')
        .where('company_id', '=', tx.actor.companyId)
        .where('project_id', '=', p.id)
        .execute()
      for (const m of members) affected.add(m.user_id)
    }
  }
  const order = (a: { change: PolicyChange }, b: { change: PolicyChange }) =>
    byName(a.change, b.change)
  steps.roles.sort(order)
  steps.groups.sort(order)
  steps.positions.sort(order)
  projects.sort(order)
  const unitChanges = [...units.added, ...units.changed, ...units.removed].sort(order)
  // a unit moved: the people whose subtree scopes gain or lose it (a new parent the import
  // creates has nobody in it nor any rule on it: it counts as its nearest existing ancestor)
  const unitParent = new Map(current.units.map((u) => [u.unit.id, u.unit.parentId]))
  for (const s of units.changed) {
    const to = s.patch?.parentId
    if (to === undefined || s.id === undefined) continue
    let parent = to
    for (let path = s.w!.path.slice(0, -1); parent?.startsWith('new:') === true;) {
      path = path.slice(0, -1)
      parent = path.length === 0 ? null : (lookup.byPath.get(unitKey(path)) ?? null)
    }
    for (const u of await orgUnitMoveReach(tx, unitParent.get(s.id) ?? null, parent))
      affected.add(u)
  }
  const plan: PolicyPlan = {
    changes: [...steps.roles, ...steps.groups, ...steps.positions, ...unitChanges, ...projects].map(
      (s) => s.change,
    ),
    impact: await affectedPeople(tx, affected),
  }
  return {
    plan,
    steps,
    units,
    projects,
    projectsWanted,
    wanted,
    wantedGroups,
    resolvedRoles,
    resolvedGroups,
    wantedPositions,
    before: current.doc,
  }
}

/** POST /policy/diff: the changes `doc` would make, and whom they affect; writes nothing. */
export async function diffPolicy(ctx: Ctx, doc: PolicyDocument): Promise<PolicyPlan> {
  return inCompany(ctx, async (tx) => (await planIn(tx, doc)).plan)
}

/** Service errors name `body/grants/0`; in a document that is `body/roles/<i>/grants/0`. */
function under(prefix: string, error: unknown, name?: string): unknown {
  if (!(error instanceof AppError)) return error
  // an error without paths is the entry's own: at `prefix` (not `prefix` under itself)
  const errors = (error.errors ?? [{ path: 'body', message: error.message }]).map((e) => ({
    path: e.path.startsWith('body/') ? `${prefix}/${e.path.slice(5)}` : prefix,
    message: name === undefined ? e.message : `removing "${name}": ${e.message}`,
  }))
  return new AppError(error.code, error.message, { cause: error, errors })
}

async function step<T>(prefix: string, fn: () => Promise<T>, name?: string): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw under(prefix, error, name)
  }
}

/**
 * The document's new units (parents first, with the document's keys), then the changed and moved
 * ones (the shallowest place first, so no move is ever under itself), each through the org-units
 * service (`orgUnit.create` where it is placed; `orgUnit.edit` with its placement, cycle and
 * delegation checks for a move), audited. Answers the ids of the new units by placeholder.
 */
async function applyUnits(
  tx: TenantCtx,
  units: { added: UnitStep[]; changed: UnitStep[] },
): Promise<Map<string, string>> {
  const created = new Map<string, string>()
  const real = (id: string | null) => (id === null ? null : (created.get(id) ?? id))
  const byDepth = (a: UnitStep, b: UnitStep) => (a.depth ?? 0) - (b.depth ?? 0)
  for (const s of [...units.added].sort(byDepth)) {
    const w = s.w!
    const unit = await step(w.at, () =>
      createOrgUnitIn(tx, {
        parentId: real(s.patch?.parentId ?? null),
        kind: w.kind,
        name: w.path.at(-1)!,
        ...(w.stableKey !== undefined && { key: w.stableKey }),
      }),
    )
    created.set(`new:${w.key}`, unit.id)
  }
  for (const s of [...units.changed].sort(byDepth)) {
    const { parentId, ...rest } = s.patch!
    const patch = parentId === undefined ? rest : { ...rest, parentId: real(parentId) }
    await step(s.w!.at, () => updateOrgUnitIn(tx, s.id!, patch))
  }
  return created
}

class DryRun extends Error {
  constructor(readonly result: PolicyPlan) {
    super('dry run')
  }
}

export interface ImportResult extends PolicyPlan {
  readonly dryRun: boolean
  readonly applied: boolean
}

/**
 * POST /policy/import: make the company's custom roles and groups what `doc` says, in one
 * transaction, each change through the roles service (authorization, delegation, audit). A dry
 * run does all of it and rolls back, so it answers exactly what the real import would
 * (including 403 for a grant the importer does not hold), and changes nothing.
 */
export async function importPolicy(
  ctx: Ctx,
  doc: PolicyDocument,
  options: { dryRun: boolean },
): Promise<ImportResult> {
  try {
    return await inCompany(ctx, async (tx) => {
      const {
        plan,
        steps,
        units,
        projects,
        projectsWanted,
        wanted,
        wantedGroups,
        resolvedRoles,
        resolvedGroups,
        wantedPositions,
        before,
      } = await planIn(tx, doc)
      // org units and projects first (parents before children), through their services: a role
      // or position written next may name them; their removals come last (below)
      const created = await applyUnits(tx, units)
      // a role below may name a unit just made or moved: decide against the tree as it is now
      if (units.added.length > 0 || units.changed.length > 0) rebindInTransaction(tx)
      const roleInput = (i: number) => fillCreated(resolvedRoles[i]!, created)
      const groupInput = (i: number) => fillCreated(resolvedGroups[i]!, created)
      for (const s of projects) {
        const at = `body/projects/${s.index}`
        const entry = projectsWanted?.[s.index]
        if (entry === undefined) continue
        let id = s.id
        if (s.change.change === 'added')
          id = (
            await step(at, () =>
              createProjectIn(tx, { name: entry.name, description: entry.description }),
            )
          ).id
        if (s.change.change === 'added') created.set(`newProject:${entry.name}`, id!)
        else if (s.change.fields?.includes('description'))
          await step(at, () => updateProjectIn(tx, s.id!, { description: entry.description }))
        // members through the project service (manageMembers, delegation), each audited
        for (const m of s.join)
          await step(at, () => setProjectMemberIn(tx, id!, m.userId, true, m.at))
        for (const m of s.leave)
          await step(
            `${at}/members`,
            () => setProjectMemberIn(tx, id!, m.userId, false, 'body'),
            `member ${m.email}`,
          )
      }
      // removals first (they free names), then changes, then additions
      const phase = (s: Step) =>
        s.change.change === 'removed' ? 0 : s.change.change === 'changed' ? 1 : 2
      for (const s of steps.positions.filter((x) => x.change.change === 'removed'))
        await step('body/positions', () => deletePositionIn(tx, s.id!), s.change.name)
      for (const s of [...steps.groups].sort((a, b) => phase(a) - phase(b))) {
        const at = `body/groups/${s.index}`
        if (s.change.change === 'removed')
          await step('body/groups', () => deleteGroupIn(tx, s.id!), s.change.name)
        else if (s.change.change === 'changed')
          await step(at, () => updateGroupIn(tx, s.id!, groupInput(s.index)))
      }
      for (const s of [...steps.roles].sort((a, b) => phase(a) - phase(b))) {
        const at = `body/roles/${s.index}`
        if (s.change.change === 'removed')
          await step('body/roles', () => deleteRoleIn(tx, s.id!), s.change.name)
        else if (s.change.change === 'changed')
          await step(at, () => updateRoleIn(tx, s.id!, roleInput(s.index)))
        else await step(at, () => createRoleIn(tx, roleInput(s.index)))
      }
      for (const s of steps.groups.filter((x) => x.change.change === 'added'))
        await step(`body/groups/${s.index}`, () => createGroupIn(tx, groupInput(s.index)))
      // positions last: their defaults name the roles and groups just written
      if (steps.positions.some((s) => s.change.change !== 'removed')) {
        const roleIds = new Map((await companyRoles(tx)).map((r) => [r.name, r.id]))
        const groupIds = new Map((await companyGroups(tx)).map((g) => [g.name, g.id]))
        for (const s of steps.positions) {
          if (s.change.change === 'removed') continue
          const entry = (doc.positions ?? [])[s.index]!
          const input = {
            name: entry.name,
            description: entry.description ?? '',
            roleIds: (entry.roles ?? []).map((n) => roleIds.get(n)!),
            groupIds: (entry.groups ?? []).map((n) => groupIds.get(n)!),
          }
          const at = `body/positions/${s.index}`
          if (s.change.change === 'changed')
            await step(at, () => updatePositionIn(tx, s.id!, input))
          else await step(at, () => createPositionIn(tx, input))
        }
      }
      // removals of projects, then of units, deepest first: nothing names them any more
      for (const s of projects.filter((x) => x.change.change === 'removed'))
        await step('body/projects', () => deleteProjectIn(tx, s.id!), s.change.name)
      const removed = [...units.removed].sort((a, b) => (b.depth ?? 0) - (a.depth ?? 0))
      for (const s of removed)
        await step('body/orgUnits', () => deleteOrgUnitIn(tx, s.id!), s.change.name)
      if (plan.changes.length > 0) {
        await recordAudit(tx, {
          action: 'policy.imported',
          targetType: 'company',
          targetId: tx.actor.companyId,
          before: {
            roles: before.roles,
            groups: before.groups,
            positions: before.positions,
            ...(doc.orgUnits !== undefined && { orgUnits: before.orgUnits }),
            ...(projectsWanted !== undefined && { projects: before.projects }),
          },
          after: {
            roles: wanted,
            groups: wantedGroups,
            ...(wantedPositions !== undefined && { positions: wantedPositions }),
            ...(doc.orgUnits !== undefined && {
              orgUnits: sortUnits(doc.orgUnits.map(orgUnitEntry)),
            }),
            ...(projectsWanted !== undefined && { projects: projectsWanted }),
            changes: plan.changes,
          },
        })
      }
      if (options.dryRun) throw new DryRun(plan)
      return { ...plan, dryRun: false, applied: plan.changes.length > 0 }
    })
  } catch (error) {
    if (error instanceof DryRun) return { ...error.result, dryRun: true, applied: false }
    throw error
  }
}
