export * from './users.js'
export {
  findUser,
  insertUser,
  listUsers as listUserRows,
  updateUser as updateUserRow,
  userRowToUser,
} from './users.repo.js'
export { getUser, listUsers, updateUser } from './users.service.js'
export type { UserRow } from './users.table.js'
