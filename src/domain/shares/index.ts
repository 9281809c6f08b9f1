// W5: records shared with a team (its repository stays private, docs/resources.md).
export * from './shares.js'
export {
  createShare,
  listShares,
  MAX_SHARE_FIELDS,
  revokeShare,
  revokeSharesMadeBy,
  type ShareListRequest,
} from './shares.service.js'
