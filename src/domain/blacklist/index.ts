// The blacklist module's public face: its repository stays private (docs/resources.md).
export * from './blacklist.js'
export {
  addToBlacklist,
  blacklistRecords,
  blacklistResource,
  getBlacklistEntry,
  isBlacklisted,
  listBlacklist,
  removeFromBlacklist,
  type BlacklistView,
} from './blacklist.service.js'
