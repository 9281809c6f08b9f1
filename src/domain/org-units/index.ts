export * from './org-units.js'
export {
  createOrgUnit,
  deleteOrgUnit,
  existingOrgUnit,
  getOrgUnit,
  listOrgUnits,
  orgUnitResource,
  orgUnitSubtree,
  orgUnitVisible,
  updateOrgUnit,
  visibleOrgUnit,
} from './org-units.service.js'
