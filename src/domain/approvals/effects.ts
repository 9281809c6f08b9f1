/**
 * W3: the changes an approval applies, rather than a grant it gives — a customer's tags
 * (`customerTags`) and numbers added to a pool beyond the day's quota (`poolNumbers`).
 *
 * Each type has three steps, each in the transaction of the request that runs it:
 * - `prepareEffect` (when asked, as the requester): the values validated exactly as the direct
 *   write validates them (tags as `PATCH /customers/{id}` does, numbers in E.164), the record
 *   visible to the requester (404 otherwise, as an id never issued), the action itself allowed
 *   to the requester on it with the field editable (403) — the rule that sends the change to an
 *   approval is what lets them ask — and nothing to change already (400, 409);
 * - `checkAuthority` (when deciding, as the approver, writing nothing): the approver could make
 *   that change themselves, now: the record visible, the action allowed WITHOUT the approval
 *   obligation, the field editable; else 403 `cannot_grant` (W2: nobody decides what they could
 *   not do);
 * - `applyEffect` (approving only, as the approver): the direct write's own path
 *   (updateCustomerIn, addPoolNumbersIn), so its field rights, obligations and audit
 *   (`customer.updated` before → after, `numberPool.number_added`) apply; the approver's own
 *   per-day limit on `numberPool.addNumber`, if their rule has one, is spent (one use a number),
 *   and none is when it has none (an admin's).
 */
import { uneditableFields, type Action, type Decision } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import type { TenantCtx } from '../context.js'
import { customerRecords, normaliseCustomer, updateCustomerIn } from '../customers/index.js'
import {
  addPoolNumbersIn,
  numberPoolRecords,
  phoneOf,
  poolPhonesAmong,
} from '../number-pools/index.js'
import type {
  ApprovalEffect,
  CustomerTagsPayload,
  EffectPayload,
  EffectType,
  PoolNumbersPayload,
} from './approvals.js'

/** A `customerTags` request as asked: the customer and the whole list of tags it should have. */
export interface CustomerTagsInput {
  readonly customerId: string
  readonly tags: readonly string[]
}

/** A `poolNumbers` request as asked: numbers in any format (`country` for national ones). */
export interface PoolNumbersInput {
  readonly poolId: string
  readonly numbers: readonly string[]
  readonly country?: string | undefined
}

export type EffectInput =
  | { readonly type: 'customerTags'; readonly payload: CustomerTagsInput }
  | { readonly type: 'poolNumbers'; readonly payload: PoolNumbersInput }

/** Where a request names its record and its values (the paths of a 400 / 404). */
export interface EffectPaths {
  readonly record: string
  readonly values: string
  /** `values` names the one value itself (a direct write's `body/phone`), not a list of them. */
  readonly single?: boolean
}

const invalid = (path: string, message: string) =>
  new AppError('validation_failed', message, { errors: [{ path, message }] })

/** normaliseCustomer's 400 on `body/tags…`, named at `path` instead. */
function tagsAt(tags: readonly string[], path: string): string[] {
  try {
    return [...(normaliseCustomer({ tags: [...tags] }).tags ?? [])]
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error
    const errors: ErrorDetail[] = (error.errors ?? []).map((e) => ({
      ...e,
      path: e.path.replace(/^body\/tags/, path),
    }))
    throw new AppError('validation_failed', error.message, { errors })
  }
}

/** The requester's own right to the change: the action allowed, the field editable (403). */
function mayAsk(decision: Decision, action: Action, field: string, path: string): void {
  if (!decision.allowed)
    throw new AppError('forbidden', `not allowed: ${action} (${decision.reason})`, {
      errors: [{ path, message: `you may not ${action} here, even with an approval` }],
    })
  if (uneditableFields(decision, { [field]: true }).length > 0)
    throw new AppError('forbidden', `not allowed to change: ${field}`, {
      errors: [{ path, message: 'you may not change this field' }],
    })
}

