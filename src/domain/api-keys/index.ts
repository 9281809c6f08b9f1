export type { ApiKey } from './api-keys.js'
export {
  API_KEY_PREFIX,
  authenticateApiKey,
  createApiKey,
  listApiKeys,
  resolveApiKey,
  revokeApiKey,
  revokeApiKeysOf,
} from './api-keys.service.js'
