export {
  REVIEW_ACTION,
  reviewableTypes,
  whoCanSee,
  type AccessEntry,
  type AccessReason,
  type WhoCanSee,
} from './who-can-see.service.js'
