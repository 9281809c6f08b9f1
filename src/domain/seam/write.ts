/**
 * Writes through the seam: the generic half of "one way to add a resource" (docs/resources.md).
 * A resource's service says WHICH actions a change needs and how its domain object becomes the
 * engine's record; these helpers do the rest the same way for every type:
 * - create: the decision on the record as it would be (its scope attributes included), so a
 *   writer never places a record where they could not have it (a delegation), field rights on
 *   every field set, the obligations gate, then the insert and an audit event;
 * - update: the record read through the seam (404 / 403 as for reads), field rights per action,
 *   the decision on the record as it is AND as it would be (a change that moves a record out of
 *   the writer's scope is a delegation: refused), then the update and a before → after event;
 * - delete: the seam's `get` for `<type>.delete`, then the delete and an event.
 * Audit payloads carry `secret` fields masked (an ID number is never copied into the log in clear).
 */
import {
  catalog,
  maskValue,
  uneditableFields,
  type Action,
  type MaskPattern,
  type Resource,
  type ResourceType,
} from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { authorize, decisionFor } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import type { TenantCtx } from '../context.js'
import type { ResourceSeam } from './define-resource.js'

/** What a write needs of a seam (any table): its type and its authorized `get`. */
type AnySeam<Item extends { id: string }> = {
  readonly spec: { readonly type: ResourceType }
  readonly get: ResourceSeam<ResourceType, 'users', Item>['get']
}

/**
 * `record` for an audit payload: `secret` fields and every field the catalog gives a mask (a
 * customer's phone, email) masked by that pattern. The audit log says what changed; it is not a
 * second copy of personal data for everyone who may read the log.
 */
export function auditSafe<T extends object>(type: ResourceType, record: T): T {
  const defs = catalog[type].fields as Readonly<
    Record<string, { sensitivity: string; mask?: MaskPattern }>
  >
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) }
  for (const [field, def] of Object.entries(defs)) {
    const value = out[field]
    if ((def.sensitivity === 'secret' || def.mask !== undefined) && value != null) {
      out[field] = maskValue(value, def.mask ?? { keepStart: 0, keepEnd: 0 })
    }
  }
  return out as T
}

const refused = (message: string, fields: readonly string[], why: string) =>
  new AppError('forbidden', message, {
    errors: fields.map((f) => ({ path: `body/${f}`, message: why })),
  })

/** The fields of `patch` whose value differs from `before` (undefined = not sent). */
export function changedFields<Item extends object>(
  before: Item,
  patch: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(patch).filter(([key, value]) => {
      if (value === undefined) return false
      const old = (before as Record<string, unknown>)[key]
      return JSON.stringify(old) !== JSON.stringify(value)
    }),
  )
}

/**
 * The database refusing a write, as a problem: a composite foreign key (23503, a reference to a
 * row of another company or one just deleted) → 404 on `paths`, a unique key (23505) → 409.
 */
export function writeProblem(error: unknown, what: string, paths: readonly string[]): unknown {
  const code = (error as { code?: string }).code
  const errors: ErrorDetail[] = paths.map((path) => ({ path, message: 'does not exist' }))
  if (code === '23503') return new AppError('not_found', `${what} does not exist`, { errors })
  if (code === '23505') return new AppError('conflict', `${what} exists`, { cause: error })
  return error
}

export interface CreateThrough<Item extends { id: string }> {
  readonly type: ResourceType
  /** The record to be, as the engine would see it (no id yet). */
  readonly record: Resource
  /** The fields the request sets (their edit rights are checked). */
  readonly fields: readonly string[]
  /** Checks the references the record names (404 with a path), after the type-level check. */
  readonly checkReferences?: () => Promise<void>
  readonly insert: () => Promise<Item>
}

/**
 * Creates a record: `<type>.create` at all (403), the references it names (404), then
 * `<type>.create` on the record as it would be (scope attributes included:
 * a writer creates only where a rule of theirs reaches), every field set editable under that
 * decision, obligations, insert, audit `<type>.created`.
 */
export async function createThrough<Item extends { id: string }>(
  tx: TenantCtx,
  spec: CreateThrough<Item>,
): Promise<Item> {
  const action = `${spec.type}.create` as Action
  await authorize(tx, action)
  await spec.checkReferences?.()
  const decision = await decisionFor(tx, action, spec.record)
  if (!decision.allowed) {
    const scoped = Object.keys(spec.record.attrs ?? {}).filter((a) => spec.fields.includes(a))
    throw refused(
      `not allowed: ${action} with these attributes (${decision.reason})`,
      scoped,
      `you may not create a ${spec.type} with this value`,
    )
  }
  const locked = uneditableFields(decision, Object.fromEntries(spec.fields.map((f) => [f, true])))
  if (locked.length > 0) {
    throw refused(`not allowed to set: ${locked.join(', ')}`, locked, 'you may not set this field')
  }
  try {
    await authorize(tx, action, spec.record, { recorded: true })
  } catch (error) {
    // the record does not exist yet: "not visible" is a refusal, not a missing record
    if (error instanceof AppError && error.code === 'not_found') {
      throw new AppError('forbidden', `not allowed: ${action}`)
    }
    throw error
  }
  const item = await spec.insert()
  await recordAudit(tx, {
    action: `${spec.type}.created`,
    targetType: spec.type,
    targetId: item.id,
    after: auditSafe(spec.type, item),
  })
  return item
}

