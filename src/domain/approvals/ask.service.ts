/**
 * W3: a write that needs approval opens the request instead of being refused. Where the direct
 * write meets the obligations gate's `approval_required` (a customer's tags: the Marketing
 * preset) or a per-day `quota_exceeded` (a pool's numbers: a team lead's 5 a day, P8), the same
 * transaction opens an approval request for exactly that change — validated as the direct write
 * validates it (effects.ts) — and answers it; nothing else is written (the refused write wrote
 * nothing: the gate refuses before any row or counter). It is automatic, as the HTTP contract
 * says (`202` with `{ approvalRequest }`); the route answers 202, never 200/201, and the body
 * says the change is not made.
 *
 * The write's own refusal stands when no request can be made for it: the caller is an API key
 * (nobody to approve for), the change mixes the tags with other fields (send the tags alone),
 * or the refusal is another one (a concurrent limit, a quota or approval on another action).
 *
 * A script's submission for publication is always a request (`scriptChange`): the version
 * becomes pending and the request waits in the approvers' inbox; `POST /scripts/{id}/publish`
 * approves that request (its current step) for whoever may publish the script.
 */
import { AppError } from '../../errors.js'
import { ApprovalRequiredError, DailyQuotaError, REASON_HEADER } from '../access/obligations.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import {
  customerRecords,
  normaliseCustomer,
  updateCustomerIn,
  type CustomerRequest,
  type CustomerView,
} from '../customers/index.js'
import { addPoolNumbersIn, phoneOf, type PoolNumber } from '../number-pools/index.js'
import { changedFields } from '../seam/index.js'
import {
  publishScriptIn,
  scriptRecords,
  scriptViewIn,
  settleScripts,
  submitScriptIn,
  updateScriptIn,
  type ScriptInput,
  type ScriptView,
  type ScriptWrite,
} from '../scripts/index.js'
import type { ApprovalRequestView } from './approvals.js'
import {
  approveRequestIn,
  closeEditedScriptRequests,
  openEffectRequest,
  openScriptRequestOf,
} from './approvals.service.js'

/** A write's answer: what it did, or the approval request it opened instead (not applied). */
export type Asked<T> =
  | { readonly applied: T; readonly pending?: undefined }
  | { readonly applied?: undefined; readonly pending: ApprovalRequestView }

/** The request's reason: the `x-tessera-reason` header when given, else what was refused. */
function reasonOf(tx: TenantCtx, refused: string): string {
  const given = (tx.meta.reason ?? '').trim()
  if (given.length > 500)
    throw new AppError('validation_failed', 'the reason is too long', {
      errors: [{ path: `header/${REASON_HEADER}`, message: 'at most 500 characters' }],
    })
  return given === '' ? refused : given
}

/**
 * `PATCH /customers/{id}`: the change, or — when the tags need approval (`customer.tag` with
 * `approvalRequired`) and the tags are all that changes — a `customerTags` request for them.
 */
export async function updateCustomerOrAsk(
  ctx: Ctx,
  id: string,
  request: CustomerRequest,
): Promise<Asked<CustomerView>> {
  return inCompany(ctx, async (tx) => {
    try {
      return { applied: await updateCustomerIn(tx, id, request) }
    } catch (error) {
      if (!(error instanceof ApprovalRequiredError) || error.action !== 'customer.tag') throw error
      const patch = normaliseCustomer(request)
      const found = await customerRecords.visible(tx, id, 'customer.view')
      if (found === undefined || patch.tags === undefined) throw error
      const changed = Object.keys(changedFields(found.item, patch as Record<string, unknown>))
      if (changed.some((f) => f !== 'tags'))
        throw new AppError(
          'approval_required',
          'customer.tag needs approval: send the tags alone to ask for it (nothing was changed)',
          {
            errors: changed
              .filter((f) => f !== 'tags')
              .map((f) => ({
                path: `body/${f}`,
                message: 'not with a tag change that needs approval',
              })),
          },
        )
      const pending = await openEffectRequest(
        tx,
        {
          type: 'customerTags',
          payload: { customerId: id, tags: patch.tags },
          reason: reasonOf(tx, `PATCH /customers/${id}: the tag change needs approval`),
        },
        { record: 'params/id', values: 'body/tags' },
      )
      if (pending === undefined) throw error
      return { pending }
    }
  })
}

