import {
  bindSubject,
  canDelegate,
  catalog,
  compilePolicy,
  decide,
  PolicyError,
  type Action,
  type BoundSubject,
  type CompiledPolicy,
  type Grant,
  type Policy,
  type ResourceType,
  type Restriction,
  type Role,
  type Scope,
  type Role as EngineRole,
  permissionDiff,
  type PermissionDiff,
} from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import {
  authorize,
  decisionFor,
  envOf,
  isShareGrant,
  listPlan,
  loadPolicy,
  loadSubject,
  policyChanged,
  storedRole,
  subjectOf,
  withoutShares,
  type StoredDefinition,
} from '../access/index.js'
import { canonicalJson, recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import {
  lockUsers,
  userResource,
  visibleUser,
  visibleUserIds,
  visiblePeople,
} from '../users/index.js'
import type { PermissionGroupRecord, RoleRecord } from './roles.js'
import * as repo from './roles.repo.js'

/** A role as the API shows it: its stored record plus the grants in force (built-ins from code). */
export interface RoleView extends RoleRecord {
  readonly grants: readonly Grant[]
  readonly restrictions: Role['restrictions']
}

export function roleView(role: RoleRecord): RoleView {
  const def = role.definition as StoredDefinition
  const engine = storedRole(role.id, role.name, role.kind, def, role.mfaRequired)
  return { ...role, grants: engine.grants, restrictions: engine.restrictions ?? [] }
}

export interface RoleInput {
  readonly name: string
  readonly description?: string
  readonly grants: readonly Grant[]
  readonly restrictions?: Role['restrictions']
  readonly mfaRequired?: boolean
}

/** Engine problems (`roles[3].grants[0].scope`) as request paths (`body/grants/0/scope`). */
function policyProblems(error: PolicyError): ErrorDetail[] {
  return error.problems.map((p) => ({
    path: `body/${p.path
      .replace(/^(roles|groups)\[\d+\]\./, '')
      .replace(/\[(\d+)\]/g, '/$1')
      .replace(/\./g, '/')}`,
    message: p.message,
  }))
}

/** Fail at write, never at check: the company's policy with the change must compile. */
function validated(policy: Policy): void {
  try {
    compilePolicy(policy)
  } catch (error) {
    if (error instanceof PolicyError) {
      throw new AppError('validation_failed', 'the permissions are not valid', {
        errors: policyProblems(error),
      })
    }
    throw error
  }
}

/**
 * Safe delegation: you may hand out only what you hold (engine `canDelegate`). Each refused
 * action is reported at `path` (the role or grant in the request that carried it).
 */
function assertDelegable(
  me: BoundSubject,
  to: BoundSubject,
  grants: readonly Grant[],
  path = 'body/grants',
  only?: (g: Grant) => boolean,
  what?: string,
): void {
  const errors: ErrorDetail[] = []
  grants.forEach((g, i) => {
    if (only !== undefined && !only(g)) return
    for (const v of canDelegate(withoutShares(me), to, g).violations) {
      errors.push({
        path: path === 'body/grants' ? `${path}/${i}` : path,
        message: `${what === undefined ? '' : `${what}: `}${v.action}: ${v.reason}`,
      })
    }
  })
  if (errors.length) throw new AppError('forbidden', 'you may grant only what you hold', { errors })
}

const sameRule = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b)

/** A restriction lifted widens access exactly as a grant of what it denied would (S2). */
function restrictionsAsGrants(list: Role['restrictions']): Grant[] {
  return (list ?? []).map((x) => ({
    actions: x.actions,
    scope: x.scope ?? 'company',
    ...(x.when !== undefined ? { when: x.when } : {}),
    ...(x.fields !== undefined
      ? { fields: Object.fromEntries(Object.keys(x.fields).map((f) => [f, 'edit' as const])) }
      : {}),
  }))
}

/**
 * S7: revocation is bounded. Taking `roles` away from `from` (unassigning, deleting the role,
 * suspending or offboarding the holder) is allowed only to someone who could give them to that
 * person: every grant delegable, and every restriction that would lift with them too.
 */
function assertRevocable(
  me: BoundSubject,
  from: BoundSubject,
  roles: readonly Pick<RoleView, 'grants' | 'restrictions'>[],
  path: string,
): void {
  for (const r of roles) {
    assertDelegable(me, from, r.grants, path)
    assertDelegable(me, from, restrictionsAsGrants(r.restrictions), path)
  }
}

/**
 * S7: suspending, offboarding or reactivating a person changes everything they hold at once:
 * the caller must be able to grant each of their roles and permission groups to them (a
 * Supervisor cannot offboard an Admin).
 */
export async function assertCanChangeStanding(
  tx: TenantCtx,
  userId: string,
  path: string,
): Promise<void> {
  const { companyId } = tx.actor
  const me = await subjectOf(tx)
  const target = await boundUser(tx, userId)
  const roles = (await repo.findRolesByIds(tx.db, companyId, [...target.subject.roles])).map(
    roleView,
  )
  assertRevocable(me, target, roles, path)
  for (const id of target.subject.groups ?? []) {
    const group = await repo.findPermissionGroup(tx.db, companyId, id)
    if (group !== undefined) assertDelegable(me, target, groupView(group).grants, path)
  }
}

/**
 * S7 for what offboarding takes away besides roles and groups: the caller must be able to give
 * each of the person's temporary grants (in force or upcoming) to them, as `assertCanChangeStanding`
 * asks for their roles and groups.
 */
export async function assertCanRevokeGrants(
  tx: TenantCtx,
  userId: string,
  path: string,
): Promise<void> {
  const me = await subjectOf(tx)
  const target = await boundUser(tx, userId)
  // W5: a record shared with the person's team is not theirs to lose (offboarding leaves it)
  const own = (target.subject.grants ?? []).filter((g) => !isShareGrant(g))
  assertDelegable(me, target, own, path)
}

/**
 * Takes every permission group from a person, in the caller's transaction, and answers the
 * group ids (the caller has checked the right to: assertCanChangeStanding).
 */
export async function dropUserGroups(tx: TenantCtx, userId: string): Promise<string[]> {
  const { companyId } = tx.actor
  const ids = await repo.listUserGroupIds(tx.db, companyId, userId)
  for (const id of ids) await repo.removeUserFromGroup(tx.db, companyId, userId, id)
  return ids
}

/** A change of what defines a person's reach (S5): their place, attributes or one project. */
export interface ReachChange {
  readonly orgUnitId?: string | null
  readonly level?: string
  readonly position?: string | null
  readonly managerId?: string | null
  /** Joining (`true`) or leaving (`false`) one project. */
  readonly project?: { readonly id: string; readonly member: boolean }
}

const readsSubject = (x: { when?: unknown }) =>
  x.when !== undefined && JSON.stringify(x.when).includes('"subject.')

