import {
  bindSubject,
  compilePolicy,
  decide,
  planFilter,
  withCeiling,
  type Action,
  type BoundSubject,
  type CompiledPolicy,
  type Decision,
  type Env,
  type Plan,
  type Resource,
  type ResourceType,
} from '../../authz/index.js'
import { AppError } from '../../errors.js'
import type { Ctx, TenantCtx } from '../context.js'
import { enforceObligations, type GateOptions } from './obligations.js'
import { isShareGrant, loadPolicy, loadSubject, policyVersion } from './policy.repo.js'

/** What an action is done to, when it is about one record. */
export type ResourceRef = Resource

const bound = new WeakMap<object, Promise<BoundSubject>>()
/**
 * A subject kept in memory across requests (domain/access/caller-cache) is one object under one
 * policy version: its binding is kept with it, so a warm request does not bind again. Each
 * request still has its own actor object (obligations apply once per request, not per caller).
 */
const boundSubjects = new WeakMap<object, { version: number; bound: Promise<BoundSubject> }>()

/** The request's environment for conditions: its time and client IP (P6, P7). */
export function envOf(ctx: Ctx): Env {
  return ctx.meta.ip ? { now: ctx.now.getTime(), ip: ctx.meta.ip } : { now: ctx.now.getTime() }
}

/**
 * The caller bound to the company's current policy: read once per request (per actor object),
 * recompiled only when the company's policy version moved. The HTTP layer reads the subject and
 * the version with the session or key (one statement); elsewhere they are read here.
 */
export function subjectOf(ctx: Ctx): Promise<BoundSubject> {
  const preview = ctx.actor.preview
  if (preview === undefined) return ownSubjectOf(ctx)
  let p = previews.get(ctx.actor)
  if (p === undefined) {
    p = (async () => {
      const own = await ownSubjectOf(ctx)
      return withCeiling(bindSubject(own.policy, preview.subject), own)
    })()
    previews.set(ctx.actor, p)
    p.catch(() => previews.delete(ctx.actor))
  }
  return p
}

/**
 * G4: per actor object, the subject of the preview its session has open, bounded by the caller's
 * own (engine `withCeiling`): every decision, plan, field level and explanation of every route
 * is then the preview's AND the caller's, with no code of the route's own.
 */
const previews = new WeakMap<object, Promise<BoundSubject>>()

/** The caller's own subject, bound (the ceiling of a preview; the subject otherwise). */
function ownSubjectOf(ctx: Ctx): Promise<BoundSubject> {
  let p = bound.get(ctx.actor)
  const kept = ctx.actor.subject
  const keptVersion = ctx.actor.policyVersion
  if (p === undefined && kept !== undefined && keptVersion !== undefined) {
    const hit = boundSubjects.get(kept)
    if (hit !== undefined && hit.version === keptVersion) {
      p = hit.bound
      bound.set(ctx.actor, p)
    }
  }
  if (p === undefined) {
    p = (async () => {
      const { companyId, userId } = ctx.actor
      const person = ctx.actor.subject
        ? undefined
        : await loadSubject(ctx.db, companyId, userId, ctx.now)
      const subject = ctx.actor.subject ?? person
      // An offboarded or suspended person is nobody's caller (issue 9, defect 1).
      if (subject === undefined || (person !== undefined && person.status !== 'active'))
        throw new AppError('not_authenticated')
      const version =
        ctx.actor.policyVersion ?? person?.policyVersion ?? (await policyVersion(ctx.db, companyId))
      const engine = await ctx.policies.get(companyId, version, () => loadPolicy(ctx.db, companyId))
      return bindSubject(engine, subject)
    })()
    bound.set(ctx.actor, p)
    if (kept !== undefined && keptVersion !== undefined)
      boundSubjects.set(kept, { version: keptVersion, bound: p })
    p.catch(() => {
      bound.delete(ctx.actor)
      if (kept !== undefined) boundSubjects.delete(kept)
    })
  }
  return p
}

/**
 * The caller bound to its policy when that needs no database: bound already, or its subject
 * kept with the policy version whose compiled policy is in this process's cache. Undefined when
 * it would have to read (the caller then goes through subjectOf in a transaction).
 */
export function keptSubject(ctx: Ctx): Promise<BoundSubject> | undefined {
  if (ctx.actor.preview === undefined) return keptOwnSubject(ctx)
  return keptOwnSubject(ctx) === undefined ? undefined : subjectOf(ctx)
}

function keptOwnSubject(ctx: Ctx): Promise<BoundSubject> | undefined {
  const p = bound.get(ctx.actor)
  if (p !== undefined) return p
  const kept = ctx.actor.subject
  const version = ctx.actor.policyVersion
  if (kept === undefined || version === undefined) return undefined
  const hit = boundSubjects.get(kept)
  if (hit !== undefined && hit.version === version) {
    bound.set(ctx.actor, hit.bound)
    return hit.bound
  }
  // the compiled policy of this version is cached: subjectOf binds without reading
  return ctx.policies.version(ctx.actor.companyId) === version ? ownSubjectOf(ctx) : undefined
}

