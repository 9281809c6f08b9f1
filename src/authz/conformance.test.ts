import { evaluatePlan } from './index.js'
import { runConformance, type FilterFn } from './conformance.case.js'

/** The reference filter: the plan evaluated over rows in memory. */
const inMemory: FilterFn = async (plan, companyId, rows) =>
  rows
    .filter((r) => r.companyId === companyId)
    .filter(
      (r) => plan.kind === 'all' || (plan.kind === 'where' && evaluatePlan(plan.condition, r)),
    )
    .map((r) => r.id)

runConformance('in-memory plan', () => inMemory, 1000)
