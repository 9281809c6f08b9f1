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

/** A document as the schema (http/policy-schemas.ts `PolicyDocument`) accepts it. */
export interface PolicyDocument {
  readonly format: typeof policyFormat
  /** Built-in and preset roles: named for reference only; import neither creates nor edits them. */
  readonly referencedRoles?: readonly string[]
  readonly roles: readonly PolicyRoleDoc[]
  readonly groups: readonly PolicyGroupDoc[]
  /** Every position; absent: import leaves the company's positions as they are. */
  readonly positions?: readonly PolicyPositionDoc[]
}

export type PolicyChangeKind = 'added' | 'removed' | 'changed'

export interface PolicyChange {
  readonly type: 'role' | 'permissionGroup' | 'position'
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

/** The company's setup as a document in normal form (sorted, every field present). */
async function currentDocument(tx: TenantCtx) {
  await authorize(tx, 'role.view')
  await authorize(tx, 'permissionGroup.view')
  const roles = await companyRoles(tx)
  const groups = await companyGroups(tx)
  const positions = await companyPositions(tx)
  const roleName = new Map(roles.map((r) => [r.id, r.name]))
  const groupName = new Map(groups.map((g) => [g.id, g.name]))
  return {
    roles: roles,
    groups: groups,
    positions,
    doc: {
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
  }
  return stringify(normal, { lineWidth: 0, aliasDuplicateObjects: false })
}

/** GET /policy: the company's access setup as YAML (needs role.view and permissionGroup.view). */
export async function exportPolicy(ctx: Ctx): Promise<string> {
  return inCompany(ctx, async (tx) => policyYaml((await currentDocument(tx)).doc))
}

function duplicateNames(doc: PolicyDocument): ErrorDetail[] {
  const errors: ErrorDetail[] = []
  for (const list of ['roles', 'groups', 'positions'] as const) {
    const seen = new Set<string>()
    ;(doc[list] ?? []).forEach((entry, i) => {
      if (seen.has(entry.name))
        errors.push({ path: `body/${list}/${i}/name`, message: `"${entry.name}" is listed twice` })
      seen.add(entry.name)
    })
  }
  return errors
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
  const order = (a: Step, b: Step) => byName(a.change, b.change)
  steps.roles.sort(order)
  steps.groups.sort(order)
  steps.positions.sort(order)
  const userIds = (await visibleUserIds(tx, [...affected])).sort()
  const plan: PolicyPlan = {
    changes: [...steps.roles, ...steps.groups, ...steps.positions].map((s) => s.change),
    impact: { userIds, users: affected.size },
  }
  return { plan, steps, wanted, wantedGroups, wantedPositions, before: current.doc }
}

/** POST /policy/diff: the changes `doc` would make, and whom they affect; writes nothing. */
export async function diffPolicy(ctx: Ctx, doc: PolicyDocument): Promise<PolicyPlan> {
  return inCompany(ctx, async (tx) => (await planIn(tx, doc)).plan)
}

/** Service errors name `body/grants/0`; in a document that is `body/roles/<i>/grants/0`. */
function under(prefix: string, error: unknown, name?: string): unknown {
  if (!(error instanceof AppError)) return error
  const errors = (error.errors ?? [{ path: prefix, message: error.message }]).map((e) => ({
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
      const { plan, steps, wanted, wantedGroups, wantedPositions, before } = await planIn(tx, doc)
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
      if (plan.changes.length > 0) {
        await recordAudit(tx, {
          action: 'policy.imported',
          targetType: 'company',
          targetId: tx.actor.companyId,
          before: { roles: before.roles, groups: before.groups, positions: before.positions },
          after: {
            roles: wanted,
            groups: wantedGroups,
            ...(wantedPositions !== undefined && { positions: wantedPositions }),
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