/**
 * S5: changing a person's org unit, level, position, manager or project membership is a
 * delegation of what comes with it. The rule, conservative on purpose:
 * - nobody changes their own reach unless `governing` (user.edit, project.manageMembers) is
 *   theirs company-wide (its list plan is `all`): a self-move is never a way up;
 * - every grant of the person whose meaning depends on what changes (team/subtree scopes when
 *   the org unit moves, project scopes for a project, any condition reading `subject.*`) must be
 *   delegable by the caller to the person as they will be (canDelegate, relative scopes read
 *   from the person after the change). For a project only that project is delegated: the
 *   person is checked as a member of it alone, so the caller must reach that project.
 * Role restrictions that read `subject.*` may stop applying: they count as lifted (S2).
 * Leaving a project takes away what it gave: the same check, as a revocation (S7).
 */
export async function assertReachChange(
  tx: TenantCtx,
  userId: string,
  change: ReachChange,
  governing: 'user.edit' | 'project.manageMembers',
  path: string,
): Promise<void> {
  const me = await subjectOf(tx)
  const self = userId === me.subject.id && change.project?.member !== false
  if (self && (await listPlan(tx, governing)).kind !== 'all') {
    throw new AppError('forbidden', `changing your own reach needs ${governing} company-wide`, {
      errors: [{ path, message: 'you may not change this for yourself' }],
    })
  }
  const target = await boundUser(tx, userId)
  const s = target.subject
  const movesUnit = 'orgUnitId' in change && (change.orgUnitId ?? null) !== (s.orgUnitId ?? null)
  const attrs = { ...s.attrs }
  for (const k of ['level', 'position', 'managerId'] as const)
    if (k in change) attrs[k] = change[k] ?? null
  const after = bindSubject(me.policy, {
    ...s,
    ...(movesUnit ? { orgUnitId: change.orgUnitId ?? null } : {}),
    ...(change.project !== undefined ? { projectIds: [change.project.id] } : {}),
    attrs,
  })
  const policy = await loadPolicy(tx.db, tx.actor.companyId)
  const roles = policy.roles.filter((r) => s.roles.includes(r.id))
  const held: Grant[] = [
    ...roles.flatMap((r) => r.grants),
    ...(policy.groups ?? [])
      .filter((g) => (s.groups ?? []).includes(g.id))
      .flatMap((g) => g.grants),
    ...(s.grants ?? []),
  ]
  const relative = (scope: Grant['scope']) =>
    change.project !== undefined
      ? scope === 'project'
      : movesUnit && (scope === 'team' || scope === 'subtree')
  const carried = (x: { scope?: Grant['scope']; when?: unknown }) =>
    relative(x.scope ?? 'company') || readsSubject(x)
  // What the person had that depends on what changes, they may lose: that is a revocation (S7),
  // checked against the person as they are; what they will have, against them as they will be.
  const before =
    change.project !== undefined
      ? bindSubject(me.policy, { ...s, projectIds: [change.project.id] })
      : target
  const changing = held.filter(carried)
  assertDelegable(me, after, changing, path)
  assertDelegable(me, before, changing, path)
  // Restrictions that read what changes may start or stop applying: lifting one widens (S2),
  // imposing one takes away (S7); the role's own and the company-wide ones that apply to them.
  const applies = (x: Restriction) =>
    x.appliesTo === undefined ||
    (x.appliesTo.users ?? []).includes(s.id) ||
    (x.appliesTo.roles ?? []).some((r) => s.roles.includes(r))
  const turning = restrictionsAsGrants(
    [
      ...roles.flatMap((r) => r.restrictions ?? []),
      ...(policy.restrictions ?? []).filter(applies),
    ].filter(carried),
  )
  assertDelegable(me, after, turning, path)
  assertDelegable(me, before, turning, path)
}

/**
 * Editing a role delegates the change to every holder (S2, S4, S16):
 * - a grant added or changed must be delegable by the editor to each holder, with relative
 *   scopes (team, subtree, own, project) read from that holder, not from the editor;
 * - a restriction removed or changed widens access exactly as a grant of what it denied would:
 *   the editor must be able to grant that to each holder, and may never lift a restriction that
 *   binds the editor;
 * - switching `mfaRequired` off lowers a security setting: only with `securitySettings.edit`.
 */
async function assertWidening(
  tx: TenantCtx,
  me: BoundSubject,
  prior: EngineRole,
  input: RoleInput,
): Promise<void> {
  const isNew = (g: Grant) => !prior.grants.some((p) => sameRule(p, g))
  const added = input.grants.filter(isNew)
  const lifted = (prior.restrictions ?? []).filter(
    (x) => !(input.restrictions ?? []).some((y) => sameRule(x, y)),
  )
  const liftedAsGrants = restrictionsAsGrants(lifted)
  if (lifted.length > 0 && me.subject.roles.includes(prior.id)) {
    throw new AppError('forbidden', 'you may not lift a restriction that binds you', {
      errors: [{ path: 'body/restrictions', message: 'a holder of this role cannot loosen it' }],
    })
  }
  assertDelegable(me, me, liftedAsGrants, 'body/restrictions')
  if (prior.mfaRequired === true && input.mfaRequired !== true) {
    if (!(await decisionFor(tx, 'securitySettings.edit')).allowed) {
      throw new AppError('forbidden', 'switching MFA off needs securitySettings.edit', {
        errors: [{ path: 'body/mfaRequired', message: 'you may not lower this security setting' }],
      })
    }
  }
  // S7: a grant removed, or a restriction added, takes away from every holder what it gave or
  // now denies: the editor must be able to give exactly that to each of them.
  const removed = prior.grants.filter((p) => !input.grants.some((g) => sameRule(p, g)))
  const imposed = restrictionsAsGrants(
    (input.restrictions ?? []).filter(
      (y) => !(prior.restrictions ?? []).some((x) => sameRule(x, y)),
    ),
  )
  if (added.length + liftedAsGrants.length + removed.length + imposed.length === 0) return
  for (const holder of await repo.listRoleUserIds(tx.db, tx.actor.companyId, prior.id)) {
    const to = await boundUser(tx, holder)
    assertDelegable(me, to, input.grants, 'body/grants', isNew)
    assertDelegable(me, to, liftedAsGrants, 'body/restrictions')
    assertRevocable(me, to, [{ grants: removed, restrictions: [] }], 'body/grants')
    assertDelegable(me, to, imposed, 'body/restrictions')
  }
}

async function visibleRole(tx: TenantCtx, id: string): Promise<RoleRecord> {
  const role = await repo.findRole(tx.db, tx.actor.companyId, id)
  if (role === undefined) throw new AppError('not_found', 'no such role')
  await authorize(tx, 'role.view', { type: 'role', id })
  return role
}

export async function listRoles(ctx: Ctx): Promise<RoleView[]> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'role.view')
    return (await repo.listRoles(tx.db, tx.actor.companyId)).map(roleView)
  })
}

export async function getRole(ctx: Ctx, id: string): Promise<RoleView & { userIds: string[] }> {
  return inCompany(ctx, async (tx) => {
    const role = await visibleRole(tx, id)
    // S23: holders are people; the caller sees those GET /users would show them, no others.
    const holders = await repo.listRoleUserIds(tx.db, tx.actor.companyId, id)
    return { ...roleView(role), userIds: await visibleUserIds(tx, holders) }
  })
}

