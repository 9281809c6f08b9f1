/**
 * Bounds on one condition's size. Parsing, compiling, planning, the SQL adapter and a recursive
 * schema all walk a condition recursively, so a tree nested thousands of levels deep overflows
 * the stack; these bounds are checked first, by a walk that does not recurse.
 */

/** At most this many nested operators (`and`, `or`, `not`), and this many operators in all. */
export const conditionLimits = { depth: 32, nodes: 256 } as const

export interface ConditionSizeProblem {
  /** Where, in the engine's notation (`when.and[0].not`). */
  readonly path: string
  readonly message: string
}

/**
 * The first way a condition, as received (any JSON, not yet validated), exceeds
 * `conditionLimits`, or undefined when it does not. Safe on any input: it keeps its own stack.
 * @example
 * conditionOversize({ not: { eq: [{ ref: 'resource.status' }, 'closed'] } }) // undefined
 * conditionOversize(nestedFortyTimes, 'roles[0].grants[1].when')
 * // { path: 'roles[0].grants[1].when.not.not…', message: 'conditions nest at most 32 levels deep' }
 */
export function conditionOversize(
  condition: unknown,
  path = 'when',
): ConditionSizeProblem | undefined {
  const pending: { node: unknown; depth: number; at: string }[] = [
    { node: condition, depth: 1, at: path },
  ]
  let nodes = 0
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, depth, at } = next
    nodes += 1
    if (depth > conditionLimits.depth)
      return { path: at, message: `conditions nest at most ${conditionLimits.depth} levels deep` }
    if (typeof node !== 'object' || node === null || Array.isArray(node)) continue
    for (const [op, arg] of Object.entries(node)) {
      const children = op === 'not' ? [arg] : op === 'and' || op === 'or' ? arg : undefined
      if (!Array.isArray(children)) continue
      if (nodes + pending.length + children.length > conditionLimits.nodes)
        return { path, message: `a condition holds at most ${conditionLimits.nodes} operators` }
      children.forEach((child: unknown, i) =>
        pending.push({
          node: child,
          depth: depth + 1,
          at: op === 'not' ? `${at}.not` : `${at}.${op}[${i}]`,
        }),
      )
    }
  }
  return undefined
}
