/**
 * W1, P8: temporary grants. A grant gives one person chosen actions, on one record or on a data
 * scope, from a start to an end. The engine compares the request's time with the window on every
 * decision (authz/compile.ts), so a grant is in force from its start and ends at the exact end
 * time with no job: a subject kept in memory across requests still carries the grant, and still
 * gets `grant_inactive` for it once the clock has passed its end. Revoking ends it at once
 * (the grants trigger moves the company's subject counter: every process reads the caller again).
 *
 * Giving one is a delegation (authz/delegate.ts): the giver must hold every action, on that
 * record or scope for that person, with fields no more revealing and no obligation dropped.
 * Given directly (`grant.create` on the person: a team lead for their own team) or by an
 * approved request (approvals.service.ts), through the same `giveGrant`.
 */
import {
  bindSubject,
  canDelegate,
  catalog,
  decide,
  isAction,
  PolicyError,
  resourceOf,
  type Action,
  type BoundSubject,
  type FieldLevel,
  type Grant,
  type Resource,
  type ResourceType,
  type TemporaryGrant,
} from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { authorize, envOf, loadSubject, subjectOf, withoutShares } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { customerRecords } from '../customers/index.js'
import { decodeCursor, encodeCursor, type Page, type PageRequest } from '../page.js'
import type { GrantRow } from '../roles/roles.table.js'
import { ticketRecords } from '../tickets/index.js'
import { lockUsers, visibleUser } from '../users/index.js'
import type { GrantScope, GrantSpec, GrantState, TemporaryGrantView } from './approvals.js'
import * as repo from './approvals.repo.js'

/** The longest a temporary grant may last: 30 days. */
export const MAX_GRANT_MS = 30 * 24 * 3600 * 1000

/** How to read a record a grant may be limited to (its attributes, unauthorized). */
const records: Record<string, (tx: TenantCtx, id: string) => Promise<Resource | undefined>> = {
  customer: async (tx, id) => {
    const row = await customerRecords.findRow(tx, id)
    return row && customerRecords.resourceOf(row)
  },
  ticket: async (tx, id) => {
    const row = await ticketRecords.findRow(tx, id)
    return row && ticketRecords.resourceOf(row)
  },
}

const noSuchRecord = (path: string) =>
  new AppError('not_found', 'no such record', { errors: [{ path, message: 'no such record' }] })

/**
 * The record a grant names, as the engine sees it, if `viewer` may view it (404 otherwise: a
 * request never tells whether a record the asker may not see exists).
 */
export async function grantRecord(
  tx: TenantCtx,
  viewer: BoundSubject,
  resource: NonNullable<GrantSpec['resource']>,
  path: string,
): Promise<Resource> {
  const read = records[resource.type]
  const found = read === undefined ? undefined : await read(tx, resource.id)
  const record = found && { ...found, companyId: tx.actor.companyId }
  if (
    record === undefined ||
    !decide(viewer, `${resource.type}.view` as Action, record, envOf(tx)).allowed
  )
    throw noSuchRecord(`${path}/id`)
  return record
}

/**
 * The grant a spec stands for, checked against the catalog (400 naming the path otherwise).
 * Every temporary grant carries the audit obligation (G2): each use is in the audit log. Fields
 * named: those at the levels named, every other field hidden (`'*': 'hidden'`, unless `'*'` is
 * named); none named: every field at the catalog's default level.
 */
export function grantDefinition(spec: GrantSpec, path: string): Grant {
  const errors: ErrorDetail[] = []
  const types = new Set<ResourceType>()
  spec.actions.forEach((a, i) => {
    if (!isAction(a))
      errors.push({ path: `${path}/actions/${i}`, message: `unknown action "${a}"` })
    else {
      types.add(resourceOf(a))
      if (spec.resource && resourceOf(a) !== spec.resource.type)
        errors.push({
          path: `${path}/actions/${i}`,
          message: `not an action on a ${spec.resource.type}`,
        })
    }
  })
  if (new Set(spec.actions).size !== spec.actions.length)
    errors.push({ path: `${path}/actions`, message: 'an action is named twice' })
  if (spec.resource && spec.scope !== undefined)
    errors.push({ path: `${path}/scope`, message: 'a grant on one record takes no scope' })
  for (const field of Object.keys(spec.fields ?? {})) {
    const known =
      field === '*' || [...types].some((t) => Object.hasOwn(catalog[t].fields as object, field))
    if (!known)
      errors.push({
        path: `${path}/fields/${field}`,
        message: 'not a field of the granted actions’ records',
      })
  }
  if (errors.length) throw new AppError('validation_failed', 'the grant is not valid', { errors })
  const scope = spec.resource ? { record: spec.resource.id } : (spec.scope ?? 'own')
  return {
    actions: [...spec.actions],
    scope,
    // a grant that names fields shows those and no other (least privilege): what the person
    // sees of the rest comes from their own rules, and the granter is not asked to hold fields
    // nobody asked for (P4: grants add up, so a hidden field takes nothing away)
    ...(spec.fields !== undefined && Object.keys(spec.fields).length > 0
      ? { fields: { '*': 'hidden', ...spec.fields } }
      : {}),
    audit: true,
  }
}

