export * from './org-units.js'
export {
  createOrgUnit,
  createOrgUnitIn,
  deleteOrgUnit,
  deleteOrgUnitIn,
  existingOrgUnit,
  getOrgUnit,
  listOrgUnits,
  orgUnitRecords,
  orgUnitResource,
  orgUnitSubtree,
  orgUnitVisible,
  updateOrgUnit,
  updateOrgUnitIn,
  visibleOrgUnit,
} from './org-units.service.js'
