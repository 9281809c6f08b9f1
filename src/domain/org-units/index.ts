export * from './org-units.js'
export { createOrgUnit, listOrgUnits, orgUnitSubtree, updateOrgUnit } from './org-units.service.js'
export { findOrgUnit, listSubtreeIds } from './org-units.repo.js'