/** A person of the company as the engine sees them now, bound to the caller's policy. */
export async function boundPerson(tx: TenantCtx, userId: string, path: string) {
  const me = await subjectOf(tx)
  const subject = await loadSubject(tx.db, tx.actor.companyId, userId, tx.now)
  if (subject === undefined)
    throw new AppError('not_found', 'no such user', {
      errors: [{ path, message: 'no such user' }],
    })
  return { bound: bindSubject(me.policy, subject), status: subject.status }
}

/**
 * S7 for grants: `granter` may give `grant` (with its window) to `grantee`, on `record`: 403
 * `cannot_grant` naming each action they could not give, and why.
 */
export function assertCanGive(
  granter: BoundSubject,
  grantee: BoundSubject,
  grant: TemporaryGrant,
  record: Resource | undefined,
  path: string,
): void {
  let violations: readonly { action: string; reason: string }[]
  try {
    // W5: what the granter sees only through a share with their team is not theirs to give
    violations = canDelegate(
      withoutShares(granter),
      grantee,
      grant,
      record ? { record } : {},
    ).violations
  } catch (error) {
    if (error instanceof PolicyError)
      throw new AppError('validation_failed', 'the grant is not valid', {
        errors: error.problems.map((p) => ({ path, message: p.message })),
      })
    throw error
  }
  if (violations.length > 0)
    throw new AppError('cannot_grant', 'you may grant only what you hold', {
      errors: violations.map((v) => ({ path, message: `${v.action}: ${v.reason}` })),
    })
}

export function grantState(row: GrantRow, now: Date): GrantState {
  if (row.revoked_at !== null) return 'revoked'
  if (row.valid_until.getTime() <= now.getTime()) return 'ended'
  if (row.valid_from.getTime() > now.getTime()) return 'upcoming'
  return 'active'
}

export function grantView(row: GrantRow, now: Date): TemporaryGrantView {
  const def = row.definition as unknown as Grant
  const scope = def.scope as GrantScope | { record: string }
  return {
    id: row.id,
    userId: row.user_id,
    actions: [...def.actions],
    scope,
    resource:
      row.record_type !== null && row.record_id !== null
        ? { type: row.record_type, id: row.record_id }
        : null,
    fields: { ...(def.fields ?? {}) } as Record<string, FieldLevel>,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    state: grantState(row, now),
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    approvalId: row.approval_id,
  }
}

const auditView = (v: TemporaryGrantView) => ({
  ...v,
  validFrom: v.validFrom.toISOString(),
  validUntil: v.validUntil.toISOString(),
  createdAt: v.createdAt.toISOString(),
  revokedAt: v.revokedAt?.toISOString() ?? null,
})

/** The engine's view of a grant row as a record (`grant.view`, `grant.revoke` decide on it). */
function grantResource(row: { id: string; user_id: string }, orgUnitId: string | null): Resource {
  return { type: 'grant', id: row.id, attrs: { id: row.id, userId: row.user_id, orgUnitId } }
}

export interface GiveGrant {
  readonly granter: BoundSubject
  readonly grantee: BoundSubject
  readonly spec: GrantSpec
  readonly validFrom: Date
  readonly validUntil: Date
  readonly reason: string
  readonly approvalId: string | null
  /** Where refusals point (`body`, or `body/payload` for a request). */
  readonly path: string
}

/**
 * Gives a temporary grant after the delegation check, and audits it (`grant.created`, with the
 * request it applies when it comes from one). The record is read again here, as it is now. A
 * grant in force now may let the person take calls: those waiting in their queues ring them
 * before the transaction commits (inCompany's `onRightsChanged`; one that starts later, the
 * queue sweep once it has started); the caller locks the grantee's row before the transaction's
 * first audit event (the lock order of queue routing, domain/calls/ring.ts).
 */
