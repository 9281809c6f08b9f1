import {
  bindSubject,
  catalog,
  decide,
  effectivePermissions,
  explain,
  fieldLevels,
  isAction,
  reasonCodes,
  resourceOf,
  type Action,
  type BoundSubject,
  type Decision,
  type EffectivePermission,
  type Env,
  type Explanation,
  type Resource,
  type ResourceType,
  type Scope,
} from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { inCompany, type Ctx, type Preview, type TenantCtx } from '../context.js'
import { authorize, envOf, keptSubject, subjectOf } from './authorize.js'
import { isShareGrant, loadSubject, type LoadedSubject } from './policy.repo.js'

/** One question of the decision API: may `userId` (default: the caller) do `action` to `resource`? */
export interface CheckRequest {
  readonly userId?: string | undefined
  readonly action: string
  readonly resource?:
    | {
        readonly type: string
        readonly id?: string | undefined
        readonly attrs?: Resource['attrs']
      }
    | undefined
}

function parse(
  req: CheckRequest,
  path: string,
): { action: Action; resource: Resource | undefined } {
  if (!isAction(req.action)) {
    throw new AppError('validation_failed', 'unknown action', {
      errors: [{ path: `${path}/action`, message: `unknown action ${req.action}` }],
    })
  }
  const r = req.resource
  if (r === undefined) return { action: req.action, resource: undefined }
  if (r.type !== resourceOf(req.action)) {
    throw new AppError('validation_failed', 'the resource type does not match the action', {
      errors: [
        {
          path: `${path}/resource/type`,
          message: `${req.action} applies to ${resourceOf(req.action)}`,
        },
      ],
    })
  }
  return {
    action: req.action,
    resource: {
      type: r.type as ResourceType,
      ...(r.id ? { id: r.id } : {}),
      ...(r.attrs ? { attrs: r.attrs } : {}),
    },
  }
}

/** Why the decision API denied, beyond the engine's own reasons. */
export const apiReasonCodes = {
  subject_inactive:
    'the person asked about is suspended or offboarded: nothing is allowed to them (issue 9)',
} as const

/** A decision as the decision API answers it: the engine's, or a denial of its own. */
export type ApiDecision = Omit<Decision, 'reason'> & {
  readonly reason: Decision['reason'] | keyof typeof apiReasonCodes
}
export type ApiExplanation = Omit<Explanation, 'reason'> & {
  readonly reason: ApiDecision['reason']
}

const noObligations: Decision['obligations'] = {
  fields: {},
  audit: false,
  reasonRequired: false,
  approvalRequired: false,
}

/** The answer about an offboarded or suspended person, whatever the question. */
const inactive: ApiDecision = {
  allowed: false,
  reason: 'subject_inactive',
  matched: [],
  obligations: noObligations,
}

/**
 * Who "the caller" is in a question: in a preview (G4) the subject previewed (whose answers are
 * bounded by the caller's own), otherwise the caller.
 */
function selfOf(ctx: Ctx, me: BoundSubject): string {
  return ctx.actor.preview === undefined ? ctx.actor.userId : me.subject.id
}

/** Who a question is about: a person bound to the policy, or one who is not active. */
type Asked = BoundSubject | typeof inactive

/** Whether `user.view` on the person asked about lets the caller know they exist. */
function mayView(me: BoundSubject, subject: LoadedSubject, env: Env): boolean {
  return decide(
    me,
    'user.view',
    {
      type: 'user',
      id: subject.id,
      companyId: subject.companyId,
      attrs: { id: subject.id, orgUnitId: subject.orgUnitId ?? null },
    },
    env,
  ).allowed
}

function noSuchUser(path: string): AppError {
  return new AppError('not_found', 'no such user', {
    errors: [{ path: `${path}/subject/userId`, message: 'no such user' }],
  })
}

/**
 * The subject a question is about. Asking about someone else needs `user.view` on them and
 * `role.view` (you learn their permissions); a user you may not see is not found. A person who
 * is not active (suspended, offboarded) is asked about like anyone else, and denied everything.
 */
async function subjectFor(tx: TenantCtx, userId: string | undefined, path: string): Promise<Asked> {
  const me = await subjectOf(tx)
  if (userId === undefined || userId === selfOf(tx, me)) return me
  const subject = await loadSubject(tx.db, tx.actor.companyId, userId, tx.now)
  if (subject === undefined || !mayView(me, subject, envOf(tx))) throw noSuchUser(path)
  tx.callers?.putSubject(subject)
  await authorize(tx, 'role.view')
  return subject.status === 'active' ? bindSubject(me.policy, subject) : inactive
}