/**
 * Every check of a role write, without writing: the company's policy with the role as `input`
 * must compile (400), and the editor must be able to delegate what the change gives and take
 * what it takes to every holder (S2, S4, S7, S16: 403). Answers the company's policy as it
 * would be (the role replaced, or added).
 */
async function checkRoleWrite(
  tx: TenantCtx,
  id: string | undefined,
  input: RoleInput,
  kind: RoleRecord['kind'],
): Promise<Policy> {
  const policy = await loadPolicy(tx.db, tx.actor.companyId)
  const definition: StoredDefinition = {
    grants: input.grants,
    ...(input.restrictions ? { restrictions: input.restrictions } : {}),
  }
  const candidate = storedRole(
    id ?? 'new-role',
    input.name,
    kind,
    definition,
    input.mfaRequired ?? false,
  )
  const proposed = { ...policy, roles: [...policy.roles.filter((r) => r.id !== id), candidate] }
  validated(proposed)
  const me = await subjectOf(tx)
  assertDelegable(me, me, input.grants)
  const prior = id === undefined ? undefined : policy.roles.find((r) => r.id === id)
  if (prior !== undefined) await assertWidening(tx, me, prior, input)
  return proposed
}

async function writeRole(
  tx: TenantCtx,
  id: string | undefined,
  input: RoleInput,
  kind: RoleRecord['kind'],
): Promise<RoleRecord> {
  const { companyId } = tx.actor
  await checkRoleWrite(tx, id, input, kind)
  const definition: StoredDefinition = {
    grants: input.grants,
    ...(input.restrictions ? { restrictions: input.restrictions } : {}),
  }
  try {
    const role =
      id === undefined
        ? await repo.insertRole(
            tx.db,
            companyId,
            { ...input, kind, definition: { ...definition } },
            tx.now,
          )
        : await repo.updateRole(
            tx.db,
            companyId,
            id,
            { ...input, definition: { ...definition } },
            tx.now,
          )
    if (role === undefined) throw new AppError('not_found', 'no such role')
    await policyChanged(tx)
    return role
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw new AppError('conflict', `a role named "${input.name}" exists`)
    throw error
  }
}

/** R3: a custom role; it holds exactly what it lists (P12). */
export async function createRole(ctx: Ctx, input: RoleInput): Promise<RoleView> {
  return inCompany(ctx, (tx) => createRoleIn(tx, input))
}

/** `createRole` inside a transaction the caller holds (policy import applies many at once). */
export async function createRoleIn(tx: TenantCtx, input: RoleInput): Promise<RoleView> {
  await authorize(tx, 'role.create')
  const role = await writeRole(tx, undefined, input, 'custom')
  await recordAudit(tx, {
    action: 'role.created',
    targetType: 'role',
    targetId: role.id,
    after: roleView(role),
  })
  return roleView(role)
}

/** R3: clone any role (built-ins included) into an editable custom role. */
export async function cloneRole(
  ctx: Ctx,
  id: string,
  input: { name: string; description?: string },
): Promise<RoleView> {
  return inCompany(ctx, async (tx) => {
    const source = roleView(await visibleRole(tx, id))
    await authorize(tx, 'role.create')
    const clone = {
      name: input.name,
      description: input.description ?? source.description,
      grants: source.grants,
      restrictions: source.restrictions,
      mfaRequired: source.mfaRequired,
    }
    const role = await writeRole(tx, undefined, clone, 'custom')
    await recordAudit(tx, {
      action: 'role.cloned',
      targetType: 'role',
      targetId: role.id,
      before: { from: id },
      after: roleView(role),
    })
    return roleView(role)
  })
}

/** R1: built-ins refuse edits; presets and custom roles take them, in force on the next request. */
export async function updateRole(
  ctx: Ctx,
  id: string,
  patch: Partial<RoleInput>,
): Promise<RoleView> {
  return inCompany(ctx, (tx) => updateRoleIn(tx, id, patch))
}

/** A role update's target and its input: the role as it is, with the patch applied. */
async function roleUpdate(
  tx: TenantCtx,
  id: string,
  patch: Partial<RoleInput>,
): Promise<{ before: RoleView; input: RoleInput }> {
  const before = roleView(await visibleRole(tx, id))
  await authorize(tx, 'role.edit', { type: 'role', id })
  const input: RoleInput = {
    name: patch.name ?? before.name,
    description: patch.description ?? before.description,
    grants: patch.grants ?? before.grants,
    restrictions: patch.restrictions ?? before.restrictions,
    mfaRequired: patch.mfaRequired ?? before.mfaRequired,
  }
  return { before, input }
}

const builtinRefusal = () =>
  new AppError('conflict', 'built-in roles cannot be changed; clone one instead')

/** `updateRole` inside a transaction the caller holds (policy import applies many at once). */
export async function updateRoleIn(
  tx: TenantCtx,
  id: string,
  patch: Partial<RoleInput>,
): Promise<RoleView> {
  const { before, input } = await roleUpdate(tx, id, patch)
  if (before.kind === 'builtin') throw builtinRefusal()
  const after = roleView(await writeRole(tx, id, input, before.kind))
  await recordAudit(tx, {
    action: 'role.updated',
    targetType: 'role',
    targetId: id,
    before,
    after,
  })
  return after
}

/** What saving a role would change for one of its holders. */
export interface HolderImpact {
  readonly userId: string
  readonly name: string
  readonly gained: PermissionDiff['gained']
  readonly lost: PermissionDiff['lost']
}

export interface RoleImpact {
  readonly roleId: string
  /**
   * Null when saving this body would succeed; otherwise the refusal the save would answer
   * (403 an escalation or a revocation the editor may not make, 409 a built-in or a taken name).
   */
  readonly refused: null | {
    readonly status: number
    readonly code: string
    readonly detail: string
    readonly errors: readonly ErrorDetail[]
  }
  /** The role's holders the caller may view (S23), each with what they gain and lose. */
  readonly holders: readonly HolderImpact[]
}

/**
 * `POST /roles/{id}/impact`: what `PATCH /roles/{id}` with this body would do, without writing:
 * each holder's effective permissions now against those under the company's policy with the
 * role changed (engine `permissionDiff`: actions, scopes, field levels gained and lost), and
 * whether the save would be refused. The save's own checks run (checkRoleWrite: compile, then
 * delegation to every holder), so the preview and the save cannot disagree; a body that does
 * not compile is a 400 here as there. Needs what the edit needs (role.view, role.edit).
 */