export async function giveGrant(tx: TenantCtx, g: GiveGrant): Promise<TemporaryGrantView> {
  const definition = grantDefinition(g.spec, g.path)
  const record = g.spec.resource
    ? await grantRecord(tx, g.granter, g.spec.resource, `${g.path}/resource`)
    : undefined
  const temp: TemporaryGrant = {
    ...definition,
    id: 'new',
    validFrom: g.validFrom.getTime(),
    validUntil: g.validUntil.getTime(),
  }
  assertCanGive(g.granter, g.grantee, temp, record, g.path)
  const row = await repo.insertGrantRow(
    tx.db,
    tx.actor.companyId,
    {
      userId: g.grantee.subject.id,
      definition: definition as unknown as Record<string, unknown>,
      validFrom: g.validFrom,
      validUntil: g.validUntil,
      recordType: g.spec.resource?.type ?? null,
      recordId: g.spec.resource?.id ?? null,
      reason: g.reason,
      createdBy: tx.actor.userId,
      approvalId: g.approvalId,
    },
    tx.now,
  )
  const view = grantView(row, tx.now)
  await recordAudit(tx, {
    action: 'grant.created',
    targetType: 'grant',
    targetId: row.id,
    before: null,
    after: auditView(view),
  })
  return view
}

export interface DirectGrantInput extends GrantSpec {
  readonly userId: string
  readonly startsAt?: Date | undefined
  readonly endsAt: Date
  readonly reason: string
}

/** The window of a grant: it ends after now and after it starts, and lasts at most 30 days. */
export function grantWindow(
  now: Date,
  startsAt: Date | undefined,
  endsAt: Date,
): { validFrom: Date; validUntil: Date } {
  const validFrom = startsAt ?? now
  const errors: ErrorDetail[] = []
  if (endsAt.getTime() <= now.getTime())
    errors.push({ path: 'body/endsAt', message: 'must be in the future' })
  else if (endsAt.getTime() <= validFrom.getTime())
    errors.push({ path: 'body/endsAt', message: 'must be after startsAt' })
  else if (endsAt.getTime() - validFrom.getTime() > MAX_GRANT_MS)
    errors.push({ path: 'body/endsAt', message: 'a temporary grant lasts at most 30 days' })
  if (errors.length) throw new AppError('validation_failed', 'the window is not valid', { errors })
  return { validFrom, validUntil: endsAt }
}

/**
 * `POST /grants`: a grant given directly. `grant.create` on the person (the presets give it to a
 * team lead for their own team), and everything it gives must be the giver's to give.
 */
export async function createTemporaryGrant(
  ctx: Ctx,
  input: DirectGrantInput,
): Promise<TemporaryGrantView> {
  return inCompany(ctx, async (tx) => {
    // the grantee's row before anything is audited (waiting calls are offered to them)
    await lockUsers(tx, [input.userId])
    await authorize(tx, 'grant.create')
    const user = await visibleUser(tx, input.userId, 'body/userId')
    await authorize(
      tx,
      'grant.create',
      { type: 'grant', attrs: { id: null, userId: user.id, orgUnitId: user.orgUnitId } },
      { recorded: true, reason: input.reason },
    )
    if (user.status !== 'active')
      throw new AppError('conflict', 'the person is not active', {
        errors: [{ path: 'body/userId', message: `the person is ${user.status}` }],
      })
    const window = grantWindow(tx.now, input.startsAt, input.endsAt)
    const me = await subjectOf(tx)
    const { bound: grantee } = await boundPerson(tx, user.id, 'body/userId')
    return giveGrant(tx, {
      granter: me,
      grantee,
      spec: input,
      ...window,
      reason: input.reason,
      approvalId: null,
      path: 'body',
    })
  })
}

const noSuchGrant = () =>
  new AppError('not_found', 'no such grant', {
    errors: [{ path: 'params/id', message: 'no such grant' }],
  })

/** May the caller see this grant: their own, or `grant.view` on it (a lead: their team's). */
async function grantVisible(tx: TenantCtx, row: GrantRow): Promise<boolean> {
  if (row.user_id === tx.actor.userId) return true
  const person = await repo.personRow(tx.db, tx.actor.companyId, row.user_id)
  const me = await subjectOf(tx)
  return decide(
    me,
    'grant.view',
    { ...grantResource(row, person?.org_unit_id ?? null), companyId: tx.actor.companyId },
    envOf(tx),
  ).allowed
}

/**
 * `DELETE /grants/{id}`: ends a grant now. `grant.revoke` on it, and (S7) only someone who could
 * give it may take it away; the person it was given to may always give it up.
 */
