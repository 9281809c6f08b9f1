// The number pools module's public face: its repository stays private (docs/resources.md).
export * from './number-pools.js'
export {
  addPoolNumber,
  createNumberPool,
  deleteNumberPool,
  getNumberPool,
  listNumberPools,
  listPoolNumbers,
  numberPoolRecords,
  numberPoolResource,
  phoneOf,
  removePoolNumber,
  updateNumberPool,
  usablePoolFor,
  type NumberPoolListFilter,
  type NumberPoolView,
} from './number-pools.service.js'