export async function roleImpact(
  ctx: Ctx,
  id: string,
  patch: Partial<RoleInput>,
): Promise<RoleImpact> {
  return inCompany(ctx, async (tx) => {
    const { before, input } = await roleUpdate(tx, id, patch)
    let refused: RoleImpact['refused'] = null
    const refusal = (e: AppError) => ({
      status: e.status,
      code: e.code,
      detail: e.message,
      errors: e.errors ?? [],
    })
    let policy: Policy | undefined
    if (before.kind === 'builtin') refused = refusal(builtinRefusal())
    try {
      policy = await checkRoleWrite(tx, id, input, before.kind)
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'forbidden') throw error
      refused ??= refusal(error)
    }
    const taken = await repo.findRoleIdByName(tx.db, tx.actor.companyId, input.name)
    if (taken !== undefined && taken !== id)
      refused ??= refusal(new AppError('conflict', `a role named "${input.name}" exists`))
    const me = await subjectOf(tx)
    const env = envOf(tx)
    const proposed = compilePolicy(policy ?? (await proposedPolicy(tx, id, input, before.kind)))
    const holders = await visiblePeople(
      tx,
      await repo.listRoleUserIds(tx.db, tx.actor.companyId, id),
    )
    return {
      roleId: id,
      refused,
      holders: holders
        .filter((p) => p.status === 'active')
        .map((p) => ({
          userId: p.id,
          name: p.name,
          ...permissionDiff(bindSubject(me.policy, p), bindSubject(proposed, p), env),
        })),
    }
  })
}

/** The company's policy with role `id` as `input` (checked to compile), when the checks refused. */
async function proposedPolicy(
  tx: TenantCtx,
  id: string,
  input: RoleInput,
  kind: RoleRecord['kind'],
): Promise<Policy> {
  const policy = await loadPolicy(tx.db, tx.actor.companyId)
  const definition: StoredDefinition = {
    grants: input.grants,
    ...(input.restrictions ? { restrictions: input.restrictions } : {}),
  }
  const candidate = storedRole(id, input.name, kind, definition, input.mfaRequired ?? false)
  const proposed = { ...policy, roles: policy.roles.map((r) => (r.id === id ? candidate : r)) }
  validated(proposed)
  return proposed
}

export async function deleteRole(ctx: Ctx, id: string): Promise<void> {
  return inCompany(ctx, (tx) => deleteRoleIn(tx, id))
}

/** `deleteRole` inside a transaction the caller holds (policy import applies many at once). */
export async function deleteRoleIn(tx: TenantCtx, id: string): Promise<void> {
  const before = roleView(await visibleRole(tx, id))
  await authorize(tx, 'role.delete', { type: 'role', id })
  if (before.kind === 'builtin') throw new AppError('conflict', 'built-in roles cannot be deleted')
  const keys = await tx.db
    .selectFrom('api_keys')
    .select('id')
    .where('company_id', '=', tx.actor.companyId)
    .where('role_id', '=', id)
    .execute()
  // API keys keep their role for the audit trail, revoked or not
  if (keys.length) throw new AppError('conflict', `the role is held by ${keys.length} API key(s)`)
  const holders = await repo.listRoleUserIds(tx.db, tx.actor.companyId, id)
  // S7: deleting takes the role from every holder; a role stronger than the caller's stays
  const me = await subjectOf(tx)
  assertRevocable(me, me, [before], 'params/id')
  for (const holder of holders)
    assertRevocable(me, await boundUser(tx, holder), [before], 'params/id')
  await repo.deleteRole(tx.db, tx.actor.companyId, id)
  await policyChanged(tx)
  await recordAudit(tx, {
    action: 'role.deleted',
    targetType: 'role',
    targetId: id,
    before: { ...before, userIds: holders },
  })
}

// Permission groups (R4) --------------------------------------------------------------------------

export interface GroupView extends PermissionGroupRecord {
  readonly grants: readonly Grant[]
}

export interface GroupInput {
  readonly name: string
  readonly description?: string
  readonly grants: readonly Grant[]
}

function groupView(group: PermissionGroupRecord): GroupView {
  return { ...group, grants: (group.definition as StoredDefinition).grants ?? [] }
}

async function visibleGroup(tx: TenantCtx, id: string): Promise<PermissionGroupRecord> {
  const group = await repo.findPermissionGroup(tx.db, tx.actor.companyId, id)
  if (group === undefined) throw new AppError('not_found', 'no such permission group')
  await authorize(tx, 'permissionGroup.view', { type: 'permissionGroup', id })
  return group
}

async function writeGroup(tx: TenantCtx, id: string | undefined, input: GroupInput) {
  const { companyId } = tx.actor
  const policy = await loadPolicy(tx.db, companyId)
  validated({
    ...policy,
    groups: [
      ...(policy.groups ?? []).filter((g) => g.id !== id),
      { id: id ?? 'new-group', name: input.name, grants: input.grants },
    ],
  })
  const me = await subjectOf(tx)
  assertDelegable(me, me, input.grants)
  const prior = id === undefined ? undefined : (policy.groups ?? []).find((g) => g.id === id)
  if (prior !== undefined) {
    // S4: a group edit delegates what it adds to every holder, relative scopes read from each
    const isNew = (g: Grant) => !prior.grants.some((p) => sameRule(p, g))
    // S7: a grant removed is taken from every holder: only by someone who could give it to them
    const removed = prior.grants.filter((p) => !input.grants.some((g) => sameRule(p, g)))
    if (input.grants.some(isNew) || removed.length > 0) {
      for (const holder of await repo.listGroupUserIds(tx.db, companyId, prior.id)) {
        const to = await boundUser(tx, holder)
        assertDelegable(me, to, input.grants, 'body/grants', isNew)
        assertDelegable(me, to, removed, 'body/grants')
      }
    }
  }
  const definition = { grants: input.grants }
  try {
    const group =
      id === undefined
        ? await repo.insertPermissionGroup(tx.db, companyId, { ...input, definition }, tx.now)
        : await repo.updatePermissionGroup(tx.db, companyId, id, { ...input, definition }, tx.now)
    if (group === undefined) throw new AppError('not_found', 'no such permission group')
    await policyChanged(tx)
    return groupView(group)
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw new AppError('conflict', `a group named "${input.name}" exists`)
    throw error
  }
}

export async function listGroups(ctx: Ctx): Promise<GroupView[]> {
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'permissionGroup.view')
    return (await repo.listPermissionGroups(tx.db, tx.actor.companyId)).map(groupView)
  })
}

export async function getGroup(ctx: Ctx, id: string): Promise<GroupView> {
  return inCompany(ctx, async (tx) => groupView(await visibleGroup(tx, id)))
}

export async function createGroup(ctx: Ctx, input: GroupInput): Promise<GroupView> {
  return inCompany(ctx, (tx) => createGroupIn(tx, input))
}

/** `createGroup` inside a transaction the caller holds (policy import applies many at once). */
export async function createGroupIn(tx: TenantCtx, input: GroupInput): Promise<GroupView> {
  await authorize(tx, 'permissionGroup.create')
  const group = await writeGroup(tx, undefined, input)
  await recordAudit(tx, {
    action: 'permission_group.created',
    targetType: 'permission_group',
    targetId: group.id,
    after: group,
  })
  return group
}

export async function updateGroup(
  ctx: Ctx,
  id: string,
  patch: Partial<GroupInput>,
): Promise<GroupView> {
  return inCompany(ctx, (tx) => updateGroupIn(tx, id, patch))
}

