export { createDb, type DbOptions } from './create-db.js'
export type { Database } from './database.js'
export { migrateToLatest } from './migrate.js'
export { APP_ROLE, withCompany } from './with-company.js'
