export * from './users.js'
export { findUser, insertUser, listUsers, updateUser, userRowToUser } from './users.repo.js'
export type { UserRow } from './users.table.js'