/** `updateGroup` inside a transaction the caller holds (policy import applies many at once). */
export async function updateGroupIn(
  tx: TenantCtx,
  id: string,
  patch: Partial<GroupInput>,
): Promise<GroupView> {
  const before = groupView(await visibleGroup(tx, id))
  await authorize(tx, 'permissionGroup.edit', { type: 'permissionGroup', id })
  const after = await writeGroup(tx, id, {
    name: patch.name ?? before.name,
    description: patch.description ?? before.description,
    grants: patch.grants ?? before.grants,
  })
  await recordAudit(tx, {
    action: 'permission_group.updated',
    targetType: 'permission_group',
    targetId: id,
    before,
    after,
  })
  return after
}

export async function deleteGroup(ctx: Ctx, id: string): Promise<void> {
  return inCompany(ctx, (tx) => deleteGroupIn(tx, id))
}

/** `deleteGroup` inside a transaction the caller holds (policy import applies many at once). */
export async function deleteGroupIn(tx: TenantCtx, id: string): Promise<void> {
  const before = groupView(await visibleGroup(tx, id))
  await authorize(tx, 'permissionGroup.delete', { type: 'permissionGroup', id })
  // S7: deleting takes the group from every holder, as removing it from each would
  const me = await subjectOf(tx)
  assertDelegable(me, me, before.grants, 'params/id')
  for (const holder of await repo.listGroupUserIds(tx.db, tx.actor.companyId, id))
    assertDelegable(me, await boundUser(tx, holder), before.grants, 'params/id')
  await repo.deletePermissionGroup(tx.db, tx.actor.companyId, id)
  await policyChanged(tx)
  await recordAudit(tx, {
    action: 'permission_group.deleted',
    targetType: 'permission_group',
    targetId: id,
    before,
  })
}

// Assignment (R5) ---------------------------------------------------------------------------------

/** A user whose roles the caller changes: visible (else 404 at `path`) and `user.assignRole`. */
async function assignmentTarget(
  tx: TenantCtx,
  userId: string,
  path: string,
): Promise<BoundSubject> {
  const user = await visibleUser(tx, userId, path)
  await authorize(tx, 'user.assignRole', userResource(user))
  return boundUser(tx, userId)
}

/** Any user of the company as the engine sees them, bound to the caller's compiled policy. */
export async function boundUser(tx: TenantCtx, userId: string): Promise<BoundSubject> {
  const me = await subjectOf(tx)
  const subject = await loadSubject(tx.db, tx.actor.companyId, userId, tx.now)
  if (subject === undefined) throw new AppError('not_found', 'no such user')
  return bindSubject(me.policy, subject)
}

/**
 * R5: give roles to a user. Each role is a delegation: `role.assign`, and the caller must hold
 * everything it grants, for that user (canDelegate). Refusals name `${path}/${i}`.
 */
export async function giveRoles(
  tx: TenantCtx,
  target: BoundSubject,
  roles: readonly RoleView[],
  path: string,
): Promise<void> {
  if (roles.length === 0) return
  await authorize(tx, 'role.assign')
  const me = await subjectOf(tx)
  roles.forEach((r, i) => {
    assertDelegable(me, target, r.grants, `${path}/${i}`, undefined, `role ${r.name}`)
    // S7: a role's restrictions bind its new holder: imposing one takes away what it denies
    assertDelegable(
      me,
      target,
      restrictionsAsGrants(r.restrictions),
      `${path}/${i}`,
      undefined,
      `role ${r.name}`,
    )
  })
  for (const r of roles)
    await repo.assignRole(tx.db, tx.actor.companyId, target.subject.id, r.id, tx.now)
}

/** Roles named in a request, in order; each id not of the caller's company is 404 at `${path}/${i}`. */
export async function rolesByIds(
  tx: TenantCtx,
  ids: readonly string[],
  path: string,
): Promise<RoleView[]> {
  if (ids.length === 0) return []
  const found = await repo.findRolesByIds(tx.db, tx.actor.companyId, [...new Set(ids)])
  const missing: ErrorDetail[] = ids.flatMap((id, i) =>
    found.some((r) => r.id === id) ? [] : [{ path: `${path}/${i}`, message: 'no such role' }],
  )
  if (missing.length) throw new AppError('not_found', 'no such role', { errors: missing })
  return ids.map((id) => roleView(found.find((r) => r.id === id) as RoleRecord))
}

/**
 * Replace a user's roles. Adding a role is a delegation: the caller must hold everything it
 * grants, for that user (R5, "delegated administration that can never escalate"). The person's
 * row is locked first: a change of their rights is offered the calls waiting in their queues
 * before it commits (inCompany's `onRightsChanged`), and people's rows come before the audit
 * chain in queue routing's lock order (domain/calls/ring.ts).
 */
export async function setUserRoles(
  ctx: Ctx,
  userId: string,
  roleIds: readonly string[],
): Promise<string[]> {
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    await lockUsers(tx, [userId])
    const target = await assignmentTarget(tx, userId, 'params/id')
    const wanted = await rolesByIds(tx, roleIds, 'body/roleIds')
    const current = await repo.listUserRoleIds(tx.db, companyId, userId)
    const added = wanted.filter((r) => !current.includes(r.id))
    const removed = current.filter((id) => !wanted.some((r) => r.id === id))
    await giveRoles(tx, target, added, 'body/roleIds')
    if (removed.length > 0) {
      const gone = (await repo.findRolesByIds(tx.db, companyId, removed)).map(roleView)
      assertRevocable(await subjectOf(tx), target, gone, 'body/roleIds')
    }
    for (const id of removed) await repo.unassignRole(tx.db, companyId, userId, id)
    if (added.length || removed.length) {
      await recordAudit(tx, {
        action: 'user.roles_changed',
        targetType: 'user',
        targetId: userId,
        before: { roleIds: current },
        after: { roleIds: wanted.map((r) => r.id) },
      })
    }
    return repo.listUserRoleIds(tx.db, companyId, userId)
  })
}

/**
 * R5: give one role to many users at once; all or nothing. Their rows are locked first, by id,
 * as `setUserRoles` locks its person's.
 */
export async function assignRoleToUsers(
  ctx: Ctx,
  roleId: string,
  userIds: readonly string[],
): Promise<string[]> {
  return inCompany(ctx, async (tx) => {
    await lockUsers(tx, userIds)
    const [role] = await rolesByIds(tx, [roleId], 'params/id')
    await authorize(tx, 'role.assign', { type: 'role', id: roleId })
    for (const [i, userId] of userIds.entries()) {
      const target = await assignmentTarget(tx, userId, `body/userIds/${i}`)
      await giveRoles(tx, target, [role as RoleView], 'params/id')
    }
    await recordAudit(tx, {
      action: 'role.assigned',
      targetType: 'role',
      targetId: roleId,
      after: { userIds },
    })
    return repo.listRoleUserIds(tx.db, tx.actor.companyId, roleId)
  })
}