function decideFor(asked: Asked, p: Parsed, companyId: string, env: Env): ApiDecision {
  if (!('policy' in asked)) return asked
  return decide(asked, p.action, p.resource && { companyId, ...p.resource }, env)
}

type Parsed = ReturnType<typeof parse>

/**
 * The hot path: every question answered from memory (the caller kept with its policy, every
 * person asked about kept under the counters the caller was resumed with), no database at all.
 * Undefined when anything would need a read, or when `role.view` carries an obligation that
 * must be enforced in a transaction: then the questions go through checkAccess's transaction.
 * The answers and errors are the same either way.
 */
async function decideInMemory(
  ctx: Ctx,
  requests: readonly CheckRequest[],
  parsed: readonly Parsed[],
): Promise<ApiDecision[] | undefined> {
  const { actor, callers } = ctx
  if (callers === undefined || actor.policyVersion === undefined) return undefined
  if (actor.subjectVersion === undefined) return undefined
  const versions = { policy: actor.policyVersion, subject: actor.subjectVersion }
  const kept = keptSubject(ctx)
  if (kept === undefined) return undefined
  const me = await kept
  const env = envOf(ctx)
  const asked: Asked[] = []
  for (const [i, r] of requests.entries()) {
    if (r.userId === undefined || r.userId === selfOf(ctx, me)) {
      asked.push(me)
      continue
    }
    const subject = callers.subject(actor.companyId, r.userId, versions)
    if (subject === undefined) return undefined
    if (!mayView(me, subject, env)) throw noSuchUser(`body/checks/${i}`)
    const roleView = decide(me, 'role.view', undefined, env)
    if (!roleView.allowed)
      throw new AppError('forbidden', `not allowed: role.view (${roleView.reason})`)
    const o = roleView.obligations
    if (o.audit || o.reasonRequired || o.approvalRequired || o.limits !== undefined)
      return undefined
    asked.push(subject.status === 'active' ? bindSubject(me.policy, subject) : inactive)
  }
  return parsed.map((p, i) => decideFor(asked[i] as Asked, p, actor.companyId, env))
}

/** `POST /authz/check`: decisions for one or many questions, in order. Records are the caller's. */
export async function checkAccess(
  ctx: Ctx,
  requests: readonly CheckRequest[],
): Promise<ApiDecision[]> {
  const parsed = requests.map((r, i) => parse(r, `body/checks/${i}`))
  const fast = await decideInMemory(ctx, requests, parsed)
  if (fast !== undefined) return fast
  return inCompany(ctx, async (tx) => {
    const out: ApiDecision[] = []
    for (const [i, r] of requests.entries()) {
      const s = await subjectFor(tx, r.userId, `body/checks/${i}`)
      out.push(decideFor(s, parsed[i] as Parsed, tx.actor.companyId, envOf(tx)))
    }
    return out
  })
}

/** `POST /authz/explain`: the same evaluation with every rule considered. */
export async function explainAccess(ctx: Ctx, request: CheckRequest): Promise<ApiExplanation> {
  return inCompany(ctx, async (tx) => {
    const p = parse(request, 'body')
    const s = await subjectFor(tx, request.userId, 'body')
    if (!('policy' in s)) return { ...s, action: p.action, trace: [] }
    return explain(
      s,
      p.action,
      p.resource && { companyId: tx.actor.companyId, ...p.resource },
      envOf(tx),
    )
  })
}

export interface Me {
  /** Set when the caller is an API key (then `user` is null). */
  readonly apiKeyId: string | null
  /** G10: the session must enrol in MFA before it reaches anything else. */
  readonly mfaEnrolmentRequired: boolean
  /** The caller's company: its sign-in name and the zone its dates, hours and days are in. */
  readonly company: { id: string; name: string; slug: string; timeZone: string }
  readonly user: null | {
    id: string
    companyId: string
    name: string
    email: string
    orgUnitId: string | null
    level: string
    position: string | null
  }
  readonly roles: readonly { id: string; name: string; kind: string }[]
  readonly groups: readonly { id: string; name: string }[]
  readonly grants: readonly {
    id: string
    actions: readonly string[]
    scope: Scope
    validFrom: string
    validUntil: string
  }[]
  readonly permissions: readonly EffectivePermission[]
  readonly policyVersion: string | number
  /**
   * G4: the preview the session has open, or null. Then `roles`, `groups`, `grants` and
   * `permissions` are the preview's (bounded by the caller's own); `user` is still the caller.
   */
  readonly preview: null | {
    kind: 'role' | 'user'
    roleId: string | null
    userId: string | null
    orgUnitId: string | null
    startedAt: string
    expiresAt: string
  }
}

