export * from './users.js'
export {
  findUser,
  insertUser,
  lockUser,
  updateUser as updateUserRow,
  userIdsInOrgUnit,
  userRowToUser,
  type UserListFilter,
} from './users.repo.js'
export {
  getUser,
  listUsers,
  patchUserProfile,
  projectUser,
  updateUser,
  userForAction,
  userDataLens,
  userRecords,
  userResource,
  visibleUser,
  visibleUserIds,
  type UserProfilePatch,
  type UserView,
} from './users.service.js'
export type { UserRow } from './users.table.js'