/** Replace a user's permission groups; their row locked first, as `setUserRoles` locks it. */
export async function setUserGroups(
  ctx: Ctx,
  userId: string,
  groupIds: readonly string[],
): Promise<string[]> {
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    await lockUsers(tx, [userId])
    const target = await assignmentTarget(tx, userId, 'params/id')
    const groups = await Promise.all(
      [...new Set(groupIds)].map((id) => repo.findPermissionGroup(tx.db, companyId, id)),
    )
    const missing = groupIds.filter((_, i) => groups[i] === undefined)
    if (missing.length)
      throw new AppError('not_found', 'no such permission group', {
        errors: missing.map((id) => ({ path: 'body/groupIds', message: `no such group: ${id}` })),
      })
    const current = await repo.listUserGroupIds(tx.db, companyId, userId)
    const me = await subjectOf(tx)
    await authorize(tx, 'permissionGroup.assign')
    for (const g of groups as PermissionGroupRecord[]) {
      if (current.includes(g.id)) continue
      assertDelegable(me, target, groupView(g).grants, 'body/groupIds')
      await repo.addUserToGroup(tx.db, companyId, userId, g.id, tx.now)
    }
    for (const id of current) {
      if (groupIds.includes(id)) continue
      // S7: a group is taken away only by someone who could give it
      const gone = await repo.findPermissionGroup(tx.db, companyId, id)
      if (gone !== undefined) assertDelegable(me, target, groupView(gone).grants, 'body/groupIds')
      await repo.removeUserFromGroup(tx.db, companyId, userId, id)
    }
    await recordAudit(tx, {
      action: 'user.groups_changed',
      targetType: 'user',
      targetId: userId,
      before: { groupIds: current },
      after: { groupIds },
    })
    return repo.listUserGroupIds(tx.db, companyId, userId)
  })
}

export async function userRoleIds(
  ctx: Ctx,
  userId: string,
): Promise<{ roleIds: string[]; groupIds: string[] }> {
  return inCompany(ctx, async (tx) => {
    await visibleUser(tx, userId, 'params/id')
    await authorize(tx, 'role.view')
    return {
      roleIds: await repo.listUserRoleIds(tx.db, tx.actor.companyId, userId),
      groupIds: await repo.listUserGroupIds(tx.db, tx.actor.companyId, userId),
    }
  })
}

// R8: position → default roles ----------------------------------------------------------------

/** Groups named in a request, in order; each id not of the caller's company is 404 at `${path}/${i}`. */
export async function groupsByIds(
  tx: TenantCtx,
  ids: readonly string[],
  path: string,
): Promise<GroupView[]> {
  const out: GroupView[] = []
  const missing: ErrorDetail[] = []
  for (const [i, id] of ids.entries()) {
    const group = await repo.findPermissionGroup(tx.db, tx.actor.companyId, id)
    if (group === undefined) missing.push({ path: `${path}/${i}`, message: 'no such group' })
    else out.push(groupView(group))
  }
  if (missing.length)
    throw new AppError('not_found', 'no such permission group', { errors: missing })
  return out
}

/** What a position gives by default (read by the caller from positions/). */
export interface PositionDefaults {
  readonly positionId: string
  readonly name: string
  readonly roleIds: readonly string[]
  readonly groupIds: readonly string[]
}

/**
 * R8: a transfer (new position or new team) resets permissions to the new position's defaults,
 * in the caller's transaction. With a position: the person's preset and custom roles become its
 * default roles and their permission groups its default groups; without one (no position), their
 * roles stay and their groups end. Temporary grants of the old job end either way (in force or
 * upcoming; `endGrants` ends each as the caller, recorded and audited). Built-in roles (Admin…)
 * are never a default and are left as they are.
 * Every part is a delegation the caller must be able to make, exactly as an assignment:
 * `user.assignRole` on the person, `role.assign` and canDelegate for each role given (giveRoles),
 * `permissionGroup.assign` and canDelegate for each group given; and (S7) what is taken away
 * only when the caller could give it, to the person as they were and as they are now. Any
 * refusal is 403 at `path` and, the caller's transaction rolling back, changes nothing.
 */
export async function resetToPositionDefaults(
  tx: TenantCtx,
  userId: string,
  defaults: PositionDefaults | null,
  was: BoundSubject,
  endGrants: (userId: string) => Promise<readonly string[]>,
  path: string,
): Promise<void> {
  const { companyId } = tx.actor
  const current = await repo.listUserRoleIds(tx.db, companyId, userId)
  const currentGroups = await repo.listUserGroupIds(tx.db, companyId, userId)
  const me = await subjectOf(tx)
  const wantedGroups = defaults === null ? [] : defaults.groupIds
  if (defaults !== null) {
    const target = await assignmentTarget(tx, userId, path)
    const roles = (await rolesByIds(tx, defaults.roleIds, `${path}/defaults`)).filter(
      (r) => r.kind !== 'builtin',
    )
    const all = (await repo.findRolesByIds(tx.db, companyId, current)).map(roleView)
    const dropped = all.filter((r) => r.kind !== 'builtin' && !roles.some((d) => d.id === r.id))
    // S7: the old job's roles go only when the caller could give them, before and after the move
    assertRevocable(me, was, dropped, path)
    assertRevocable(me, target, dropped, path)
    await giveRoles(
      tx,
      target,
      roles.filter((r) => !current.includes(r.id)),
      `${path}/defaults`,
    )
    for (const r of dropped) await repo.unassignRole(tx.db, companyId, userId, r.id)
    const added = (await groupsByIds(tx, wantedGroups, `${path}/defaults`)).filter(
      (g) => !currentGroups.includes(g.id),
    )
    if (added.length > 0) await authorize(tx, 'permissionGroup.assign')
    for (const g of added) {
      assertDelegable(me, target, g.grants, path, undefined, `group ${g.name}`)
      await repo.addUserToGroup(tx.db, companyId, userId, g.id, tx.now)
    }
  }
  // S7: the old job's permission groups and temporary grants end only when the caller could
  // give each of them to the person as they were (relative scopes read before the move)
  const endedGroups = currentGroups.filter((g) => !wantedGroups.includes(g))
  for (const id of endedGroups) {
    const group = await repo.findPermissionGroup(tx.db, companyId, id)
    if (group !== undefined) assertDelegable(me, was, groupView(group).grants, path)
  }
  assertDelegable(me, was, was.subject.grants ?? [], path)
  for (const g of endedGroups) await repo.removeUserFromGroup(tx.db, companyId, userId, g)
  // each grant ended with who ended it and its own `grant.revoked` event (approvals/)
  const grantIds = await endGrants(userId)
  await recordAudit(tx, {
    action: 'user.permissions_reset',
    targetType: 'user',
    targetId: userId,
    before: { roleIds: current, groupIds: currentGroups, grantIds },
    after: {
      positionId: defaults?.positionId ?? null,
      position: defaults?.name ?? null,
      roleIds: await repo.listUserRoleIds(tx.db, companyId, userId),
      groupIds: await repo.listUserGroupIds(tx.db, companyId, userId),
    },
  })
}

// R7: per-section access ---------------------------------------------------------------------------

export const sections: readonly string[] = [
  ...new Set(Object.values(catalog).map((d) => d.module as string)),
]