/** Validates a change asked for (as the requester) and answers the payload to store. */
export async function prepareEffect(
  tx: TenantCtx,
  input: EffectInput,
  paths: EffectPaths,
): Promise<EffectPayload> {
  if (input.type === 'customerTags') {
    const tags = tagsAt(input.payload.tags, paths.values)
    const found = await customerRecords.visible(tx, input.payload.customerId, 'customer.view')
    if (found === undefined)
      throw new AppError('not_found', 'no such customer', {
        errors: [{ path: paths.record, message: 'no such customer' }],
      })
    mayAsk(
      await decisionFor(tx, 'customer.tag', found.resource),
      'customer.tag',
      'tags',
      paths.values,
    )
    if (JSON.stringify(found.item.tags) === JSON.stringify(tags))
      throw invalid(paths.values, 'the customer has these tags already: nothing to approve')
    return { customerId: found.item.id, tags } satisfies CustomerTagsPayload
  }
  const { poolId, country } = input.payload
  const at = (i: number) => (paths.single === true ? paths.values : `${paths.values}/${i}`)
  const numbers = input.payload.numbers.map((n, i) => phoneOf(n, country, at(i)))
  if (new Set(numbers).size !== numbers.length) throw invalid(paths.values, 'each number once')
  const found = await numberPoolRecords.visible(tx, poolId, 'numberPool.view')
  if (found === undefined)
    throw new AppError('not_found', 'no such number pool', {
      errors: [{ path: paths.record, message: 'no such number pool' }],
    })
  mayAsk(
    await decisionFor(tx, 'numberPool.addNumber', found.resource),
    'numberPool.addNumber',
    'numbers',
    paths.values,
  )
  const already = new Set(await poolPhonesAmong(tx, poolId, numbers))
  if (already.size > 0)
    throw new AppError('conflict', 'a number is in the pool already', {
      errors: numbers.flatMap((n, i) =>
        already.has(n) ? [{ path: at(i), message: 'in the pool already' }] : [],
      ),
    })
  return { poolId: found.item.id, numbers } satisfies PoolNumbersPayload
}

const cannotDecide = (path: string, message: string) =>
  new AppError('cannot_grant', 'you may approve only a change you could make yourself', {
    errors: [{ path, message }],
  })

/** The record an effect changes, and the action and field the change needs. */
function targetOf(type: EffectType, payload: EffectPayload) {
  return type === 'customerTags'
    ? {
        seam: customerRecords,
        id: (payload as CustomerTagsPayload).customerId,
        what: 'customer',
        action: 'customer.tag' as const,
        field: 'tags',
      }
    : {
        seam: numberPoolRecords,
        id: (payload as PoolNumbersPayload).poolId,
        what: 'number pool',
        action: 'numberPool.addNumber' as const,
        field: 'numbers',
      }
}

/**
 * W2 for a change: could the caller (the approver) make it themselves, now? Writes nothing.
 * 403 `cannot_grant` otherwise. A record deleted since the request: approving is 409, rejecting
 * is allowed (there is nothing left to guard).
 */
export async function checkAuthority(
  tx: TenantCtx,
  type: EffectType,
  payload: EffectPayload,
  verb: 'approve' | 'reject',
  path: string,
): Promise<void> {
  const t = targetOf(type, payload)
  const view = `${t.seam.spec.type}.view` as Action
  if ((await t.seam.findRow(tx, t.id)) === undefined) {
    if (verb === 'reject') return
    throw new AppError('conflict', `the ${t.what} no longer exists`, {
      errors: [{ path, message: `the ${t.what} no longer exists` }],
    })
  }
  const found = await t.seam.visible(tx, t.id, view)
  if (found === undefined) throw cannotDecide(path, `the ${t.what} is not one you may open`)
  const d = await decisionFor(tx, t.action, found.resource)
  if (!d.allowed) throw cannotDecide(path, `${t.action}: ${d.reason}`)
  if (d.obligations.approvalRequired)
    throw cannotDecide(path, `${t.action} needs an approval for you too`)
  if (uneditableFields(d, { [t.field]: true }).length > 0)
    throw cannotDecide(path, `${t.action}: ${t.field} is not editable by you`)
}

/** Applies an approved change as the caller (the approver), in their transaction. */
export async function applyEffect(
  tx: TenantCtx,
  type: EffectType,
  payload: EffectPayload,
  path: string,
): Promise<ApprovalEffect> {
  if (type === 'customerTags') {
    const { customerId, tags } = payload as CustomerTagsPayload
    await updateCustomerIn(tx, customerId, { tags: [...tags] })
    return { customerId, tags }
  }
  const { poolId, numbers } = payload as PoolNumbersPayload
  const added = await addPoolNumbersIn(tx, poolId, numbers, path)
  return { poolId, numberIds: added.map((n) => n.id) }
}
