/**
 * W3: the changes an approval applies, rather than a grant it gives — a customer's tags
 * (`customerTags`), numbers added to a pool beyond the day's quota (`poolNumbers`), a customer's
 * contact data filled in or corrected (`dataSupplement`), a script version published
 * (`scriptChange`).
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
 *
 * `dataSupplement`: the fields validated by the customer write's own normaliseCustomer (as
 * `PATCH /customers/{id}`), the customer visible to the requester (404); deciding needs
 * `customer.edit` on the customer, without an approval obligation, with every field editable;
 * approving runs updateCustomerIn as the approver (`customer.updated`, before → after, secrets
 * masked). The values are never compared with the stored ones when asked: a requester who reads
 * an ID number masked must not learn whether a guess equals it.
 *
 * `scriptChange`: asking is submitting (scripts' submitScriptIn: `script.edit` on a draft, which
 * becomes pending in the same transaction); deciding needs `script.approve` on the version and
 * none of its text written by the approver (403 `own_request`, the four-eyes rule); approving
 * publishes it (publishScriptIn, the old published version archived); rejecting or cancelling
 * takes it back to a draft (withdrawScriptIn).
 */
import {
  catalog,
  maskValue,
  uneditableFields,
  type Action,
  type Decision,
  type MaskPattern,
} from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import type { TenantCtx } from '../context.js'
import {
  customerRecords,
  normaliseCustomer,
  updateCustomerIn,
  type CustomerRequest,
} from '../customers/index.js'
import {
  publishScriptIn,
  scriptRecords,
  scriptResource,
  submitScriptIn,
  withdrawScriptIn,
} from '../scripts/index.js'
import { auditSafe } from '../seam/index.js'
import {
  addPoolNumbersIn,
  numberPoolRecords,
  phoneOf,
  poolPhonesAmong,
} from '../number-pools/index.js'
import {
  supplementFields,
  type ApprovalEffect,
  type CustomerTagsPayload,
  type DataSupplementPayload,
  type EffectPayload,
  type EffectType,
  type PoolNumbersPayload,
  type ScriptChangePayload,
  type SupplementField,
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

/** A `dataSupplement` request as asked: the customer and the fields, as PATCH takes them. */
export interface DataSupplementInput {
  readonly customerId: string
  readonly fields: Readonly<Partial<Record<SupplementField, string | null>>> & {
    readonly country?: string | undefined
  }
}

/** A `scriptChange` request as asked: the draft version to submit for publication. */
export interface ScriptChangeInput {
  readonly scriptId: string
}

export type EffectInput =
  | { readonly type: 'customerTags'; readonly payload: CustomerTagsInput }
  | { readonly type: 'poolNumbers'; readonly payload: PoolNumbersInput }
  | { readonly type: 'dataSupplement'; readonly payload: DataSupplementInput }
  | { readonly type: 'scriptChange'; readonly payload: ScriptChangeInput }

/** Where each type names its record and its values in `POST /approvals` (400 / 404 paths). */
export const effectPaths: Record<EffectType, EffectPaths> = {
  customerTags: { record: 'body/payload/customerId', values: 'body/payload/tags' },
  poolNumbers: { record: 'body/payload/poolId', values: 'body/payload/numbers' },
  dataSupplement: { record: 'body/payload/customerId', values: 'body/payload/fields' },
  scriptChange: { record: 'body/payload/scriptId', values: 'body/payload/scriptId' },
}

/** A supplement's payload as shown to someone other than its requester: secrets masked. */
export function maskedSupplement(payload: DataSupplementPayload): DataSupplementPayload {
  return { ...payload, fields: auditSafe('customer', { ...payload.fields }) }
}

/**
 * Issue 11: a supplement's payload as `tx`'s caller (not its requester: an approver, a lead
 * viewing their team's requests) may see it. Secret values (ID number, bank card) are masked as
 * in the audit log, whoever looks; every other value as the caller's own `customer.view`
 * rule on that customer shows the field — in clear where they read it, masked by the field's
 * pattern where they see it masked, masked whole where it is hidden from them or where they may
 * not view the customer at all. Nobody learns a value through a request that they could not read
 * on the record. The masked names are listed in `maskedFields`.
 */
export async function supplementSeenBy(
  tx: TenantCtx,
  payload: DataSupplementPayload,
): Promise<DataSupplementPayload & { maskedFields?: string[] }> {
  const found = await customerRecords.visible(tx, payload.customerId, 'customer.view')
  const levels = found?.decision.obligations.fields ?? {}
  const defs = catalog.customer.fields as Readonly<
    Record<string, { sensitivity: string; mask?: MaskPattern }>
  >
  const whole: MaskPattern = { keepStart: 0, keepEnd: 0 }
  const fields: Record<string, string | null> = {}
  const maskedFields: string[] = []
  for (const [name, value] of Object.entries(payload.fields)) {
    const level = found === undefined ? 'hidden' : levels[name]
    const pattern = defs[name]?.mask ?? whole
    if (value === null || value === undefined) fields[name] = null
    // the floor: a secret value (ID number, bank card) masked for everyone but the requester, as
    // in the audit log, even for a reader of it (reading one is done on the record, audited there)
    else if (defs[name]?.sensitivity === 'secret') fields[name] = maskValue(value, pattern)
    else if (level === undefined || level === 'read' || level === 'edit') fields[name] = value
    else fields[name] = maskValue(value, level === 'masked' ? pattern : whole)
    if (value != null && fields[name] !== value) maskedFields.push(name)
  }
  return { ...payload, fields, ...(maskedFields.length > 0 && { maskedFields }) }
}

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

/** normaliseCustomer's 400 on `body/<field>`, named under `path` instead; the contact fields only. */
function supplementAt(input: DataSupplementInput['fields'], path: string) {
  const { country, ...fields } = input
  const names = Object.keys(fields).filter((k) => fields[k as SupplementField] !== undefined)
  const stray = names.filter((k) => !(supplementFields as readonly string[]).includes(k))
  if (stray.length > 0)
    throw new AppError('validation_failed', 'not a field a data supplement sets', {
      errors: stray.map((f) => ({ path: `${path}/${f}`, message: 'not a contact field' })),
    })
  if (names.length === 0) throw invalid(path, 'name at least one field')
  try {
    const out = normaliseCustomer({
      ...fields,
      ...(country !== undefined && { country }),
    } as CustomerRequest)
    return Object.fromEntries(
      names.map((k) => [k, (out as Record<string, string | null | undefined>)[k] ?? null]),
    ) as DataSupplementPayload['fields']
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'validation_failed') throw error
    const errors: ErrorDetail[] = (error.errors ?? []).map((e) => ({
      ...e,
      path: e.path.replace(/^body/, path),
    }))
    throw new AppError('validation_failed', error.message, { errors })
  }
}