function typesOf(section: string): ResourceType[] {
  return (Object.keys(catalog) as ResourceType[]).filter(
    (t) => (catalog[t].module as string) === section,
  )
}

/** The holder the sections view imagines: placed in an org unit and a member of a project. */
const probeUnit = '\u0000section-probe-unit'
const probeProject = '\u0000section-probe-project'

/** The company's policy, compiled with room for the probe holder's unit. */
function probePolicy(policy: Policy): CompiledPolicy {
  return compilePolicy({ ...policy, orgUnits: { ...policy.orgUnits, [probeUnit]: null } })
}

/**
 * May holders of `role` enter `section`? Exactly when the engine, asked at type level (P1: "may
 * they open it at all?"), allows a holder at least one action on one of the section's types:
 * the same decision as `POST /authz/check` without a record. The holder is any person placed in
 * a team and a member of a project (so `team`, `subtree` and `project` grants count), under the
 * restrictions that apply to the role or to everyone, at `now`.
 */
function roleEnters(engine: CompiledPolicy, role: Role, section: string, now: number): boolean {
  const holder = bindSubject(engine, {
    id: '\u0000section-probe',
    companyId: '\u0000section-probe',
    orgUnitId: probeUnit,
    projectIds: [probeProject],
    roles: [role.id],
  })
  return typesOf(section).some((t) =>
    catalog[t].actions.some(
      (a) => decide(holder, `${t}.${a}` as Action, undefined, { now }).allowed,
    ),
  )
}

export async function sectionAccess(
  ctx: Ctx,
  section: string,
): Promise<{
  section: string
  roles: { id: string; name: string; kind: string; enters: boolean }[]
}> {
  if (!sections.includes(section)) throw new AppError('not_found', 'no such section')
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'role.view')
    return sectionRoles(tx, section)
  })
}

async function sectionRoles(tx: TenantCtx, section: string) {
  const policy = await loadPolicy(tx.db, tx.actor.companyId)
  const engine = probePolicy(policy)
  const now = tx.now.getTime()
  return {
    section,
    roles: policy.roles.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      enters: roleEnters(engine, r, section, now),
    })),
  }
}

/** How much of a type's records a scope reaches: own < team, project < subtree < company. */
function breadth(scope: Scope): number {
  if (scope === 'own') return 0
  if (scope === 'team' || scope === 'project') return 1
  if (scope === 'company') return 3
  if (typeof scope === 'object' && 'record' in scope) return -1
  return 2
}

const scoped = (t: ResourceType) => Object.keys(catalog[t].scope).length > 0

/**
 * How far a role already sees: the broadest scope at which it views records of a type that has
 * a data scope (a company-wide view of, say, QA scorecards says nothing about records).
 */
function reachOf(role: Role): number {
  let reach = -1
  for (const g of role.grants) {
    const viewsRecords = g.actions.some((a) => {
      const [type, verb] = a.split('.') as [ResourceType, string]
      return (verb === 'view' || verb === '*') && Object.hasOwn(catalog, type) && scoped(type)
    })
    if (viewsRecords) reach = Math.max(reach, breadth(g.scope))
  }
  return reach
}

/**
 * The grants that let `role` into `section` without widening what it sees: `view` on each type
 * of the section that has a data scope, at the narrowest scope the type offers (own, else team,
 * else project), and only where that is no broader than what the role already views elsewhere.
 * Types without a data scope (settings, scorecards, the blacklist, roles, the audit log) are
 * never opened this way: seeing them is company-wide by nature, and is given by editing the role.
 */
function entryGrants(role: Role, section: string): Grant[] {
  const reach = reachOf(role)
  const byScope = new Map<Scope, Action[]>()
  for (const t of typesOf(section)) {
    if (!(catalog[t].actions as readonly string[]).includes('view') || !scoped(t)) continue
    const attrs = catalog[t].scope as { owner?: string; orgUnit?: string; project?: string }
    const scope = (
      [
        ['own', attrs.owner],
        ['team', attrs.orgUnit],
        ['project', attrs.project],
      ] as const
    ).find(([s, attr]) => attr !== undefined && breadth(s) <= reach)?.[0]
    if (scope !== undefined)
      byScope.set(scope, [...(byScope.get(scope) ?? []), `${t}.view` as Action])
  }
  return [...byScope].map(([scope, actions]) => ({ actions, scope, label: `enter ${section}` }))
}

/**
 * R7: set which roles may enter a section. Letting a role in never widens what it sees: it gets
 * `view` on the section's types at the narrowest scope (entryGrants); when that is impossible
 * (a section of company-wide settings, a role that sees no records at all, or a restriction that
 * keeps it out) the change is refused with 409 and nothing is written. A role already in is left
 * as it is; a role shut out loses every grant on the section's types. Built-ins refuse changes.
 */
export async function setSectionAccess(ctx: Ctx, section: string, roleIds: readonly string[]) {
  if (!sections.includes(section)) throw new AppError('not_found', 'no such section')
  return inCompany(ctx, async (tx) => {
    await authorize(tx, 'role.edit')
    const policy = await loadPolicy(tx.db, tx.actor.companyId)
    const engine = probePolicy(policy)
    const now = tx.now.getTime()
    await rolesByIds(tx, roleIds, 'body/roleIds')
    const types = typesOf(section)
    const at = (role: Role) => {
      const i = roleIds.indexOf(role.id)
      return i < 0 ? 'body/roleIds' : `body/roleIds/${i}`
    }
    for (const role of policy.roles) {
      const enters = roleEnters(engine, role, section, now)
      const wanted = roleIds.includes(role.id)
      if (enters === wanted) continue
      if (role.kind === 'builtin')
        throw new AppError('conflict', `built-in role ${role.name} cannot be changed`)
      const stored = roleView(
        (await repo.findRole(tx.db, tx.actor.companyId, role.id)) as RoleRecord,
      )
      let grants: Grant[]
      if (wanted) {
        const entry = entryGrants(role, section)
        if (entry.length === 0) {
          throw new AppError(
            'conflict',
            `letting ${role.name} into ${section} would widen what it sees`,
            {
              errors: [
                {
                  path: at(role),
                  message:
                    `no view of the ${section} section fits within what ${role.name} already ` +
                    'sees; give it the actions you mean by editing the role',
                },
              ],
            },
          )
        }
        grants = [...stored.grants, ...entry]
      } else {
        grants = stored.grants
          .map((g) => ({
            ...g,
            actions: g.actions.filter(
              (a) => !types.includes(a.slice(0, a.indexOf('.')) as ResourceType),
            ),
          }))
          .filter((g) => g.actions.length > 0)
      }
      await writeRole(tx, role.id, { ...stored, grants }, stored.kind)
      if (wanted) {
        const after = await loadPolicy(tx.db, tx.actor.companyId)
        const changed = after.roles.find((r) => r.id === role.id) as Role
        if (!roleEnters(probePolicy(after), changed, section, now)) {
          throw new AppError('conflict', `a restriction keeps ${role.name} out of ${section}`, {
            errors: [{ path: at(role), message: 'a restriction on this role denies the section' }],
          })
        }
      }
      await recordAudit(tx, {
        action: 'role.section_access_changed',
        targetType: 'role',
        targetId: role.id,
        before: { section, enters },
        after: { section, enters: wanted },
      })
    }
    return sectionRoles(tx, section)
  })
}

