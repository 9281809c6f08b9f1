export * from './users.js'
export {
  addUser,
  getUser,
  listUsers,
  lockUser,
  patchUserProfile,
  positionIdLens,
  projectUser,
  setUserStatus,
  updateUser,
  userById,
  userIdsPlacedIn,
  userForAction,
  userDataLens,
  userRecords,
  userResource,
  visibleUser,
  visibleUserIds,
  type UserListFilter,
  type UserProfilePatch,
  type UserView,
} from './users.service.js'
export type { UserRow } from './users.table.js'