/**
 * After a write inside `ctx`'s transaction changed the company's org tree (a policy import
 * creates and moves units, then writes roles that name them), the caller's later decisions in
 * that transaction are made against the tree as the transaction sees it: the policy is read and
 * compiled again from the transaction and bound to the same subject. It is never put in the
 * shared cache: the transaction may still roll back (a dry run always does).
 */
export function rebindInTransaction(ctx: Ctx): void {
  const before = ownSubjectOf(ctx)
  const p = (async () => {
    const { subject } = await before
    return bindSubject(compilePolicy(await loadPolicy(ctx.db, ctx.actor.companyId)), subject)
  })()
  bound.set(ctx.actor, p)
  p.catch(() => bound.delete(ctx.actor))
}

/**
 * The subject without the records shared with their team (W5): what they hold themselves, and
 * so what they may give. A share is read-only and is never passed on: every delegation check
 * (`canDelegate`) takes the giver through this.
 */
export function withoutShares(s: BoundSubject): BoundSubject {
  const grants = s.subject.grants ?? []
  if (!grants.some(isShareGrant)) return s
  return bindSubject(s.policy, { ...s.subject, grants: grants.filter((g) => !isShareGrant(g)) })
}

/** The decision, without acting on it (for explanations, projections and `me`). */
export async function decisionFor(
  ctx: TenantCtx,
  action: Action,
  resource?: Resource,
): Promise<Decision> {
  return decide(
    await subjectOf(ctx),
    action,
    resource && { companyId: ctx.actor.companyId, ...resource },
    envOf(ctx),
  )
}

/**
 * The decision for another person of the caller's company (`loadSubject`), not the caller: what
 * the engine answers for them under the company's current policy, with their own attributes.
 * Undefined for a person who does not exist or is not active. For routing work to someone (an inbound
 * call to a queue member within their line limit), never to widen what the caller may do.
 */
export async function decisionOfUser(
  ctx: TenantCtx,
  subject: Awaited<ReturnType<typeof loadSubject>>,
  action: Action,
  resource?: Resource,
): Promise<Decision | undefined> {
  if (subject === undefined || subject.status !== 'active') return undefined
  return decisionUnder(ctx, (await subjectOf(ctx)).policy, subject, action, resource)
}

/**
 * decisionOfUser under a policy the caller names (`policyInTransaction`: the policy as a
 * transaction that changed it sees it, or as a caller that is no person, the queue sweep, reads
 * it), not the one the caller was bound to when its request began.
 */
export function decisionUnder(
  ctx: TenantCtx,
  policy: CompiledPolicy,
  subject: Awaited<ReturnType<typeof loadSubject>>,
  action: Action,
  resource?: Resource,
): Decision | undefined {
  if (subject === undefined || subject.status !== 'active') return undefined
  return decide(
    bindSubject(policy, subject),
    action,
    resource && { companyId: ctx.actor.companyId, ...resource },
    envOf(ctx),
  )
}

/**
 * The company's policy as the caller's transaction sees it now. `changedHere` (the transaction
 * changed the policy, and may still roll back): compiled from the transaction and never cached
 * (as rebindInTransaction); otherwise the committed version the transaction reads, through the
 * process's cache.
 */
export async function policyInTransaction(
  tx: TenantCtx,
  changedHere: boolean,
): Promise<CompiledPolicy> {
  const { companyId } = tx.actor
  if (changedHere) return compilePolicy(await loadPolicy(tx.db, companyId))
  const version = await policyVersion(tx.db, companyId)
  return tx.policies.get(companyId, version, () => loadPolicy(tx.db, companyId))
}

/**
 * THE permission gate of the service layer, inside the tenant transaction. Type-level (no
 * record): denied → 403 `forbidden`. On a record: denied → 404 `not_found` when the caller may
 * not even view it (no existence oracle, API.md), else 403 `forbidden`. Allowed → the
 * decision's obligations are enforced (reason, approval, limits, access audit) before it returns.
 */
export async function authorize(
  ctx: TenantCtx,
  action: Action,
  resource?: Resource,
  gate?: GateOptions,
): Promise<Decision> {
  const me = await subjectOf(ctx)
  const env = envOf(ctx)
  const res = resource && { companyId: ctx.actor.companyId, ...resource }
  const d = decide(me, action, res, env)
  if (d.allowed) {
    await enforceObligations(ctx, action, d, res, me.policy.timeZone, gate)
    return d
  }
  if (res === undefined) throw new AppError('forbidden', `not allowed: ${action} (${d.reason})`)
  const view = `${res.type}.view` as Action
  const visible = action !== view && decide(me, view, res, env).allowed
  throw visible
    ? new AppError('forbidden', `not allowed: ${action} (${d.reason})`)
    : new AppError('not_found')
}

/** The list filter for `action` on a type: feed it to db/authz-filter's `authzFilter`. */
export async function listPlan(ctx: TenantCtx, action: Action): Promise<Plan> {
  return planFilter(await subjectOf(ctx), action, envOf(ctx))
}

export function resourceRef(type: ResourceType, id: string, attrs: Resource['attrs']): Resource {
  return { type, id, ...(attrs ? { attrs } : {}) }
}
