import type { ErrorDetail } from '../../errors.js'
import { unstorableText } from '../storable-text.js'

/** [004] IVR导航: the keys a caller may press at one level of a menu. */
export const ivrDigits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const
export type IvrDigit = (typeof ivrDigits)[number]

/** What a key does: route to a queue, open a submenu, play a message, hang up. */
export const ivrActions = ['queue', 'submenu', 'message', 'hangup'] as const
export type IvrAction = (typeof ivrActions)[number]

/**
 * One option of a menu level. `queue` is set for (only) a queue action, `message` for a message,
 * `options` (the next level) for a submenu.
 */
export interface IvrOption {
  readonly digit: IvrDigit
  readonly label: string
  readonly action: IvrAction
  readonly queue?: string
  readonly message?: string
  readonly options?: readonly IvrOption[]
}

/** An IVR menu of one project (P10: its members may be granted it; nobody else knows it). */
export interface IvrMenu {
  readonly id: string
  readonly projectId: string
  readonly name: string
  readonly options: readonly IvrOption[]
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface IvrMenuInput {
  readonly name?: string
  readonly projectId?: string
  readonly options?: readonly IvrOption[]
}

/** Bounds of a menu: levels (the top one is 1), options over all levels, text lengths. */
export const ivrLimits = {
  depth: 5,
  options: 100,
  name: 100,
  label: 100,
  queue: 100,
  message: 1000,
} as const

/**
 * The tree trimmed, or what is wrong with it (paths under `path`): each level has 1 to 12
 * options with distinct digits; a submenu carries its next level and nothing else, a queue its
 * queue, a message its text, a hang-up nothing; at most `ivrLimits.depth` levels and
 * `ivrLimits.options` options in all.
 */
export function validateIvrOptions(
  options: readonly IvrOption[],
  path = 'body/options',
): { options: IvrOption[]; errors: ErrorDetail[] } {
  const errors: ErrorDetail[] = []
  let count = 0
  const text = (value: string, at: string, max: number): string => {
    const trimmed = value.trim()
    const problem = unstorableText(value)
    if (problem !== null) errors.push({ path: at, message: problem })
    else if (trimmed === '') errors.push({ path: at, message: 'must not be blank' })
    else if (trimmed.length > max) errors.push({ path: at, message: `at most ${max} characters` })
    return trimmed
  }
  const level = (items: readonly IvrOption[], at: string, depth: number): IvrOption[] => {
    if (items.length === 0) errors.push({ path: at, message: 'a menu level needs an option' })
    const seen = new Set<string>()
    return items.map((o, i) => {
      const here = `${at}/${i}`
      count++
      if (!(ivrDigits as readonly string[]).includes(o.digit)) {
        errors.push({ path: `${here}/digit`, message: 'one of 0-9, * and #' })
      } else if (seen.has(o.digit)) {
        errors.push({ path: `${here}/digit`, message: `digit ${o.digit} is used twice here` })
      }
      seen.add(o.digit)
      const out: { -readonly [K in keyof IvrOption]: IvrOption[K] } = {
        digit: o.digit,
        label: text(o.label, `${here}/label`, ivrLimits.label),
        action: o.action,
      }
      const extra = (['queue', 'message', 'options'] as const).filter(
        (k) => o[k] !== undefined && k !== needs(o.action),
      )
      for (const k of extra) {
        errors.push({ path: `${here}/${k}`, message: `not used by a ${o.action} option` })
      }
      if (o.action === 'queue') {
        if (o.queue === undefined) errors.push({ path: `${here}/queue`, message: 'required' })
        else out.queue = text(o.queue, `${here}/queue`, ivrLimits.queue)
      } else if (o.action === 'message') {
        if (o.message === undefined) errors.push({ path: `${here}/message`, message: 'required' })
        else out.message = text(o.message, `${here}/message`, ivrLimits.message)
      } else if (o.action === 'submenu') {
        if (depth >= ivrLimits.depth) {
          errors.push({
            path: `${here}/options`,
            message: `a menu has at most ${ivrLimits.depth} levels`,
          })
        } else if (o.options === undefined) {
          errors.push({ path: `${here}/options`, message: 'required' })
        } else out.options = level(o.options, `${here}/options`, depth + 1)
      }
      return out
    })
  }
  const checked = level(options, path, 1)
  if (count > ivrLimits.options) {
    errors.push({ path, message: `at most ${ivrLimits.options} options over all levels` })
  }
  return { options: checked, errors }
}

function needs(action: IvrAction): 'queue' | 'message' | 'options' | undefined {
  return action === 'queue'
    ? 'queue'
    : action === 'message'
      ? 'message'
      : action === 'submenu'
        ? 'options'
        : undefined
}