const noSuchCustomer = (path: string) =>
  new AppError('not_found', 'no such customer', {
    errors: [{ path, message: 'no such customer' }],
  })

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
  if (input.type === 'dataSupplement') {
    const fields = supplementAt(input.payload.fields, paths.values)
    const found = await customerRecords.visible(tx, input.payload.customerId, 'customer.view')
    if (found === undefined) throw noSuchCustomer(paths.record)
    return { customerId: found.item.id, fields } satisfies DataSupplementPayload
  }
  if (input.type === 'scriptChange') {
    const script = await submitScriptIn(tx, input.payload.scriptId)
    return {
      scriptId: script.id,
      seriesId: script.seriesId,
      version: script.version,
      title: script.title,
      ...(script.submittedAt !== null && { submittedAt: script.submittedAt.toISOString() }),
    } satisfies ScriptChangePayload
  }
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

/** The record an effect changes, and the action and fields the change needs. */
function targetOf(type: Exclude<EffectType, 'scriptChange'>, payload: EffectPayload) {
  if (type === 'dataSupplement') {
    const p = payload as DataSupplementPayload
    return {
      seam: customerRecords,
      id: p.customerId,
      what: 'customer',
      action: 'customer.edit' as const,
      fields: Object.keys(p.fields),
    }
  }
  return type === 'customerTags'
    ? {
        seam: customerRecords,
        id: (payload as CustomerTagsPayload).customerId,
        what: 'customer',
        action: 'customer.tag' as const,
        fields: ['tags'],
      }
    : {
        seam: numberPoolRecords,
        id: (payload as PoolNumbersPayload).poolId,
        what: 'number pool',
        action: 'numberPool.addNumber' as const,
        fields: ['numbers'],
      }
}

