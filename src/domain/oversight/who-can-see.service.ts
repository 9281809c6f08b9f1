import {
  bindSubject,
  explain,
  isAction,
  resourceOf,
  type Action,
  type FieldLevel,
  type ReasonCode,
  type RuleRef,
} from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { authorize, envOf, isShareGrant, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { blacklistRecords } from '../blacklist/index.js'
import { callRecords, recordingRecords } from '../calls/index.js'
import { campaignRecords } from '../campaigns/index.js'
import { inCompany, type Ctx } from '../context.js'
import { customerRecords } from '../customers/index.js'
import { dialerRecords } from '../dialers/index.js'
import { ivrMenuRecords } from '../ivr-menus/index.js'
import { numberPoolRecords } from '../number-pools/index.js'
import { qaEvaluationRecords } from '../qa/index.js'
import { queueRecords } from '../queues/index.js'
import { contractRecords, leadRecords, opportunityRecords, quoteRecords } from '../sales/index.js'
import { shiftRecords } from '../schedules/index.js'
import { scriptRecords } from '../scripts/index.js'
import { ticketRecords, ticketReplyRecords } from '../tickets/index.js'
import { userRecords, visiblePeople } from '../users/index.js'

/**
 * The record types an access review answers for: every type read through the seam
 * (domain/seam), so the record is found and described to the engine exactly as a read of it is.
 */
const seams = Object.fromEntries(
  [
    blacklistRecords,
    callRecords,
    campaignRecords,
    contractRecords,
    customerRecords,
    dialerRecords,
    ivrMenuRecords,
    leadRecords,
    numberPoolRecords,
    opportunityRecords,
    qaEvaluationRecords,
    queueRecords,
    quoteRecords,
    recordingRecords,
    scriptRecords,
    shiftRecords,
    ticketRecords,
    ticketReplyRecords,
    userRecords,
  ].map((seam) => [seam.spec.type as string, seam as Pick<typeof customerRecords, 'visible'>]),
)

/** The record types `who-can-see` accepts (`type=`). */
export const reviewableTypes: readonly string[] = Object.keys(seams).sort()

/** The permission an access review needs: it reveals who holds what (docs/oversight.md). */
export const REVIEW_ACTION = 'audit.view' satisfies Action

/** Why one person may: a rule that allowed, named. */
export interface AccessReason {
  readonly kind: RuleRef['kind'] | 'share'
  readonly id: string
  /** The role's or group's name, the share's or grant's label. */
  readonly name: string
}

export interface AccessEntry {
  readonly userId: string
  readonly name: string
  readonly effect: 'allow'
  readonly reason: ReasonCode
  /** Fields the person does not read in clear on this record: hidden (absent) or masked. */
  readonly masks: Readonly<Record<string, Extract<FieldLevel, 'hidden' | 'masked'>>>
  /** The rules that allowed it (roles, permission groups, temporary grants, team shares). */
  readonly why: readonly AccessReason[]
  /** Obligations the person meets when they act (a reason asked, an approval, an audit event). */
  readonly reasonRequired: boolean
  readonly approvalRequired: boolean
  readonly audited: boolean
}

export interface WhoCanSee {
  readonly type: string
  readonly id: string
  readonly action: Action
  readonly people: readonly AccessEntry[]
}

const invalid = (path: string, message: string) =>
  new AppError('validation_failed', message, { errors: [{ path, message }] })

/**
 * `GET /authz/who-can-see`: the people of the caller's company (those the caller may view) who
 * may `action` the record, each decided by the engine exactly as their own request would be:
 * the record is found and described by its seam (the same attributes a read gives the engine),
 * each person is the subject their session carries (roles, groups, projects, temporary grants,
 * team shares, read in one statement) bound to the same compiled policy, and the environment is
 * this request's (its time and client address). Suspended and offboarded people are never
 * listed: they are nobody's caller. Needs `audit.view`; the record must be visible to the
 * caller (else 404, as for an id never issued). Audited.
 */
export async function whoCanSee(
  ctx: Ctx,
  query: { type: string; id: string; action?: string | undefined },
): Promise<WhoCanSee> {
  const seam = seams[query.type]
  if (seam === undefined)
    throw invalid('querystring/type', `not a record type with an access review: ${query.type}`)
  const action = query.action ?? `${query.type}.view`
  if (!isAction(action) || resourceOf(action) !== query.type)
    throw invalid('querystring/action', `not an action on ${query.type}: ${action}`)
  return inCompany(ctx, async (tx) => {
    await authorize(tx, REVIEW_ACTION)
    const found = await seam.visible(tx, query.id, `${query.type}.view` as Action)
    if (found === undefined) throw new AppError('not_found', `no such ${query.type}`)
    const me = await subjectOf(tx)
    const env = envOf(tx)
    const resource = { companyId: tx.actor.companyId, ...found.resource }
    const names = nameOf(me.policy.policy)
    const people: AccessEntry[] = []
    for (const person of await visiblePeople(tx)) {
      if (person.status !== 'active') continue
      const d = explain(bindSubject(me.policy, person), action, resource, env)
      if (!d.allowed) continue
      const masks: Record<string, 'hidden' | 'masked'> = {}
      for (const [field, level] of Object.entries(d.obligations.fields))
        if (level === 'hidden' || level === 'masked') masks[field] = level
      const grants = person.grants ?? []
      people.push({
        userId: person.id,
        name: person.name,
        effect: 'allow',
        reason: d.reason,
        masks,
        why: d.matched.map((rule) => names(rule, grants)),
        reasonRequired: d.obligations.reasonRequired,
        approvalRequired: d.obligations.approvalRequired,
        audited: d.obligations.audit,
      })
    }
    await recordAudit(tx, {
      action: 'access.reviewed',
      targetType: query.type,
      targetId: query.id,
      after: { action, people: people.map((p) => p.userId) },
    })
    return { type: query.type, id: query.id, action, people }
  })
}

/** A matched rule, named: a role or group by its name, a grant by its label (a share is one). */
function nameOf(policy: {
  roles: readonly { id: string; name: string }[]
  groups?: readonly { id: string; name: string }[]
}) {
  return (rule: RuleRef, grants: readonly { id?: string; label?: string }[]): AccessReason => {
    if (rule.kind === 'role')
      return {
        kind: 'role',
        id: rule.id,
        name: policy.roles.find((r) => r.id === rule.id)?.name ?? rule.id,
      }
    if (rule.kind === 'group')
      return {
        kind: 'group',
        id: rule.id,
        name: (policy.groups ?? []).find((g) => g.id === rule.id)?.name ?? rule.id,
      }
    const label = rule.label ?? grants.find((g) => g.id === rule.id)?.label ?? rule.id
    return isShareGrant({ id: rule.id })
      ? { kind: 'share', id: rule.id, name: label }
      : { kind: rule.kind, id: rule.id, name: label }
  }
}