function previewOf(p: Preview | undefined): Me['preview'] {
  if (p === undefined) return null
  return {
    kind: p.roleId !== null ? 'role' : 'user',
    roleId: p.roleId,
    userId: p.userId,
    orgUnitId: p.orgUnitId,
    startedAt: p.startedAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
  }
}

/** `GET /me`: who I am and what I may do now (the console hides what the server would refuse). */
export async function whoAmI(ctx: Ctx): Promise<Me> {
  return inCompany(ctx, async (tx) => {
    const me = await subjectOf(tx)
    const { companyId, userId } = tx.actor
    // the company and the person in one statement (an API key has no person)
    const row = await tx.db
      .selectFrom('companies as c')
      .leftJoin('users as u', (j) => j.onRef('u.company_id', '=', 'c.id').on('u.id', '=', userId))
      .select([
        'c.id as company_id',
        'c.name as company_name',
        'c.slug',
        'c.time_zone',
        'u.id',
        'u.name',
        'u.email',
        'u.org_unit_id',
        'u.level',
        'u.position',
      ])
      .where('c.id', '=', companyId)
      .executeTakeFirstOrThrow()
    const user =
      row.id === null
        ? undefined
        : {
            id: row.id,
            company_id: row.company_id,
            name: row.name as string,
            email: row.email as string,
            org_unit_id: row.org_unit_id,
            level: row.level as string,
            position: row.position,
          }
    if (user === undefined && tx.actor.apiKeyId === undefined)
      throw new AppError('not_authenticated')
    const company = {
      id: row.company_id,
      name: row.company_name,
      slug: row.slug,
      time_zone: row.time_zone,
    }
    const roles = me.policy.policy.roles.filter((r) => me.subject.roles.includes(r.id))
    const groups = (me.policy.policy.groups ?? []).filter((g) =>
      (me.subject.groups ?? []).includes(g.id),
    )
    return {
      apiKeyId: tx.actor.apiKeyId ?? null,
      mfaEnrolmentRequired: tx.actor.mfaEnrolmentRequired ?? false,
      company: {
        id: company.id,
        name: company.name,
        slug: company.slug,
        timeZone: company.time_zone,
      },
      user:
        user === undefined
          ? null
          : {
              id: user.id,
              companyId: user.company_id,
              name: user.name,
              email: user.email,
              orgUnitId: user.org_unit_id,
              level: user.level,
              position: user.position,
            },
      roles: roles.map((r) => ({ id: r.id, name: r.name, kind: r.kind })),
      groups: groups.map((g) => ({ id: g.id, name: g.name })),
      // W1: a subject kept in memory still carries a grant whose end has passed (the engine
      // refuses it by the clock); `me` lists only those not ended at this request's time, and
      // not the records shared with the person's team (W5: the team's, not given to them)
      grants: (me.subject.grants ?? [])
        .filter((g) => g.validUntil > tx.now.getTime() && !isShareGrant(g))
        .map((g) => ({
          id: g.id,
          actions: g.actions,
          scope: g.scope,
          validFrom: new Date(g.validFrom).toISOString(),
          validUntil: new Date(g.validUntil).toISOString(),
        })),
      permissions: effectivePermissions(me, envOf(tx)),
      policyVersion: me.policy.version,
      preview: previewOf(tx.actor.preview),
    }
  })
}

/** `GET /permissions`: the catalog, for editors and other systems. */
export function permissionCatalog() {
  return {
    resources: Object.entries(catalog).map(([type, def]) => ({
      type,
      label: def.label,
      module: def.module,
      actions: def.actions.map((a) => ({
        action: `${type}.${a}`,
        highRisk: ((def as { highRisk?: readonly string[] }).highRisk ?? []).includes(a),
      })),
      fields: Object.entries(def.fields as Record<string, { sensitivity: string }>).map(
        ([name, f]) => ({ name, sensitivity: f.sensitivity }),
      ),
      scopeAttributes: def.scope as Record<string, string>,
      /** What a condition may read of this type's records (`resource.<name>`), with its kind. */
      attributes: def.attributes as Record<string, string>,
    })),
    scopes: [
      'own',
      'team',
      'subtree',
      'project',
      'company',
      '{ subtree: unitId }',
      '{ record: id }',
    ],
    fieldLevels: [...fieldLevels],
    reasons: Object.entries({ ...reasonCodes, ...apiReasonCodes }).map(([code, meaning]) => ({
      code,
      meaning,
    })),
  }
}