/**
 * W3 for a script: may the caller publish this version, now? `script.approve` on it (else 403
 * `cannot_grant`) and none of its text theirs (403 `own_request`). Approving a version no longer
 * pending (edited back to a draft since) is 409; rejecting it is allowed.
 */
async function checkScriptAuthority(
  tx: TenantCtx,
  payload: ScriptChangePayload,
  verb: 'approve' | 'reject',
  path: string,
): Promise<void> {
  const row = await scriptRecords.findRow(tx, payload.scriptId)
  if (row === undefined) {
    if (verb === 'reject') return
    throw new AppError('conflict', 'the script version no longer exists', {
      errors: [{ path, message: 'the script version no longer exists' }],
    })
  }
  const found = await scriptRecords.visible(tx, payload.scriptId, 'script.approve')
  if (found === undefined) {
    const d = await decisionFor(tx, 'script.approve', scriptResource(scriptRowToItem(row)))
    throw cannotDecide(path, `script.approve: ${d.allowed ? 'denied' : d.reason}`)
  }
  if (found.item.editorIds.includes(tx.actor.userId))
    throw new AppError('own_request', 'you wrote this script version: someone else publishes it')
  if (verb === 'approve' && found.item.status !== 'pending')
    throw new AppError('conflict', `the script version is ${found.item.status} now`, {
      errors: [{ path, message: `the version is ${found.item.status}: reject this request` }],
    })
  // issue 11: the version was changed (and submitted again) since this request: not this text
  const submitted = found.item.submittedAt?.toISOString()
  if (verb === 'approve' && payload.submittedAt !== undefined && submitted !== payload.submittedAt)
    throw new AppError('conflict', 'the script version was changed since this request', {
      errors: [{ path, message: 'the version submitted is not this one: reject this request' }],
    })
}

const scriptRowToItem = (row: {
  id: string
  author_id: string | null
  project_id: string | null
  status: string
}) =>
  ({
    id: row.id,
    authorId: row.author_id,
    projectId: row.project_id,
    status: row.status,
  }) as Parameters<typeof scriptResource>[0]

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
  if (type === 'scriptChange')
    return checkScriptAuthority(tx, payload as ScriptChangePayload, verb, path)
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
  const locked = uneditableFields(d, Object.fromEntries(t.fields.map((f) => [f, true])))
  if (locked.length > 0)
    throw cannotDecide(path, `${t.action}: ${locked.join(', ')} not editable by you`)
}

/** W3: what closing a request without approving it (reject, cancel) undoes: a submission. */
export async function withdrawEffect(
  tx: TenantCtx,
  type: EffectType,
  payload: EffectPayload,
): Promise<void> {
  if (type === 'scriptChange') await withdrawScriptIn(tx, (payload as ScriptChangePayload).scriptId)
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
  if (type === 'dataSupplement') {
    const { customerId, fields } = payload as DataSupplementPayload
    await updateCustomerIn(tx, customerId, { ...fields } as CustomerRequest)
    return { customerId, fields: Object.keys(fields) }
  }
  if (type === 'scriptChange') {
    const { scriptId } = payload as ScriptChangePayload
    const { archivedIds } = await publishScriptIn(tx, scriptId)
    return { scriptId, status: 'published', archivedIds }
  }
  const { poolId, numbers } = payload as PoolNumbersPayload
  const added = await addPoolNumbersIn(tx, poolId, numbers, path)
  return { poolId, numberIds: added.map((n) => n.id) }
}
