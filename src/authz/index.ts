/**
 * Tessera's authorization engine: pure (no IO, no clock, no globals). Time, network and the
 * company's setup are inputs; decisions, plans and explanations are data.
 *
 * @example
 * import { compilePolicy, bindSubject, decide, planFilter, project } from './authz/index.js'
 * const engine = compilePolicy(policy)                 // once per policy version; throws PolicyError
 * const me = bindSubject(engine, subject)              // once per request
 * const d = decide(me, 'customer.view', customer, { now: Date.now(), ip })
 * if (d.allowed) reply(project(d, 'customer', row))   // hidden removed, secrets masked
 * const plan = planFilter(me, 'customer.view', env)   // same rules, as a list filter
 */
export {
  catalog,
  allActions,
  isAction,
  resourceOf,
  masks,
  type Action,
  type ActionOf,
  attributesOf,
  type AttrKind,
  type AttrOf,
  type FieldOf,
  type MaskPattern,
  type ResourceType,
  type Sensitivity,
} from './catalog.js'
export {
  compareOps,
  evaluatePlan,
  parseCondition,
  ConditionError,
  type CompareOp,
  type Condition,
  type Operand,
  type PlanCondition,
  type Ref,
} from './condition.js'
export { compileEnvCondition, type EnvPredicate } from './env-condition.js'
export { conditionLimits, conditionOversize, type ConditionSizeProblem } from './condition-size.js'
export {
  bindSubject,
  clearSharedCaches,
  compilePolicy,
  sharedCacheSizes,
  isHighRisk,
  PolicyError,
  withCeiling,
  type BoundSubject,
  type CompiledPolicy,
} from './compile.js'
export {
  check,
  decide,
  decideMany,
  effectivePermissions,
  explain,
  planFilter,
  type EffectivePermission,
  type Plan,
} from './decide.js'
export {
  reasonCodes,
  type Decision,
  type Explanation,
  type Obligations,
  type ReasonCode,
  type RuleRef,
  type TraceEntry,
} from './decision.js'
export { canDelegate, type DelegationVerdict } from './delegate.js'
export { permissionDiff, type PermissionChange, type PermissionDiff } from './effective.js'
export {
  maskValue,
  project,
  uneditableFields,
  type Projected,
  type ProjectOptions,
} from './mask.js'
export {
  fieldLevels,
  roleKinds,
  type Env,
  type FieldLevel,
  type FieldRules,
  type Grant,
  type Limits,
  type PermissionGroup,
  type Policy,
  type Resource,
  type Restriction,
  type Role,
  type RoleKind,
  type Scalar,
  type Scope,
  type Subject,
  type TemporaryGrant,
} from './model.js'
export {
  adminRole,
  builtinRoles,
  operatorRole,
  positionDefaults,
  presetRoles,
  supervisorRole,
  vipTeamGroup,
} from './presets.js'
