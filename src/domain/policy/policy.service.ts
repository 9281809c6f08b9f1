import { stringify } from 'yaml'
import type { Grant, Role } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { authorize } from '../access/index.js'
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
import { visibleUserIds } from '../users/index.js'
import {
  createOrgUnitIn,
  deleteOrgUnitIn,
  orgUnitRecords,
  updateOrgUnitIn,
  type OrgUnit,
  type OrgUnitKind,
} from '../org-units/index.js'
import {
  createProjectIn,
  deleteProjectIn,
  projectRecords,
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

/** An org unit and the units under it, by name (a unit is known by its path of names). */
export interface PolicyOrgUnitDoc {
  readonly name: string
  readonly kind: OrgUnitKind
  readonly units?: readonly PolicyOrgUnitDoc[]
}

/** P10: a project, by name (unique in a company). */
export interface PolicyProjectDoc {
  readonly name: string
  readonly description?: string
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

export type PolicyChangeKind = 'added' | 'removed' | 'changed'

export interface PolicyChange {
  readonly type: 'role' | 'permissionGroup' | 'position' | 'orgUnit' | 'project'
  /** An org unit's is its path of names from the root, joined by ` / `. */
  readonly name: string
  readonly change: PolicyChangeKind
  /** For `changed`: which fields differ (`grants`, `restrictions`, `description`, …). */
  fields?: string[]
}

export interface PolicyPlan {
  changes: PolicyChange[]
  /** Users (those the caller may see) whose effective permissions the changes alter. */
  impact: { userIds: string[]; users: number }
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

/** A unit in normal form: its units by name (then kind), every field present. */
function orgUnitEntry(u: PolicyOrgUnitDoc): {
  name: string
  kind: OrgUnitKind
  units: ReturnType<typeof orgUnitEntry>[]
} {
  return { name: u.name, kind: u.kind, units: sortUnits((u.units ?? []).map(orgUnitEntry)) }
}

function sortUnits<T extends { name: string; kind: string }>(units: T[]): T[] {
  return units.sort((a, b) => byName(a, b) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
}

function projectEntry(p: PolicyProjectDoc) {
  return { name: p.name, description: p.description ?? '' }
}

/**
 * The org units the caller may view (`orgUnit.view`, each decided by the engine), each with its
 * path of names from the root of the caller's view: a unit whose parent the caller may not
 * view starts a path of its own, in the export and in the import's comparison alike.
 */
async function visibleUnits(tx: TenantCtx): Promise<{ unit: OrgUnit; path: string[] }[]> {
  const rows = await tx.db
    .selectFrom('org_units')
    .selectAll()
    .where('company_id', '=', tx.actor.companyId)
    .orderBy('id')
    .execute()
  const units = (await orgUnitRecords.keepAllowed(tx, 'orgUnit.view', rows)).map((f) => f.item)
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
  return units.map((unit) => ({ unit, path: pathOf(unit) }))
}

/** The visible units as a tree (a unit under its parent when the caller may view it). */
function unitTree(units: readonly { unit: OrgUnit }[]): ReturnType<typeof orgUnitEntry>[] {
  const visible = new Set(units.map((u) => u.unit.id))
  const children = new Map<string | null, OrgUnit[]>()
  for (const { unit } of units) {
    const parent = unit.parentId !== null && visible.has(unit.parentId) ? unit.parentId : null
    children.set(parent, [...(children.get(parent) ?? []), unit])
  }
  const entries = (parent: string | null): ReturnType<typeof orgUnitEntry>[] =>
    sortUnits(
      (children.get(parent) ?? []).map((u) => ({
        name: u.name,
        kind: u.kind,
        units: entries(u.id),
      })),
    )
  return entries(null)
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
  const roleName = new Map(roles.map((r) => [r.id, r.name]))
  const groupName = new Map(groups.map((g) => [g.id, g.name]))
  return {
    roles: roles,
    groups: groups,
    positions,
    units,
    projects,
    doc: {
      orgUnits: unitTree(units),
      projects: projects
        .map((p) => projectEntry({ name: p.name, description: p.description }))
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
        )
        .sort(byName),
      groups: groups
        .map((g) =>
          groupEntry({
            name: g.name,
            description: g.description,
            grants: ((g.definition as { grants?: Grant[] }).grants ?? []) as Grant[],
          }),
        )
        .sort(byName),
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
    projects: (doc.projects ?? []).map(projectEntry).sort(byName),
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

/** A unit of the document, flattened: its path, kind and place in the document. */
interface WantedUnit {
  readonly path: string[]
  readonly key: string
  readonly kind: OrgUnitKind
  readonly at: string
}

const unitKey = (path: readonly string[]) => JSON.stringify(path)
const unitName = (path: readonly string[]) => path.join(' / ')

/** The document's units, parents before children; two siblings of one name are refused (400). */
function wantedUnits(doc: PolicyDocument): WantedUnit[] {
  const out: WantedUnit[] = []
  const errors: ErrorDetail[] = []
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
      const path = [...next.path, u.name]
      out.push({ path, key: unitKey(path), kind: u.kind, at })
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

function changedFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return Object.keys(a).filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k]))
}

/** What applying `doc` would change, and whom it affects. Reads only. */
async function planIn(tx: TenantCtx, doc: PolicyDocument) {
  const dupes = duplicateNames(doc)
  if (dupes.length > 0)
    throw new AppError('validation_failed', 'the document is not valid', { errors: dupes })
  const current = await currentDocument(tx)
  const steps: { roles: Step[]; groups: Step[]; positions: Step[] } = {
    roles: [],
    groups: [],
    positions: [],
  }
  const affected = new Set<string>()
  const fixed = new Map(current.roles.filter((r) => r.kind !== 'custom').map((r) => [r.name, r]))
  const customs = new Map(current.roles.filter((r) => r.kind === 'custom').map((r) => [r.name, r]))
  const wanted = doc.roles.map(roleEntry)
  for (const [i, entry] of wanted.entries()) {
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
    const was = current.doc.roles.find((r) => r.name === entry.name)
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
  const wantedGroups = doc.groups.map(groupEntry)
  for (const [i, entry] of wantedGroups.entries()) {
    const have = groups.get(entry.name)
    if (have === undefined) {
      steps.groups.push({
        change: { type: 'permissionGroup', name: entry.name, change: 'added' },
        index: i,
      })
      continue
    }
    const was = current.doc.groups.find((g) => g.name === entry.name)
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
  // the org-unit tree and the projects, when the document lists them: by path and by name,
  // among those the caller may view
  const units: { added: UnitStep[]; changed: UnitStep[]; removed: UnitStep[] } = {
    added: [],
    changed: [],
    removed: [],
  }
  const unitsWanted = doc.orgUnits === undefined ? undefined : wantedUnits(doc)
  if (unitsWanted !== undefined) {
    const have = new Map<string, OrgUnit[]>()
    for (const { unit, path } of current.units)
      have.set(unitKey(path), [...(have.get(unitKey(path)) ?? []), unit])
    for (const w of unitsWanted) {
      const existing = have.get(w.key)?.[0]
      const change = { type: 'orgUnit' as const, name: unitName(w.path) }
      if (existing === undefined) units.added.push({ change: { ...change, change: 'added' }, w })
      else if (existing.kind !== w.kind)
        units.changed.push({
          change: { ...change, change: 'changed', fields: ['kind'] },
          w,
          id: existing.id,
        })
    }
    const wantedKeys = new Set(unitsWanted.map((w) => w.key))
    for (const { unit, path } of current.units) {
      if (wantedKeys.has(unitKey(path))) continue
      units.removed.push({
        change: { type: 'orgUnit', name: unitName(path), change: 'removed' },
        id: unit.id,
        depth: path.length,
      })
    }
  }
  const projects: Step[] = []
  const projectsWanted = doc.projects?.map(projectEntry)
  if (projectsWanted !== undefined) {
    const have = new Map(current.projects.map((p) => [p.name, p]))
    for (const [i, entry] of projectsWanted.entries()) {
      const existing = have.get(entry.name)
      if (existing === undefined)
        projects.push({ change: { type: 'project', name: entry.name, change: 'added' }, index: i })
      else if (existing.description !== entry.description)
        projects.push({
          change: { type: 'project', name: entry.name, change: 'changed', fields: ['description'] },
          index: i,
          id: existing.id,
        })
    }
    for (const p of current.projects) {
      if (projectsWanted.some((w) => w.name === p.name)) continue
      projects.push({
        change: { type: 'project', name: p.name, change: 'removed' },
        index: -1,
        id: p.id,
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
  const userIds = (await visibleUserIds(tx, [...affected])).sort()
  const plan: PolicyPlan = {
    changes: [...steps.roles, ...steps.groups, ...steps.positions, ...unitChanges, ...projects].map(
      (s) => s.change,
    ),
    impact: { userIds, users: affected.size },
  }
  return {
    plan,
    steps,
    units,
    projects,
    projectsWanted,
    wanted,
    wantedGroups,
    wantedPositions,
    before: current.doc,
  }
}

/** An org-unit change: `w` the document's entry (added, changed), `id` the company's unit. */
interface UnitStep {
  readonly change: PolicyChange
  readonly w?: WantedUnit
  readonly id?: string
  readonly depth?: number
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
 * The document's new units (parents first: the document's order) and changed kinds, each through
 * the org-units service (`orgUnit.create` where it is placed, `orgUnit.edit`), audited.
 */
async function applyUnits(
  tx: TenantCtx,
  units: { added: UnitStep[]; changed: UnitStep[] },
): Promise<void> {
  const ids = new Map<string, string>()
  for (const { unit, path } of await visibleUnits(tx)) {
    if (!ids.has(unitKey(path))) ids.set(unitKey(path), unit.id)
  }
  for (const s of units.changed)
    await step(s.w!.at, () => updateOrgUnitIn(tx, s.id!, { kind: s.w!.kind }))
  const added = [...units.added].sort((a, b) => a.w!.path.length - b.w!.path.length)
  for (const s of added) {
    const w = s.w!
    const parentId = w.path.length === 1 ? null : ids.get(unitKey(w.path.slice(0, -1)))
    const unit = await step(w.at, () =>
      createOrgUnitIn(tx, { parentId: parentId ?? null, kind: w.kind, name: w.path.at(-1)! }),
    )
    ids.set(w.key, unit.id)
  }
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
        wantedPositions,
        before,
      } = await planIn(tx, doc)
      // org units and projects first (parents before children), through their services: a role
      // or position written next may name them; their removals come last (below)
      await applyUnits(tx, units)
      for (const s of projects) {
        const at = `body/projects/${s.index}`
        const entry = projectsWanted?.[s.index]
        if (s.change.change === 'added' && entry !== undefined)
          await step(at, () => createProjectIn(tx, entry))
        else if (s.change.change === 'changed' && entry !== undefined)
          await step(at, () => updateProjectIn(tx, s.id!, { description: entry.description }))
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
          await step(at, () => updateGroupIn(tx, s.id!, wantedGroups[s.index]!))
      }
      for (const s of [...steps.roles].sort((a, b) => phase(a) - phase(b))) {
        const at = `body/roles/${s.index}`
        if (s.change.change === 'removed')
          await step('body/roles', () => deleteRoleIn(tx, s.id!), s.change.name)
        else if (s.change.change === 'changed')
          await step(at, () => updateRoleIn(tx, s.id!, wanted[s.index]!))
        else await step(at, () => createRoleIn(tx, wanted[s.index]!))
      }
      for (const s of steps.groups.filter((x) => x.change.change === 'added'))
        await step(`body/groups/${s.index}`, () => createGroupIn(tx, wantedGroups[s.index]!))
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
