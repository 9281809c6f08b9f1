// The number pools module's public face: its repository stays private (docs/resources.md).
export * from './number-pools.js'
export {
  addPoolNumber,
  addPoolNumbersIn,
  createNumberPool,
  deleteNumberPool,
  getNumberPool,
  listNumberPools,
  listPoolNumbers,
  numberPoolRecords,
  numberPoolResource,
  phoneOf,
  poolPhonesAmong,
  removePoolNumber,
  updateNumberPool,
  usablePoolFor,
  type NumberPoolListFilter,
  type NumberPoolView,
} from './number-pools.service.js'
