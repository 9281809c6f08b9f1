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
  type Explanation,
  type Resource,
  type ResourceType,
} from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { authorize, envOf, subjectOf } from './authorize.js'
import { loadSubject } from './policy.repo.js'

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

/**
 * The subject a question is about. Asking about someone else needs `user.view` on them and
 * `role.view` (you learn their permissions); a user you may not see is not found.
 */
async function subjectFor(
  tx: TenantCtx,
  userId: string | undefined,
  path: string,
): Promise<BoundSubject> {
  const me = await subjectOf(tx)
  if (userId === undefined || userId === tx.actor.userId) return me
  const subject = await loadSubject(tx.db, tx.actor.companyId, userId, tx.now)
  const visible =
    subject !== undefined &&
    decide(
      me,
      'user.view',
      {
        type: 'user',
        id: userId,
        companyId: tx.actor.companyId,
        attrs: { id: userId, orgUnitId: subject.orgUnitId ?? null },
      },
      envOf(tx),
    ).allowed
  if (!visible)
    throw new AppError('not_found', 'no such user', {
      errors: [{ path: `${path}/subject/userId`, message: 'no such user' }],
    })
  await authorize(tx, 'role.view')
  return bindSubject(me.policy, subject)
}

/** `POST /authz/check`: decisions for one or many questions, in order. Records are the caller's. */
export async function checkAccess(
  ctx: Ctx,
  requests: readonly CheckRequest[],
): Promise<Decision[]> {
  return inCompany(ctx, async (tx) => {
    const parsed = requests.map((r, i) => parse(r, `body/checks/${i}`))
    const out: Decision[] = []
    for (const [i, r] of requests.entries()) {
      const s = await subjectFor(tx, r.userId, `body/checks/${i}`)
      const p = parsed[i] as ReturnType<typeof parse>
      out.push(
        decide(
          s,
          p.action,
          p.resource && { companyId: tx.actor.companyId, ...p.resource },
          envOf(tx),
        ),
      )
    }
    return out
  })
}

/** `POST /authz/explain`: the same evaluation with every rule considered. */
export async function explainAccess(ctx: Ctx, request: CheckRequest): Promise<Explanation> {
  return inCompany(ctx, async (tx) => {
    const p = parse(request, 'body')
    const s = await subjectFor(tx, request.userId, 'body')
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
    validFrom: string
    validUntil: string
  }[]
  readonly permissions: readonly EffectivePermission[]
  readonly policyVersion: string | number
}

/** `GET /me`: who I am and what I may do now (the console hides what the server would refuse). */
export async function whoAmI(ctx: Ctx): Promise<Me> {
  return inCompany(ctx, async (tx) => {
    const me = await subjectOf(tx)
    const { companyId, userId } = tx.actor
    const user = await tx.db
      .selectFrom('users')
      .select(['id', 'company_id', 'name', 'email', 'org_unit_id', 'level', 'position'])
      .where('company_id', '=', companyId)
      .where('id', '=', userId)
      .executeTakeFirst()
    if (user === undefined && tx.actor.apiKeyId === undefined)
      throw new AppError('not_authenticated')
    const roles = me.policy.policy.roles.filter((r) => me.subject.roles.includes(r.id))
    const groups = (me.policy.policy.groups ?? []).filter((g) =>
      (me.subject.groups ?? []).includes(g.id),
    )
    return {
      apiKeyId: tx.actor.apiKeyId ?? null,
      mfaEnrolmentRequired: tx.actor.mfaEnrolmentRequired ?? false,
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
      grants: (me.subject.grants ?? []).map((g) => ({
        id: g.id,
        actions: g.actions,
        validFrom: new Date(g.validFrom).toISOString(),
        validUntil: new Date(g.validUntil).toISOString(),
      })),
      permissions: effectivePermissions(me, envOf(tx)),
      policyVersion: me.policy.version,
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
    reasons: Object.entries(reasonCodes).map(([code, meaning]) => ({ code, meaning })),
  }
}
