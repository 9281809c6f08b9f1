export * from './roles.js'
export * from './roles.service.js'
export {
  addToGroupUnchecked,
  assignRoleUnchecked,
  builtinRoleId,
  companyGroups,
  companyRoles,
  groupMemberIds,
  presetRoleIds,
  roleById,
  roleHolderIds,
  rolesRequireMfa,
  setUpCompanyRoles,
  storeGrant,
  storeRole,
  userRequiresMfa,
  type NewGrant,
  type NewRole,
} from './unchecked.service.js'
