export type { ApiKey } from './api-keys.js'
export {
  findApiKey,
  findApiKeyCompany,
  hashApiKey,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
} from './api-keys.repo.js'
