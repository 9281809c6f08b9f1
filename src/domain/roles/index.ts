export * from './roles.js'
export {
  addUserToGroup,
  assignRole,
  findBuiltinRole,
  findGrant,
  findPermissionGroup,
  findRole,
  findRolesByIds,
  insertGrant,
  insertPermissionGroup,
  insertRole,
  listActiveGrants,
  listRoleUserIds,
  listUserGroupIds,
  listUserRoleIds,
  removeUserFromGroup,
  revokeGrant,
  seedBuiltinRoles,
  seedPresets,
  unassignRole,
} from './roles.repo.js'
export * from './roles.service.js'
