import { fieldLevels, type Env, type FieldLevel, type Scope } from './model.js'
import type { Action } from './catalog.js'
import type { BoundSubject } from './compile.js'
import { decide, effectivePermissions } from './decide.js'

/** One action a subject holds, as a diff compares it: its scopes and field levels. */
interface Held {
  readonly scopes: readonly Scope[]
  readonly conditional: boolean
  readonly fields: Readonly<Record<string, FieldLevel>>
}

/** What changes about one action between two states of a subject. */
export interface PermissionChange {
  readonly action: Action
  /** True when the action as a whole is gained (or lost): before (after) it was not held at all. */
  readonly whole: boolean
  /** Data scopes gained (or lost). */
  readonly scopes: readonly Scope[]
  /** Fields whose level rises (gained) or falls (lost), from → to. */
  readonly fields: readonly { field: string; from: FieldLevel; to: FieldLevel }[]
}

export interface PermissionDiff {
  readonly gained: readonly PermissionChange[]
  readonly lost: readonly PermissionChange[]
}

const rank = (l: FieldLevel) => fieldLevels.indexOf(l)
const key = (s: Scope) => JSON.stringify(s)

/** Every action the subject may take now, with its scopes and type-level field levels. */
function heldBy(s: BoundSubject, env: Env): Map<Action, Held> {
  const out = new Map<Action, Held>()
  for (const p of effectivePermissions(s, env)) {
    const d = decide(s, p.action, undefined, env)
    out.set(p.action, {
      scopes: p.scopes,
      conditional: p.conditional,
      fields: d.obligations.fields,
    })
  }
  return out
}

/** What `to` holds beyond `from` for one action (undefined: nothing). */
function beyond(action: Action, to: Held, from: Held | undefined): PermissionChange | undefined {
  if (from === undefined) return { action, whole: true, scopes: to.scopes, fields: [] }
  const have = new Set(from.scopes.map(key))
  const scopes = to.scopes.filter((s) => !have.has(key(s)))
  const fields: { field: string; from: FieldLevel; to: FieldLevel }[] = []
  for (const [field, level] of Object.entries(to.fields)) {
    const was = from.fields[field] ?? 'hidden'
    if (rank(level) > rank(was)) fields.push({ field, from: was, to: level })
  }
  return scopes.length + fields.length === 0 ? undefined : { action, whole: false, scopes, fields }
}

/**
 * The effective permissions `after` holds that `before` does not (gained), and the reverse
 * (lost): per action, the action itself, a data scope, or a field's level (P4). Both subjects
 * are the same person bound to two policies (the company as it is, and with a change), so
 * this is what the change would give and take from them. A field level lost is reported with
 * from → to the other way round (edit → read).
 * @example
 * permissionDiff(bindSubject(now, p), bindSubject(proposed, p), { now: Date.now() })
 * // { gained: [{ action: 'customer.export', whole: true, scopes: ['team'], fields: [] }], lost: [] }
 */
export function permissionDiff(
  before: BoundSubject,
  after: BoundSubject,
  env: Env,
): PermissionDiff {
  const was = heldBy(before, env)
  const will = heldBy(after, env)
  const gained: PermissionChange[] = []
  const lost: PermissionChange[] = []
  for (const [action, held] of will) {
    const c = beyond(action, held, was.get(action))
    if (c !== undefined) gained.push(c)
  }
  for (const [action, held] of was) {
    const c = beyond(action, held, will.get(action))
    if (c !== undefined)
      lost.push({ ...c, fields: c.fields.map((f) => ({ field: f.field, from: f.to, to: f.from })) })
  }
  const byAction = (a: PermissionChange, b: PermissionChange) => a.action.localeCompare(b.action)
  return { gained: gained.sort(byAction), lost: lost.sort(byAction) }
}
