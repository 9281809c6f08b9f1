export * from './positions.js'
export {
  companyPositions,
  createPosition,
  createPositionIn,
  defaultsOf,
  deletePosition,
  deletePositionIn,
  ensurePosition,
  getPosition,
  listPositions,
  positionNamed,
  setUpCompanyPositions,
  updatePosition,
  updatePositionIn,
} from './positions.service.js'
