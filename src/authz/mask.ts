/**
 * Field projection (P4): one function for single reads, lists and exports. Hidden fields are
 * removed, masked fields replaced by their masked string and listed in `maskedFields`.
 */
import { catalog, type MaskPattern, type ResourceType } from './catalog.js'
import type { Decision } from './decision.js'

/**
 * Mask a value by pattern: keep `keepStart` leading and `keepEnd` trailing characters.
 * A value too short to keep anything safely is masked whole.
 * @example maskValue('110101199003071234', { keepStart: 6, keepEnd: 4 }) // '110101********1234'
 */
export function maskValue(value: unknown, pattern: MaskPattern): string {
  const s = String(value)
  const char = pattern.char ?? '*'
  const chars = [...s]
  const keep = pattern.keepStart + pattern.keepEnd
  if (chars.length <= keep) return char.repeat(Math.max(chars.length, 4))
  return (
    chars.slice(0, pattern.keepStart).join('') +
    char.repeat(chars.length - keep) +
    (pattern.keepEnd ? chars.slice(-pattern.keepEnd).join('') : '')
  )
}

export type Projected<T> = Partial<T> & { maskedFields?: string[] }

export interface ProjectOptions {
  /** Company-specific masks overriding the catalog's (P4: configurable). */
  readonly masks?: Readonly<Record<string, MaskPattern>>
}

const whole: MaskPattern = { keepStart: 0, keepEnd: 0 }

/**
 * Apply a decision's field obligations to a record of `type`. Fields outside the catalog
 * (ids, timestamps) pass through. A denied decision projects to nothing.
 * @example
 * project(decide(agent, 'customer.view', c, env), 'customer', row)
 * // { id, name, phone: '138****5678', idNumber: '110101********1234', maskedFields: ['phone', 'idNumber'] }
 */
export function project<T extends Record<string, unknown>>(
  decision: Decision,
  type: ResourceType,
  record: T,
  options: ProjectOptions = {},
): Projected<T> {
  if (!decision.allowed) return {}
  const defs = catalog[type].fields as Readonly<Record<string, { mask?: MaskPattern }>>
  const levels = decision.obligations.fields
  const out: Record<string, unknown> = {}
  let masked: string[] | undefined
  for (const key of Object.keys(record)) {
    const level = levels[key]
    const value = record[key]
    if (level === undefined || level === 'read' || level === 'edit') out[key] = value
    else if (level === 'masked') {
      if (value === null || value === undefined) out[key] = value
      else {
        out[key] = maskValue(value, options.masks?.[key] ?? defs[key]?.mask ?? whole)
        ;(masked ??= []).push(key)
      }
    }
  }
  if (masked) out['maskedFields'] = masked
  return out as Projected<T>
}

/** The fields of a write the decision does not let the caller edit (empty = all editable). */
export function uneditableFields(
  decision: Decision,
  changes: Readonly<Record<string, unknown>>,
): string[] {
  if (!decision.allowed) return Object.keys(changes)
  const levels = decision.obligations.fields
  return Object.keys(changes).filter((k) => levels[k] !== undefined && levels[k] !== 'edit')
}