export interface UpdateThrough<Item extends { id: string }> {
  readonly seam: AnySeam<Item>
  readonly id: string
  readonly missing: () => AppError
  /** The fields the request sends (unchanged ones are dropped). */
  readonly patch: Readonly<Record<string, unknown>>
  /** Which action a changed field needs (e.g. tags → `customer.tag`, the rest `customer.edit`). */
  readonly actionFor: (field: string) => Action
  /** The domain object → the engine's record (the same attributes the seam reads from a row). */
  readonly resourceOf: (item: Item) => Resource
  /** Checks the references the change names (404 with a path) before anything is written. */
  readonly checkReferences?: (changes: Readonly<Record<string, unknown>>) => Promise<void>
  readonly update: (changes: Readonly<Record<string, unknown>>) => Promise<Item | undefined>
  /**
   * The state the caller read and decided on, checked again on the record as read here, before
   * anything else: throws (409) when the record is no longer in it. A workflow move needs it: of
   * two stops of one dialer at once, the second reads `running`, the first commits, and the
   * second's read here finds `idle`; its patch then changes nothing and, unchecked, would answer
   * 200 having written nothing instead of 409 (the conditional UPDATE is never reached).
   */
  readonly expect?: (before: Item) => void
  /**
   * Attributes the action moves by definition (a workflow's state: closing a ticket sets its
   * `status` to closed, which ends the `status ≠ closed` its own grant reads). The decision on
   * the record as it would be is not asked for a change of these alone; it still is for every
   * other attribute that moves (a unit, an owner). Only a service's transition sets this.
   */
  readonly workflow?: readonly string[]
  /**
   * What a change carries with it that the caller does not set (a ticket's customer level when
   * its customer changes): part of the record as it would be, so decided on, and written, but
   * not a field whose edit right is asked. Runs after the record is found (404 first); may
   * refuse a reference it reads (404 with a path).
   */
  readonly derive?: (
    changes: Readonly<Record<string, unknown>>,
  ) => Promise<Readonly<Record<string, unknown>>>
}

/**
 * Changes a record: read through the seam for `<type>.view` (invisible → 404); each action the
 * changed fields need must be allowed on the record as it is (403, obligations applied) with
 * edit rights on its fields, AND on the record as it would be: a change that takes a record
 * out of the writer's reach is a delegation and is refused (403 on the scope fields). Audited
 * before → after; an unchanged patch writes nothing (`expect` first: a workflow move another
 * request made meanwhile is 409, not an empty 200). Returns before and after.
 */
export async function updateThrough<Item extends { id: string }>(
  tx: TenantCtx,
  spec: UpdateThrough<Item>,
): Promise<{ before: Item; after: Item }> {
  const type = spec.seam.spec.type
  const { item: before } = await spec.seam.get(
    tx,
    spec.id,
    `${type}.view` as Action,
    spec.missing,
    {
      recorded: true,
    },
  )
  spec.expect?.(before)
  const changes = changedFields(before, spec.patch)
  const fields = Object.keys(changes)
  if (fields.length === 0) return { before, after: before }
  const byAction = new Map<Action, string[]>()
  for (const f of fields) {
    const action = spec.actionFor(f)
    byAction.set(action, [...(byAction.get(action) ?? []), f])
  }
  const derived = (await spec.derive?.(changes)) ?? {}
  const was = spec.resourceOf(before)
  const will = spec.resourceOf({ ...before, ...changes, ...derived })
  const attrs = Object.keys(will.attrs ?? {})
  const moved = attrs.filter(
    (a) => (was.attrs ?? {})[a] !== (will.attrs ?? {})[a] && !(spec.workflow ?? []).includes(a),
  )
  for (const [action, own] of byAction) {
    const decision = await authorize(tx, action, was, { recorded: true }).catch((error) => {
      if (error instanceof AppError && error.code === 'not_found') throw spec.missing()
      throw error
    })
    const locked = uneditableFields(decision, Object.fromEntries(own.map((f) => [f, true])))
    if (locked.length > 0) {
      throw refused(
        `not allowed to change: ${locked.join(', ')}`,
        locked,
        'you may not change this field',
      )
    }
    if (moved.length > 0 && !(await decisionFor(tx, action, will)).allowed) {
      throw refused(
        `the change would take this ${type} out of your ${action} scope (a delegation)`,
        moved.filter((a) => fields.includes(a)),
        `you may not ${action} a ${type} with this value`,
      )
    }
  }
  await spec.checkReferences?.(changes)
  const after = await spec.update({ ...changes, ...derived })
  if (after === undefined) throw spec.missing()
  await recordAudit(tx, {
    action: `${type}.updated`,
    targetType: type,
    targetId: before.id,
    before: auditSafe(type, before),
    after: auditSafe(type, after),
  })
  return { before, after }
}

/** Deletes a record the caller may `<type>.delete` (404 / 403 as the seam's get), audited. */
export async function deleteThrough<Item extends { id: string }>(
  tx: TenantCtx,
  spec: {
    readonly seam: AnySeam<Item>
    readonly id: string
    readonly missing: () => AppError
    readonly remove: () => Promise<boolean>
  },
): Promise<void> {
  const type = spec.seam.spec.type
  const { item } = await spec.seam.get(tx, spec.id, `${type}.delete` as Action, spec.missing, {
    recorded: true,
  })
  if (!(await spec.remove())) throw spec.missing()
  await recordAudit(tx, {
    action: `${type}.deleted`,
    targetType: type,
    targetId: spec.id,
    before: auditSafe(type, item),
  })
}