/**
 * What moving a unit from under `oldParentId` to under `newParentId` changes (S17): the company's
 * policy, the old and new ancestor chains (the parent first), the units above both (`shared`,
 * from their lowest common ancestor `common` up), and `changes`: whether a rule's scope reaches
 * differently after the move (holder-relative `subtree`, or `{ subtree: X }` with X above one
 * parent and not the other).
 */
async function moveReach(tx: TenantCtx, oldParentId: string | null, newParentId: string | null) {
  const policy = await loadPolicy(tx.db, tx.actor.companyId)
  const chain = (id: string | null): string[] => {
    const out: string[] = []
    for (
      let u = id;
      u !== null && u !== undefined && !out.includes(u);
      u = policy.orgUnits[u] ?? null
    )
      out.push(u)
    return out
  }
  const oldChain = chain(oldParentId)
  const newChain = chain(newParentId)
  const common = oldChain.find((u) => newChain.includes(u))
  const shared = new Set(common === undefined ? [] : chain(common))
  const changes = (scope: Scope | undefined) =>
    scope === 'subtree' ||
    (typeof scope === 'object' &&
      'subtree' in scope &&
      !shared.has(scope.subtree) &&
      (oldChain.includes(scope.subtree) || newChain.includes(scope.subtree)))
  return { policy, oldChain, newChain, shared, common, changes }
}

/**
 * The people whose reach moving a unit from under `oldParentId` to under `newParentId` changes
 * (what a policy import's `impact` lists for a move), by the rule `assertOrgUnitMove` checks:
 * the holders of a role or permission group, and the grantees of a personal grant in force,
 * with a rule (grant or restriction) at a `{ subtree: X }` scope the move changes; of a
 * holder-relative `subtree` rule, those of them placed on the old or the new ancestor chain
 * below the common ancestor (their subtree gains or loses the unit); of a company restriction
 * whose scope changes, those it applies to (everyone when it names nobody). No decision: the
 * caller narrows the list to the people they may view.
 */
export async function orgUnitMoveReach(
  tx: TenantCtx,
  oldParentId: string | null,
  newParentId: string | null,
): Promise<string[]> {
  const { companyId } = tx.actor
  const { policy, oldChain, newChain, shared, changes } = await moveReach(
    tx,
    oldParentId,
    newParentId,
  )
  const between = new Set([...oldChain, ...newChain].filter((u) => !shared.has(u)))
  const people = await tx.db
    .selectFrom('users')
    .select(['id', 'org_unit_id'])
    .where('company_id', '=', companyId)
    .execute()
  const placed = new Map(people.map((p) => [p.id, p.org_unit_id]))
  const who = new Set<string>()
  /** Of `holders` with these rules, those whose reach the move changes. */
  const reach = (rules: readonly { scope?: Scope | undefined }[], holders: readonly string[]) => {
    const moving = rules.filter((r) => changes(r.scope ?? 'company'))
    if (moving.length === 0) return
    const absolute = moving.some((r) => r.scope !== 'subtree')
    for (const h of holders) {
      const unit = placed.get(h)
      if (absolute || (unit !== undefined && unit !== null && between.has(unit))) who.add(h)
    }
  }
  for (const role of policy.roles) {
    const rules = [...role.grants, ...(role.restrictions ?? [])]
    if (rules.some((r) => changes(r.scope)))
      reach(rules, await repo.listRoleUserIds(tx.db, companyId, role.id))
  }
  for (const group of policy.groups ?? []) {
    if (group.grants.some((r) => changes(r.scope)))
      reach(group.grants, await repo.listGroupUserIds(tx.db, companyId, group.id))
  }
  const personal = await tx.db
    .selectFrom('grants')
    .select(['user_id', 'definition'])
    .where('company_id', '=', companyId)
    .where('valid_until', '>', tx.now)
    .where('revoked_at', 'is', null)
    .execute()
  for (const g of personal) reach([g.definition as unknown as Grant], [g.user_id])
  for (const r of policy.restrictions ?? []) {
    if (!changes(r.scope)) continue
    const to = r.appliesTo
    const named =
      to === undefined
        ? people.map((p) => p.id)
        : [
            ...(to.users ?? []),
            ...(
              await Promise.all(
                (to.roles ?? []).map((id) => repo.listRoleUserIds(tx.db, companyId, id)),
              )
            ).flat(),
          ]
    reach([r], named)
  }
  return [...who].sort()
}

/**
 * S17: moving an org unit is a delegation both ways. Holders of `subtree` scopes on the unit's
 * new ancestors gain its people and records; holders on its old ancestors lose them (and a
 * restriction scoped to a subtree starts or stops applying to them). The rule, sound and
 * conservative rather than per holder: every grant anywhere in the company (roles, permission
 * groups, personal grants, restrictions as grants) whose reach the move changes, that is every
 * holder-relative `subtree` grant and every `{ subtree: X }` grant with X an ancestor of the old
 * or the new parent but not of both, must be delegable by the mover at the lowest common ancestor
 * of the old and the new parent (`{ subtree: A }`), or company-wide when they share none (a root
 * is involved). What any holder gains or loses is the moved unit's subtree, which lies under A
 * before and after the move (A's subtree itself does not change), so it is never more than what
 * the mover could give or take away there. Conditions reading `subject.*` are dropped (wider),
 * and the grantee carries no restriction, so a restriction binding the mover is never lifted by
 * them. `team` scopes do not change: a team is one unit and the people in it move along.
 */
export async function assertOrgUnitMove(
  tx: TenantCtx,
  oldParentId: string | null,
  newParentId: string | null,
  path: string,
): Promise<void> {
  const { companyId } = tx.actor
  const me = await subjectOf(tx)
  const { policy, common, changes } = await moveReach(tx, oldParentId, newParentId)
  const personal = await repo.listUnexpiredGrantDefinitions(tx.db, companyId, tx.now)
  const all: Grant[] = [
    ...policy.roles.flatMap((r) => [...r.grants, ...restrictionsAsGrants(r.restrictions)]),
    ...(policy.groups ?? []).flatMap((g) => g.grants),
    ...restrictionsAsGrants(policy.restrictions),
    ...personal,
  ]
  const at: Scope = common === undefined ? 'company' : { subtree: common }
  const moved = all
    .filter((g) => changes(g.scope))
    .map(({ when, ...g }): Grant => ({
      ...g,
      scope: at,
      ...(when !== undefined && !readsSubject({ when }) ? { when } : {}),
    }))
  // Nobody holds anything: a neutral grantee, so that the mover's own restrictions count.
  const nobody = bindSubject(me.policy, { id: 'org-unit-move', companyId, roles: [] })
  assertDelegable(me, nobody, moved, path, undefined, 'moving this unit changes who reaches it')
}