/**
 * `POST /number-pools/{id}/numbers`: the number added, or — beyond the day's quota of
 * `numberPool.addNumber` — a `poolNumbers` request for it. A concurrent limit stays 429.
 */
export async function addPoolNumberOrAsk(
  ctx: Ctx,
  id: string,
  request: { phone: string; country?: string | undefined },
): Promise<Asked<PoolNumber>> {
  return inCompany(ctx, async (tx) => {
    const phone = phoneOf(request.phone, request.country, 'body/phone')
    try {
      const [added] = await addPoolNumbersIn(tx, id, [phone])
      return { applied: added as PoolNumber }
    } catch (error) {
      if (!(error instanceof DailyQuotaError) || error.action !== 'numberPool.addNumber')
        throw error
      const pending = await openEffectRequest(
        tx,
        {
          type: 'poolNumbers',
          payload: { poolId: id, numbers: [phone] },
          reason: reasonOf(
            tx,
            `POST /number-pools/${id}/numbers: beyond the day's quota (${error.perDay} a day)`,
          ),
        },
        { record: 'params/id', values: 'body/phone', single: true },
      )
      if (pending === undefined) throw error
      return { pending }
    }
  })
}

/**
 * `POST /scripts/{id}/submit`: the draft becomes pending and a `scriptChange` request for its
 * publication is opened, in one transaction. An API key (nobody to approve for) submits as
 * before: the version becomes pending and is published with `/publish`.
 */
export async function submitScriptOrAsk(ctx: Ctx, id: string): Promise<Asked<ScriptView>> {
  return inCompany(ctx, async (tx) => {
    await settleScripts(tx)
    const pending = await openEffectRequest(
      tx,
      {
        type: 'scriptChange',
        payload: { scriptId: id },
        reason: reasonOf(tx, `POST /scripts/${id}/submit: publication needs approval`),
      },
      { record: 'params/id', values: 'params/id' },
    )
    if (pending !== undefined) return { pending }
    return { applied: await scriptViewIn(tx, (await submitScriptIn(tx, id)).id) }
  })
}

/**
 * `POST /scripts/{id}/publish`: approves the version's open `scriptChange` request (its current
 * step, with every check of a decision); the last step publishes it (the version answered), an
 * earlier one moves the request on (the request answered). A caller without `script.approve`
 * on it, or a version with no open request (submitted by an API key, its request expired), is
 * answered by the direct publication's own checks, as before.
 */
export async function publishScriptOrApprove(ctx: Ctx, id: string): Promise<Asked<ScriptView>> {
  return inCompany(ctx, async (tx) => {
    await settleScripts(tx)
    const requestId = await openScriptRequestOf(tx, id)
    const approver = (await scriptRecords.visible(tx, id, 'script.approve')) !== undefined
    if (requestId === undefined || !approver) {
      const { script } = await publishScriptIn(tx, id)
      return { applied: await scriptViewIn(tx, script.id) }
    }
    const decided = await approveRequestIn(tx, requestId)
    if (decided.status !== 'approved') return { pending: decided }
    return { applied: await scriptViewIn(tx, id) }
  })
}

/**
 * `PATCH /scripts/{id}` (issue 11): the edit; when it takes a pending version back to a draft,
 * the version's open `scriptChange` request is closed (cancelled, audited) in the same
 * transaction — nobody approves a text other than the one submitted.
 */
export async function updateScriptAndCloseRequest(
  ctx: Ctx,
  id: string,
  request: ScriptInput,
): Promise<ScriptWrite> {
  return inCompany(ctx, async (tx) => {
    await settleScripts(tx)
    const wasPending = (await scriptRecords.findRow(tx, id))?.status === 'pending'
    const written = await updateScriptIn(tx, id, request)
    const now = await scriptRecords.findRow(tx, id)
    if (wasPending && now?.status === 'draft') await closeEditedScriptRequests(tx, id)
    return written
  })
}