export async function revokeTemporaryGrant(ctx: Ctx, id: string): Promise<TemporaryGrantView> {
  return inCompany(ctx, async (tx) => {
    const { companyId } = tx.actor
    const row = await repo.findGrantRow(tx.db, companyId, id, true)
    if (row === undefined || !(await grantVisible(tx, row))) throw noSuchGrant()
    const before = grantView(row, tx.now)
    if (before.state === 'revoked' || before.state === 'ended')
      throw new AppError(
        'conflict',
        `the grant has ${before.state === 'ended' ? 'ended' : 'been revoked'}`,
      )
    if (row.user_id !== tx.actor.userId) {
      const person = await repo.personRow(tx.db, companyId, row.user_id)
      await authorize(tx, 'grant.revoke', grantResource(row, person?.org_unit_id ?? null), {
        recorded: true,
      })
      const me = await subjectOf(tx)
      const { bound: holder } = await boundPerson(tx, row.user_id, 'params/id')
      const def = row.definition as unknown as Grant
      const record =
        row.record_type !== null && row.record_id !== null
          ? await records[row.record_type]?.(tx, row.record_id)
          : undefined
      assertCanGive(
        me,
        holder,
        {
          ...def,
          id: row.id,
          validFrom: row.valid_from.getTime(),
          validUntil: row.valid_until.getTime(),
        },
        record && { ...record, companyId },
        'params/id',
      )
    }
    const revoked = await repo.revokeGrantRow(tx.db, companyId, id, tx.actor.userId, tx.now)
    if (revoked === undefined) throw new AppError('conflict', 'the grant has been revoked')
    const after = grantView(revoked, tx.now)
    await recordAudit(tx, {
      action: 'grant.revoked',
      targetType: 'grant',
      targetId: id,
      before: auditView(before),
      after: auditView(after),
    })
    return after
  })
}

export interface GrantListRequest extends PageRequest {
  readonly userId?: string | undefined
  /** `current` (default): not ended nor revoked, upcoming included; `all`: the history too. */
  readonly state?: 'current' | 'all' | undefined
}

/**
 * `GET /grants?userId=`, `GET /users/{id}/grants`: a person's grants — the caller's own, or
 * those `grant.view` lets them see (404 for a person they may not view). Without `userId`: every
 * grant the caller may see.
 */
export async function listTemporaryGrants(
  ctx: Ctx,
  request: GrantListRequest,
  path = 'querystring/userId',
): Promise<Page<TemporaryGrantView>> {
  const after = decodeCursor(request.cursor)
  return inCompany(ctx, async (tx) => {
    if (request.userId !== undefined && request.userId !== tx.actor.userId)
      await visibleUser(tx, request.userId, path)
    const shown: TemporaryGrantView[] = []
    let cursor = after
    let more = false
    // rows the caller may not see are skipped; read on until the page is full
    for (;;) {
      const rows = await repo.listGrantRows(tx.db, tx.actor.companyId, request.userId, {
        current: (request.state ?? 'current') === 'current',
        now: tx.now,
        after: cursor,
        limit: 200,
      })
      for (const row of rows) {
        if (shown.length === request.limit) {
          more = true
          break
        }
        if (await grantVisible(tx, row)) shown.push(grantView(row, tx.now))
        cursor = row.id
      }
      if (more || rows.length < 200) break
    }
    const last = shown.at(-1)
    return { items: shown, nextCursor: more && last ? encodeCursor(last.id) : null }
  })
}

export async function getTemporaryGrant(ctx: Ctx, id: string): Promise<TemporaryGrantView> {
  return inCompany(ctx, async (tx) => {
    const row = await repo.findGrantRow(tx.db, tx.actor.companyId, id)
    if (row === undefined || !(await grantVisible(tx, row))) throw noSuchGrant()
    return grantView(row, tx.now)
  })
}

/**
 * Ends, as the caller and now, every grant of `userId` that is not over (in force or upcoming),
 * each recorded with who ended it and audited `grant.revoked` (`reason` says why: a transfer,
 * an offboarding). The caller's right to take them away (S7) is checked by the caller of this.
 */
export async function revokeGrantsOf(
  tx: TenantCtx,
  userId: string,
  reason: string,
): Promise<string[]> {
  const { companyId } = tx.actor
  const rows = await repo.listGrantRows(tx.db, companyId, userId, {
    current: true,
    now: tx.now,
    limit: 10_000,
  })
  const ended: string[] = []
  for (const row of rows) {
    const revoked = await repo.revokeGrantRow(tx.db, companyId, row.id, tx.actor.userId, tx.now)
    if (revoked === undefined) continue
    ended.push(row.id)
    await recordAudit(tx, {
      action: 'grant.revoked',
      targetType: 'grant',
      targetId: row.id,
      before: auditView(grantView(row, tx.now)),
      after: { ...auditView(grantView(revoked, tx.now)), endedBy: reason },
    })
  }
  return ended
}
