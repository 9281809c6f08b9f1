import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { GrantRow } from '../roles/roles.table.js'
import type { NamedRoute } from './approvals.js'
import type {
  ApprovalRequestRow,
  ApprovalRequestsTable,
  ApprovalRouteRow,
  ApprovalStepRow,
  ApprovalStepsTable,
} from './approvals.table.js'

// Private to the approvals module (docs/resources.md): rows of `approval_requests` and of
// `grants`, unauthorized. The service decides who may read or change what.

type Db = Kysely<Database>

export interface NewGrantRow {
  readonly userId: string
  readonly definition: Record<string, unknown>
  readonly validFrom: Date
  readonly validUntil: Date
  readonly recordType: string | null
  readonly recordId: string | null
  readonly reason: string
  readonly createdBy: string
  readonly approvalId: string | null
}

export async function insertGrantRow(
  db: Db,
  companyId: string,
  g: NewGrantRow,
  now: Date,
): Promise<GrantRow> {
  return db
    .insertInto('grants')
    .values({
      id: randomUUID(),
      company_id: companyId,
      user_id: g.userId,
      definition: JSON.stringify(g.definition),
      valid_from: g.validFrom,
      valid_until: g.validUntil,
      record_type: g.recordType,
      record_id: g.recordId,
      reason: g.reason,
      created_by: g.createdBy,
      created_at: now,
      revoked_at: null,
      approval_id: g.approvalId,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function findGrantRow(
  db: Db,
  companyId: string,
  id: string,
  lock = false,
): Promise<GrantRow | undefined> {
  let q = db
    .selectFrom('grants')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
  if (lock) q = q.forUpdate()
  return q.executeTakeFirst()
}

/** Ends a grant now; undefined when it was revoked already (by someone at the same moment). */
export async function revokeGrantRow(
  db: Db,
  companyId: string,
  id: string,
  by: string,
  now: Date,
): Promise<GrantRow | undefined> {
  return db
    .updateTable('grants')
    .set({ revoked_at: now, revoked_by: by })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}

/** A person's grants by id; `current`: not revoked and not ended at `now` (upcoming included). */
export async function listGrantRows(
  db: Db,
  companyId: string,
  userId: string | undefined,
  options: { current: boolean; now: Date; after?: string | undefined; limit: number },
): Promise<GrantRow[]> {
  let q = db.selectFrom('grants').selectAll().where('company_id', '=', companyId)
  if (userId !== undefined) q = q.where('user_id', '=', userId)
  if (options.current) q = q.where('revoked_at', 'is', null).where('valid_until', '>', options.now)
  if (options.after !== undefined) q = q.where('id', '>', options.after)
  return q.orderBy('id').limit(options.limit).execute()
}

export interface NewRequestRow {
  readonly type: ApprovalRequestsTable['type']
  readonly requesterId: string
  readonly orgUnitId: string | null
  /** W2: the steps, resolved; the request waits for the first. */
  readonly steps: readonly ApprovalRequestsTable['route'][]
  readonly payload: Record<string, unknown>
  readonly reason: string
  readonly expiresAt: Date
}

export async function insertRequest(
  db: Db,
  companyId: string,
  r: NewRequestRow,
  now: Date,
): Promise<ApprovalRequestRow> {
  return db
    .insertInto('approval_requests')
    .values({
      id: randomUUID(),
      company_id: companyId,
      type: r.type,
      requester_id: r.requesterId,
      org_unit_id: r.orgUnitId,
      route: r.steps[0] as ApprovalRequestsTable['route'],
      steps: [...r.steps],
      step: 0,
      payload: JSON.stringify(r.payload),
      reason: r.reason,
      status: 'pending',
      expires_at: r.expiresAt,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** The request row; `lock` takes its row lock until the transaction ends (deciding). */
export async function findRequest(
  db: Db,
  companyId: string,
  id: string,
  lock = false,
): Promise<ApprovalRequestRow | undefined> {
  let q = db
    .selectFrom('approval_requests')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('id', '=', id)
  if (lock) q = q.forUpdate()
  return q.executeTakeFirst()
}

/**
 * Closes a pending, unexpired request: the one conditional write every decision goes through.
 * Undefined when it was no longer pending (decided or cancelled meanwhile) or had expired.
 */
export async function closeRequest(
  db: Db,
  companyId: string,
  id: string,
  change: {
    status: 'approved' | 'rejected' | 'cancelled'
    decidedBy: string | null
    decisionReason: string | null
    grantId: string | null
    /** What an approved change did (W3 effect requests). */
    effect?: Record<string, unknown> | null
  },
  now: Date,
): Promise<ApprovalRequestRow | undefined> {
  return db
    .updateTable('approval_requests')
    .set({
      status: change.status,
      decided_by: change.decidedBy,
      decided_at: now,
      decision_reason: change.decisionReason,
      grant_id: change.grantId,
      effect: change.effect == null ? null : JSON.stringify(change.effect),
    })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst()
}

/**
 * W2: moves a pending, unexpired request from step `from` to the next one (`route`), after the
 * row lock; undefined when it was no longer at that step (decided meanwhile).
 */
export async function advanceRequest(
  db: Db,
  companyId: string,
  id: string,
  from: number,
  route: ApprovalRequestsTable['route'],
  now: Date,
): Promise<ApprovalRequestRow | undefined> {
  return db
    .updateTable('approval_requests')
    .set({ step: from + 1, route })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('step', '=', from)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst()
}

/** W2: one decided step (its keys refuse a second decision of it, and a second step by one person). */
export async function insertStep(
  db: Db,
  companyId: string,
  s: Omit<ApprovalStepsTable, 'company_id'>,
): Promise<void> {
  await db
    .insertInto('approval_steps')
    .values({ ...s, company_id: companyId })
    .execute()
}

/** The decided steps of these requests, by request and step. */
export async function stepRows(
  db: Db,
  companyId: string,
  approvalIds: readonly string[],
): Promise<ApprovalStepRow[]> {
  if (approvalIds.length === 0) return []
  return db
    .selectFrom('approval_steps')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('approval_id', 'in', [...approvalIds])
    .orderBy('approval_id')
    .orderBy('step')
    .execute()
}

export async function routeRows(db: Db, companyId: string): Promise<ApprovalRouteRow[]> {
  return db
    .selectFrom('approval_routes')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('type')
    .execute()
}

export async function routeRow(
  db: Db,
  companyId: string,
  type: ApprovalRouteRow['type'],
  lock = false,
): Promise<ApprovalRouteRow | undefined> {
  let q = db
    .selectFrom('approval_routes')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('type', '=', type)
  if (lock) q = q.forUpdate()
  return q.executeTakeFirst()
}

export async function upsertRoute(
  db: Db,
  companyId: string,
  r: Omit<ApprovalRouteRow, 'company_id'>,
): Promise<ApprovalRouteRow> {
  const values = { ...r, company_id: companyId, steps: [...r.steps] }
  return db
    .insertInto('approval_routes')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['company_id', 'type']).doUpdateSet({
        steps: values.steps,
        updated_by: values.updated_by,
        updated_at: values.updated_at,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function deleteRoute(
  db: Db,
  companyId: string,
  type: ApprovalRouteRow['type'],
): Promise<boolean> {
  const res = await db
    .deleteFrom('approval_routes')
    .where('company_id', '=', companyId)
    .where('type', '=', type)
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}

/** The open (pending) `scriptChange` requests of one script version, locked, by id. */
export async function openScriptRequests(
  db: Db,
  companyId: string,
  scriptId: string,
): Promise<ApprovalRequestRow[]> {
  return db
    .selectFrom('approval_requests')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('type', '=', 'scriptChange')
    .where('status', '=', 'pending')
    .where(sql<string>`payload->>'scriptId'`, '=', scriptId)
    .orderBy('id')
    .forUpdate()
    .execute()
}

/**
 * Issue 11: the `scriptChange` requests that expired undecided while their version is still
 * pending (stored `pending`, past `expires_at`), oldest first, locked.
 */
export async function expiredScriptRequests(
  db: Db,
  companyId: string,
  now: Date,
): Promise<(ApprovalRequestRow & { script_submitted_at: Date | null })[]> {
  return db
    .selectFrom('approval_requests')
    .innerJoin('scripts', (join) =>
      join
        .onRef('scripts.company_id', '=', 'approval_requests.company_id')
        .on(
          sql<string>`scripts.id::text`,
          '=',
          sql<string>`approval_requests.payload->>'scriptId'`,
        ),
    )
    .selectAll('approval_requests')
    .select('scripts.submitted_at as script_submitted_at')
    .where('approval_requests.company_id', '=', companyId)
    .where('approval_requests.type', '=', 'scriptChange')
    .where('approval_requests.status', '=', 'pending')
    .where('approval_requests.expires_at', '<=', now)
    .where('scripts.status', '=', 'pending')
    .orderBy('approval_requests.id')
    .modifyEnd(sql`for update of approval_requests`)
    .execute()
}

export async function listRequestRows(
  db: Db,
  companyId: string,
  filter:
    | { kind: 'mine'; requesterId: string }
    | {
        kind: 'to-decide'
        deciderId: string
        /** the decider's unit when they are a lead there; null when they are no lead */
        leadOf: string | null
        admin: boolean
        /** may the decider publish some script (`script.approve` not denied outright)? */
        publisher: boolean
        /** issue 11: the routes naming the decider (`user:<id>`, `role:<id>` of their roles) */
        named: NamedRoute[]
        now: Date
      },
  page: { after?: string | undefined; limit: number },
): Promise<ApprovalRequestRow[]> {
  let q = db.selectFrom('approval_requests').selectAll().where('company_id', '=', companyId)
  if (filter.kind === 'mine') q = q.where('requester_id', '=', filter.requesterId)
  else {
    const { leadOf, admin, publisher, deciderId } = filter
    q = q
      .where('status', '=', 'pending')
      .where('expires_at', '>', filter.now)
      .where('requester_id', '<>', deciderId)
      .where((eb) =>
        eb.or([
          ...(admin ? [eb('route', 'in', ['lead', 'admin'])] : []),
          ...(leadOf !== null
            ? [eb.and([eb('route', '=', 'lead'), eb('org_unit_id', '=', leadOf)])]
            : []),
          ...(publisher ? [eb('route', '=', 'publisher')] : []),
          ...(filter.named.length > 0 ? [eb('route', 'in', filter.named)] : []),
          eb.lit(false),
        ]),
      )
      // W2: nobody decides two steps of one request
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('approval_steps as s')
              .select(sql<number>`1`.as('one'))
              .whereRef('s.company_id', '=', 'approval_requests.company_id')
              .whereRef('s.approval_id', '=', 'approval_requests.id')
              .where('s.decided_by', '=', deciderId),
          ),
        ),
      )
  }
  if (page.after !== undefined) q = q.where('id', '>', page.after)
  return q.orderBy('id').limit(page.limit).execute()
}

/** Does the unit have an active team lead other than `except`? (W1 routing) */
export async function unitHasLead(
  db: Db,
  companyId: string,
  orgUnitId: string,
  except: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select(sql<number>`1`.as('one'))
    .where('company_id', '=', companyId)
    .where('org_unit_id', '=', orgUnitId)
    .where('level', '=', 'lead')
    .where('status', '=', 'active')
    .where('id', '<>', except)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** A person's level, unit and status, as stored now (routing and deciding read them fresh). */
export async function personRow(db: Db, companyId: string, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'level', 'org_unit_id', 'status'])
    .where('company_id', '=', companyId)
    .where('id', '=', userId)
    .executeTakeFirst()
}

/** The requests of `requesterId` still open at `now` (pending, not expired), locked, by id. */
export async function openRequestRowsOf(
  db: Db,
  companyId: string,
  requesterId: string,
  now: Date,
): Promise<ApprovalRequestRow[]> {
  return db
    .selectFrom('approval_requests')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('requester_id', '=', requesterId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .orderBy('id')
    .forUpdate()
    .execute()
}

/** Issue 11: the ids of the roles `userId` holds (a `role:<id>` step's approvers). */
export async function roleIdsOf(db: Db, companyId: string, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('user_roles')
    .select('role_id')
    .where('company_id', '=', companyId)
    .where('user_id', '=', userId)
    .execute()
  return rows.map((r) => r.role_id)
}

/** Issue 11: does the company have this role / this person (a named step's validation)? */
export async function namedExists(
  db: Db,
  companyId: string,
  kind: 'role' | 'user',
  id: string,
): Promise<boolean> {
  const row =
    kind === 'role'
      ? await db
          .selectFrom('roles')
          .select('id')
          .where('company_id', '=', companyId)
          .where('id', '=', id)
          .executeTakeFirst()
      : await db
          .selectFrom('users')
          .select('id')
          .where('company_id', '=', companyId)
          .where('id', '=', id)
          .executeTakeFirst()
  return row !== undefined
}
