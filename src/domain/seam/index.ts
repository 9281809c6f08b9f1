export {
  containsPattern,
  defineResource,
  searchTerms,
  type Found,
  type ListFilter,
  type SearchField,
  type ListRequest,
  type Narrow,
  type ResourceSeam,
  type ResourceSpec,
} from './define-resource.js'
export {
  auditSafe,
  changedFields,
  createThrough,
  deleteThrough,
  updateThrough,
  writeProblem,
  type CreateThrough,
  type UpdateThrough,
} from './write.js'
export {
  defineListFilter,
  type FilterMatch,
  type FilterRule,
  type FilterRules,
} from './list-filter.js'
export { csvLine, exportCsv, type ExportSpec } from './export.js'
export { requiredText } from './text-input.js'
